import DNSKit
import Foundation
import TestSupport
import Testing

/// The transport against real servers: a BIND primary and four BIND secondaries started by
/// `Scripts/lab` on 127.53.2.1-5, every request TSIG-signed with hmac-sha512.
@Suite(
    .serialized, .ownThreads,
    .enabled(if: Lab.isRoot, "the lab adds loopback addresses for BIND: run the tests as root"))
struct TransportLabTests {
    static let example = Lab.zone("example.com")
    /// The transport tests' lab prefix, which no other test uses; the servers listen on port 53.
    static let prefix = "127.53.2"

    static func startLab(zones: Int, bigZone: Int? = nil, secondaries: [String] = ["bind", "bind", "bind", "bind"])
        throws -> Lab
    {
        try Lab.started(prefix: prefix, port: 53, zones: zones, secondaries: secondaries, bigZone: bigZone)
    }

    @Test func queriesNotifyAndFailures() async throws {
        let lab = try Self.startLab(zones: 5)
        defer { lab.tearDown() }
        let client = try DNSClient()
        let servers = try (1...5).map { try lab.endpoint($0) }

        // Signed SOA from all five, serials equal, every answer verified.
        var serials: [UInt32] = []
        for server in servers {
            let outcome = await client.soa(zone: Self.example, at: server)
            guard case .answered(let answer) = outcome else {
                Issue.record("\(server.name): \(outcome)")
                continue
            }
            #expect(answer.tsig == .verified(keyName: server.key!.name))
            #expect(answer.authoritative)
            serials.append(answer.serial)
        }
        #expect(serials.count == 5 && Set(serials).count == 1, "serials \(serials)")
        // The serial matches what dig sees (an independent reading).
        let digSerial = try Command.output("dig", ["+short", "@\(Self.prefix).1", "example.com", "SOA"])
            .split(separator: " ").dropFirst(2).first.flatMap { UInt32($0) }
        #expect(serials.first == digSerial)

        // The batch form: every zone of the lab plus one that is not served, in order.
        let zones =
            [Self.example] + (1...5).map { Lab.zone(String(format: "zone%05d.lab", $0)) } + [
                Lab.zone("not-here.lab")
            ]
        for server in servers {
            let outcomes = await client.soa(zones: zones, at: server)
            #expect(outcomes.count == zones.count)
            for (zone, outcome) in zip(zones.dropLast(), outcomes) {
                guard case .answered(let answer) = outcome, answer.zone == zone else {
                    Issue.record("\(server.name) \(zone): \(outcome)")
                    continue
                }
                #expect(answer.serial == (await client.soa(zone: zone, at: server)).serial)
            }
            guard case .failed(let error) = outcomes.last, error.zone == zones.last else {
                Issue.record("\(server.name): not-here.lab was answered: \(String(describing: outcomes.last))")
                continue
            }
        }

        // Wrong secret: the server answers NOTAUTH/BADSIG, unsigned.
        let ns2 = servers[1]
        var wrongSecret = ns2
        wrongSecret.key = ns2.key!.withSecret(Array(repeating: 7, count: 64))
        let badSig = await client.soa(zone: Self.example, at: wrongSecret)
        guard case .failed(let badSigError) = badSig, case .notAuth(.badSig, signed: false) = badSigError.failure else {
            Issue.record("expected BADSIG, got \(badSig)")
            return
        }
        #expect(badSigError.description.contains("BADSIG") && badSigError.description.contains("unsigned"))

        // Unknown key name: BADKEY.
        var unknownKey = ns2
        unknownKey.key = ns2.key!.renamed(Lab.zone("nobody-knows-this-key"))
        let badKey = await client.soa(zone: Self.example, at: unknownKey)
        guard case .failed(let badKeyError) = badKey, case .notAuth(.badKey, signed: false) = badKeyError.failure else {
            Issue.record("expected BADKEY, got \(badKey)")
            return
        }
        #expect(badKeyError.description.contains("ns2 rejected our key nobody-knows-this-key (BADKEY)"))

        // Our clock 10 minutes ahead: signed BADTIME carrying the server's clock.
        let skewed = await client.soa(
            zone: Self.example, at: ns2, options: QueryOptions(clockOffset: .seconds(600)))
        guard case .failed(let skewError) = skewed,
            case .notAuth(.badTime(_, let skew), signed: true) = skewError.failure
        else {
            Issue.record("expected a signed BADTIME, got \(skewed)")
            return
        }
        #expect((595...605).contains(skew ?? 0), "skew \(String(describing: skew))")
        #expect(skewError.description.contains("our clock is \(skew!) s ahead of its own (BADTIME)"))
        #expect(skewError.description.contains("check NTP"))

        // A zone the server does not have.
        let missing = await client.soa(zone: Lab.zone("not-here.lab"), at: servers[0])
        guard case .failed(let missingError) = missing else {
            Issue.record("a zone that is not served was answered: \(missing)")
            return
        }
        #expect(
            [.refused, .notAuthoritative(referral: false), .notAuthoritative(referral: true)].contains(
                missingError.failure), "\(missingError)")

        // A stopped server times out within the configured limit while the others answer.
        let zone2 = Lab.zone("zone00002.lab")
        try lab.run(["stop-server", "ns3", "--dir", lab.directory])
        let quick = QueryOptions(timeout: .milliseconds(400), retries: 1)
        let started = ContinuousClock.now
        async let stopped = client.soa(zone: zone2, at: servers[2], options: quick)
        async let others = [servers[0], servers[1], servers[3], servers[4]].asyncMap {
            await client.soa(zone: zone2, at: $0, options: quick)
        }
        let (stoppedOutcome, otherOutcomes) = await (stopped, others)
        let elapsed = ContinuousClock.now - started
        guard case .failed(let timeoutError) = stoppedOutcome, case .timeout(2, _) = timeoutError.failure else {
            Issue.record("expected a timeout after 2 attempts from stopped ns3, got \(stoppedOutcome)")
            return
        }
        // 2 x 400 ms; loose upper bound (a loaded CI machine), far below the 5 s default timeout.
        #expect(elapsed < .milliseconds(3000), "took \(elapsed)")
        #expect(timeoutError.description.contains("ns3 did not answer"))
        for outcome in otherOutcomes { #expect(outcome.serial != nil, "\(outcome)") }

        // ns3 misses a change while stopped; a signed NOTIFY makes it transfer.
        let before = await client.soa(zone: zone2, at: servers[0]).serial
        try lab.run(["bump", "zone00002.lab", "--dir", lab.directory])
        let primary = await client.soa(zone: zone2, at: servers[0])
        guard case .answered(let fresh) = primary, fresh.serial != before else {
            Issue.record("the primary did not take the bump: \(primary)")
            return
        }
        try lab.run(["start-server", "ns3", "--dir", lab.directory])
        let stale = await client.soa(zone: zone2, at: servers[2])
        #expect(stale.serial == before, "ns3 should still serve the old serial: \(stale)")
        let notified = await client.notify(zone: zone2, soa: fresh.soa, at: servers[2])
        guard case .acknowledged(let ack) = notified else {
            Issue.record("NOTIFY failed: \(notified)")
            return
        }
        #expect(ack.tsig == .verified(keyName: servers[2].key!.name))
        var caughtUp = false
        for _ in 0..<50 {
            if await client.soa(zone: zone2, at: servers[2]).serial == fresh.serial {
                caughtUp = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(caughtUp, "ns3 did not transfer serial \(fresh.serial) within 5 s of the NOTIFY")
        await client.close()
    }

    @Test func verifiedTransfersAndTampering() async throws {
        let lab = try Self.startLab(zones: 3, bigZone: 3000)
        defer { lab.tearDown() }
        let client = try DNSClient()
        let primary = try lab.endpoint(1)
        let big = Lab.zone("zone00001.lab")

        // Counts per type against dig's own transfer (an independent reading of the same zone).
        var delivered: [RecordType: Int] = [:]
        let outcome = await client.axfr(zone: big, from: primary) { delivered[$0.type, default: 0] += 1 }
        guard case .complete(let stats) = outcome else {
            Issue.record("transfer failed: \(outcome)")
            return
        }
        let digText = try Command.output(
            "dig",
            [
                "-k", "\(lab.directory)/keys/ns1.key", "@\(Self.prefix).1", "zone00001.lab", "AXFR", "+nocomments",
                "+nostats", "+nocmd",
            ])
        var digCounts: [RecordType: Int] = [:]
        for line in digText.split(separator: "\n") where !line.hasPrefix(";") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count > 4, let type = RecordType(mnemonic: String(fields[3])), type != .tsig else { continue }
            digCounts[type, default: 0] += 1
        }
        digCounts[.soa, default: 0] -= 1  // dig prints the closing SOA too
        #expect(stats.countsByType == digCounts)
        #expect(delivered == digCounts)
        #expect(stats.records == 3000 + 300 + 5 + 1 + 1)
        #expect(stats.messages > 3, "a 3000-record zone should need several messages, got \(stats.messages)")
        #expect(stats.tsig == .verified(keyName: primary.key!.name))

        // A bit flipped in message k (first, middle, last) fails the transfer.
        let messages = stats.messages
        for k in [1, (messages + 1) / 2, messages] {
            let proxy = try TamperProxy(upstreamHost: "\(Self.prefix).1", upstreamPort: 53, tamperMessage: k)
            defer { proxy.close() }
            var viaProxy = primary
            viaProxy.host = "127.0.0.1"
            viaProxy.port = proxy.port
            let tampered = await client.axfr(zone: big, from: viaProxy) { _ in }
            #expect(proxy.status.tampered, "message \(k) was never relayed")
            guard case .failed(let error, _) = tampered else {
                Issue.record("a transfer with message \(k) of \(messages) tampered was accepted")
                continue
            }
            let text = error.description
            #expect(text.contains("MAC did not verify") || text.contains("failed TSIG verification"), "\(text)")
        }
        // The same relay without tampering passes, so the failures above come from the flipped bit.
        let clean = try TamperProxy(upstreamHost: "\(Self.prefix).1", upstreamPort: 53, tamperMessage: nil)
        defer { clean.close() }
        var viaClean = primary
        viaClean.host = "127.0.0.1"
        viaClean.port = clean.port
        let relayed = await client.axfr(zone: big, from: viaClean) { _ in }
        guard case .complete = relayed else {
            Issue.record("the untampered relay failed: \(relayed)")
            return
        }

        // A server that goes silent after message 2: the idle timeout ends the transfer.
        let stalling = try TamperProxy(
            upstreamHost: "\(Self.prefix).1", upstreamPort: 53, tamperMessage: nil, stallAfter: 2)
        defer { stalling.close() }
        var viaStalling = primary
        viaStalling.host = "127.0.0.1"
        viaStalling.port = stalling.port
        let stallStarted = ContinuousClock.now
        let stalled = await client.axfr(
            zone: big, from: viaStalling, limits: AXFRLimits(idleTimeout: .milliseconds(300))
        ) { _ in }
        let stallTime = ContinuousClock.now - stallStarted
        guard case .failed(let stallError, let partial) = stalled else {
            Issue.record("a stalled transfer completed: \(stalled)")
            return
        }
        #expect(stallError.description.contains("nothing arrived for 300 ms"), "\(stallError)")
        #expect(partial.messages == 2)
        #expect(stallTime < .seconds(2), "took \(stallTime)")
        // The same stall under a total limit shorter than the idle one.
        let stalledTotal = await client.axfr(
            zone: big, from: viaStalling,
            limits: AXFRLimits(idleTimeout: .seconds(30), totalTimeout: .milliseconds(400))
        ) { _ in }
        guard case .failed(let totalError, _) = stalledTotal else {
            Issue.record("a stalled transfer completed: \(stalledTotal)")
            return
        }
        #expect(totalError.description.contains("not finished within 400 ms"), "\(totalError)")
        // Limits on records and bytes.
        let capped = await client.axfr(zone: big, from: primary, limits: AXFRLimits(maxBytes: 20_000)) { _ in }
        guard case .failed(let capError, _) = capped else {
            Issue.record("a transfer over the byte limit completed")
            return
        }
        #expect(capError.description.contains("more than 20000 octets"), "\(capError)")
        let fewer = await client.axfr(zone: big, from: primary, limits: AXFRLimits(maxRecords: 1000)) { _ in }
        guard case .failed(let fewerError, _) = fewer else {
            Issue.record("a transfer over the record limit completed")
            return
        }
        #expect(fewerError.description.contains("more than 1000 records"), "\(fewerError)")

        // The wrong key is refused before any record is delivered.
        var wrong = primary
        wrong.key = primary.key!.withSecret(Array(repeating: 1, count: 64))
        var leaked = 0
        let refused = await client.axfr(zone: big, from: wrong) { _ in leaked += 1 }
        guard case .failed(let refusedError, _) = refused else {
            Issue.record("a transfer with the wrong secret was accepted")
            return
        }
        #expect(leaked == 0)
        #expect(refusedError.description.contains("BADSIG"), "\(refusedError)")
        await client.close()
    }

    /// The same checks against Knot and NSD secondaries: their TSIG (every message signed, or
    /// some left unsigned, RFC 8945 §5.3.1) must verify too, and their errors classify the same.
    @Test func knotAndNSDSecondaries() async throws {
        let lab = try Self.startLab(zones: 3, bigZone: 3000, secondaries: ["knot", "nsd", "knot", "nsd"])
        defer { lab.tearDown() }
        let client = try DNSClient()
        let servers = try (1...5).map { try lab.endpoint($0) }
        let big = Lab.zone("zone00001.lab")
        var serials: [UInt32] = []
        var counts: [[RecordType: Int]] = []
        for server in servers {
            let outcome = await client.soa(zone: big, at: server)
            guard case .answered(let answer) = outcome else {
                Issue.record("\(server.name): \(outcome)")
                continue
            }
            #expect(answer.tsig == .verified(keyName: server.key!.name))
            serials.append(answer.serial)
            let transfer = await client.axfr(zone: big, from: server) { _ in }
            guard case .complete(let stats) = transfer else {
                Issue.record("\(server.name): \(transfer)")
                continue
            }
            counts.append(stats.countsByType)
        }
        #expect(serials.count == 5 && Set(serials).count == 1, "serials \(serials)")
        #expect(counts.count == 5 && counts.allSatisfy { $0 == counts[0] }, "counts \(counts)")

        // Knot and NSD answer TSIG errors unsigned, as BIND does (NSD leaves the question
        // section out of them, which must not turn them into timeouts).
        let probe = QueryOptions(timeout: .milliseconds(500), retries: 1)
        for server in [servers[1], servers[2]] {
            var wrongSecret = server
            wrongSecret.key = server.key!.withSecret(Array(repeating: 7, count: 64))
            var unknown = server
            unknown.key = server.key!.renamed(Lab.zone("nobody-knows-this-key"))
            let badSig = await client.soa(zone: big, at: wrongSecret, options: probe)
            let badKey = await client.soa(zone: big, at: unknown, options: probe)
            var skewedOptions = probe
            skewedOptions.clockOffset = .seconds(-600)
            let skewed = await client.soa(zone: big, at: server, options: skewedOptions)
            for (outcome, expected) in [(badSig, "BADSIG"), (badKey, "BADKEY"), (skewed, "BADTIME")] {
                guard case .failed(let error) = outcome else {
                    Issue.record("\(server.name): a request with a bad TSIG was answered: \(outcome)")
                    continue
                }
                #expect(error.description.contains("(\(expected))"), "\(server.name): \(error)")
                if case .notAuth(.badTime(_, let skew?), _) = error.failure {
                    #expect((-605 ... -595).contains(skew), "\(server.name): skew \(skew)")
                }
            }
        }
        await client.close()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
    }
}
