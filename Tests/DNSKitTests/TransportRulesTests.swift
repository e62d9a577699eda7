import Foundation
import TestSupport
import Testing

@testable import DNSKit

/// The AXFR rules (RFC 5936 §2.2, RFC 8945 §5.3.1) and the failure texts, without a network:
/// messages are built and signed here and fed to the same state machine the client uses.
@Suite(.ownThreads) struct TransportRulesTests {
    static let zone = MessageTests.zone
    static let key = TSIGKey(name: Lab.zone("xfr-key"), algorithm: .hmacSHA512, secret: Array(0..<64))!
    static let now = UInt64(Date.now.timeIntervalSince1970)

    static func record(_ owner: String, _ last: UInt8) -> ResourceRecord {
        ResourceRecord(owner: Lab.zone(owner), type: .a, ttl: 60, rdata: [192, 0, 2, last])
    }

    /// Signed messages (each a list of records) answering request `id`, chained as a server does.
    static func stream(_ batches: [[ResourceRecord]], id: UInt16 = 77, signed: (Int) -> Bool = { _ in true })
        -> (requestMAC: [UInt8], messages: [[UInt8]])
    {
        var request = MessageBuilder.axfrQuery(zone: zone, id: id)
        let requestMAC = TSIG.sign(&request, key: key, time: now)
        var prior = requestMAC
        var unsigned: [[UInt8]] = []
        var messages: [[UInt8]] = []
        for (n, batch) in batches.enumerated() {
            var builder = MessageBuilder(
                id: id, flags: MessageHeader.flags(response: true, opcode: .query, authoritative: true))
            if n == 0 { builder.addQuestion(Question(name: zone, type: .axfr)) }
            for record in batch { builder.addAnswer(record) }
            var wire = builder.bytes
            if signed(n) {
                prior = TSIG.sign(
                    &wire, key: key, time: now,
                    chain: n == 0 ? .response(requestMAC: prior) : .subsequent(priorMAC: prior, unsignedSince: unsigned)
                )
                unsigned = []
            } else {
                unsigned.append(wire)
            }
            messages.append(wire)
        }
        return (requestMAC, messages)
    }

    static func transfer(_ batches: [[ResourceRecord]], signed: (Int) -> Bool = { _ in true }) -> (
        QueryFailure?, [ResourceRecord], AXFRStreamVerifier
    ) {
        let (mac, messages) = stream(batches, signed: signed)
        var state = AXFRStreamVerifier(zone: zone, requestID: 77, key: key, requestMAC: mac)
        var delivered: [ResourceRecord] = []
        do {
            for wire in messages {
                delivered += try state.receive(wire, now: now)
                if state.finished { break }
            }
            if let failure = state.endOfStream() { return (failure, delivered, state) }
            return (nil, delivered, state)
        } catch {
            return (error, delivered, state)
        }
    }

    static let soa = MessageTests.soa(serial: 5)

    @Test func aCompleteTransferWithUnsignedMessagesInBetween() {
        let batches = [
            [Self.soa, Self.record("a.example.com", 1)], [Self.record("b.example.com", 2)],
            [Self.record("c.example.com", 3)], [Self.record("d.example.com", 4), Self.soa],
        ]
        let (failure, delivered, state) = Self.transfer(batches, signed: { $0 != 1 && $0 != 2 })
        #expect(failure == nil)
        #expect(delivered.count == 5, "the closing SOA is not delivered")
        #expect(state.stats.countsByType == [.soa: 1, .a: 4])
        #expect(state.stats.serial == 5)
    }

    @Test func unsignedRecordsAreHeldUntilTheNextMACVerifies() throws {
        let batches = [[Self.soa], [Self.record("a.example.com", 1)], [Self.soa]]
        let (mac, messages) = Self.stream(batches, signed: { $0 != 1 })
        var state = AXFRStreamVerifier(zone: Self.zone, requestID: 77, key: Self.key, requestMAC: mac)
        var delivered: [ResourceRecord] = []
        delivered += try state.receive(messages[0], now: Self.now)
        delivered += try state.receive(messages[1], now: Self.now)
        #expect(delivered.count == 1, "a record of an unsigned message was delivered before it was verified")
        delivered += try state.receive(messages[2], now: Self.now)
        #expect(delivered.count == 2 && state.finished)
    }

    @Test func brokenTransfersFail() {
        let a = Self.record("a.example.com", 1)
        let cases: [(String, [[ResourceRecord]], (Int) -> Bool, String)] = [
            (
                "second different SOA", [[Self.soa, a, MessageTests.soa(serial: 6)]], { _ in true },
                "a second, different SOA"
            ),
            (
                "outside the zone", [[Self.soa, Self.record("a.example.net", 1), Self.soa]], { _ in true },
                "outside the zone"
            ),
            ("first not SOA", [[a, Self.soa]], { _ in true }, "not the SOA"),
            (
                "last unsigned", [[Self.soa], [a, Self.soa]], { $0 == 0 },
                "the last message of the answer is not signed"
            ),
            ("first unsigned", [[Self.soa], [a, Self.soa]], { $0 == 1 }, "without a TSIG signature"),
            ("records after the end", [[Self.soa, a, Self.soa, a]], { _ in true }, "follow the closing SOA"),
        ]
        for (name, batches, signed, expected) in cases {
            let (failure, _, _) = Self.transfer(batches, signed: signed)
            guard let failure else {
                Issue.record("\(name): accepted")
                continue
            }
            let text = QueryError(
                zone: Self.zone, server: ServerEndpoint(name: "ns2", host: "192.0.2.2", key: Self.key), kind: .axfr,
                failure: failure
            ).description
            #expect(text.contains(expected) || String(describing: failure).contains(expected), "\(name): \(text)")
        }
    }

    @Test func anIDChangeMidStreamFails() throws {
        let (mac, messages) = Self.stream([[Self.soa], [Self.soa]])
        var second = messages[1]
        second.setUInt16(78, at: 0)
        var state = AXFRStreamVerifier(zone: Self.zone, requestID: 77, key: Self.key, requestMAC: mac)
        _ = try state.receive(messages[0], now: Self.now)
        #expect(throws: QueryFailure.transferBroken(.idChanged(message: 2, id: 78, requestID: 77))) {
            _ = try state.receive(second, now: Self.now)
        }
    }

    /// What the UDP router does with an answer that matched a request: a verified answer is the answer, a
    /// signed error decides, a TC=1 hint is taken unscreened (TCP verifies), anything unverifiable is dropped.
    @Test func screeningDropsWhatDoesNotVerify() {
        let id: UInt16 = 99
        let question = Question(name: Self.zone, type: .soa)
        var request = MessageBuilder.soaQuery(zone: Self.zone, id: id)
        let requestMAC = TSIG.sign(&request, key: Self.key, time: Self.now)
        func answer(flags extra: UInt16 = 0) -> [UInt8] {
            var builder = MessageBuilder(
                id: id, flags: MessageHeader.flags(response: true, opcode: .query, authoritative: true) | extra)
            builder.addQuestion(question)
            return builder.bytes
        }
        func signed(_ wire: [UInt8], error: UInt16 = 0, key: TSIGKey = Self.key) -> [UInt8] {
            var wire = wire
            TSIG.sign(&wire, key: key, time: Self.now, chain: .response(requestMAC: requestMAC), error: error)
            return wire
        }
        func screen(_ wire: [UInt8]) -> UDPRouter.Screening {
            DNSClient.screen(
                wire, id: id, requestMAC: requestMAC, question: question, opcode: .query, key: Self.key,
                options: QueryOptions())
        }
        let otherKey = TSIGKey(name: Self.key.name, algorithm: .hmacSHA512, secret: Array(repeating: 7, count: 64))!
        if case .accept(_, .verified) = screen(signed(answer())) {
        } else {
            Issue.record("a verified answer was not taken")
        }
        if case .drop(.unsignedReply) = screen(answer()) {} else { Issue.record("an unsigned answer was not dropped") }
        if case .drop(.macDidNotVerify) = screen(signed(answer(), key: otherKey)) {
        } else {
            Issue.record("an answer signed with another secret was not dropped")
        }
        if case .drop(.malformed) = screen(Array(signed(answer()).dropLast(3))) {
        } else {
            Issue.record("a cut message was not dropped")
        }
        if case .acceptUnscreened = screen(answer(flags: 0x0200)) {} else { Issue.record("TC=1 was not a hint") }
        // BADKEY carries no MAC (RFC 8945 §5.3.2): anyone could send it, so it is dropped, its error kept for
        // the report should no verified answer come.
        var badKey = answer(flags: ResponseCode.notAuth.rawValue)
        badKey.appendRecord(
            TSIGRecord(
                keyName: Self.key.name, algorithm: Self.key.algorithm.domainName, timeSigned: Self.now, fudge: 300,
                mac: [], originalID: id, error: 17, otherData: []
            ).record)
        badKey.setUInt16(badKey.uint16(at: 10) + 1, at: 10)
        if case .drop(.notAuth(.badKey, signed: false)) = screen(badKey) {
        } else {
            Issue.record("an unsigned BADKEY was not dropped: \(screen(badKey))")
        }
        // An error the server signed (its MAC verifies) comes from the key's holder: it decides.
        var badSig = answer(flags: ResponseCode.notAuth.rawValue)
        TSIG.sign(&badSig, key: Self.key, time: Self.now, chain: .response(requestMAC: requestMAC), error: 16)
        if case .decide(.notAuth(.badSig, signed: true)) = screen(badSig) {
        } else {
            Issue.record("a signed BADSIG did not decide: \(screen(badSig))")
        }
    }

    @Test func failureTextsNameZoneServerAndNextStep() {
        let server = ServerEndpoint(name: "ns3", host: "192.0.2.3", key: Self.key)
        let zone = Lab.zone("example.com")
        let failures: [QueryFailure] = [
            .timeout(attempts: 3, waited: .seconds(6)), .connectionRefused, .unreachable("no route"), .refused,
            .notAuth(tsigError: .badKey, signed: false), .notAuth(tsigError: .badSig, signed: false),
            .notAuth(tsigError: .badTime(serverTime: 1, skew: -600), signed: true), .servfail, .formerr,
            .notAuthoritative(referral: true), .nxdomainAtApex, .malformed("x"), .macDidNotVerify(.macDidNotVerify),
            .clockSkew(serverTime: 1, skew: 400, fudge: 300), .unsignedReply(rcode: .refused),
            .transferBroken("y"), .unexpectedRcode(ResponseCode(rawValue: 7)),
            .noMatchingAnswer(ignored: 3, attempts: 3, waited: .seconds(6)),
            .transferBroken(.unverified(message: 4, .macDidNotVerify)),
            .transferBroken(.stalled(afterRecords: 10, idle: .seconds(15))),
            .transferBroken(.connectionReset(afterRecords: 10)),
            .transferBroken(.tooManyRecords(limit: 5, sent: TransferVolume(messages: 2, records: 6, octets: 900))),
        ]
        for failure in failures {
            let text = QueryError(zone: zone, server: server, kind: .soa, failure: failure).description
            #expect(text.contains("ns3"), "\(text)")
            #expect(text.contains("example.com") || text.contains("xfr-key"), "\(text)")
            #expect(text.contains(":"), "no next step in: \(text)")
        }
        let badKey = QueryError(
            zone: zone, server: server, kind: .soa, failure: .notAuth(tsigError: .badKey, signed: false))
        #expect(badKey.description.hasPrefix("ns3 rejected our key xfr-key (BADKEY)"))
        #expect(badKey.description.contains("is the key configured on ns3?"))
        let badTime = QueryError(
            zone: zone, server: server, kind: .soa,
            failure: .notAuth(tsigError: .badTime(serverTime: 1, skew: -600), signed: true))
        #expect(badTime.description.contains("ns3 says our clock is 600 s behind its own (BADTIME)"))
        #expect(badTime.description.contains("check NTP on this host and on ns3"))
    }

    /// A transfer that ended before a single record is asked once more (nothing reached the receiver): a
    /// close (BIND at its TCP quota) or a reset (NSD replacing its server process after a reload); one cut
    /// off after records, or stalled, is not.
    @Test func aTransferEndedBeforeAnythingIsAskedAgain() {
        #expect(DNSClient.endedBeforeAnything(.transferBroken(.closedEarly(afterRecords: 0))))
        #expect(DNSClient.endedBeforeAnything(.transferBroken(.connectionReset(afterRecords: 0))))
        #expect(!DNSClient.endedBeforeAnything(.transferBroken(.connectionReset(afterRecords: 3))))
        #expect(!DNSClient.endedBeforeAnything(.transferBroken(.closedEarly(afterRecords: 1))))
        #expect(!DNSClient.endedBeforeAnything(.transferBroken(.stalled(afterRecords: 0, idle: .seconds(5)))))
        #expect(!DNSClient.endedBeforeAnything(.servfail))
    }
}
