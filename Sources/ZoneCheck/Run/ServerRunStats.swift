public import Foundation

/// How one server did in one run: what the digest's per-server health adds up. Pure, from the verdicts.
public struct ServerRunStats: Sendable, Equatable {
    public var server: String
    public var queries: Int
    /// Verified answers.
    public var answered: Int
    public var authFailures: Int
    public var rttMedianMilliseconds: Double?
    /// Zones on which it lags (any lag, within grace or not).
    public var lagging: Int
    /// Its worst state across zones, as a severity.
    public var status: Severity
    /// The earliest RRSIG(SOA) expiration it serves across the signed zones; nil when it serves none signed.
    public var signaturesEnd: Date?
    /// The instances (NSIDs) that answered for it, sorted; more than one: an anycast address.
    public var instances: [String]

    /// At most this many instance names are kept per server and run.
    public static let maxInstances = 8

    public init(
        server: String, queries: Int, answered: Int, authFailures: Int, rttMedianMilliseconds: Double?, lagging: Int,
        status: Severity, signaturesEnd: Date? = nil, instances: [String] = []
    ) {
        self.signaturesEnd = signaturesEnd
        self.instances = instances
        self.server = server
        self.queries = queries
        self.answered = answered
        self.authFailures = authFailures
        self.rttMedianMilliseconds = rttMedianMilliseconds
        self.lagging = lagging
        self.status = status
    }

    /// One row per server of `servers` (configuration order).
    public static func make(_ verdicts: [ZoneVerdict], servers: [String]) -> [ServerRunStats] {
        servers.map { server in
            var stats = ServerRunStats(
                server: server, queries: 0, answered: 0, authFailures: 0, rttMedianMilliseconds: nil, lagging: 0,
                status: .ok)
            var rtts: [Double] = []
            var instances = Set<String>()
            for verdict in verdicts {
                guard let cell = verdict.servers.first(where: { $0.server == server }) else { continue }
                stats.queries += 1
                if cell.serial != nil { stats.answered += 1 }
                if cell.state == .authFailed { stats.authFailures += 1 }
                if cell.state == .lagging { stats.lagging += 1 }
                if let rtt = cell.rttMilliseconds { rtts.append(rtt) }
                if let end = cell.soaRRSIG?.expiration, end < stats.signaturesEnd ?? .distantFuture {
                    stats.signaturesEnd = end
                }
                if let nsid = cell.nsid { instances.insert(nsid) }
                let worst = verdict.findings.filter { $0.servers.contains(server) }.map(\.severity).max() ?? .ok
                stats.status = max(stats.status, worst)
            }
            stats.rttMedianMilliseconds = median(rtts)
            stats.instances = Array(instances.sorted().prefix(maxInstances))
            return stats
        }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
