public import DNSKit
import Foundation

/// The effects of a check: signed SOA queries to every server for every zone, all at once but bounded,
/// and (for a deep check) verified transfers and the primary's zone files. Produces `ZoneObservation`s;
/// deciding is `Compare`'s job.
public struct Sweep: Sendable {
    public var fleet: Fleet
    public var settings: CheckSettings
    /// Told how many queries (and, deep, transfers) are done, for a progress line on a terminal.
    public var progress: ProgressReport? = nil

    public init(fleet: Fleet, settings: CheckSettings) {
        self.fleet = fleet
        self.settings = settings
    }

    /// What the transport is told: at most `check.timeout` per attempt, adapted to each server's measured
    /// round trips (RFC 6298, `RoundTripEstimator`), `check.retries` more attempts of a lost query, and
    /// `check.concurrency` as the ceiling of each server's send window (`SendWindow`: 256 in flight to a
    /// server under 2 ms away; a farther one is paced, starts at 1,024, grows while answers come back
    /// without queueing and halves on heavy loss; the transport queues the rest).
    /// Every query carries EDNS with DO and NSID (`EDNS.query`): the answers bring each server's RRSIG(SOA)
    /// and instance.
    public var queryOptions: QueryOptions {
        QueryOptions(
            timeout: settings.timeout, retries: settings.retries,
            maxInFlightPerServer: max(1, settings.concurrency), adaptiveTimeout: true, edns: .query)
    }

    /// Zones per batch handed to the transport: one task signs and checks a whole batch.
    /// Small enough that one lost query (waiting for its retry) holds few finished answers back: at 1 %
    /// loss each way a batch of 32 waits for a retry 48 % of the time (64: 73 %), and its answers wait
    /// with it, parsed.
    public var batchSize: Int { max(16, min(32, settings.concurrency / 4)) }
    /// Queries sent to each server before its flood, which starts at the first answer. With one, a lost
    /// probe held that server's whole flood for the probe's 1 s timeout (measured over the relays losing
    /// 1 % each way: one server in one sweep of several sent nothing for a second); three are all lost
    /// once in about 100,000 server sweeps at that loss.
    public static let probes = 3
    /// Batches handed out per server at once, for a send window of `window` queries: enough queries that
    /// the window stays full while batches wait for a retried straggler (on a lossy link nearly every batch
    /// has one, holding its finished answers): eight times the window for small windows, the window plus
    /// 2,048 for larger ones (twice the window at least), at most 6,144; so the queries waiting in the
    /// transport (a signed packet each, about a kilobyte) follow the window each server has reached, not
    /// the ceiling (`check.concurrency`): 2,048 per loopback server whatever the ceiling. Memory does not
    /// grow with the zones.
    public func batchesPerServer(window: Int) -> Int {
        let window = max(1, min(window, settings.concurrency))
        let queries = min(8 * window, max(2 * window, window + 2048), 6144)
        return (queries + batchSize - 1) / batchSize + 1
    }

    /// Asks every server for the SOA of every zone. Each server has its own pipeline of batches, so a slow
    /// or silent server never holds the others back; at most `check.concurrency` queries are in flight
    /// per server (fewer while its send window is smaller). The sweep ends by `check.deadline`: queries unanswered then fail as timed out, and
    /// zones not yet asked fail as "not asked". A server whose first 64 queries (at the defaults) timed out
    /// without a single answer is not asked the rest: it is down, and asking 5,000 more times would only make the
    /// sweep wait (the queries already in flight run to their timeout; those queued are dropped). A query
    /// that timed out on a server that answered others, and timed out on at most 1 % of its queries, is
    /// asked once more at the end, within the deadline.
    /// Results are in the order of `zones` and of the fleet's servers; `answered` is told each verified
    /// serial as it arrives (zone and server by index), so a deep check can start on it.
    public func serials(
        of zones: [DomainName], client: DNSClient, deadline: ContinuousClock.Instant? = nil,
        answered: (_ zone: Int, _ server: Int, _ serial: UInt32) -> Void = { _, _, _ in }
    ) async -> [[ServerObservation]] {
        let members = fleet.members
        let deadline = deadline ?? ContinuousClock.now + settings.deadline
        var sweepOptions = queryOptions
        sweepOptions.deadline = deadline
        let options = sweepOptions
        let count = zones.count
        // The result itself, filled in place as batches finish: one row per zone, one cell per server, and
        // a flag per cell once an answer or failure is in. No columns beside it to copy from at the end (at
        // 100,000 zones x 5 servers, a column matrix of answers and one of EDNS values: about 40 MB more at
        // the end of the sweep). A cell never filled is reported at
        // the end with its server's reason (not asked, or no answer recorded).
        var rows = zones.map { _ in
            members.map { member in
                ServerObservation(server: member.name, role: member.role, answer: .serial(0, rtt: .zero))
            }
        }
        var recorded = [Bool](repeating: false, count: count * members.count)
        var notAsked = [String?](repeating: nil, count: members.count)
        let now = Date()
        let batch = batchSize
        // A server is taken for down after this many silent queries: 64 at the defaults (two batches).
        let downAfter = min(count, max(batch, min(64, settings.concurrency / 4)))
        await withTaskGroup(of: (Int, Int, [SOAQueryOutcome]).self) { group in
            var next = [Int](repeating: 0, count: members.count)
            var answeredCount = [Int](repeating: 0, count: members.count)
            var silent = [Int](repeating: 0, count: members.count)
            // Answers that failed TSIG: each cost the query its whole timeout (an unverified answer is waited
            // past, it could be forged), so a server whose key is wrong would hold the sweep to its deadline.
            var unverified = [Int](repeating: 0, count: members.count)
            // Batches handed out and not yet back, per server.
            var outstanding = [Int](repeating: 0, count: members.count)
            var lastUnverified = [QueryError?](repeating: nil, count: members.count)
            func submit(_ m: Int) {
                outstanding[m] += 1
                let start = next[m]
                let end = min(count, start + batch)
                next[m] = end
                let endpoint = members[m].endpoint
                let slice = Array(zones[start..<end])
                group.addTask { (m, start, await client.soa(zones: slice, at: endpoint, options: options)) }
            }
            // First a few queries to each server (`probes`), so its flood's timeouts start from a measured
            // round trip rather than RFC 6298's blind 1 s (on loopback that 1 s was most of a sweep's tail),
            // and a far server's window is paced from the start. The flood starts when the first of them
            // comes back: one round trip, at most 1 s. Their answers are not kept (the zones are asked
            // again in their batches).
            var probe = options
            probe.retries = 0
            probe.timeout = min(options.timeout, .seconds(1))
            let probeOptions = probe
            for (m, member) in members.enumerated() {
                let endpoint = member.endpoint
                for zone in zones.prefix(Self.probes) {
                    group.addTask {
                        _ = await client.soa(zone: zone, at: endpoint, options: probeOptions)
                        return (m, -1, [])
                    }
                }
            }
            var flooding = [Bool](repeating: false, count: members.count)
            var finished = 0
            while let (m, start, outcomes) = await group.next() {
                if start < 0 {
                    guard !flooding[m] else { continue }
                    flooding[m] = true
                    let window = await client.sendWindow(to: members[m].endpoint) ?? SendWindow.defaultInitial
                    for _ in 0..<batchesPerServer(window: window) where next[m] < count { submit(m) }
                    continue
                }
                outstanding[m] -= 1
                finished += outcomes.count
                progress?(ProgressStep(work: "SOA queries", done: finished, total: count * members.count))
                for (k, outcome) in outcomes.enumerated() {
                    recorded[(start + k) * members.count + m] = true
                    switch outcome {
                    case .answered(let answer):
                        rows[start + k][m].answer = .serial(answer.serial, rtt: answer.rtt)
                        if let seen = Seen(answer, now: now) {
                            rows[start + k][m].soaSignature = seen.signature
                            rows[start + k][m].nsid = seen.nsid
                        }
                        answeredCount[m] += 1
                        answered(start + k, m, answer.serial)
                    case .failed(let error):
                        rows[start + k][m].answer = .failed(error)
                        if case .timeout = error.failure {
                            silent[m] += 1
                        } else if Compare.state(of: error.failure) == .authFailed {
                            unverified[m] += 1
                            lastUnverified[m] = error
                        } else {
                            answeredCount[m] += 1
                        }
                    }
                }
                if notAsked[m] == nil && answeredCount[m] == 0 && silent[m] >= downAfter {
                    notAsked[m] =
                        "not asked: \(members[m].name) answered none of the first \(silent[m]) queries of this sweep"
                    await client.abandonQueued(to: members[m].endpoint)
                }
                if notAsked[m] == nil && answeredCount[m] == 0 && unverified[m] >= downAfter,
                    let last = lastUnverified[m]
                {
                    notAsked[m] =
                        "not asked: \(members[m].name) gave no verified answer to the first \(unverified[m] + silent[m]) "
                        + "queries of this sweep, only answers that failed TSIG; the last: \(last.description)"
                    await client.abandonQueued(to: members[m].endpoint)
                }
                guard notAsked[m] == nil, next[m] < count else { continue }
                if ContinuousClock.now >= deadline {
                    notAsked[m] =
                        "not asked: the sweep's deadline (check.deadline \(Self.seconds(settings.deadline))) passed first"
                } else {
                    // One batch back, one out; more while the server's window has grown past what is out.
                    let window = await client.sendWindow(to: members[m].endpoint) ?? SendWindow.defaultInitial
                    let target = batchesPerServer(window: window)
                    repeat { submit(m) } while outstanding[m] < target && next[m] < count
                }
            }
            // A second chance: a query that timed out on a server that answered others is asked once more
            // (all its attempts again) before it is reported. At 3 % loss each way an attempt fails 6 % of
            // the time and four in a row happen once in 77,000 queries: measured, 6 of 20 sweeps of 5,000
            // zones x 5 servers ended with one zone falsely UNREACHABLE; asked again, it takes eight. Only
            // while at most 1 % of the server's queries timed out: a server losing more is degraded, and
            // is reported (30 % loss each way fails 7 % of its queries four times).
            for m in members.indices
            where notAsked[m] == nil && answeredCount[m] > 0 && silent[m] * 100 <= count
                && ContinuousClock.now < deadline
            {
                let endpoint = members[m].endpoint
                for z in 0..<count where recorded[z * members.count + m] {
                    guard case .failed(let error) = rows[z][m].answer, case .timeout = error.failure else { continue }
                    let zone = zones[z]
                    group.addTask { (m, z, await client.soa(zones: [zone], at: endpoint, options: options)) }
                }
            }
            while let (m, z, outcomes) = await group.next() {
                if case .answered(let answer)? = outcomes.first {
                    rows[z][m].answer = .serial(answer.serial, rtt: answer.rtt)
                    answered(z, m, answer.serial)
                }
            }
        }
        for z in 0..<count {
            for m in members.indices where !recorded[z * members.count + m] {
                rows[z][m].answer = .failed(
                    QueryError(
                        zone: zones[z], server: members[m].endpoint, kind: .soa,
                        failure: .unreachable(notAsked[m] ?? "no answer recorded")))
            }
        }
        return rows
    }

    /// What one answer's EDNS told beyond the serial.
    struct Seen {
        var signature: SignatureState?
        var nsid: String?

        /// Nil when the answer says nothing more: no OPT and no RRSIG.
        init?(_ answer: SOAAnswer, now: Date) {
            nsid = answer.edns?.nsidText
            if let earliest = SOASignature.earliest(answer.signatures, near: now) {
                signature = .signed(earliest)
            } else if answer.edns?.dnssecOK == true {
                // RFC 3225 §3: the server copied DO back, so it would have sent the RRSIGs of a signed zone.
                signature = .unsigned
            }
            if signature == nil && nsid == nil { return nil }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }

    /// Reads and lints the primary's zone file for `zone`, or nil when the primary has no `zone_file`.
    /// `today` is for the lint rule on serials dated in the future; with `digest`, the file's content
    /// digest is computed too (deep checks compare it with what the primary serves).
    public func primaryFile(of zone: DomainName, today: DateSerial.Day, digest: Bool = false)
        -> PrimaryFileObservation?
    {
        guard let path = fleet.primary.config.zoneFile(for: zone) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return PrimaryFileObservation(
                path: path, serial: nil, diagnostics: [], unreadable: "no such file or no permission")
        }
        // Whether a record fits a transfer message depends on the TSIG record signing it: the fleet's keys
        // stand for the transfer keys, as 'zonecheck lint --config' does.
        let report = Linter.lint(
            path: path, origin: zone, today: today, signer: .worst(of: fleet.members.compactMap(\.endpoint.key)))
        // The serial of the file as the server would load it: the reader's SOA, errors or not.
        let builder = digest ? ZoneDigestBuilder(origin: zone) : nil
        let result = ZoneFileReader(path: path, origin: zone).read { builder?.add($0.record) }
        // A record the digest refused (over 65,535 octets of RDATA) leaves the file without a digest.
        let fileDigest = result.hasErrors ? nil : (try? builder?.summary())?.digestHex
        return PrimaryFileObservation(
            path: path, serial: result.soa?.soaSerial, diagnostics: report.diagnostics, digest: fileDigest)
    }

    /// Everything a check observes: serials, the primary's files, and with `deep` the transfers of every
    /// zone.
    public func observe(zones: [DomainName], deep: Bool, today: DateSerial.Day, client: DNSClient) async
        -> [ZoneObservation]
    {
        await observe(
            zones: zones, pick: deep ? .all(zones.map(\.displayName)) : nil, today: today, client: client
        ).observations
    }

    /// Everything a check observes: serials, the primary's files and, with a `pick`, the transfers of the
    /// zones it picks (the others' `transfers` stay nil), overlapped with the sweep: the zones picked before
    /// it start at once, a zone an answer picks (a changed serial) starts when that answer arrives. Returns
    /// the pick as the answers left it.
    public func observe(
        zones: [DomainName], pick: DeepSchedule.Pick?, today: DateSerial.Day, client: DNSClient
    ) async -> (observations: [ZoneObservation], pick: DeepSchedule.Pick?) {
        // The primary's files are read and linted on a thread of their own while the sweep waits for
        // answers: file reads block, and the sweep's tasks need the cooperative pool.
        let sweep = self
        // One deadline for the whole check: the serials and every transfer.
        let deadline = ContinuousClock.now + settings.deadline
        let observedAt = Date()
        let byName = Dictionary(zones.map { ($0.displayName, $0) }, uniquingKeysWith: { first, _ in first })
        let early = pick?.early.compactMap { byName[$0] } ?? []
        // The early zones' files are digested (a digest costs more than reading), the others only read.
        let digestNow = Set(early)
        async let files = Self.onOwnThread {
            zones.map { sweep.primaryFile(of: $0, today: today, digest: digestNow.contains($0)) }
        }
        guard var pick else {
            let serials = await askInstances(
                await serials(of: zones, client: client, deadline: deadline), zones: zones, client: client,
                deadline: deadline)
            let primaryFiles = await files
            return (
                zones.indices.map { i in
                    ZoneObservation(
                        zone: zones[i], servers: serials[i], transfers: nil, primaryFile: primaryFiles[i],
                        observedAt: observedAt)
                }, nil
            )
        }
        var deepCheck = DeepCheck(fleet: fleet, settings: settings)
        deepCheck.progress = progress
        let (later, picked) = AsyncStream.makeStream(of: DomainName.self)
        async let transferred = deepCheck.transfers(early: early, later: later, client: client, deadline: deadline)
        let names = zones.map(\.displayName)
        let servers = fleet.members.map(\.name)
        let answered = await serials(of: zones, client: client, deadline: deadline) { z, m, serial in
            if pick.answered(zone: names[z], server: servers[m], serial: serial) { picked.yield(zones[z]) }
        }
        picked.finish()
        let serials = await askInstances(answered, zones: zones, client: client, deadline: deadline)
        // Zones picked by an answer: their files digested while their transfers run.
        let late = pick.plan.zones.subtracting(pick.early).compactMap { byName[$0] }
        async let again = Self.onOwnThread { late.map { sweep.primaryFile(of: $0, today: today, digest: true) } }
        let transfers = await transferred
        let digested = Dictionary(zip(late, await again), uniquingKeysWith: { first, _ in first })
        let primaryFiles = await files
        return (
            zones.indices.map { i in
                ZoneObservation(
                    zone: zones[i], servers: serials[i], transfers: transfers[zones[i]],
                    primaryFile: digested[zones[i]] ?? primaryFiles[i], observedAt: observedAt)
            }, pick
        )
    }

    /// Answers per server (by name) that did not verify and were dropped by `client` so far; servers with
    /// none are left out. Read it before closing the client.
    public func droppedAnswers(client: DNSClient) async -> [String: Int] {
        var counts: [String: Int] = [:]
        for member in fleet.members {
            let dropped = await client.droppedAnswers(from: member.endpoint)
            if dropped > 0 { counts[member.name] = dropped }
        }
        return counts
    }

    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
