import Testing

@testable import DNSKit

@Suite struct MessageTests {
    static let zone = try! DomainName(labels: ["example", "com"].map { Array($0.utf8) })
    static let zoneWire: [UInt8] = [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]

    /// RFC 1035 §4.1: header (ID, flags 0, QDCOUNT 1), then `example.com. SOA IN`.
    @Test func soaQueryBytes() {
        let expected: [UInt8] = [0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + Self.zoneWire + [0, 6, 0, 1]
        #expect(MessageBuilder.soaQuery(zone: Self.zone, id: 0x1234) == expected)
    }

    @Test func axfrQueryBytes() {
        let expected: [UInt8] = [0xAB, 0xCD, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + Self.zoneWire + [0, 252, 0, 1]
        #expect(MessageBuilder.axfrQuery(zone: Self.zone, id: 0xABCD) == expected)
    }

    /// RFC 1996 §3.7: opcode 4 (0x2000) and AA (0x0400), question SOA, the SOA in the answer.
    @Test func notifyBytes() throws {
        let soa = Self.soa(serial: 2_026_112_201)
        let wire = MessageBuilder.notify(zone: Self.zone, soa: soa, id: 1)
        let expectedStart: [UInt8] = [0, 1, 0x24, 0x00, 0, 1, 0, 1, 0, 0, 0, 0] + Self.zoneWire + [0, 6, 0, 1]
        #expect(Array(wire.prefix(expectedStart.count)) == expectedStart)
        let message = try Message(wire: wire)
        #expect(message.header.opcode == .notify && message.header.isAuthoritative && !message.header.isResponse)
        #expect(message.answers == [soa])
        #expect(MessageBuilder.notify(zone: Self.zone, soa: nil, id: 1).count == expectedStart.count)
    }

    static func soa(serial: UInt32) -> ResourceRecord {
        var rdata: [UInt8] = [3] + Array("ns1".utf8) + zoneWire + [10] + Array("hostmaster".utf8) + zoneWire
        for value in [serial, 3600, 600, 86400, 300] { rdata.appendUInt32(value) }
        return ResourceRecord(owner: zone, type: .soa, ttl: 3600, rdata: rdata)
    }

    /// An answer as servers send it: owner and SOA names compressed against the question.
    static func compressedSOAAnswer(serial: UInt32) -> [UInt8] {
        var wire: [UInt8] = [0, 1, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0] + zoneWire + [0, 6, 0, 1]
        var rdata: [UInt8] = [3] + Array("ns1".utf8) + [0xC0, 12] + [10] + Array("hostmaster".utf8) + [0xC0, 12]
        for value in [serial, 3600, 600, 86400, 300] { rdata.appendUInt32(value) }
        wire += [0xC0, 12, 0, 6, 0, 1, 0, 0, 0x0E, 0x10]
        wire.appendUInt16(UInt16(rdata.count))
        wire += rdata
        return wire
    }

    @Test func readsCompressedNamesInOwnerAndRDATA() throws {
        let message = try Message(wire: Self.compressedSOAAnswer(serial: 77))
        #expect(message.header.isResponse && message.header.isAuthoritative && message.header.rcode == .noError)
        #expect(message.questions == [Question(name: Self.zone, type: .soa)])
        #expect(message.answers == [Self.soa(serial: 77)])
        #expect(message.answers[0].soaSerial == 77)
    }

    /// The parser reuses the first name it read for a name that is only a pointer to it (the answer's owner
    /// pointing at the question): a pointer to any other offset, even inside that name, must still decode to
    /// what is there, and the root (an OPT owner) is the root.
    @Test func pointersToTheFirstNameAndElsewhere() throws {
        var wire: [UInt8] = [0, 1, 0x84, 0x00, 0, 1, 0, 3, 0, 0, 0, 1] + Self.zoneWire + [0, 6, 0, 1]
        let comOffset = 12 + 8  // "com" inside the question's example.com
        for owner in [[0xC0, 12], [0xC0, UInt8(comOffset)], [0]] as [[UInt8]] {
            wire += owner + [0, 16, 0, 1, 0, 0, 0, 60, 0, 2, 1, 0x61]  // TXT "a"
        }
        wire += [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]  // OPT, owner the root
        let message = try Message(wire: wire)
        let com = try DomainName(labels: [Array("com".utf8)])
        #expect(message.answers.map(\.owner) == [Self.zone, com, .root])
        #expect(message.answers[0].owner.wire == Self.zoneWire)
        #expect(message.answers[1].owner.wire == [3] + Array("com".utf8) + [0])
        #expect(message.edns != nil)
    }

    @Test func rejectsMalformedMessages() {
        let good = Self.compressedSOAAnswer(serial: 1)
        var cases: [(String, [UInt8])] = []
        cases.append(("trailing byte", good + [0]))
        cases.append(("cut short", Array(good.dropLast())))
        var forward = good
        forward[29] = 0xC0
        forward[30] = 40  // the owner pointer now points forwards
        cases.append(("forward pointer", forward))
        var loop: [UInt8] = [0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0] + [0xC0, 12, 0, 6, 0, 1]
        cases.append(("pointer to itself", loop))
        loop = [0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0] + [0x40, 0, 0, 6, 0, 1]
        cases.append(("extended label type", loop))
        var longRDATA = good
        longRDATA[39] += 1  // RDLENGTH one more than the SOA fields
        cases.append(("RDLENGTH past SOA fields", longRDATA + [0]))
        var tsigFirst: [UInt8] = [0, 1, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 2]
        let tsig = TSIGRecord(
            keyName: Self.zone, algorithm: TSIGAlgorithm.hmacSHA512.domainName, timeSigned: 1, fudge: 300, mac: [1, 2],
            originalID: 1, error: 0, otherData: [])
        tsigFirst.appendRecord(tsig.record)
        tsigFirst.appendRecord(ResourceRecord(owner: Self.zone, type: .a, ttl: 1, rdata: [1, 2, 3, 4]))
        cases.append(("TSIG not last", tsigFirst))
        for (name, wire) in cases {
            #expect(throws: MessageError.self, "\(name) accepted") { try Message(wire: wire) }
        }
    }

    /// A SIG whose signer name points back to the start of its own RDATA (issue 11): read from there the
    /// name runs 255 octets through its own signature, and the record would decompress past 65,535 octets.
    static func selfReferencingSIG(rdataLength: Int) -> [UInt8] {
        var wire: [UInt8] = [0, 1, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0] + [0] + [0, 24, 0, 1, 0, 0, 0x0E, 0x10]
        wire.appendUInt16(UInt16(rdataLength))
        let start = wire.count
        var rdata = [UInt8](repeating: 0x61, count: rdataLength)
        for (at, length) in [(0, 63), (64, 63), (128, 63), (192, 61), (254, 0)] { rdata[at] = UInt8(length) }
        rdata[18] = 0xC0 | UInt8(start >> 8)
        rdata[19] = UInt8(start & 0xFF)
        return wire + rdata
    }

    @Test("a SIG name pointing into its own RDATA is rejected, small or past 65,535 octets decompressed")
    func rejectsAPointerIntoItsOwnRDATA() {
        for length in [300, 65_535 - 23] {
            let wire = Self.selfReferencingSIG(rdataLength: length)
            #expect(wire.count <= 65_535)
            #expect {
                try Message(wire: wire)
            } throws: { error in
                (error as? MessageError)?.reason.contains("into its own record's RDATA") == true
            }
        }
    }

    @Test("a compression pointer in an RRSIG's signer name (RFC 3597 §4 forbids it) is rejected")
    func rejectsCompressionWhereRFC3597ForbidsIt() {
        var rrsig: [UInt8] = [0, 1, 8, 2, 0, 0, 0x0E, 0x10] + [UInt8](repeating: 1, count: 10) + [0xC0, 12]
        rrsig += [UInt8](repeating: 7, count: 64)
        var wire: [UInt8] = [0, 1, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0] + Self.zoneWire + [0, 46, 0, 1, 0, 0, 0x0E, 0x10]
        wire.appendUInt16(UInt16(rrsig.count))
        wire += rrsig
        #expect {
            try Message(wire: wire)
        } throws: { error in
            (error as? MessageError)?.reason.contains("RFC 3597 §4 forbids") == true
        }
        // The same RRSIG with its signer name written out is read.
        let plain: [UInt8] = Array(rrsig[0..<18]) + Self.zoneWire + Array(rrsig[20...])
        var written: [UInt8] =
            [0, 1, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0] + Self.zoneWire + [0, 46, 0, 1, 0, 0, 0x0E, 0x10]
        written.appendUInt16(UInt16(plain.count))
        written += plain
        #expect(throws: Never.self) { try Message(wire: written) }
    }

    @Test("an SOA RNAME pointing into its own MNAME (an earlier name of the same RDATA) is read")
    func acceptsAPointerToAnEarlierNameOfTheSameRDATA() throws {
        var wire: [UInt8] = [0, 1, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0] + Self.zoneWire + [0, 6, 0, 1]
        let rdataStart = wire.count + 12
        var rdata: [UInt8] = [3] + Array("ns1".utf8) + [0xC0, 12] + [10] + Array("hostmaster".utf8)
        rdata += [0xC0, UInt8(rdataStart)]  // hostmaster.ns1.example.com.
        for value: UInt32 in [7, 3600, 600, 86400, 300] { rdata.appendUInt32(value) }
        wire += [0xC0, 12, 0, 6, 0, 1, 0, 0, 0x0E, 0x10]
        wire.appendUInt16(UInt16(rdata.count))
        wire += rdata
        let message = try Message(wire: wire)
        #expect(message.answers.first?.soaSerial == 7)
        #expect(message.answers.first?.rdataNames.last?.description == "hostmaster.ns1.example.com.")
    }

    @Test("a record over 65,535 octets has no wire form and no digest: errors, not traps")
    func oversizedRecordsAreErrors() throws {
        let record = ResourceRecord(owner: Self.zone, type: .txt, ttl: 1, rdata: [UInt8](repeating: 3, count: 70_000))
        #expect(throws: RecordTooLong.self) { try record.canonicalWireForm() }
        #expect(record.canonicalWire().count == Self.zoneWire.count + 10 + 70_000, "the identity form is whole")
        #expect(record.presentation.contains("TXT"))
        let digest = ZoneDigestBuilder(origin: Self.zone)
        try digest.include(Self.soa(serial: 1))
        #expect(throws: ZoneDigestError.self) { try digest.include(record) }
        #expect(throws: ZoneDigestError.self) { try digest.summary() }
        // The non-throwing path never gives the digest of the zone without the refused record.
        let clean = ZoneDigestBuilder(origin: Self.zone)
        clean.add(Self.soa(serial: 1))
        digest.add(record)
        #expect(digest.finish().digest != clean.finish().digest)
        #expect(digest.refused != nil)
    }

    @Test func tsigRecordRoundTrips() throws {
        var wire = MessageBuilder.soaQuery(zone: Self.zone, id: 9)
        let key = TSIGKey(name: Self.zone, algorithm: .hmacSHA256, secret: [1, 2, 3])!
        let mac = TSIG.sign(&wire, key: key, time: 1_700_000_000, fudge: 300)
        let message = try Message(wire: wire)
        #expect(message.header.additionalCount == 1 && message.additional.isEmpty)
        let record = try #require(message.tsig)
        #expect(record.mac == mac && record.timeSigned == 1_700_000_000 && record.originalID == 9)
        #expect(record.algorithm == TSIGAlgorithm.hmacSHA256.domainName)
        #expect(message.tsigOffset == MessageBuilder.soaQuery(zone: Self.zone, id: 9).count)
    }
}
