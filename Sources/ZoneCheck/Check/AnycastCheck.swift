import DNSKit
import Foundation

/// Anycast copies seen through NSID (RFC 5001): one server address answered as several instances.
///
/// A sweep asks each zone once per server, so one instance answers for each zone. A server that answered
/// as more than one instance over the sweep is anycast; where its answer differs from the primary's serial,
/// the zone is asked again a few times (`check.retries` + 1) so other instances answer too. Instances that
/// give different serials for the same zone disagree: one of them missed the transfer, and a NOTIFY to the
/// address reaches only one. The decision is pure (`findings`); the asking is `Sweep.askInstances`.
public enum AnycastCheck {
    /// At most this many zones per anycast server are asked again in one sweep.
    public static let maxZonesAskedAgain = 64

    /// The servers (by index) that answered as more than one instance over the sweep.
    public static func anycastServers(_ serials: [[ServerObservation]]) -> Set<Int> {
        guard let width = serials.first?.count else { return [] }
        return Set(
            (0..<width).filter { m in
                var seen = Set<String>()
                for row in serials {
                    if let nsid = row[m].nsid { seen.insert(nsid) }
                    if seen.count > 1 { return true }
                }
                return false
            })
    }

    /// The (zone, server) pairs to ask again: an anycast server's answers whose serial is not the primary's,
    /// at most `maxZonesAskedAgain` per server.
    public static func toAskAgain(_ serials: [[ServerObservation]]) -> [(zone: Int, server: Int)] {
        let anycast = anycastServers(serials)
        var pairs: [(zone: Int, server: Int)] = []
        var counts: [Int: Int] = [:]
        for (z, row) in serials.enumerated() {
            let primary = row.first { $0.role == .primary }?.serial
            for m in anycast.sorted() where row[m].serial != nil && row[m].serial != primary {
                guard counts[m, default: 0] < maxZonesAskedAgain else { continue }
                counts[m, default: 0] += 1
                pairs.append((z, m))
            }
        }
        return pairs
    }

    /// One WARNING per server whose instances gave different serials for the zone, naming each instance and
    /// its serial.
    public static func findings(_ servers: [ServerObservation], zone: String) -> [Finding] {
        servers.compactMap { observed in
            let serials = observed.instanceSerials
            guard Set(serials.values).count > 1 else { return nil }
            let list = serials.sorted { $0.key < $1.key }.map { "\($0.key) serial \($0.value)" }
            return Finding(
                severity: .warning, kind: .anycastDisagrees, zone: zone, servers: [observed.server],
                message:
                    "\(observed.server) is an anycast address whose instances disagree on \(zone) ("
                    + IncidentGrouping.list(list) + "): a NOTIFY to the address reaches one instance only; make "
                    + "each instance transfer the zone (on each: rndc retransfer \(zone), knotc zone-retransfer, "
                    + "nsd-control transfer), or fix what keeps the lagging one from its primary")
        }
    }
}

extension Sweep {
    /// Asks again, `check.retries` + 1 times each, the zones `AnycastCheck.toAskAgain` picks, and records on
    /// their observations the serial each instance (NSID) gave, the first answer included.
    func askInstances(
        _ serials: [[ServerObservation]], zones: [DomainName], client: DNSClient, deadline: ContinuousClock.Instant
    ) async -> [[ServerObservation]] {
        let pairs = AnycastCheck.toAskAgain(serials)
        guard !pairs.isEmpty else { return serials }
        var options = queryOptions
        options.deadline = deadline
        options.retries = 0
        let once = options
        let rounds = max(1, settings.retries + 1)
        let members = fleet.members
        var result = serials
        let answers = await withTaskGroup(of: (Int, Int, [String: UInt32]).self) { group in
            for (z, m) in pairs {
                let endpoint = members[m].endpoint
                let zone = zones[z]
                group.addTask {
                    var seen: [String: UInt32] = [:]
                    for _ in 0..<rounds {
                        if case .answered(let answer) = await client.soa(zone: zone, at: endpoint, options: once),
                            let nsid = answer.edns?.nsidText
                        {
                            seen[nsid] = answer.serial
                        }
                    }
                    return (z, m, seen)
                }
            }
            var all: [(Int, Int, [String: UInt32])] = []
            for await answer in group { all.append(answer) }
            return all
        }
        for (z, m, seen) in answers {
            var instances = seen
            if let nsid = serials[z][m].nsid, let serial = serials[z][m].serial { instances[nsid] = serial }
            result[z][m].instanceSerials = instances
        }
        return result
    }
}
