public import DNSKit
import Foundation

/// The deep check's effects: a verified AXFR of every zone from every server (RFC 5936, TSIG checked on
/// every message by the transport), reduced to the RFC 8976 SIMPLE digest, keeping the records for the
/// record-level diff `Compare` shows when digests differ.
///
/// Memory: the records of one zone from every server are held until all of that zone's transfers are
/// done, then kept only where a digest differs from the primary's (for the diff); so thousands of zones
/// cost the transfers in flight plus the diverged copies. One zone of millions of records is still held
/// whole per server while it transfers.
public struct DeepCheck: Sendable {
    public var fleet: Fleet
    public var settings: CheckSettings
    /// Transfers running at once per server. Zones are taken zone by zone across the servers, so each
    /// server has about this many connections open. 8: BIND serves at most `transfers-out` (default 10)
    /// at once and answers the next one SERVFAIL ("quota reached"), and its real secondaries need room too.
    /// A transfer refused that way is tried once more after a second.
    public var parallelTransfers: Int
    /// Told how many transfers are done, for a progress line on a terminal.
    public var progress: ProgressReport? = nil

    public init(fleet: Fleet, settings: CheckSettings, parallelTransfers: Int = 8) {
        self.fleet = fleet
        self.settings = settings
        self.parallelTransfers = parallelTransfers
    }

    /// The transfer limits: waits at least as long as a query may; at most `check.max_transfer_size` octets
    /// and `check.max_transfer_records` records per transfer.
    public var limits: AXFRLimits {
        var limits = AXFRLimits()
        limits.connectTimeout = max(settings.timeout, .seconds(1))
        limits.idleTimeout = max(settings.timeout * (settings.retries + 1), limits.idleTimeout)
        limits.maxBytes = settings.maxTransferSize
        limits.maxRecords = settings.maxTransferRecords
        return limits
    }

    /// One transfer per zone and server, in the order of `zones` and of the fleet. Every transfer ends by
    /// `deadline` (the check's, `check.deadline` after it started): one still running then is cut off
    /// (BAD-ANSWER, with what it sent), and one whose turn comes after it is not started.
    public func transfers(
        of zones: [DomainName], client: DNSClient, deadline: ContinuousClock.Instant? = nil
    ) async -> [[TransferObservation]] {
        let done = await transfers(early: zones, later: nil, client: client, deadline: deadline)
        return zones.map { done[$0] ?? [] }
    }

    /// The transfers of zones handed over as they become known: `early` from the start, in its order, then
    /// each zone `later` yields (a changed serial found by the sweep), ahead of the early zones not yet
    /// started, until `later` finishes. A zone given twice is transferred once. Each server has at most
    /// `parallelTransfers` transfers in flight, one connection each; at most `openZones` zones are under
    /// way at once (started on a server, not yet done on every one), so a slow server holds back the
    /// others rather than let their records pile up. Every transfer ends by `deadline`, as above.
    /// - Returns: each transferred zone's transfers, in the fleet's order.
    public func transfers(
        early: [DomainName], later: AsyncStream<DomainName>?, client: DNSClient,
        deadline: ContinuousClock.Instant? = nil
    ) async -> [DomainName: [TransferObservation]] {
        let members = fleet.members
        let limits = limits
        var queue = DeepTransferQueue(
            servers: members.count, perServer: parallelTransfers, openZones: max(16, 4 * parallelTransfers))
        var zones: [DomainName] = []
        var known: Set<DomainName> = []
        var outcomes: [TransferObservation.Outcome?] = []
        var signatures: [TransferSignatures?] = []
        var finished = 0
        func add(_ zone: DomainName, urgent: Bool) {
            guard known.insert(zone).inserted else { return }
            zones.append(zone)
            outcomes += [TransferObservation.Outcome?](repeating: nil, count: members.count)
            signatures += [TransferSignatures?](repeating: nil, count: members.count)
            _ = queue.add(urgent: urgent)
        }
        for zone in early { add(zone, urgent: false) }
        enum Event: Sendable {
            case transferred(Int, TransferObservation.Outcome, TransferSignatures?)
            case zone(DomainName?)
        }
        await withTaskGroup(of: Event.self) { group in
            func listen() {
                guard let later else { return }
                group.addTask {
                    var iterator = later.makeAsyncIterator()
                    return .zone(await iterator.next())
                }
            }
            func fill() {
                for (z, m) in queue.takeAll() {
                    let zone = zones[z]
                    let endpoint = members[m].endpoint
                    let index = z * members.count + m
                    group.addTask {
                        let read = await Self.transferRead(
                            zone, from: endpoint, limits: limits, deadline: deadline, client: client)
                        return .transferred(index, read.outcome, read.signatures)
                    }
                }
            }
            listen()
            fill()
            while let event = await group.next() {
                switch event {
                case .zone(let zone?):
                    add(zone, urgent: true)
                    listen()
                case .zone(nil):
                    break
                case .transferred(let index, let outcome, let read):
                    outcomes[index] = outcome
                    signatures[index] = read
                    let z = index / members.count
                    finished += 1
                    progress?(ProgressStep(work: "transfers", done: finished, total: zones.count * members.count))
                    if queue.finished(zone: z, server: index % members.count) {
                        Self.dropAgreeingRecords(&outcomes, zone: z, members: members)
                    }
                }
                fill()
            }
        }
        var result: [DomainName: [TransferObservation]] = [:]
        for (z, zone) in zones.enumerated() {
            result[zone] = members.indices.map { m in
                TransferObservation(
                    server: members[m].name,
                    outcome: outcomes[z * members.count + m]
                        ?? .failed(
                            QueryError(
                                zone: zone, server: members[m].endpoint, kind: .axfr,
                                failure: .transferBroken("no outcome recorded"))),
                    signatures: signatures[z * members.count + m])
            }
        }
        return result
    }

    /// Memory stays flat over thousands of zones: records are kept only for the record-level diff of a
    /// copy whose digest differs from the primary's (and the primary's own, to diff against).
    static func dropAgreeingRecords(
        _ outcomes: inout [TransferObservation.Outcome?], zone z: Int, members: [Fleet.Member]
    ) {
        let row = (z * members.count)..<((z + 1) * members.count)
        guard let p = members.firstIndex(where: { $0.role == .primary }),
            case .transferred(_, let reference, _) = outcomes[row.lowerBound + p]
        else {
            // Nothing to diff against: no diff will be made.
            for i in row {
                if case .transferred(let serial, let digest, _) = outcomes[i] {
                    outcomes[i] = .transferred(serial: serial, digest: digest, records: [])
                }
            }
            return
        }
        var anyDiffers = false
        for i in row {
            guard case .transferred(let serial, let digest, _) = outcomes[i] else { continue }
            if digest == reference {
                if i != row.lowerBound + p { outcomes[i] = .transferred(serial: serial, digest: digest, records: []) }
            } else {
                anyDiffers = true
            }
        }
        if !anyDiffers, case .transferred(let serial, let digest, _) = outcomes[row.lowerBound + p] {
            outcomes[row.lowerBound + p] = .transferred(serial: serial, digest: digest, records: [])
        }
    }

    static func transfer(
        _ zone: DomainName, from endpoint: ServerEndpoint, limits: AXFRLimits, deadline: ContinuousClock.Instant?,
        client: DNSClient
    ) async -> TransferObservation.Outcome {
        await transferRead(zone, from: endpoint, limits: limits, deadline: deadline, client: client).outcome
    }

    /// The transfer and its DNSSEC as read while it streamed in (nil when it failed).
    static func transferRead(
        _ zone: DomainName, from endpoint: ServerEndpoint, limits: AXFRLimits, deadline: ContinuousClock.Instant?,
        client: DNSClient
    ) async -> (outcome: TransferObservation.Outcome, signatures: TransferSignatures?) {
        let first = await transferOnce(zone, from: endpoint, limits: limits, deadline: deadline, client: client)
        // SERVFAIL to an AXFR is how BIND says "transfers-out quota reached": once more, a second later.
        guard case .failed(let error) = first.outcome, error.failure == .servfail else { return first }
        try? await Task.sleep(for: .seconds(1))
        return await transferOnce(zone, from: endpoint, limits: limits, deadline: deadline, client: client)
    }

    static func transferOnce(
        _ zone: DomainName, from endpoint: ServerEndpoint, limits: AXFRLimits, deadline: ContinuousClock.Instant?,
        client: DNSClient
    ) async -> (outcome: TransferObservation.Outcome, signatures: TransferSignatures?) {
        var limits = limits
        if let deadline {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                return (
                    .failed(
                        QueryError(
                            zone: zone, server: endpoint, kind: .axfr,
                            failure: .transferBroken(
                                "not transferred: the check's deadline (check.deadline) passed first"))), nil
                )
            }
            limits.totalTimeout = min(limits.totalTimeout, left)
        }
        let digest = ZoneDigestBuilder(origin: zone)
        var records: [ResourceRecord] = []
        var signatures = TransferSignatures.Reader(origin: zone)
        let outcome = await client.axfr(zone: zone, from: endpoint, limits: limits) { record in
            do throws(ZoneDigestError) {
                try digest.include(record)
            } catch {
                throw QueryFailure.transferBroken(.unusableRecord(error.description))
            }
            records.append(record)
            signatures.add(record)
        }
        switch outcome {
        case .complete(let stats):
            let summary: ZoneSummary
            do {
                summary = try digest.summary()
            } catch {
                return (
                    .failed(
                        QueryError(
                            zone: zone, server: endpoint, kind: .axfr,
                            failure: .transferBroken(.unusableRecord(error.description)))), nil
                )
            }
            guard let serial = stats.serial ?? summary.soa?.serial.rawValue else {
                return (
                    .failed(
                        QueryError(
                            zone: zone, server: endpoint, kind: .axfr, failure: .transferBroken("no SOA serial seen"))),
                    nil
                )
            }
            return (
                .transferred(serial: serial, digest: summary.digestHex, records: records),
                signatures.finish(observed: Date(), zonemd: summary.zonemd)
            )
        case .failed(let error, _):
            return (.failed(error), nil)
        }
    }
}
