public import Foundation
import GRDB

/// One finished (or killed) run, as `status` and the digest show it.
public struct RunSummary: Sendable, Equatable {
    public var id: Int64
    public var started: Date
    public var finished: Date?
    public var zones: Int
    public var deep: Bool
    public var status: Severity?
    public var summary: String?

    public init(
        id: Int64, started: Date, finished: Date?, zones: Int, deep: Bool, status: Severity?, summary: String?
    ) {
        self.id = id
        self.started = started
        self.finished = finished
        self.zones = zones
        self.deep = deep
        self.status = status
        self.summary = summary
    }
}

/// One row of the observation change log.
public struct ObservationChange: Sendable, Equatable {
    public var time: Date
    public var zone: String
    public var server: String
    public var serial: UInt32?
    public var state: String
    public var rttMilliseconds: Double?
    public var detail: String?
}

/// The per-server figures of one run.
public struct ServerRunRow: Sendable, Equatable {
    public var runID: Int64
    public var time: Date
    public var stats: ServerRunStats

    public init(runID: Int64, time: Date, stats: ServerRunStats) {
        self.runID = runID
        self.time = time
        self.stats = stats
    }
}

/// One automatic repair attempt as stored.
public struct RepairAttemptRow: Sendable, Equatable {
    public var zone: String
    public var started: Date
    public var finished: Date?
    public var status: String
    public var actions: String
    public var detail: String?
}

extension StateDatabase {
    public func lastRun() throws(StateError) -> RunSummary? {
        try runs(where: "1", arguments: [], limit: 1).first
    }

    /// Runs started within [since, until], newest first.
    public func runs(since: Date, until: Date) throws(StateError) -> [RunSummary] {
        try runs(where: "started >= ? AND started <= ?", arguments: [since.stateTime, until.stateTime], limit: nil)
    }

    private func runs(where condition: String, arguments: StatementArguments, limit: Int?) throws(StateError)
        -> [RunSummary]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM run WHERE \(condition) ORDER BY started DESC, id DESC"
                    + (limit.map { " LIMIT \($0)" } ?? ""), arguments: arguments
            ).map { row in
                let finished: Double? = row["finished"]
                let status: Int? = row["status"]
                return RunSummary(
                    id: row["id"], started: Date(stateTime: row["started"]),
                    finished: finished.map { Date(stateTime: $0) }, zones: row["zones"], deep: row["deep"],
                    status: status.flatMap { Severity(rawValue: $0) }, summary: row["summary"])
            }
        }
    }

    /// Incidents of `zone` (nil: every zone) that were open at some time within [since, until].
    public func incidents(zone: String? = nil, since: Date, until: Date) throws(StateError) -> [Incident] {
        try read { db in
            var condition = "openedAt <= ? AND (resolvedAt IS NULL OR resolvedAt >= ?)"
            var arguments: StatementArguments = [until.stateTime, since.stateTime]
            if let zone {
                condition += " AND zone = ?"
                _ = arguments.append(contentsOf: [zone])
            }
            return try Self.incidents(db, where: condition, arguments: arguments)
        }
    }

    /// The observation change log of one zone within [since, until], oldest first.
    public func observations(zone: String, since: Date, until: Date) throws(StateError) -> [ObservationChange] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM observation WHERE zone = ? AND time >= ? AND time <= ? ORDER BY time, id",
                arguments: [zone, since.stateTime, until.stateTime]
            ).map { row in
                let serial: Int64? = row["serial"]
                return ObservationChange(
                    time: Date(stateTime: row["time"]), zone: row["zone"], server: row["server"],
                    serial: serial.map { UInt32(truncatingIfNeeded: $0) }, state: row["state"],
                    rttMilliseconds: row["rttMs"], detail: row["detail"])
            }
        }
    }

    /// Per-server figures of the runs within [since, until], oldest first.
    public func serverRuns(since: Date, until: Date) throws(StateError) -> [ServerRunRow] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM serverRun WHERE time >= ? AND time <= ? ORDER BY time, runId",
                arguments: [since.stateTime, until.stateTime]
            ).map { row in
                ServerRunRow(
                    runID: row["runId"], time: Date(stateTime: row["time"]),
                    stats: ServerRunStats(
                        server: row["server"], queries: row["queries"], answered: row["answered"],
                        authFailures: row["authFailures"], rttMedianMilliseconds: row["rttMedianMs"],
                        lagging: row["lagging"], status: Severity(rawValue: row["status"]) ?? .unknown,
                        signaturesEnd: (row["signaturesEnd"] as Double?).map { Date(stateTime: $0) },
                        instances: (row["instances"] as String?).map { $0.split(separator: ",").map(String.init) } ?? []
                    ))
            }
        }
    }

    /// Automatic repair attempts of `zone` (nil: all) within [since, until], oldest first.
    public func repairAttempts(zone: String? = nil, since: Date, until: Date) throws(StateError) -> [RepairAttemptRow] {
        try read { db in
            var sql = "SELECT * FROM repairAttempt WHERE started >= ? AND started <= ?"
            var arguments: StatementArguments = [since.stateTime, until.stateTime]
            if let zone {
                sql += " AND zone = ?"
                _ = arguments.append(contentsOf: [zone])
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY started, id", arguments: arguments).map { row in
                let finished: Double? = row["finished"]
                return RepairAttemptRow(
                    zone: row["zone"], started: Date(stateTime: row["started"]),
                    finished: finished.map { Date(stateTime: $0) }, status: row["status"], actions: row["actions"],
                    detail: row["detail"])
            }
        }
    }

    /// Integrity of the database (for tests and `status`): SQLite's own check and the one-open-per-key rule.
    public func integrityProblems() throws(StateError) -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let duplicates =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM (SELECT zone, problem FROM incident WHERE resolvedAt IS NULL "
                        + "GROUP BY zone, problem HAVING COUNT(*) > 1)") ?? 0
            if duplicates > 0 { problems.append("\(duplicates) (zone, problem) pairs with two open incidents") }
            return problems
        }
    }
}
