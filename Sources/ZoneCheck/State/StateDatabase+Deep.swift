public import Foundation
import GRDB

extension StateDatabase {
    /// Each zone's last verified comparison (deep check): what `DeepSchedule` plans from. Zones never
    /// compared are absent.
    public func deepComparisons() throws(StateError) -> [String: DeepSchedule.Comparison] {
        try read { db in
            var comparisons: [String: DeepSchedule.Comparison] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT zone, server, serial, time FROM deepComparison") {
                let zone: String = row["zone"]
                let time = Date(stateTime: row["time"])
                var comparison = comparisons[zone] ?? DeepSchedule.Comparison(time: time, serials: [:])
                comparison.time = max(comparison.time, time)
                // A stored serial outside 0...2^32-1 (a hand edit) is no serial: the zone is compared again.
                if let serial: Int64 = row["serial"], let value = UInt32(exactly: serial) {
                    comparison.serials[row["server"]] = value
                }
                comparisons[zone] = comparison
            }
            return comparisons
        }
    }

    /// Records that the zones were compared by transfer at `time`, with each server's verified serial then
    /// (nil: none), replacing their earlier comparison; zones not in `swept` (no longer configured) are
    /// forgotten. One transaction.
    public func recordDeepComparisons(
        _ zones: [String: [String: UInt32?]], at time: Date, swept: Set<String>
    ) throws(StateError) {
        try write { db in
            let forget = try db.makeStatement(sql: "DELETE FROM deepComparison WHERE zone = ?")
            for zone in try String.fetchAll(db, sql: "SELECT DISTINCT zone FROM deepComparison")
            where !swept.contains(zone) {
                try forget.execute(arguments: [zone])
            }
            let insert = try db.makeStatement(
                sql: "INSERT INTO deepComparison (zone, server, serial, time) VALUES (?, ?, ?, ?)")
            for (zone, serials) in zones {
                try forget.execute(arguments: [zone])
                for (server, serial) in serials {
                    try insert.execute(arguments: [zone, server, serial.map { Int64($0) }, time.stateTime])
                }
            }
        }
    }

    /// The start times of the last `count` runs that finished, in the order they ran (the run interval is
    /// estimated from them).
    public func recentRunStarts(_ count: Int) throws(StateError) -> [Date] {
        try read { db in
            try Double.fetchAll(
                db, sql: "SELECT started FROM run WHERE finished IS NOT NULL ORDER BY id DESC LIMIT ?",
                arguments: [count]
            ).reversed().map { Date(stateTime: $0) }
        }
    }

    /// The start of the oldest recorded run that finished and deep-compared a zone (nil: none yet): when the
    /// deep schedule began, for zones never compared (`DeepSchedule.plan(since:)`).
    public func firstDeepRunStart() throws(StateError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(started) FROM run WHERE deep = 1 AND finished IS NOT NULL")
                .map { Date(stateTime: $0) }
        }
    }
}
