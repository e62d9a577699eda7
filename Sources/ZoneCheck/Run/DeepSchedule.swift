public import Foundation

/// Which zones one `zonecheck run` compares by verified transfer (the deep check), so that every zone is
/// compared at least once per `check.deep` without the whole fleet's transfers landing on one run. Pure: the
/// zones' last comparisons, this run's serials, the clock and the run interval are given.
///
/// A run compares:
/// 1. every zone whose last comparison is dated after `now` (the clock went back: its age is unknown);
/// 2. every zone whose serial changed on any server since its last comparison (a server with no verified
///    serial now is no change: nothing says it changed);
/// 3. its share of the others, never-compared zones first then the oldest comparisons (ties by name):
///    `share = ceil(zones / (runs per period - 1))` with `runs per period = floor(period / interval)`, a
///    rotation that covers every zone one run before the period ends, so a late run does not make a zone
///    late. A first run compares its share too, not every zone: its transfers cost about a sweep, and the
///    rest follow over the period;
/// 4. beyond the share, every zone that would be older than the period at the next run (the share could not
///    keep up: the interval was underestimated, or zones were added). A zone never compared is as old as
///    the schedule (`since`, the oldest recorded deep run): on a fleet older than the period a new zone is
///    compared at once; in a fleet's first period, new zones join the rotation.
///
/// The run transfers the picked zones in `Plan.order`: changed serials first (something happened there),
/// then the overdue, then the rest of the rotation, so a deadline cuts off the least urgent.
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
        case serialChanged = "serial changed"
        /// Beyond the share: it would be older than `check.deep` at the next run.
        case overdue = "overdue"
        case clockWentBack = "compared in the future"
        /// Its turn in the rotation, never compared (they come first).
        case neverCompared = "never compared"
        /// Its turn in the rotation (the oldest comparisons first).
        case oldest = "oldest"

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
        /// The picked zones in the order their transfers start: by reason (changed serials first, the
        /// rotation last), then by name.
        public var order: [String] {
            reasons.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.map(\.key)
        }
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
    ///   - since: when the schedule began: the start of the oldest recorded run that compared a zone (nil:
    ///     none, this is the first). A zone never compared is overdue once `since` is a period old.
    public static func plan(
        zones: [String], last: [String: Comparison], current: [String: [String: UInt32]], now: Date,
        period: TimeInterval, interval: TimeInterval, since: Date? = nil
    ) -> Plan {
        var reasons: [String: Reason] = [:]
        // The rotation: never compared first (dated `since`, at most now), then the oldest comparisons.
        var others: [(zone: String, time: Date, never: Bool)] = []
        let since = min(since ?? now, now)
        for zone in zones where reasons[zone] == nil {
            guard let comparison = last[zone] else {
                others.append((zone, since, true))
                continue
            }
            if comparison.time > now {
                reasons[zone] = .clockWentBack
            } else if (current[zone] ?? [:]).contains(where: { comparison.serials[$0.key] != $0.value }) {
                reasons[zone] = .serialChanged
            } else {
                others.append((zone, comparison.time, false))
            }
        }
        others.sort {
            $0.never != $1.never ? $0.never : $0.time != $1.time ? $0.time < $1.time : $0.zone < $1.zone
        }
        let share = share(zones: zones.count, period: period, interval: interval)
        for (index, other) in others.enumerated() {
            if index < share {
                reasons[other.zone] = other.never ? .neverCompared : .oldest
            } else if now.timeIntervalSince(other.time) + interval > period {
                reasons[other.zone] = .overdue
            }
        }
        return Plan(reasons: reasons, share: share)
    }

    /// The deep check's pick as the sweep goes: the zones known before it (the rotation, the overdue, the
    /// clock gone back: they need no answer, so their transfers start with the sweep), then each zone an
    /// answer shows changed since its last comparison, picked when that answer arrives (its transfers start
    /// then, before the rest of the rotation's). Pure: the sweep's edge hands it each verified answer.
    ///
    /// The share is taken before any serial is known, so a zone in the rotation whose serial turns out to
    /// have changed is compared once, for its changed serial, and the rotation covers one zone fewer this
    /// run (the next run's share starts from the oldest again).
    public struct Pick: Sendable {
        /// Every zone picked so far, with its reason.
        public private(set) var plan: Plan
        /// The zones picked before any answer, in the order their transfers start.
        public let early: [String]
        let last: [String: Comparison]
        /// `run --deep`: every zone is early; answers pick nothing more.
        let forced: Bool

        /// `run --deep` (and `check --deep`): every zone at once.
        public static func all(_ zones: [String]) -> Pick {
            let plan = DeepSchedule.all(zones)
            return Pick(plan: plan, early: plan.order, last: [:], forced: true)
        }

        /// A run's pick: `plan` without serials (see `plan`), then `answered`.
        public static func spread(
            zones: [String], last: [String: Comparison], now: Date, period: TimeInterval, interval: TimeInterval,
            since: Date? = nil
        ) -> Pick {
            let plan = DeepSchedule.plan(
                zones: zones, last: last, current: [:], now: now, period: period, interval: interval, since: since)
            return Pick(plan: plan, early: plan.order, last: last, forced: false)
        }

        /// A verified answer of the sweep: `server` serves `zone` with `serial`. True when that picks the zone
        /// now (its serial changed since its last comparison and it was not picked yet): start its transfers.
        /// A zone already picked for its turn is marked as changed (its transfers are under way or done).
        /// A zone never compared is the rotation's; one compared "in the future" is already picked.
        public mutating func answered(zone: String, server: String, serial: UInt32) -> Bool {
            guard !forced, let comparison = last[zone], comparison.serials[server] != serial else { return false }
            switch plan.reasons[zone] {
            case nil:
                plan.reasons[zone] = .serialChanged
                return true
            case .oldest?, .overdue?:
                plan.reasons[zone] = .serialChanged
                return false
            default:
                return false
            }
        }
    }

    /// What a comparison is recorded with, per server: the serial of the copy its transfer verified (what
    /// was compared, whatever the SOA answer said before or after), else the sweep's verified serial (a
    /// transfer that failed has its own finding; counting it as a change would transfer that zone every
    /// run), else none. A copy transferred before the zone got a new serial is thus recorded with its old
    /// serial: the next run sees the change and compares the new copy.
    public static func comparedSerials(_ zone: ZoneObservation) -> [String: UInt32?] {
        var serials: [String: UInt32?] = [:]
        for server in zone.servers where serials[server.server] == nil { serials[server.server] = server.serial }
        for transfer in zone.transfers ?? [] {
            if case .transferred(let serial, _, _) = transfer.outcome { serials[transfer.server] = serial }
        }
        return serials
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
