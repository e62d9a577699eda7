public import Foundation

/// Which zones one `zonecheck run` compares by verified transfer (the deep check), so that every zone is
/// compared at least once per `check.deep` without the whole fleet's transfers landing on one run. Pure: the
/// zones' last comparisons, this run's serials, the clock and the run interval are given.
///
/// A run compares:
/// 1. every zone never compared (no record, or a new zone);
/// 2. every zone whose last comparison is dated after `now` (the clock went back: its age is unknown);
/// 3. every zone whose serial changed on any server since its last comparison (a server with no verified
///    serial now is no change: nothing says it changed);
/// 4. of the others, the oldest `share` (ties by name), `share = ceil(zones / (runs per period - 1))` with
///    `runs per period = floor(period / interval)`: a rotation that covers every zone one run before the
///    period ends, so a late run does not make a zone late;
/// 5. beyond the share, every zone that would be older than the period at the next run (the share could not
///    keep up: the interval was underestimated, or zones were added).
public enum DeepSchedule {
    /// The interval assumed when the recorded runs do not tell (fewer than two).
    public static let defaultInterval: TimeInterval = 300
    /// How many recorded runs the interval is estimated from.
    public static let intervalRuns = 12

    /// One zone's last verified comparison: when, and each server's verified serial then (a server without
    /// one is absent).
    public struct Comparison: Sendable, Equatable {
        public var time: Date
        public var serials: [String: UInt32]

        public init(time: Date, serials: [String: UInt32]) {
            self.time = time
            self.serials = serials
        }
    }

    /// Why a zone is compared this run.
    public enum Reason: String, Sendable, CaseIterable, Comparable {
        /// `run --deep`: every zone.
        case forced = "forced"
        case neverCompared = "never compared"
        case clockWentBack = "compared in the future"
        case serialChanged = "serial changed"
        /// Its turn in the rotation (the oldest comparisons first).
        case oldest = "oldest"
        /// Beyond the share: it would be older than `check.deep` at the next run.
        case overdue = "overdue"

        public static func < (lhs: Reason, rhs: Reason) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The zones one run compares, and why.
    public struct Plan: Sendable, Equatable {
        public var reasons: [String: Reason]
        /// The rotation's size this run (zones compared for their turn alone).
        public var share: Int

        public var zones: Set<String> { Set(reasons.keys) }
        public var count: Int { reasons.count }
        public func count(_ reason: Reason) -> Int { reasons.values.count { $0 == reason } }

        /// `917 deep-compared (12 serial changed, 905 oldest)`, for the run's summary line.
        public var description: String {
            let parts = Reason.allCases.compactMap { reason in
                let n = count(reason)
                return n == 0 ? nil : "\(n) \(reason.rawValue)"
            }
            return "\(count) deep-compared" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
        }
    }

    /// `run --deep`: every zone.
    public static func all(_ zones: [String]) -> Plan {
        Plan(reasons: Dictionary(zones.map { ($0, .forced) }, uniquingKeysWith: { first, _ in first }), share: 0)
    }

    /// - Parameters:
    ///   - zones: every zone this run sweeps.
    ///   - last: each zone's last verified comparison (zones without one were never compared).
    ///   - current: this run's verified serials, by zone then server.
    ///   - now: when this run started (comparisons are dated so).
    ///   - period: `check.deep`.
    ///   - interval: the time between runs (`runInterval(starts:)`).
    public static func plan(
        zones: [String], last: [String: Comparison], current: [String: [String: UInt32]], now: Date,
        period: TimeInterval, interval: TimeInterval
    ) -> Plan {
        var reasons: [String: Reason] = [:]
        var others: [(zone: String, time: Date)] = []
        for zone in zones where reasons[zone] == nil {
            guard let comparison = last[zone] else {
                reasons[zone] = .neverCompared
                continue
            }
            if comparison.time > now {
                reasons[zone] = .clockWentBack
            } else if (current[zone] ?? [:]).contains(where: { comparison.serials[$0.key] != $0.value }) {
                reasons[zone] = .serialChanged
            } else {
                others.append((zone, comparison.time))
            }
        }
        others.sort { $0.time != $1.time ? $0.time < $1.time : $0.zone < $1.zone }
        let share = share(zones: zones.count, period: period, interval: interval)
        for (index, other) in others.enumerated() {
            if index < share {
                reasons[other.zone] = .oldest
            } else if now.timeIntervalSince(other.time) + interval > period {
                reasons[other.zone] = .overdue
            } else {
                break  // sorted oldest first: the rest are younger still
            }
        }
        return Plan(reasons: reasons, share: share)
    }

    /// This sweep's verified serials by zone then server (`zones` in the sweep's order), as `plan` takes them.
    public static func serials(_ sweep: [[ServerObservation]], zones: [String]) -> [String: [String: UInt32]] {
        var serials: [String: [String: UInt32]] = [:]
        for (zone, servers) in zip(zones, sweep) {
            for server in servers {
                if let serial = server.serial { serials[zone, default: [:]][server.server] = serial }
            }
        }
        return serials
    }

    /// How many zones a run compares for their turn: all of them within `floor(period / interval) - 1` runs
    /// (one run of margin), at least one run.
    public static func share(zones: Int, period: TimeInterval, interval: TimeInterval) -> Int {
        guard zones > 0 else { return 0 }
        let interval = interval > 0 ? interval : defaultInterval
        guard period.isFinite, period > 0 else { return zones }
        let runs = max(1.0, (period / interval).rounded(.down) - 1)
        guard runs < Double(zones) else { return 1 }
        return Int((Double(zones) / runs).rounded(.up))
    }

    /// The time between runs, from the start times of the last recorded runs: the median gap between
    /// consecutive ones (gaps that are not positive, from a clock that went back, are left out);
    /// `defaultInterval` when they do not tell.
    public static func runInterval(starts: [Date]) -> TimeInterval {
        let sorted = starts.suffix(intervalRuns)
        let gaps = zip(sorted, sorted.dropFirst()).map { $1.timeIntervalSince($0) }.filter { $0 > 0 }.sorted()
        guard !gaps.isEmpty else { return defaultInterval }
        let middle = gaps.count / 2
        return gaps.count % 2 == 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2
    }
}
