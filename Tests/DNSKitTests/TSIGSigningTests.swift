import Foundation
import Testing

@testable import DNSKit

@Suite struct TSIGSigningTests {
    static let zone = try! DomainName(labels: ["example", "com"].map { Array($0.utf8) })
    static let keyName = try! DomainName(labels: ["zonecheck-ns1"].map { Array($0.utf8) })
    static let secret: [UInt8] = Array(0..<64).map { UInt8(($0 * 7 + 3) & 0xFF) }

    static func key(_ algorithm: TSIGAlgorithm = .hmacSHA512) -> TSIGKey {
        TSIGKey(name: keyName, algorithm: algorithm, secret: secret)!
    }

    static func now() -> UInt64 { UInt64(Date.now.timeIntervalSince1970) }

    /// ldns signs the query at its own clock; signing the same bytes at that time must give
    /// the same message byte for byte (ldns's hmac-sha256/512 are correct, docs/architecture.md).
    @Test(arguments: [("hmac-sha512.", TSIGAlgorithm.hmacSHA512), ("hmac-sha256.", .hmacSHA256)])
    func requestMatchesLDNS(ldnsName: String, algorithm: TSIGAlgorithm) throws {
        let query = MessageBuilder.soaQuery(zone: Self.zone, id: 0x1234)
        let theirs = try #require(
            LDNSReference.sign(
                query, keyName: "zonecheck-ns1.", secretBase64: Base64.encode(Self.secret), algorithm: ldnsName))
        let parsed = try Message(wire: theirs)
        let tsig = try #require(parsed.tsig)
        var ours = query
        let mac = TSIG.sign(&ours, key: Self.key(algorithm), time: tsig.timeSigned, fudge: tsig.fudge)
        #expect(mac == tsig.mac)
        #expect(ours == theirs)
    }

    @Test func ldnsVerifiesOurRequestAndRejectsATamperedOne() {
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 7)
        TSIG.sign(&query, key: Self.key(), time: Self.now())
        #expect(LDNSReference.verify(query, keyName: "zonecheck-ns1.", secretBase64: Base64.encode(Self.secret)))
        for index in [0, 5, 14, query.count - 30, query.count - 1] {
            var tampered = query
            tampered[index] ^= 0x01
            #expect(
                !LDNSReference.verify(tampered, keyName: "zonecheck-ns1.", secretBase64: Base64.encode(Self.secret)),
                "bit flip at \(index) accepted")
        }
    }

    /// An answer and two follow-ups signed by ldns (timers only, RFC 8945 §5.3.1) verify with ours.
    @Test func verifiesAnLDNSSignedChain() throws {
        var query = MessageBuilder.axfrQuery(zone: Self.zone, id: 99)
        let requestMAC = TSIG.sign(&query, key: Self.key(), time: Self.now())
        var verifier = TSIGVerifier(key: Self.key(), requestMAC: requestMAC, requestID: 99)
        var prior = requestMAC
        for n in 0..<3 {
            let answer = Self.response(id: 99, records: n + 1)
            let signed = try #require(
                LDNSReference.sign(
                    answer, keyName: "zonecheck-ns1.", secretBase64: Base64.encode(Self.secret),
                    algorithm: "hmac-sha512.",
                    requestMAC: prior, timersOnly: n > 0))
            let message = try Message(wire: signed)
            #expect(try verifier.verify(wire: signed, message: message, now: Self.now()) == .verified)
            prior = try #require(message.tsig?.mac)
        }
    }

    /// A response to a signed query: `records` A records in the answer.
    static func response(id: UInt16, records: Int, zone: DomainName = zone) -> [UInt8] {
        var builder = MessageBuilder(
            id: id, flags: MessageHeader.flags(response: true, opcode: .query, authoritative: true))
        builder.addQuestion(Question(name: zone, type: .axfr))
        for n in 0..<records {
            builder.addAnswer(ResourceRecord(owner: zone, type: .a, ttl: 300, rdata: [192, 0, 2, UInt8(n & 0xFF)]))
        }
        return builder.bytes
    }

    @Test(arguments: TSIGAlgorithm.allCases)
    func roundTripEveryAlgorithmAndTamperFails(algorithm: TSIGAlgorithm) throws {
        let key = Self.key(algorithm)
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 1)
        let requestMAC = TSIG.sign(&query, key: key, time: Self.now())
        #expect(requestMAC.count == algorithm.macLength)
        var answer = Self.response(id: 1, records: 2)
        TSIG.sign(&answer, key: key, time: Self.now(), chain: .response(requestMAC: requestMAC))
        var verifier = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 1)
        #expect(try verifier.verify(wire: answer, message: Message(wire: answer), now: Self.now()) == .verified)
        // One flipped bit anywhere after the ID must fail (or make the message unreadable). The
        // header ID is not covered by the MAC (RFC 8945 §4.3.1 covers the Original ID instead):
        // the transport compares it with the request's.
        for index in stride(from: 2, to: answer.count, by: 1) {
            var tampered = answer
            tampered[index] ^= 0x01
            guard let message = try? Message(wire: tampered) else { continue }
            var fresh = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 1)
            #expect(throws: TSIGFailure.self, "flip at \(index) accepted") {
                try fresh.verify(wire: tampered, message: message, now: Self.now())
            }
        }
    }

    @Test func wrongSecretDoesNotVerify() throws {
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 1)
        let mac = TSIG.sign(&query, key: Self.key(), time: Self.now())
        var answer = Self.response(id: 1, records: 1)
        TSIG.sign(&answer, key: Self.key().withSecret([1, 2, 3])!, time: Self.now(), chain: .response(requestMAC: mac))
        var verifier = TSIGVerifier(key: Self.key(), requestMAC: mac, requestID: 1)
        #expect(throws: TSIGFailure.macDidNotVerify) {
            try verifier.verify(wire: answer, message: Message(wire: answer), now: Self.now())
        }
    }

    @Test func truncatedMACNeedsTheOptionAndTheMinimum() throws {
        let key = Self.key()
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 1)
        let requestMAC = TSIG.sign(&query, key: key, time: Self.now())
        func answer(truncatedTo length: Int) throws -> ([UInt8], Message) {
            var wire = Self.response(id: 1, records: 1)
            let unsigned = wire
            TSIG.sign(&wire, key: key, time: Self.now(), chain: .response(requestMAC: requestMAC))
            var message = try Message(wire: wire)
            var record = try #require(message.tsig)
            record.mac = Array(record.mac.prefix(length))
            var rebuilt = unsigned
            rebuilt.appendRecord(record.record)
            rebuilt.setUInt16(1, at: 10)
            message = try Message(wire: rebuilt)
            return (rebuilt, message)
        }
        let (half, halfMessage) = try answer(truncatedTo: 32)
        var strict = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 1)
        #expect(throws: TSIGFailure.truncatedMAC(length: 32, fullLength: 64)) {
            try strict.verify(wire: half, message: halfMessage, now: Self.now())
        }
        var lenient = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 1, acceptTruncatedMAC: true)
        #expect(try lenient.verify(wire: half, message: halfMessage, now: Self.now()) == .verified)
        let (short, shortMessage) = try answer(truncatedTo: 31)
        var lenient2 = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 1, acceptTruncatedMAC: true)
        #expect(throws: TSIGFailure.truncatedMAC(length: 31, fullLength: 64)) {
            try lenient2.verify(wire: short, message: shortMessage, now: Self.now())
        }
    }

    @Test func timeOutsideFudgeAndPeerErrors() throws {
        let key = Self.key()
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 5)
        let requestMAC = TSIG.sign(&query, key: key, time: Self.now())
        // Answer signed 10 minutes in the past: our check says the time is off.
        var late = Self.response(id: 5, records: 1)
        TSIG.sign(&late, key: key, time: Self.now() - 600, chain: .response(requestMAC: requestMAC))
        var verifier = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 5)
        do {
            _ = try verifier.verify(wire: late, message: Message(wire: late), now: Self.now())
            Issue.record("an answer signed 600 s ago was accepted")
        } catch {
            guard case .timeOutsideFudge(let server, let ours, 300) = error as? TSIGFailure else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect((599...601).contains(ours - server))
        }
        // Signed BADTIME with the server's clock in Other Data (RFC 8945 §5.2.3).
        var badTime = Self.response(id: 5, records: 0)
        badTime.setUInt16(badTime.uint16(at: 2) | 9, at: 2)
        let serverTime = Self.now() - 600
        TSIG.sign(
            &badTime, key: key, time: Self.now(), chain: .response(requestMAC: requestMAC), error: 18,
            otherData: [0, 0] + withUnsafeBytes(of: UInt32(serverTime).bigEndian, Array.init))
        var v2 = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 5)
        #expect {
            try v2.verify(wire: badTime, message: Message(wire: badTime), now: Self.now())
        } throws: { error in
            guard case .peerError(.badTime(let time, let skew), true, _) = error as? TSIGFailure else { return false }
            return time == serverTime && (599...601).contains(skew ?? 0)
        }
        // Unsigned BADSIG (no MAC): reported, flagged unsigned.
        var badSig = Self.response(id: 5, records: 0)
        let record = TSIGRecord(
            keyName: Self.keyName, algorithm: TSIGAlgorithm.hmacSHA512.domainName, timeSigned: Self.now(), fudge: 300,
            mac: [], originalID: 5, error: 16, otherData: [])
        badSig.appendRecord(record.record)
        badSig.setUInt16(1, at: 10)
        var v3 = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 5)
        #expect {
            try v3.verify(wire: badSig, message: Message(wire: badSig), now: Self.now())
        } throws: { error in
            guard case .peerError(.badSig, false, _) = error as? TSIGFailure else { return false }
            return true
        }
        // An unsigned answer to a signed query.
        let plain = Self.response(id: 5, records: 1)
        var v4 = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 5)
        #expect(throws: TSIGFailure.unsigned) {
            try v4.verify(wire: plain, message: Message(wire: plain), now: Self.now())
        }
    }

    /// RFC 8945 §5.3.1: up to 99 unsigned messages between signed ones, folded into the next MAC.
    @Test(arguments: [0, 1, 5, 99, 100])
    func unsignedMessagesInBetween(count: Int) throws {
        let key = Self.key()
        var query = MessageBuilder.axfrQuery(zone: Self.zone, id: 42)
        let requestMAC = TSIG.sign(&query, key: key, time: Self.now())
        var first = Self.response(id: 42, records: 3)
        let firstMAC = TSIG.sign(&first, key: key, time: Self.now(), chain: .response(requestMAC: requestMAC))
        let middle = (0..<count).map { Self.response(id: 42, records: $0 % 7 + 1) }
        var last = Self.response(id: 42, records: 2)
        TSIG.sign(&last, key: key, time: Self.now(), chain: .subsequent(priorMAC: firstMAC, unsignedSince: middle))
        var verifier = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 42)
        #expect(try verifier.verify(wire: first, message: Message(wire: first), now: Self.now()) == .verified)
        do {
            for wire in middle {
                #expect(try verifier.verify(wire: wire, message: Message(wire: wire), now: Self.now()) == .pending)
            }
            if count > 0 { #expect(throws: TSIGFailure.lastMessageUnsigned) { try verifier.finish() } }
            #expect(try verifier.verify(wire: last, message: Message(wire: last), now: Self.now()) == .verified)
            try verifier.finish()
            #expect(count <= 99)
        } catch {
            #expect(count == 100)
            #expect(error as? TSIGFailure == .tooManyUnsigned(100))
        }
    }

    @Test func aChangedUnsignedMessageBreaksTheNextMAC() throws {
        let key = Self.key()
        var query = MessageBuilder.axfrQuery(zone: Self.zone, id: 42)
        let requestMAC = TSIG.sign(&query, key: key, time: Self.now())
        var first = Self.response(id: 42, records: 3)
        let firstMAC = TSIG.sign(&first, key: key, time: Self.now(), chain: .response(requestMAC: requestMAC))
        var middle = Self.response(id: 42, records: 4)
        var last = Self.response(id: 42, records: 2)
        TSIG.sign(&last, key: key, time: Self.now(), chain: .subsequent(priorMAC: firstMAC, unsignedSince: [middle]))
        middle[middle.count - 1] ^= 1
        var verifier = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 42)
        _ = try verifier.verify(wire: first, message: Message(wire: first), now: Self.now())
        _ = try verifier.verify(wire: middle, message: Message(wire: middle), now: Self.now())
        #expect(throws: TSIGFailure.macDidNotVerify) {
            try verifier.verify(wire: last, message: Message(wire: last), now: Self.now())
        }
    }
}
