public import DNSKit

/// The deep check's effects: a verified AXFR of every zone from every server (RFC 5936, TSIG checked on
/// every message by the transport), reduced to the RFC 8976 SIMPLE digest, keeping the records for the
/// record-level diff `Compare` shows when digests differ.
///
/// Memory: the records of one zone from every server are held until the zone's verdict; fine for the
/// zones of a registrar (thousands of small zones), not for one zone of millions of records (a later
/// issue: transfer again only the servers whose digests differ).
public struct DeepCheck: Sendable {
    public var fleet: Fleet
    public var settings: CheckSettings
    /// Transfers running at once per server. Zones are taken zone by zone across the servers, so each
    /// server has about this many connections open; on a 310 ms link a small zone's transfer takes about
    /// two round trips, so 16 per server moves ~25 zones a second from the farthest one.
    public var parallelTransfers: Int

    public init(fleet: Fleet, settings: CheckSettings, parallelTransfers: Int = 16) {
        self.fleet = fleet
        self.settings = settings
        self.parallelTransfers = parallelTransfers
    }

    /// The transfer limits: waits at least as long as a query may.
    public var limits: AXFRLimits {
        var limits = AXFRLimits()
        limits.connectTimeout = max(settings.timeout, .seconds(1))
        limits.idleTimeout = max(settings.timeout * (settings.retries + 1), limits.idleTimeout)
        return limits
    }

    /// One transfer per zone and server, in the order of `zones` and of the fleet.
    public func transfers(of zones: [DomainName], client: DNSClient) async -> [[TransferObservation]] {
        let members = fleet.members
        let limits = limits
        let total = zones.count * members.count
        var outcomes = [TransferObservation.Outcome?](repeating: nil, count: total)
        await withTaskGroup(of: (Int, TransferObservation.Outcome).self) { group in
            var next = 0
            func add() {
                let index = next
                let zone = zones[index / members.count]
                let endpoint = members[index % members.count].endpoint
                group.addTask { (index, await Self.transfer(zone, from: endpoint, limits: limits, client: client)) }
                next += 1
            }
            while next < min(max(1, parallelTransfers) * max(1, members.count), total) { add() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                if next < total { add() }
            }
        }
        return zones.indices.map { z in
            members.indices.map { m in
                TransferObservation(
                    server: members[m].name,
                    outcome: outcomes[z * members.count + m]
                        ?? .failed(
                            QueryError(
                                zone: zones[z], server: members[m].endpoint, kind: .axfr,
                                failure: .transferBroken("no outcome recorded"))))
            }
        }
    }

    static func transfer(
        _ zone: DomainName, from endpoint: ServerEndpoint, limits: AXFRLimits, client: DNSClient
    ) async -> TransferObservation.Outcome {
        let digest = ZoneDigestBuilder(origin: zone)
        var records: [ResourceRecord] = []
        let outcome = await client.axfr(zone: zone, from: endpoint, limits: limits) { record in
            digest.add(record)
            records.append(record)
        }
        switch outcome {
        case .complete(let stats):
            let summary = digest.finish()
            guard let serial = stats.serial ?? summary.soa?.serial.rawValue else {
                return .failed(
                    QueryError(
                        zone: zone, server: endpoint, kind: .axfr, failure: .transferBroken("no SOA serial seen")))
            }
            return .transferred(serial: serial, digest: summary.digestHex, records: records)
        case .failed(let error, _):
            return .failed(error)
        }
    }
}
