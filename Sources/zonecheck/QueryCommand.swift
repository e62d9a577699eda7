import ArgumentParser
import DNSKit
import Foundation
import ZoneCheck

/// `zonecheck query SERVER ZONE [--axfr]`: one signed query, shown in full, for debugging;
/// `zonecheck query SERVER [ZONE] --load N`: how many signed SOA queries per second a server answers.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Send one TSIG-signed query to one server and show the answer in full, or measure a server's load.",
        discussion: """
            Examples:
              zonecheck query ns3 example.com
                  one signed SOA query, the answer in full
              zonecheck query ns1 example.com --axfr
                  a verified zone transfer: counts per type and the content digest
              zonecheck query ns3 --load 100000 --in-flight 64
                  how many signed SOA queries per second ns3 answers: 100,000 queries,
                  64 at a time, cycling through every zone of zones.names (or only ZONE)

            Load mode prints queries, answered, failed by kind, wall time, queries/s and the \
            round-trip time (median, p99). It checks every answer exactly like a normal query (TSIG \
            verified, AA set, one SOA for the zone) and retries as check.retries says, so it counts \
            trusted answers, not packets. It puts real load on the server: use it on a lab or at a \
            quiet moment, not for monitoring.

            Exit 0 when the answer is trusted (signed, verified, authoritative) or, with --load, when \
            every query was answered; 2 when not or the server failed; 3 for a bad configuration or \
            arguments.
            """
    )

    @OptionGroup var options: ConfigOption

    @Argument(help: "A server name from the configuration (ns1, ns2, ...).")
    var server: String

    @Argument(help: "The zone to ask about (optional with --load: then every zone of zones.names in turn).")
    var zone: String?

    @Flag(help: "Transfer the whole zone (verified AXFR) and show counts per type and the content digest.")
    var axfr = false

    @Option(
        help: ArgumentHelp(
            "Load mode: send N signed SOA queries and report the rate and round-trip times.", valueName: "N"))
    var load: Int?

    @Flag(
        help:
            "Load mode: ask as check does, with EDNS (DO and NSID), so the answers carry the RRSIG(SOA); without it, plain SOA queries."
    )
    var dnssec = false

    @Option(
        name: .customLong("in-flight"),
        help: ArgumentHelp("Load mode: queries in flight at once.", valueName: "C"))
    var inFlight = 64

    @Option(
        help:
            "Per-query timeout in seconds, 0.001 to 3600 (default: check.timeout); with --axfr the longest the whole transfer may take (default: 600)."
    )
    var timeout: Double?

    /// The longest `--timeout` may be: an hour is already far past any answer worth waiting for.
    static let timeoutRange = 0.001...3600.0

    func validate() throws {
        if let load {
            guard load >= 1 else {
                throw ValidationError("--load takes a number of queries of at least 1 (got \(load))")
            }
            guard !axfr else { throw ValidationError("--load sends SOA queries: leave out --axfr") }
        } else if dnssec {
            throw ValidationError("--dnssec is for --load (a single query always asks with DO and NSID)")
        } else if zone == nil {
            throw ValidationError("name a ZONE (only --load may go without one)")
        }
        guard inFlight >= 1 else { throw ValidationError("--in-flight takes at least 1 (got \(inFlight))") }
        if let timeout {
            // NaN, infinity and 1e300 would overflow the conversion to a duration.
            guard timeout.isFinite, Self.timeoutRange.contains(timeout) else {
                throw ValidationError(
                    "--timeout takes seconds from 0.001 to 3600 (got \(timeout)), e.g. --timeout 2 or --timeout 0.5")
            }
        }
    }

    func run() async throws {
        let configuration = try options.load()
        let zoneNames = try (zone.map { [$0] } ?? configuration.zones.names).map(Self.zoneName)
        guard let zoneName = zoneNames.first else {
            throw Failure.unknown(
                "\(options.path) lists no zones under zones.names: name the ZONE to query, e.g. zonecheck query \(server) example.com --load \(load ?? 1)"
            )
        }
        let fleet: Fleet
        do {
            fleet = try Fleet(configuration: configuration)
        } catch {
            throw Failure.unknown("\(options.path): \(error)")
        }
        guard let member = fleet.member(named: server) else {
            let names = fleet.members.map(\.name).joined(separator: ", ")
            throw Failure.unknown("no server '\(server)' in \(options.path) (servers: \(names))")
        }
        for warning in fleet.warnings where warning.hasPrefix("server \(member.name):") {
            FileHandle.standardError.write(Data(("zonecheck: warning: " + warning + "\n").utf8))
        }
        let client: DNSClient
        do {
            client = try DNSClient()
        } catch {
            throw Failure.unknown("cannot open a UDP socket: \(error)")
        }
        defer { Task { await client.close() } }
        // validate() kept --timeout within 0.001...3600 s, so the milliseconds fit an Int.
        let waitLimit = timeout.map { Duration.milliseconds(Int(($0 * 1000).rounded())) } ?? configuration.check.timeout

        print("server:   \(member.name) (\(member.role), \(member.endpoint.address))")
        print("key:      \(member.endpoint.key.map(String.init(describing:)) ?? "none")")
        if let load {
            try await measureLoad(
                queries: load, zones: zoneNames, at: member, client: client,
                options: QueryOptions(
                    timeout: waitLimit, retries: configuration.check.retries, maxInFlightPerServer: inFlight,
                    edns: dnssec ? .query : nil))
            return
        }
        print("zone:     \(zoneName)")
        if axfr {
            try await transfer(
                zoneName, from: member, client: client, timeout: waitLimit, total: timeout.map { _ in waitLimit },
                settings: configuration.check)
        } else {
            try await askSOA(zoneName, at: member, client: client, configuration: configuration, timeout: waitLimit)
        }
    }

    private func askSOA(
        _ zone: DomainName, at member: Fleet.Member, client: DNSClient, configuration: Configuration,
        timeout: Duration
    ) async throws {
        let outcome = await client.soa(
            zone: zone, at: member.endpoint,
            options: QueryOptions(timeout: timeout, retries: configuration.check.retries, edns: .query))
        switch outcome {
        case .answered(let answer):
            print("outcome:  answered")
            print("serial:   \(answer.serial)")
            print("aa:       \(answer.authoritative ? "yes" : "no")")
            print("tsig:     \(answer.tsig)")
            print(
                "rtt:      \(Self.milliseconds(answer.rtt)) ms\(answer.overTCP ? " (over TCP, the UDP answer was truncated)" : "")"
            )
            print("soa:      \(answer.soa.presentation)")
            print(
                "nsid:     \(answer.edns.map { $0.nsidText ?? "none (the server names no instance)" } ?? "not asked back (the answer has no EDNS)")"
            )
            print("rrsig:    \(Self.signatureText(answer))")
        case .failed(let error):
            print("outcome:  failed")
            throw Failure.critical(error.description)
        }
    }

    /// The RRSIG(SOA) line: the earliest-ending signature's window and key, or why there is none.
    static func signatureText(_ answer: SOAAnswer) -> String {
        let now = Date()
        guard let signature = SOASignature.earliest(answer.signatures, near: now) else {
            return answer.edns?.dnssecOK == true
                ? "none (the zone is unsigned on this server)" : "not known (the server answered without DO)"
        }
        let left = signature.expiration.timeIntervalSince(now)
        return
            "key tag \(signature.keyTag), valid \(SignatureCheck.dateText(signature.inception)) to "
            + "\(SignatureCheck.dateText(signature.expiration)) "
            + (left > 0 ? "(ends in \(TimeText.duration(left)))" : "(expired \(TimeText.duration(-left)) ago)")
    }

    /// A verified transfer, bounded like the deep check's (`check.max_transfer_size`,
    /// `check.max_transfer_records`) and in time by `total` (`--timeout`) when given.
    private func transfer(
        _ zone: DomainName, from member: Fleet.Member, client: DNSClient, timeout: Duration, total: Duration?,
        settings: CheckSettings
    ) async throws {
        let digest = ZoneDigestBuilder(origin: zone)
        var limits = AXFRLimits()
        limits.idleTimeout = max(timeout, limits.idleTimeout)
        limits.maxBytes = settings.maxTransferSize
        limits.maxRecords = settings.maxTransferRecords
        if let total {
            limits.totalTimeout = total
            limits.idleTimeout = min(limits.idleTimeout, total)
            limits.connectTimeout = min(limits.connectTimeout, total)
        }
        let outcome = await client.axfr(zone: zone, from: member.endpoint, limits: limits) { record in
            do throws(ZoneDigestError) {
                try digest.include(record)
            } catch {
                throw QueryFailure.transferBroken(.unusableRecord(error.description))
            }
        }
        switch outcome {
        case .complete(let stats):
            let summary: ZoneSummary
            do {
                summary = try digest.summary()
            } catch {
                throw Failure.critical("the transfer from \(member.name) holds a record no copy can hold: \(error)")
            }
            print("outcome:  transfer complete and verified")
            print("serial:   \(stats.serial.map(String.init) ?? "?")")
            print("tsig:     \(stats.tsig)")
            print("messages: \(stats.messages)")
            print("bytes:    \(stats.bytes)")
            print("time:     \(Self.milliseconds(stats.duration)) ms")
            print("records:  \(summary.recordCount)")
            for (type, count) in summary.countsByType.sorted(by: { $0.key < $1.key }) {
                print("  \(String(describing: type).padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)")
            }
            print("digest:   SHA-384 \(summary.digestHex) (RFC 8976 SIMPLE)")
            if case .absent = summary.zonemd {
            } else {
                print("zonemd:   \(summary.zonemd)")
            }
        case .failed(let error, let stats):
            print("outcome:  transfer failed after \(stats.messages) messages, \(stats.records) records: discarded")
            throw Failure.critical(error.description)
        }
    }

    private static func zoneName(_ text: String) throws -> DomainName {
        do {
            return try DomainName(zoneName: text)
        } catch {
            throw Failure.unknown("'\(text)' is not a zone name: \(error)")
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}

// MARK: Load mode

extension QueryCommand {
    /// What the queries of a load run came to: round-trip times of trusted answers, failures by kind.
    private struct LoadTally: Sendable {
        var rtts: [Duration] = []
        var failures: [String: Int] = [:]
        var firstFailure: QueryError?
    }

    /// Sends `queries` signed SOA queries to `member`, `inFlight` at a time, cycling through `zones`,
    /// and prints the totals. Every answer goes through `DNSClient.soa`'s checks, so "answered"
    /// means signed, verified and authoritative, as in a normal check.
    private func measureLoad(
        queries: Int, zones: [DomainName], at member: Fleet.Member, client: DNSClient, options: QueryOptions
    ) async throws {
        print("zones:    \(zones.count == 1 ? "\(zones[0])" : "\(zones.count) from zones.names, in turn")")
        print(
            "load:     \(queries) SOA queries\(options.edns == nil ? "" : " with DO and NSID"), \(inFlight) in flight, "
                + "timeout \(options.timeout), retries \(options.retries)"
        )
        let endpoint = member.endpoint
        let workers = min(inFlight, queries)
        let started = ContinuousClock.now
        // `workers` tasks, each asking one query at a time: worker w sends queries w, w + workers,
        // w + 2 * workers... so `workers` queries are in flight until the last ones. One long-lived
        // task per slot costs less than a task per query, which matters at tens of thousands per second.
        let tally = await withTaskGroup(of: LoadTally.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var tally = LoadTally()
                    tally.rtts.reserveCapacity(queries / workers + 1)
                    for index in stride(from: worker, to: queries, by: workers) {
                        switch await client.soa(zone: zones[index % zones.count], at: endpoint, options: options) {
                        case .answered(let answer):
                            tally.rtts.append(answer.rtt)
                        case .failed(let error):
                            tally.failures[Self.kind(of: error.failure), default: 0] += 1
                            if tally.firstFailure == nil { tally.firstFailure = error }
                        }
                    }
                    return tally
                }
            }
            var total = LoadTally()
            total.rtts.reserveCapacity(queries)
            for await tally in group {
                total.rtts += tally.rtts
                total.failures.merge(tally.failures, uniquingKeysWith: +)
                if total.firstFailure == nil { total.firstFailure = tally.firstFailure }
            }
            return total
        }
        var rtts = tally.rtts
        let failures = tally.failures
        let firstFailure = tally.firstFailure
        let wall = ContinuousClock.now - started
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let failed = queries - rtts.count
        print("queries:  \(queries)")
        print("answered: \(rtts.count) (signed, verified, authoritative)")
        print("failed:   \(failed)")
        for (kind, count) in failures.sorted(by: { $0.key < $1.key }) {
            print("  \(kind.padding(toLength: 18, withPad: " ", startingAt: 0)) \(count)")
        }
        print("wall:     \(String(format: "%.3f", seconds)) s")
        print("rate:     \(String(format: "%.0f", seconds > 0 ? Double(queries) / seconds : 0)) queries/s")
        rtts.sort()
        if let median = Self.percentile(rtts, 0.5), let p99 = Self.percentile(rtts, 0.99) {
            print("rtt:      median \(Self.milliseconds(median)) ms, p99 \(Self.milliseconds(p99)) ms")
        }
        if let firstFailure {
            throw Failure.critical("\(failed) of \(queries) queries failed; the first: \(firstFailure)")
        }
    }

    /// The value below which `fraction` of the sorted `values` lie (nearest rank), nil when empty.
    static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// A short name for a failure, to count failures by kind.
    static func kind(of failure: QueryFailure) -> String {
        switch failure {
        case .timeout: "timeout"
        case .noMatchingAnswer: "no-matching-answer"
        case .connectionRefused: "refused-connection"
        case .unreachable: "unreachable"
        case .refused: "REFUSED"
        case .notAuth: "NOTAUTH (TSIG)"
        case .servfail: "SERVFAIL"
        case .formerr: "FORMERR"
        case .notAuthoritative: "not-authoritative"
        case .nxdomainAtApex: "NXDOMAIN"
        case .unexpectedRcode(let rcode): "rcode \(rcode)"
        case .malformed: "malformed"
        case .macDidNotVerify: "bad-MAC"
        case .clockSkew: "clock-skew"
        case .unsignedReply: "unsigned-reply"
        case .transferBroken: "transfer-broken"
        }
    }
}
