import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// Every hostile behaviour against the transport (the way BIND's xfer/ and tsig/ system tests and NSD's
/// tpkg cases feed a resolver broken answers): the outcome is exactly the expected failure, not just "failed",
/// nothing crashes, and the call returns within its time budget. Each case has its own loopback address
/// (127.53.20.N port 5320), so cases run in parallel.
@Suite("hostile server: DNSClient outcomes", .ownThreads)
struct HostileServerTests {
    /// What a case expects: a predicate over the failure (nil: success) and a sentence for the report.
    struct Case: Sendable, CustomTestStringConvertible {
        var behaviour: HostileServer.Behaviour
        var transfer: Bool
        var address: Int
        var expected: String
        var matches: @Sendable (QueryFailure?) -> Bool
        var testDescription: String { "\(transfer ? "AXFR" : "SOA"): \(behaviour) -> \(expected)" }
    }

    static let zone = try! DomainName(presentation: "hostile.test.", origin: nil)

    /// Waits short enough to keep the suite quick, long enough that a loaded machine does not turn an answer
    /// into a timeout (the cases run on `OwnThreadsExecutor`, so other suites cannot take their threads, but
    /// with the whole suite, lab servers and builds on two cores a process can still wait a second for a
    /// CPU: 1 s attempts and a 2 s idle limit failed that way): a UDP attempt (and the TCP retry after TC=1)
    /// 3 s, two attempts; a transfer idle 5 s; the stream capped at 5,000 records.
    static let options = QueryOptions(timeout: .seconds(3), retries: 1)
    static let limits = AXFRLimits(
        connectTimeout: .seconds(5), idleTimeout: .seconds(5), totalTimeout: .seconds(30), maxRecords: 5_000)

    static let cases: [Case] = [
        Case(behaviour: .wellBehaved, transfer: false, address: 1, expected: "answered") { $0 == nil },
        Case(behaviour: .garbage, transfer: false, address: 2, expected: "no matching answer (2 ignored)") {
            if case .noMatchingAnswer(2, 2, _) = $0 { true } else { false }
        },
        Case(behaviour: .truncatedMessage, transfer: false, address: 3, expected: "malformed (ends early)") {
            if case .malformed(let reason) = $0 {
                !reason.contains("question") && !reason.contains("ID")
            } else {
                false
            }
        },
        Case(behaviour: .wrongID, transfer: false, address: 4, expected: "no matching answer") {
            if case .noMatchingAnswer(2, 2, _) = $0 { true } else { false }
        },
        Case(behaviour: .wrongQuestion, transfer: false, address: 5, expected: "no matching answer") {
            if case .noMatchingAnswer(2, 2, _) = $0 { true } else { false }
        },
        Case(behaviour: .unsigned, transfer: false, address: 6, expected: "unsigned reply") {
            $0 == .unsignedReply(rcode: .noError)
        },
        Case(behaviour: .truncatedMAC, transfer: false, address: 7, expected: "MAC truncated to 16 of 64") {
            $0 == .macDidNotVerify(.truncatedMAC(length: 16, fullLength: 64))
        },
        Case(behaviour: .badTime(skew: 1000), transfer: false, address: 8, expected: "signed BADTIME, skew -1000") {
            if case .notAuth(.badTime(.some, -1000), signed: true) = $0 { true } else { false }
        },
        Case(behaviour: .rcode(.refused), transfer: false, address: 9, expected: "REFUSED") { $0 == .refused },
        Case(behaviour: .rcode(.notAuth), transfer: false, address: 10, expected: "not authoritative") {
            $0 == .notAuthoritative(referral: false)
        },
        Case(behaviour: .rcode(.servFail), transfer: false, address: 11, expected: "SERVFAIL") { $0 == .servfail },
        Case(behaviour: .rcode(.nxDomain), transfer: false, address: 12, expected: "NXDOMAIN at the apex") {
            $0 == .nxdomainAtApex
        },
        Case(behaviour: .referral, transfer: false, address: 13, expected: "referral") {
            $0 == .notAuthoritative(referral: true)
        },
        Case(behaviour: .truncatedForever, transfer: false, address: 14, expected: "truncated over TCP too") {
            $0 == .malformed("the answer is truncated (TC=1) over TCP too")
        },
        Case(behaviour: .wellBehaved, transfer: true, address: 21, expected: "complete") { $0 == nil },
        Case(behaviour: .garbage, transfer: true, address: 22, expected: "malformed message 1") {
            if case .transferBroken(.malformedMessage(message: 1, _)) = $0 { true } else { false }
        },
        Case(behaviour: .truncatedMessage, transfer: true, address: 23, expected: "malformed message 1") {
            if case .transferBroken(.malformedMessage(message: 1, _)) = $0 { true } else { false }
        },
        Case(behaviour: .wrongID, transfer: true, address: 24, expected: "ID changed in message 1") {
            if case .transferBroken(.idChanged(message: 1, _, _)) = $0 { true } else { false }
        },
        Case(behaviour: .wrongQuestion, transfer: true, address: 25, expected: "other question in message 1") {
            $0 == .transferBroken(.otherQuestion(message: 1))
        },
        Case(behaviour: .unsigned, transfer: true, address: 26, expected: "unsigned reply") {
            $0 == .unsignedReply(rcode: .noError)
        },
        Case(behaviour: .truncatedMAC, transfer: true, address: 27, expected: "MAC truncated") {
            $0 == .macDidNotVerify(.truncatedMAC(length: 16, fullLength: 64))
        },
        Case(behaviour: .rcode(.refused), transfer: true, address: 28, expected: "REFUSED") { $0 == .refused },
        Case(behaviour: .axfrUnsignedRun(99), transfer: true, address: 31, expected: "complete (99 allowed)") {
            $0 == nil
        },
        Case(behaviour: .axfrUnsignedRun(100), transfer: true, address: 32, expected: "100 unsigned in a row") {
            $0 == .transferBroken(.unverified(message: 101, .tooManyUnsigned(100)))
        },
        Case(behaviour: .axfrTamperedBetween, transfer: true, address: 33, expected: "last MAC fails") {
            $0 == .transferBroken(.unverified(message: 4, .macDidNotVerify))
        },
        Case(behaviour: .axfrChangingID, transfer: true, address: 34, expected: "ID changed in message 2") {
            if case .transferBroken(.idChanged(message: 2, _, _)) = $0 { true } else { false }
        },
        Case(behaviour: .axfrSOAInMiddle, transfer: true, address: 35, expected: "records after the closing SOA") {
            $0 == .transferBroken(.recordsAfterEnd(message: 2, record: 3))
        },
        Case(behaviour: .axfrOutsideZone, transfer: true, address: 36, expected: "record outside the zone") {
            $0
                == .transferBroken(
                    .outsideZone(owner: try! DomainName(presentation: "www.example.net.", origin: nil), type: .a))
        },
        Case(behaviour: .axfrStall, transfer: true, address: 37, expected: "stalled after 10 records") {
            $0 == .transferBroken(.stalled(afterRecords: 10, idle: .seconds(5)))
        },
        Case(behaviour: .axfrReset, transfer: true, address: 38, expected: "connection reset") {
            if case .transferBroken(.connectionReset) = $0 { true } else { false }
        },
        Case(behaviour: .axfrNeverEnding, transfer: true, address: 39, expected: "record limit") {
            if case .transferBroken(.tooManyRecords(limit: 5_000, _)) = $0 { true } else { false }
        },
        Case(behaviour: .axfrDifferentLastSOA, transfer: true, address: 40, expected: "different last SOA") {
            $0 == .transferBroken(.differentSOA(serial: 2_000_000_001, openingSerial: 2_000_000_000, afterRecords: 23))
        },
    ]

    /// One key file for the suite: its cases run at once, and tsig-keygen per case would only add load.
    static let sharedKeys = Result { try HostileKeys() }

    @Test(arguments: cases)
    func outcomeIsClassifiedExactly(_ testCase: Case) async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) { try await check(testCase) }
    }

    func check(_ testCase: Case) async throws {
        let keys = try Self.sharedKeys.get()
        let server = try HostileServer(
            host: "127.53.20.\(testCase.address)", port: 5320, zone: Self.zone, key: keys.key,
            behaviour: testCase.behaviour)
        defer { server.close() }
        let client = try DNSClient()
        let started = ContinuousClock.now
        var failure: QueryFailure?
        var text = ""
        var delivered = 0
        if testCase.transfer {
            let outcome = await client.axfr(zone: Self.zone, from: server.endpoint, limits: Self.limits) { _ in
                delivered += 1
            }
            if case .failed(let error, _) = outcome { failure = error.failure }
            text = outcome.description
        } else {
            let outcome = await client.soa(zone: Self.zone, at: server.endpoint, options: Self.options)
            if case .failed(let error) = outcome { failure = error.failure }
            text = outcome.description
        }
        let elapsed = ContinuousClock.now - started
        await client.close()
        #expect(
            testCase.matches(failure), "\(testCase.behaviour): got \(failure.map { "\($0)" } ?? "success"): \(text)")
        // Bounded, not timed: two attempts of 3 s, or an idle limit of 5 s, plus room for a loaded machine.
        #expect(elapsed < .seconds(30), "\(testCase.behaviour) took \(elapsed)")
        #expect(!text.contains(keys.secret), "the secret appears in: \(text)")
        #expect(!server.received.isEmpty, "the hostile server received nothing: the case did not run")
        if testCase.transfer && failure == nil {
            var expected = server.content().count
            if case .axfrUnsignedRun(let unsigned) = testCase.behaviour { expected = unsigned + 1 }
            #expect(delivered == expected, "records delivered: \(delivered)")
        }
    }

    /// A slow server's duplicate answer (to a query already answered) arriving while another query waits is
    /// an ordinary duplicate: the silent query times out (UNREACHABLE), it is not "no matching answer".
    @Test func aLateDuplicateIsNotAnAnswerThatMatchesNothing() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try Self.sharedKeys.get()
            let silent = try DomainName(presentation: "silent.test.", origin: nil)
            let server = try HostileServer(
                host: "127.53.20.60", port: 5320, zone: Self.zone, key: keys.key,
                behaviour: .duplicatesAnswers(silentFor: silent))
            defer { server.close() }
            let client = try DNSClient()
            let outcomes = await client.soa(zones: [Self.zone, silent], at: server.endpoint, options: Self.options)
            await client.close()
            #expect(outcomes[0].serial == server.serial, "\(outcomes[0])")
            guard case .failed(let error) = outcomes[1] else {
                Issue.record("the silent zone was answered: \(outcomes[1])")
                return
            }
            // Two attempts of 3 s each; the time waited is measured, so allow the scheduler its slack.
            guard case .timeout(let attempts, let waited) = error.failure else {
                Issue.record("not a timeout: \(error)")
                return
            }
            #expect(attempts == 2 && waited >= .seconds(6) && waited < .seconds(12), "\(error)")
        }
    }

    /// A NOTIFY to a server answering garbage or with a truncated MAC is not taken as acknowledged.
    @Test(arguments: [(HostileServer.Behaviour.garbage, 50), (.truncatedMAC, 51), (.unsigned, 52)])
    func notifyIsNotAcknowledgedByAHostileServer(_ behaviour: HostileServer.Behaviour, _ address: Int) async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) { try await notify(behaviour, address) }
    }

    func notify(_ behaviour: HostileServer.Behaviour, _ address: Int) async throws {
        let keys = try Self.sharedKeys.get()
        let server = try HostileServer(
            host: "127.53.20.\(address)", port: 5320, zone: Self.zone, key: keys.key, behaviour: behaviour)
        defer { server.close() }
        let client = try DNSClient()
        let outcome = await client.notify(zone: Self.zone, soa: nil, at: server.endpoint, options: Self.options)
        await client.close()
        guard case .failed(let error) = outcome else {
            Issue.record("\(behaviour): NOTIFY acknowledged")
            return
        }
        #expect(server.received.contains { $0.opcode == .notify })
        #expect(Compare.state(of: error.failure) != .ok)
    }
}

/// A TSIG key made by `tsig-keygen` (as an operator makes them) in a temporary directory, and its secret
/// as written in the file, so tests can check it never appears in any output.
struct HostileKeys {
    let directory: String
    let path: String
    let key: TSIGKey
    let secret: String

    init(name: String = "hostile-test") throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-hostile-\(UUID())")
            .path
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The key lives on in memory; the file is only for loading it, so the directory goes at once.
        defer { try? FileManager.default.removeItem(atPath: directory) }
        path = directory + "/\(name).key"
        let keygen = try #require(Lab.which("tsig-keygen"), "tsig-keygen is not installed (bind9-utils)")
        let output = try Command.run(keygen, ["-a", "hmac-sha512", name])
        try output.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        key = try TSIGKey.load(path: path)
        secret = try #require(Self.secret(in: output.stdout))
    }

    init(existing path: String, name: String) throws {
        directory = ""
        self.path = path
        key = try TSIGKey.load(path: path, name: name)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        secret = try #require(Self.secret(in: text))
    }

    static func secret(in text: String) -> String? {
        guard let start = text.range(of: "secret \"") else { return nil }
        return text[start.upperBound...].split(separator: "\"").first.map(String.init)
    }
}

/// Issue 11 against the transport, each case on its own address (127.53.30.N port 5320): a forged
/// answer that races the genuine one neither decides nor spoils, and a record that decompresses past
/// 65,535 octets is a malformed message, not a trap.
@Suite("hostile server: forged answers and records past the limits", .ownThreads)
struct HostileWireLimitTests {
    static let zone = HostileServerTests.zone

    @Test("an unsigned forged answer 50 ms before the genuine signed one: the genuine serial, the forgery counted")
    func forgedAnswerIsDroppedAndTheGenuineOneTaken() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.30.1", port: 5320, zone: Self.zone, key: keys.key,
                behaviour: .forgedFirst(lead: .milliseconds(50)))
            defer { server.close() }
            let client = try DNSClient()
            let started = ContinuousClock.now
            let outcome = await client.soa(zone: Self.zone, at: server.endpoint, options: HostileServerTests.options)
            let elapsed = ContinuousClock.now - started
            let batch = await client.soa(zones: [Self.zone], at: server.endpoint, options: HostileServerTests.options)
            let dropped = await client.droppedAnswers(from: server.endpoint)
            await client.close()
            guard case .answered(let answer) = outcome else {
                Issue.record("the forged answer decided: \(outcome)")
                return
            }
            #expect(
                answer.serial == server.serial, "serial \(answer.serial), the forged one is \(server.serial &+ 1000)")
            #expect(answer.tsig == .verified(keyName: keys.key.name))
            #expect(batch.first?.serial == server.serial, "batch path: \(batch)")
            // Not the two attempts' 6 s of timeouts: the genuine answer came 50 ms after the forgery (the bound
            // leaves a loaded test machine its slack).
            #expect(elapsed < .milliseconds(5900), "took \(elapsed)")
            #expect(dropped == 2, "dropped answers counted: \(dropped)")
        }
    }

    @Test("only forged answers: the query waits its timeout, then reports what the forgery said (AUTH-FAILED)")
    func onlyForgedAnswersEndAsAuthFailureAfterTheTimeout() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.30.2", port: 5320, zone: Self.zone, key: keys.key, behaviour: .unsigned)
            defer { server.close() }
            let client = try DNSClient()
            let started = ContinuousClock.now
            let outcome = await client.soa(zone: Self.zone, at: server.endpoint, options: HostileServerTests.options)
            let elapsed = ContinuousClock.now - started
            let dropped = await client.droppedAnswers(from: server.endpoint)
            await client.close()
            guard case .failed(let error) = outcome else {
                Issue.record("an unsigned answer was taken: \(outcome)")
                return
            }
            #expect(error.failure == .unsignedReply(rcode: .noError), "\(error)")
            #expect(Compare.state(of: error.failure) == .authFailed)
            // Two attempts of 3 s: the forgery did not end the query early.
            #expect(elapsed >= .milliseconds(5900), "ended after \(elapsed): the unsigned answer decided")
            #expect(dropped == 2, "one dropped answer per attempt: \(dropped)")
        }
    }

    @Test("an AXFR with a SIG whose name points back into its own RDATA: a malformed message, no trap")
    func selfReferencingSIGIsAMalformedMessage() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.30.3", port: 5320, zone: Self.zone, key: keys.key, behaviour: .axfrSelfReferencingSIG)
            defer { server.close() }
            let client = try DNSClient()
            var delivered = 0
            let outcome = await client.axfr(zone: Self.zone, from: server.endpoint, limits: HostileServerTests.limits) {
                _ in delivered += 1
            }
            await client.close()
            guard case .failed(let error, _) = outcome,
                case .transferBroken(.malformedMessage(message: 2, let reason)) = error.failure
            else {
                Issue.record("not a malformed message 2: \(outcome)")
                return
            }
            #expect(reason.contains("its own record's RDATA"), "\(reason)")
            #expect(Compare.state(of: error.failure) == .badAnswer)
            #expect(error.description.contains("hostile"), "names the server: \(error)")
        }
    }

    @Test("an endless signed AXFR is cut off by its time bound, naming what it sent")
    func endlessTransferIsCutOffInTime() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.30.4", port: 5320, zone: Self.zone, key: keys.key, behaviour: .axfrNeverEnding)
            defer { server.close() }
            let client = try DNSClient()
            let limits = AXFRLimits(connectTimeout: .seconds(2), idleTimeout: .seconds(2), totalTimeout: .seconds(2))
            let started = ContinuousClock.now
            let outcome = await client.axfr(zone: Self.zone, from: server.endpoint, limits: limits) { _ in }
            let elapsed = ContinuousClock.now - started
            await client.close()
            guard case .failed(let error, _) = outcome,
                case .transferBroken(.tooSlow(limit: .seconds(2), let sent)) = error.failure
            else {
                Issue.record("not cut off by time: \(outcome)")
                return
            }
            #expect(sent.messages > 1 && sent.records > 100 && sent.octets > 1000, "\(sent)")
            #expect(sent.duration >= .seconds(2), "\(sent)")
            #expect(elapsed < .seconds(10), "took \(elapsed)")
            #expect(Compare.state(of: error.failure) == .badAnswer)
            #expect(error.description.contains("without end"), "\(error)")
        }
    }

    @Test("queries leave from a pool of UDP sockets, each on its own source port")
    func queriesLeaveFromAPoolOfSourcePorts() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.30.5", port: 5320, zone: Self.zone, key: keys.key, behaviour: .wellBehaved)
            defer { server.close() }
            let client = try DNSClient()
            let outcomes = await client.soa(
                zones: Array(repeating: Self.zone, count: 64), at: server.endpoint, options: HostileServerTests.options)
            await client.close()
            #expect(outcomes.allSatisfy { $0.serial == server.serial })
            let ports = Set(server.received.compactMap(\.sourcePort))
            // 64 queries over 8 sockets: all 8 ports in use but for a 8 x (7/8)^64 = 1e-3 chance of one unused.
            #expect(ports.count >= 7 && ports.count <= DNSClient.defaultPoolSize, "source ports: \(ports.sorted())")
        }
    }
}
