import Testing

@testable import DNSKit

/// `RecordTypeFacts`' table against the lists the RFCs give, and against the code it stands for: every
/// list derived from the table is written out here as the RFC has it, so a row changed by mistake fails.
@Suite struct RecordTypeTableTests {
    static func mnemonics(where fact: (RecordTypeFacts) -> Bool) -> Set<String> {
        Set(RecordTypeFacts.table.filter(fact).map(\.mnemonic))
    }

    @Test("compressible names: RFC 1035's types with names, and RP AFSDB RT SIG PX NXT NAPTR SRV (RFC 3597 §4)")
    func compressible() {
        let rfc1035 = ["NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "PTR", "MINFO", "MX"]
        let rfc3597Should = ["RP", "AFSDB", "RT", "SIG", "PX", "NXT", "NAPTR", "SRV"]
        #expect(Self.mnemonics { $0.compressible } == Set(rfc1035 + rfc3597Should))
        for type: UInt16 in 0...1024 {
            let listed = RecordTypeFacts.of(type).map { Set(rfc1035 + rfc3597Should).contains($0.mnemonic) } ?? false
            #expect(WireReader.compressedNameTypes(type) == listed, "type \(type)")
        }
    }

    @Test("lowered in canonical form: RFC 4034 §6.2 less NSEC (RFC 6840 §5.1), HINFO (no names) and A6")
    func lowered() {
        let rfc4034 = [
            "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "PTR", "HINFO", "MINFO", "MX", "HINFO", "RP",
            "AFSDB", "RT", "SIG", "PX", "NXT", "NAPTR", "KX", "SRV", "DNAME", "A6", "RRSIG", "NSEC",
        ]
        let expected = Set(rfc4034).subtracting(["NSEC", "HINFO", "A6"])
        #expect(Self.mnemonics { $0.lowered } == expected)
        // The canonical form lowers exactly those: an upper-case name in the RDATA of each.
        let upper = Array("\u{3}ABC\u{0}".utf8)
        for row in RecordTypeFacts.table {
            // RDATA laid out as the row says, every name in it upper-case (or one name when it holds none).
            let rdata: [UInt8] = (row.names ?? [.name]).flatMap { field -> [UInt8] in
                switch field {
                case .name: upper
                case .fixed(let n): Array(repeating: 0, count: n)
                case .characterString: [0]
                case .rest: []
                }
            }
            let lowered = RDATALayout.canonicalRDATA(type: row.type, rdata) != rdata
            #expect(lowered == expected.contains(row.mnemonic), "\(row.mnemonic)")
        }
    }

    @Test("every type whose names are compressible or lowered says where its names are")
    func layouts() {
        for row in RecordTypeFacts.table where row.compressible || row.lowered {
            #expect(row.names?.contains { if case .name = $0 { true } else { false } } == true, "\(row.mnemonic)")
        }
    }

    /// The table's types libldns 1.8 has no name for.
    static let unknownToLDNS: Set<String> = [
        "NINFO", "AVC", "DSYNC", "HHIT", "BRID", "DOA", "AMTRELAY", "RESINFO", "WALLET",
    ]

    @Test("mnemonics and numbers as libldns knows them (RecordType's names come from the table)")
    func mnemonicsAgreeWithLDNS() {
        #expect(Set(RecordTypeFacts.table.map(\.type)).count == RecordTypeFacts.table.count, "a number twice")
        for row in RecordTypeFacts.table {
            // libldns knows it by the same name, or not at all (DSYNC, AMTRELAY, RESINFO... are newer than it).
            let ldns = RecordType.ldnsName(row.type.rawValue)
            #expect(
                ldns == row.mnemonic || (ldns == nil && Self.unknownToLDNS.contains(row.mnemonic)),
                "type \(row.type.rawValue)")
            #expect(RecordType(mnemonic: row.mnemonic) == row.type, "\(row.mnemonic)")
            #expect(row.type.description == row.mnemonic)
        }
    }

    @Test("the zone file reader parses natively exactly the types the table marks nativeText")
    func nativeText() {
        var handled: Set<UInt16> = []
        for type: UInt16 in 0...1024 {
            // With no tokens a type with a parser throws (its first field is missing); any other returns false.
            var parser = RDATAText(
                bytes: UnsafeBufferPointer(start: nil, count: 0), tokens: UnsafeBufferPointer(start: nil, count: 0),
                index: 0, origin: .root, type: RecordType(rawValue: type), recordLine: 1)
            let known = (try? parser.parseKnown()) != false
            if known { handled.insert(type) }
            var gated = RDATAText(
                bytes: UnsafeBufferPointer(start: nil, count: 0), tokens: UnsafeBufferPointer(start: nil, count: 0),
                index: 0, origin: .root, type: RecordType(rawValue: type), recordLine: 1)
            #expect(((try? gated.parseNative()) != false) == known, "type \(type)")
        }
        #expect(handled == Set(RecordTypeFacts.table.filter(\.nativeText).map(\.type.rawValue)))
    }
}
