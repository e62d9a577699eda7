public import Foundation

/// Since when a (zone, server, problem) has been seen without a break: what dates a lag ("since 06:31 UTC
/// (12 min)") and decides whether it outlasted `check.lag_grace`. `run` carries the starts from one run to the
/// next and stores them (`RunRecord.problemStarts`); `check` only reads them. Pure.
public struct ProblemStart: Sendable, Hashable {
    public var zone: String
    public var server: String
    public var problem: FindingKind
    public var since: Date

    public init(zone: String, server: String, problem: FindingKind, since: Date) {
        self.zone = zone
        self.server = server
        self.problem = problem
        self.since = since
    }

    /// This run's (zone, server, problem) triples, each keeping its earlier start when it was already seen
    /// at the previous run, else starting `now`.
    public static func carry(_ verdicts: [ZoneVerdict], previous: [ProblemStart], now: Date) -> [ProblemStart] {
        let before = earlier(previous)
        var seen: Set<Key> = []
        var starts: [ProblemStart] = []
        for verdict in verdicts {
            for finding in verdict.findings {
                for server in finding.servers {
                    let key = Key(zone: verdict.zone, server: server, problem: finding.kind)
                    guard seen.insert(key).inserted else { continue }
                    starts.append(
                        ProblemStart(zone: key.zone, server: server, problem: key.problem, since: before[key] ?? now))
                }
            }
        }
        return starts
    }

    /// Per zone, the `LagClock` of its lagging servers: what `check` gives `Compare` (the stored starts) and
    /// what `run` dates its incidents and metrics with (this run's carried starts).
    public static func lagClocks(_ starts: [ProblemStart], now: Date, grace: Duration) -> [String: LagClock] {
        var since: [String: [String: Date]] = [:]
        for start in starts where start.problem == .lagging {
            since[start.zone, default: [:]][start.server] = start.since
        }
        return since.mapValues { LagClock(since: $0, now: now, grace: grace) }
    }

    /// The `LagClock` of `zone` before this run's verdict, as `carry` will date its lags: a lag of `server`
    /// that the previous run saw keeps its start, any other starts `now` (this run is the first to see it).
    /// What `run` gives `Compare`, so that each zone is decided once: a server that does not lag is never
    /// asked about.
    public static func lagClock(
        zone: String, servers: [String], carrying previous: [Key: Date], now: Date, grace: Duration
    ) -> LagClock {
        var since: [String: Date] = [:]
        for server in servers {
            since[server] = previous[Key(zone: zone, server: server, problem: .lagging)] ?? now
        }
        return LagClock(since: since, now: now, grace: grace)
    }

    /// A problem of a server on a zone, whatever its start.
    public struct Key: Hashable, Sendable {
        public var zone: String
        public var server: String
        public var problem: FindingKind
    }

    /// The starts by key; of two starts of one key, the earlier.
    public static func earlier(_ starts: [ProblemStart]) -> [Key: Date] {
        Dictionary(
            starts.map { (Key(zone: $0.zone, server: $0.server, problem: $0.problem), $0.since) },
            uniquingKeysWith: min)
    }
}
