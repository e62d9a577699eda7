import Foundation
import TestSupport
import Testing

@testable import DNSKit

/// EDNS(0) in the message codec (RFC 6891), DO (RFC 3225), NSID (RFC 5001), with TSIG (RFC 8945): what we
/// send byte for byte, what we read strictly, and hostile OPTs that must be refused, never trap.
@Suite struct EDNSTests {
    static let zone = MessageTests.zone
    static let zoneWire = MessageTests.zoneWire

    /// The OPT zonecheck sends: root owner, TYPE 41, CLASS 1232, TTL with only DO (0x8000), one empty NSID.
    static let queryOPT: [UInt8] = [0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 4, 0, 3, 0, 0]

    @Test func soaQueryCarriesDOAndAnEmptyNSID() throws {
        let wire = MessageBuilder.soaQuery(zone: Self.zone, id: 0x1234, edns: .query)
        let expected: [UInt8] =
            [0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 1] + Self.zoneWire + [0, 6, 0, 1] + Self.queryOPT
        #expect(wire == expected)
        let message = try Message(wire: wire)
        #expect(message.edns == EDNS.query, "the OPT reads back as sent")
        #expect(message.additional.isEmpty, "the OPT is kept apart from the additional records")
        #expect(message.edns?.dnssecOK == true && message.edns?.nsid == [])
    }

    /// TSIG appended after the OPT stays last, and its MAC covers the OPT: ldns verifies our signed query,
    /// and a bit flipped in the OPT makes the MAC fail.
    @Test func tsigStaysLastAndCoversTheOPT() throws {
        let key = TSIGSigningTests.key()
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 7, edns: .query)
        let optStart = query.count - Self.queryOPT.count
        TSIG.sign(&query, key: key, time: TSIGSigningTests.now())
        let parsed = try Message(wire: query)
        #expect(parsed.header.additionalCount == 2)
        #expect(parsed.edns == EDNS.query && parsed.tsig != nil)
        #expect(parsed.tsigOffset == optStart + Self.queryOPT.count, "TSIG right after the OPT, last")
        let secret = Base64.encode(TSIGSigningTests.secret)
        #expect(LDNSReference.verify(query, keyName: "zonecheck-ns1.", secretBase64: secret))
        var tampered = query
        tampered[optStart + 7] ^= 0x80  // DO cleared
        #expect(!LDNSReference.verify(tampered, keyName: "zonecheck-ns1.", secretBase64: secret))
    }

    /// A signed answer with an OPT (as BIND sends it: OPT, then TSIG) verifies with our verifier.
    @Test func signedAnswerWithOPTVerifies() throws {
        let key = TSIGSigningTests.key()
        var query = MessageBuilder.soaQuery(zone: Self.zone, id: 9, edns: .query)
        let requestMAC = TSIG.sign(&query, key: key, time: TSIGSigningTests.now())
        var answer = Self.answer(id: 9, opt: Self.opt(nsid: Array("fra1".utf8)))
        TSIG.sign(&answer, key: key, time: TSIGSigningTests.now(), chain: .response(requestMAC: requestMAC))
        let message = try Message(wire: answer)
        var verifier = TSIGVerifier(key: key, requestMAC: requestMAC, requestID: 9)
        #expect(try verifier.verify(wire: answer, message: message, now: TSIGSigningTests.now()) == .verified)
        #expect(message.edns?.nsidText == "fra1")
    }

    @Test func nsidTextIsASCIIOrHex() {
        #expect(EDNS(options: [.init(code: 3, data: Array("ns3.fra1".utf8))]).nsidText == "ns3.fra1")
        #expect(EDNS(options: [.init(code: 3, data: [0x00, 0xAB, 0x20])]).nsidText == "0x00ab20")
        #expect(EDNS(options: [.init(code: 3, data: [])]).nsidText == nil, "an empty NSID names nothing")
        #expect(EDNS().nsidText == nil)
    }

    /// RFC 6891 §6.1.3: the OPT's upper 8 bits extend the header's 4; BADVERS (16) is 1 in the OPT, 0 below.
    @Test func extendedRcodeCombinesBothParts() throws {
        var opt = Self.opt(nsid: nil)
        opt[5] = 1  // EXTENDED-RCODE
        let message = try Message(wire: Self.answer(id: 1, opt: opt))
        #expect(message.header.rcode == .noError)
        #expect(message.rcode.rawValue == 16 && message.rcode.description == "BADVERS")
        #expect(try Message(wire: Self.answer(id: 1, opt: Self.opt(nsid: nil))).rcode == .noError)
    }

    /// Every hostile OPT is a malformed message with a reason, never a trap.
    @Test(arguments: hostileCases())
    func hostileOPTIsMalformed(_ hostile: Hostile) {
        #expect(throws: MessageError.self, "\(hostile.name)") { try Message(wire: hostile.wire) }
    }

    struct Hostile: Sendable, CustomStringConvertible {
        var name: String
        var wire: [UInt8]
        var description: String { name }
    }

    static func hostileCases() -> [Hostile] {
        let good = opt(nsid: Array("a".utf8))
        var cases: [Hostile] = []
        cases.append(Hostile(name: "two OPTs", wire: answer(id: 1, opt: good, additional: [good])))
        cases.append(Hostile(name: "OPT in the answer section", wire: answer(id: 1, opt: nil, answers: [good])))
        cases.append(Hostile(name: "OPT in the authority section", wire: answer(id: 1, opt: nil, authority: [good])))
        var owned = [UInt8]([1, 0x61, 0]) + good.dropFirst()
        cases.append(Hostile(name: "OPT owned by a.", wire: answer(id: 1, opt: owned)))
        owned = optRecord(rdata: [0, 3, 0])
        cases.append(Hostile(name: "option header cut short", wire: answer(id: 1, opt: owned)))
        owned = optRecord(rdata: [0, 3, 0, 5, 0x61, 0x62])
        cases.append(Hostile(name: "option runs past the RDATA", wire: answer(id: 1, opt: owned)))
        owned = optRecord(rdata: [0, 3, 0xFF, 0xFF])
        cases.append(Hostile(name: "option of 65535 octets in 4", wire: answer(id: 1, opt: owned)))
        owned = optRecord(rdata: (0..<(EDNS.maxOptions + 1)).flatMap { [0, UInt8(10 + $0), 0, 0] as [UInt8] })
        cases.append(Hostile(name: "too many options", wire: answer(id: 1, opt: owned)))
        owned = optRecord(rdata: [0, 3, 0, 1, 0x61, 0, 3, 0, 1, 0x62])
        cases.append(Hostile(name: "NSID twice", wire: answer(id: 1, opt: owned)))
        owned = optRecord(rdata: [0, 3, 0, UInt8(EDNS.maxNSIDLength + 1)] + [UInt8](repeating: 0x61, count: 129))
        cases.append(Hostile(name: "NSID over the bound", wire: answer(id: 1, opt: owned)))
        // RDLENGTH saying more than the message holds.
        owned = [0, 0, 41, 4, 0xD0, 0, 0, 0x80, 0, 0xFF, 0xFF, 0, 3, 0, 0]
        cases.append(Hostile(name: "RDLENGTH past the message", wire: answer(id: 1, opt: owned)))
        // An OPT after a TSIG RR: TSIG must be last (RFC 8945 §5.1), so the OPT must come before it.
        let tsig = TSIGRecord(
            keyName: TSIGSigningTests.keyName, algorithm: TSIGAlgorithm.hmacSHA256.domainName, timeSigned: 1,
            fudge: 300, mac: [UInt8](repeating: 1, count: 32), originalID: 1, error: 0, otherData: []
        ).record
        var tsigWire: [UInt8] = []
        tsigWire.appendRecord(tsig)
        cases.append(Hostile(name: "OPT after the TSIG", wire: answer(id: 1, opt: good, additional: [tsigWire])))
        return cases
    }

    /// Random changes to a signed-zone answer with an OPT: each read either succeeds or throws, never traps,
    /// and one OPT at most comes back. Deterministic (seeded), so a failure replays.
    @Test func mutatedAnswersNeverTrap() {
        var generator = SeededRandom(seed: 0x5EED_0015)
        let base = Self.answer(id: 3, opt: Self.opt(nsid: Array("instance-fra1".utf8)))
        var read = 0
        for _ in 0..<20_000 {
            var wire = base
            for _ in 0...Int(generator.next() % 4) {
                let index = Int(generator.next() % UInt64(wire.count))
                switch generator.next() % 3 {
                case 0: wire[index] = UInt8(truncatingIfNeeded: generator.next())
                case 1: wire.remove(at: index)
                default: wire.insert(UInt8(truncatingIfNeeded: generator.next()), at: index)
                }
                if wire.isEmpty { break }
            }
            if let message = try? Message(wire: wire) {
                read += 1
                if let edns = message.edns {
                    #expect(edns.options.count <= EDNS.maxOptions)
                    #expect((edns.nsid?.count ?? 0) <= EDNS.maxNSIDLength)
                }
            }
        }
        #expect(read > 0, "some mutations (a TTL, an address byte) still read: the test reached the parser's end")
    }

    /// The fuzz seeds with EDNS (Fuzz/Seeds/message/edns-*) read as their names say, so the fuzzer starts
    /// from messages that reach the OPT and RRSIG paths.
    @Test func fuzzSeedsReadAsNamed() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/Seeds/message")
        func read(_ name: String) throws -> Message {
            try Message(wire: Array(try Data(contentsOf: seeds.appendingPathComponent(name))))
        }
        let signed = try read("edns-signed-soa-nsid")
        #expect(signed.edns?.nsidText == "ns3.fra1" && signed.edns?.dnssecOK == true)
        #expect(signed.answers.compactMap(\.rrsig).map(\.keyTag) == [49211])
        let unsigned = try read("edns-unsigned-soa")
        #expect(unsigned.edns?.options == [] && unsigned.answers.count == 1)
        #expect(try read("edns-query-do-nsid").edns == EDNS.query)
    }

    // MARK: building answers

    static func opt(nsid: [UInt8]?) -> [UInt8] {
        var rdata: [UInt8] = []
        if let nsid {
            rdata += [0, 3]
            rdata.appendUInt16(UInt16(nsid.count))
            rdata += nsid
        }
        return optRecord(rdata: rdata)
    }

    static func optRecord(rdata: [UInt8]) -> [UInt8] {
        var wire: [UInt8] = [0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0]
        wire.appendUInt16(UInt16(rdata.count))
        return wire + rdata
    }

    /// An SOA answer for example.com with `opt` (raw record bytes) last in the additional section.
    static func answer(
        id: UInt16, opt: [UInt8]?, answers: [[UInt8]] = [], authority: [[UInt8]] = [], additional: [[UInt8]] = []
    ) -> [UInt8] {
        var builder = MessageBuilder(
            id: id, flags: MessageHeader.flags(response: true, opcode: .query, authoritative: true))
        builder.addQuestion(Question(name: zone, type: .soa))
        builder.addAnswer(MessageTests.soa(serial: 5))
        var wire = builder.bytes
        for record in answers { wire += record }
        for record in authority { wire += record }
        let extra = additional + (opt.map { [$0] } ?? [])
        for record in extra { wire += record }
        wire.setUInt16(UInt16(1 + answers.count), at: 6)
        wire.setUInt16(UInt16(authority.count), at: 8)
        wire.setUInt16(UInt16(extra.count), at: 10)
        return wire
    }
}

/// RRSIG fields and their times (RFC 4034 §3.1, §3.1.5).
@Suite struct RRSIGTests {
    static func rdata(expiration: UInt32, inception: UInt32, keyTag: UInt16) -> [UInt8] {
        var rdata: [UInt8] = [0, 6, 13, 2, 0, 0, 0x0E, 0x10]
        rdata.appendUInt32(expiration)
        rdata.appendUInt32(inception)
        rdata.appendUInt16(keyTag)
        return rdata + MessageTests.zoneWire + [UInt8](repeating: 0xAA, count: 64)
    }

    @Test func readsTheFixedFieldsAndSigner() throws {
        let rrsig = try #require(
            RRSIG(rdata: Self.rdata(expiration: 1_800_000_000, inception: 1_700_000_000, keyTag: 4242)))
        #expect(rrsig.typeCovered == .soa && rrsig.algorithm == 13 && rrsig.labels == 2 && rrsig.originalTTL == 3600)
        #expect(rrsig.expiration == 1_800_000_000 && rrsig.inception == 1_700_000_000 && rrsig.keyTag == 4242)
        #expect(rrsig.signer == MessageTests.zone)
        #expect(RRSIG(rdata: Array(Self.rdata(expiration: 1, inception: 1, keyTag: 1).prefix(18))) == nil)
        #expect(RRSIG(rdata: Array(Self.rdata(expiration: 1, inception: 1, keyTag: 1).prefix(22))) == nil)
    }

    /// Serial arithmetic: a value just past 2^32 seconds (2106) is read as after `now`, not as 1970.
    @Test func timesResolveNearNow() {
        #expect(RRSIG.time(1_800_000_000, near: 1_799_000_000) == 1_800_000_000)
        #expect(RRSIG.time(1_700_000_000, near: 1_799_000_000) == 1_700_000_000)
        let nearWrap: Int64 = 4_294_967_000
        #expect(RRSIG.time(100, near: nearWrap) == 4_294_967_296 + 100)
        #expect(RRSIG.time(UInt32.max, near: 4_294_967_396) == 4_294_967_295)
    }
}
