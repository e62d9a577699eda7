/// What DNSKit knows about each record type it handles natively, in one table (in the spirit of
/// miekg/dns's generated `ztypes.go`): its number and mnemonic, where domain names sit in its RDATA, whether
/// those names may arrive compressed, whether canonical form lowers them, and whether the zone file reader
/// parses its presentation form itself (else libldns does). The rest is derived from here:
/// `RecordType.description`'s common names, the message reader's compressible types (`WireReader`), the
/// canonical form's lowering (`RDATALayout`), the zone file reader's native types (`RDATAText`).
///
/// The lists the RFCs give, checked against this table by `RecordTypeTableTests`:
/// - compressible (RFC 3597 §4): the RFC 1035 types with names (NS MD MF CNAME SOA MB MG MR PTR MINFO MX),
///   and, as RFC 3597 says receivers SHOULD, RP AFSDB RT SIG PX NXT NAPTR SRV.
/// - lowered in canonical form (RFC 4034 §6.2): NS MD MF CNAME SOA MB MG MR PTR HINFO MINFO MX RP AFSDB RT
///   SIG PX NXT NAPTR KX SRV DNAME A6 RRSIG NSEC, less NSEC (RFC 6840 §5.1), HINFO (it holds no names) and
///   A6 (historic, RFC 6563: not read here, so its RDATA stays as it came).
struct RecordTypeFacts: Sendable {
    let type: RecordType
    /// The IANA mnemonic, as libldns prints it.
    let mnemonic: String
    /// Where the names sit in the RDATA, or nil when it holds none (or DNSKit does not know where).
    let names: [RDATALayout.Field]?
    /// Names in its RDATA may be compressed on the wire (RFC 1035 §3.3, RFC 3597 §4); a pointer in any
    /// other type's RDATA makes the message malformed.
    let compressible: Bool
    /// Names in its RDATA are lowered in canonical form (RFC 4034 §6.2 as RFC 6840 §5.1 amends it).
    let lowered: Bool
    /// `RDATAText.parseNative` reads its presentation form; otherwise libldns does.
    let nativeText: Bool

    private init(
        _ number: UInt16, _ mnemonic: String, names: [RDATALayout.Field]? = nil, compressible: Bool = false,
        lowered: Bool = false, nativeText: Bool = false
    ) {
        self.type = RecordType(rawValue: number)
        self.mnemonic = mnemonic
        self.names = names
        self.compressible = compressible
        self.lowered = lowered
        self.nativeText = nativeText
    }

    /// The table, by type number.
    static let table: [RecordTypeFacts] = [
        .init(1, "A", nativeText: true),  // RFC 1035 §3.4.1
        .init(2, "NS", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(3, "MD", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(4, "MF", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(5, "CNAME", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(6, "SOA", names: [.name, .name, .fixed(20)], compressible: true, lowered: true, nativeText: true),
        .init(7, "MB", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(8, "MG", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(9, "MR", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(11, "WKS", nativeText: true),  // RFC 1035 §3.4.2
        .init(12, "PTR", names: [.name], compressible: true, lowered: true, nativeText: true),
        .init(13, "HINFO", nativeText: true),  // RFC 1035 §3.3.2: two character-strings
        .init(14, "MINFO", names: [.name, .name], compressible: true, lowered: true, nativeText: true),
        .init(15, "MX", names: [.fixed(2), .name], compressible: true, lowered: true, nativeText: true),
        .init(16, "TXT", nativeText: true),
        .init(17, "RP", names: [.name, .name], compressible: true, lowered: true, nativeText: true),  // RFC 1183
        .init(18, "AFSDB", names: [.fixed(2), .name], compressible: true, lowered: true, nativeText: true),
        .init(19, "X25", nativeText: true),  // RFC 1183 §3.1
        .init(21, "RT", names: [.fixed(2), .name], compressible: true, lowered: true, nativeText: true),
        .init(22, "NSAP", nativeText: true),  // RFC 1706 §5
        .init(24, "SIG", names: [.fixed(18), .name, .rest], compressible: true, lowered: true),  // RFC 2535
        .init(26, "PX", names: [.fixed(2), .name, .name], compressible: true, lowered: true),  // RFC 2163
        .init(28, "AAAA", nativeText: true),  // RFC 3596 §2.4
        .init(29, "LOC", nativeText: true),  // RFC 1876 §3
        .init(30, "NXT", names: [.name, .rest], compressible: true, lowered: true, nativeText: true),  // RFC 2535
        .init(33, "SRV", names: [.fixed(6), .name], compressible: true, lowered: true, nativeText: true),
        .init(34, "ATMA", nativeText: true),  // ATM Forum af-dans-0152.000
        .init(
            35, "NAPTR", names: [.fixed(4), .characterString, .characterString, .characterString, .name],
            compressible: true, lowered: true, nativeText: true),  // RFC 3403 §4.1
        .init(36, "KX", names: [.fixed(2), .name], lowered: true, nativeText: true),  // RFC 2230
        .init(37, "CERT", nativeText: true),  // RFC 4398 §2.2
        .init(39, "DNAME", names: [.name], lowered: true, nativeText: true),  // RFC 6672
        .init(41, "OPT"),  // RFC 6891: a pseudo-record, never in a zone
        .init(42, "APL", nativeText: true),  // RFC 3123 §4
        .init(43, "DS", nativeText: true),  // RFC 4034 §5.3
        .init(44, "SSHFP", nativeText: true),  // RFC 4255 §3.2
        .init(46, "RRSIG", names: [.fixed(18), .name, .rest], lowered: true, nativeText: true),  // RFC 4034 §3.2
        .init(47, "NSEC", nativeText: true),  // RFC 4034 §4.2; not lowered: RFC 6840 §5.1
        .init(48, "DNSKEY", nativeText: true),  // RFC 4034 §2.2
        .init(50, "NSEC3", nativeText: true),  // RFC 5155 §3.3
        .init(51, "NSEC3PARAM", nativeText: true),  // RFC 5155 §4.3
        .init(52, "TLSA", nativeText: true),  // RFC 6698 §2.2
        .init(53, "SMIMEA", nativeText: true),  // RFC 8162
        .init(56, "NINFO", nativeText: true),  // TXT's form
        .init(59, "CDS", nativeText: true),  // RFC 7344
        .init(60, "CDNSKEY", nativeText: true),  // RFC 7344
        .init(62, "CSYNC", nativeText: true),  // RFC 7477 §2.1.1
        .init(63, "ZONEMD", nativeText: true),  // RFC 8976 §2.2
        .init(64, "SVCB"),  // RFC 9460: libldns reads it, SVCBParameters checks it
        .init(65, "HTTPS"),
        // RFC 9859; names in types newer than RFC 3597 are neither compressed nor lowered
        .init(66, "DSYNC", nativeText: true),
        .init(67, "HHIT", nativeText: true),  // RFC 9886
        .init(68, "BRID", nativeText: true),  // RFC 9886
        .init(99, "SPF", nativeText: true),  // RFC 7208 §3.1 (historic): TXT's form
        .init(250, "TSIG"),  // RFC 8945: a pseudo-record
        .init(251, "IXFR"),
        .init(252, "AXFR"),
        .init(255, "ANY"),
        .init(257, "CAA", nativeText: true),  // RFC 8659 §4.1
        .init(258, "AVC", nativeText: true),  // TXT's form
        .init(259, "DOA", nativeText: true),
        .init(260, "AMTRELAY", nativeText: true),  // RFC 8777
        .init(261, "RESINFO", nativeText: true),  // RFC 9606: TXT's form
        .init(262, "WALLET", nativeText: true),  // TXT's form
    ]

    /// The facts for `type`, or nil when the table has no row for it.
    @inline(__always)
    static func of(_ type: UInt16) -> RecordTypeFacts? {
        Int(type) < byNumber.count ? byNumber[Int(type)] : nil
    }

    /// The table indexed by type number (the highest is CAA's 257): one array read per record on the hot
    /// paths (message reading, digests).
    private static let byNumber: [RecordTypeFacts?] = {
        var rows = [RecordTypeFacts?](repeating: nil, count: Int(table.map(\.type.rawValue).max()!) + 1)
        for row in table { rows[Int(row.type.rawValue)] = row }
        return rows
    }()
}
