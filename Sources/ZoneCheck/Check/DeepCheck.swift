public import DNSKit
import Foundation

/// The deep check's effects: a verified AXFR of every zone from every server (RFC 5936, TSIG checked on
/// every message by the transport), reduced to the RFC 8976 SIMPLE digest, keeping the records for the
/// record-level diff `Compare` shows when digests differ.
///
/// Memory: the records of one zone from every server are held until all of that zone's transfers are
/// done, then kept only where a digest differs from the primary's (for the diff); a server runs at most
/// `lead` zones ahead of the slowest, so thousands of zones cost those zones' records plus the diverged
/// copies. One zone of millions of records is still held whole per server while it transfers.
public struct DeepCheck: Sendable {
    public var fleet: Fleet
    public var settings: CheckSettings
    /// Transfers running at once per server: its connections, each carrying one transfer at a time. 8:
    /// BIND serves at most `transfers-out` (default 10) at once and answers the next one SERVFAIL ("quota
    /// reached"), and its real secondaries need room too. A transfer refused that way is tried once more
    /// after a second.
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
    ///
    /// Each server gets `parallelTransfers` connections of its own, each carrying its transfers one after
    /// another (`DNSClient.axfrSeries`): a slow server never holds more than that many, whatever the others
    /// do, and no transfer pays for a TCP handshake but the first on its connection. A server runs at most
    /// `lead` zones ahead of the oldest zone not yet done everywhere, so the records held for the diff stay
    /// few.
    public func transfers(
        of zones: [DomainName], client: DNSClient, deadline: ContinuousClock.Instant? = nil
    ) async -> [[TransferObservation]] {
        let members = fleet.members
        guard !zones.isEmpty, !members.isEmpty else { return zones.map { _ in [] } }
        let limits = limits
        let parallel = max(1, parallelTransfers)
        let board = TransferBoard(
            zones: zones.count, members: members, lead: max(64, 8 * parallel), progress: progress)
        await withTaskGroup(of: Void.self) { group in
            for m in members.indices {
                for _ in 0..<parallel {
                    group.addTask {
                        await Self.worker(
                            member: m, endpoint: members[m].endpoint, zones: zones, limits: limits, deadline: deadline,
                            board: board, client: client)
                    }
                }
            }
        }
        let outcomes = await board.outcomes
        let signatures = await board.signatures
        return zones.indices.map { z in
            members.indices.map { m in
                TransferObservation(
                    server: members[m].name,
                    outcome: outcomes[z * members.count + m]
                        ?? .failed(
                            QueryError(
                                zone: zones[z], server: members[m].endpoint, kind: .axfr,
                                failure: .transferBroken("no outcome recorded"))),
                    signatures: signatures[z * members.count + m])
            }
        }
    }

    /// One connection's worth of transfers from one server: the zones the board gives it, one after another.
    /// SERVFAIL to an AXFR is how BIND says "transfers-out quota reached": that zone is asked once more, a
    /// second later.
    static func worker(
        member: Int, endpoint: ServerEndpoint, zones: [DomainName], limits: AXFRLimits,
        deadline: ContinuousClock.Instant?, board: TransferBoard, client: DNSClient
    ) async {
        // The zone being transferred (series are sequential: `finished` is about the last zone `next` gave),
        // its digest so far, and whether it is the second try after a SERVFAIL.
        var current = 0
        var again = false
        var retried = false
        var digest = ZoneDigestBuilder(origin: zones[current])
        var records: [ResourceRecord] = []
        var signatures = TransferSignatures.Reader(origin: zones[current])
        await client.axfrSeries(
            from: endpoint,
            next: {
                while true {
                    if again {
                        again = false
                        retried = true
                        try? await Task.sleep(for: .seconds(1))
                    } else if let taken = await board.take(member: member) {
                        current = taken
                        retried = false
                    } else {
                        return nil
                    }
                    guard let limits = Self.limits(limits, by: deadline) else {
                        await board.done(zone: current, member: member, Self.late(zones[current], from: endpoint))
                        continue
                    }
                    digest = ZoneDigestBuilder(origin: zones[current])
                    records = []
                    signatures = TransferSignatures.Reader(origin: zones[current])
                    return (zones[current], limits)
                }
            },
            onRecord: { record in
                try Self.take(record, digest: digest, records: &records)
                signatures.add(record)
            },
            finished: { zone, outcome in
                let observed = Self.observation(
                    zone, from: endpoint, outcome, digest: digest, records: records, signatures: signatures)
                records = []
                if case .failed(let error) = observed.outcome, error.failure == .servfail, !retried {
                    again = true
                    return
                }
                await board.done(zone: current, member: member, observed.outcome, signatures: observed.signatures)
            })
    }

    /// One transfer on a connection of its own (the restore quorum's witnesses), tried again a second later
    /// after a SERVFAIL, by `deadline` as `transfers` are.
    static func transfer(
        _ zone: DomainName, from endpoint: ServerEndpoint, limits: AXFRLimits, deadline: ContinuousClock.Instant?,
        client: DNSClient
    ) async -> TransferObservation.Outcome {
        var observed = late(zone, from: endpoint)
        for attempt in 0..<2 {
            if attempt > 0 { try? await Task.sleep(for: .seconds(1)) }
            guard let limits = Self.limits(limits, by: deadline) else { return late(zone, from: endpoint) }
            let digest = ZoneDigestBuilder(origin: zone)
            var records: [ResourceRecord] = []
            let outcome = await client.axfr(zone: zone, from: endpoint, limits: limits) { record in
                try Self.take(record, digest: digest, records: &records)
            }
            observed = observation(zone, from: endpoint, outcome, digest: digest, records: records).outcome
            guard case .failed(let error) = observed, error.failure == .servfail else { break }
        }
        return observed
    }

    /// The limits of a transfer starting now, cut to end by `deadline`; nil when it passed.
    static func limits(_ limits: AXFRLimits, by deadline: ContinuousClock.Instant?) -> AXFRLimits? {
        guard let deadline else { return limits }
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return nil }
        var limits = limits
        limits.totalTimeout = min(limits.totalTimeout, left)
        return limits
    }

    static func late(_ zone: DomainName, from endpoint: ServerEndpoint) -> TransferObservation.Outcome {
        .failed(
            QueryError(
                zone: zone, server: endpoint, kind: .axfr,
                failure: .transferBroken("not transferred: the check's deadline (check.deadline) passed first")))
    }

    /// A verified record into the zone's digest and records.
    static func take(_ record: ResourceRecord, digest: ZoneDigestBuilder, records: inout [ResourceRecord]) throws {
        do throws(ZoneDigestError) {
            try digest.include(record)
        } catch {
            throw QueryFailure.transferBroken(.unusableRecord(error.description))
        }
        records.append(record)
    }

    /// A transfer's outcome as the deep check records it: serial, digest and records, or the failure; and its
    /// DNSSEC as `signatures` read it while it streamed in (nil when it failed or nobody read it).
    static func observation(
        _ zone: DomainName, from endpoint: ServerEndpoint, _ outcome: AXFROutcome, digest: ZoneDigestBuilder,
        records: [ResourceRecord], signatures: TransferSignatures.Reader? = nil
    ) -> (outcome: TransferObservation.Outcome, signatures: TransferSignatures?) {
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
                signatures?.finish(observed: Date(), zonemd: summary.zonemd)
            )
        case .failed(let error, _):
            return (.failed(error), nil)
        }
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
}

/// The deep check's shared books: which zone each server's connections take next, and every outcome.
/// Each server takes the zones in order, at most `lead` zones past the oldest zone some server has not
/// finished; when every server has finished a zone, the records not needed for a diff are dropped.
actor TransferBoard {
    let zones: Int
    let members: [Fleet.Member]
    let lead: Int
    let progress: ProgressReport?
    private(set) var outcomes: [TransferObservation.Outcome?]
    /// Each transfer's DNSSEC, read while it streamed in (nil when it failed).
    private(set) var signatures: [TransferSignatures?]
    private var next: [Int]
    private var remaining: [Int]
    private var oldest = 0
    private var finished = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(zones: Int, members: [Fleet.Member], lead: Int, progress: ProgressReport?) {
        self.zones = zones
        self.members = members
        self.lead = max(1, lead)
        self.progress = progress
        outcomes = Array(repeating: nil, count: zones * members.count)
        signatures = Array(repeating: nil, count: zones * members.count)
        next = Array(repeating: 0, count: members.count)
        remaining = Array(repeating: members.count, count: zones)
    }

    /// The next zone `member` transfers (nil: none left for it); waits while it is `lead` zones ahead.
    func take(member: Int) async -> Int? {
        while next[member] < zones && next[member] >= oldest + lead {
            await withCheckedContinuation { waiting.append($0) }
        }
        guard next[member] < zones else { return nil }
        defer { next[member] += 1 }
        return next[member]
    }

    func done(
        zone z: Int, member m: Int, _ outcome: TransferObservation.Outcome, signatures read: TransferSignatures? = nil
    ) {
        guard outcomes[z * members.count + m] == nil else { return }
        outcomes[z * members.count + m] = outcome
        signatures[z * members.count + m] = read
        finished += 1
        progress?(ProgressStep(work: "transfers", done: finished, total: outcomes.count))
        remaining[z] -= 1
        guard remaining[z] == 0 else { return }
        DeepCheck.dropAgreeingRecords(&outcomes, zone: z, members: members)
        let before = oldest
        while oldest < zones && remaining[oldest] == 0 { oldest += 1 }
        if oldest != before {
            let resumed = waiting
            waiting = []
            for continuation in resumed { continuation.resume() }
        }
    }
}
