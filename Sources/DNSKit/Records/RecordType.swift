internal import CLDNS

/// A resource record TYPE (RFC 1035 §3.2.2 and the IANA registry).
///
/// Mnemonics come from libldns, so every type ldns knows has a name; unknown types use
/// the RFC 3597 form `TYPEnnn`.
public struct RecordType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RecordType(rawValue: 1)
    public static let ns = RecordType(rawValue: 2)
    public static let cname = RecordType(rawValue: 5)
    public static let soa = RecordType(rawValue: 6)
    public static let ptr = RecordType(rawValue: 12)
    public static let hinfo = RecordType(rawValue: 13)
    public static let mx = RecordType(rawValue: 15)
    public static let txt = RecordType(rawValue: 16)
    public static let aaaa = RecordType(rawValue: 28)
    public static let srv = RecordType(rawValue: 33)
    public static let naptr = RecordType(rawValue: 35)
    public static let dname = RecordType(rawValue: 39)
    public static let opt = RecordType(rawValue: 41)
    public static let ds = RecordType(rawValue: 43)
    public static let sshfp = RecordType(rawValue: 44)
    public static let rrsig = RecordType(rawValue: 46)
    public static let nsec = RecordType(rawValue: 47)
    public static let dnskey = RecordType(rawValue: 48)
    public static let nsec3 = RecordType(rawValue: 50)
    public static let nsec3param = RecordType(rawValue: 51)
    public static let tlsa = RecordType(rawValue: 52)
    public static let svcb = RecordType(rawValue: 64)
    public static let https = RecordType(rawValue: 65)
    public static let zonemd = RecordType(rawValue: 63)
    public static let tsig = RecordType(rawValue: 250)
    public static let ixfr = RecordType(rawValue: 251)
    public static let axfr = RecordType(rawValue: 252)
    public static let any = RecordType(rawValue: 255)
    public static let caa = RecordType(rawValue: 257)

    /// The type for a mnemonic (`MX`, `mx`, `TYPE65534`), or nil when neither ldns nor
    /// RFC 3597 knows it.
    public init?(mnemonic: String) {
        let upper = mnemonic.uppercased()
        if upper.hasPrefix("TYPE"), let n = UInt16(upper.dropFirst(4)), !upper.dropFirst(4).isEmpty {
            self.init(rawValue: n)
            return
        }
        if let known = Self.byMnemonic[upper] {
            self = known
            return
        }
        let value = upper.withCString { ldns_get_rr_type_by_name($0) }
        // ldns returns 0 for names it does not know, and reads `TYPE327680` past 16 bits (found by
        // fuzzing: Fuzz/Regressions/zonefile): neither is a type.
        guard value.rawValue != 0, let type = UInt16(exactly: value.rawValue) else { return nil }
        self.init(rawValue: type)
    }

    /// The mnemonic (`MX`), or `TYPEnnn` when ldns has no name for it.
    public var description: String {
        if let cached = Self.commonNames[rawValue] { return cached }
        return Self.ldnsName(rawValue) ?? "TYPE\(rawValue)"
    }

    /// The mnemonics of `RecordTypeFacts`' table, without a call into libldns.
    /// The table's mnemonics first: it knows types libldns does not (DSYNC, AMTRELAY, RESINFO...).
    private static let byMnemonic: [String: RecordType] = Dictionary(
        uniqueKeysWithValues: RecordTypeFacts.table.map { ($0.mnemonic, $0.type) })

    private static let commonNames: [UInt16: String] = Dictionary(
        uniqueKeysWithValues: RecordTypeFacts.table.map { ($0.type.rawValue, $0.mnemonic) })

    /// libldns's mnemonic for `rawValue`, or nil (the table's mnemonics are checked against it).
    static func ldnsName(_ rawValue: UInt16) -> String? {
        guard let pointer = ldns_rr_type2str(ldns_rr_type(rawValue: UInt32(rawValue))) else { return nil }
        defer { free(pointer) }
        let name = String(cString: pointer)
        return name.hasPrefix("TYPE") ? nil : name
    }

    /// Meta and question-only types that never appear as data in a zone (RFC 6895 §3.1).
    public var isMetaType: Bool {
        rawValue == 0 || rawValue == 41 || (128...255).contains(rawValue)
    }

    public static func < (lhs: RecordType, rhs: RecordType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A resource record CLASS (RFC 1035 §3.2.4). Zones served here are IN.
public struct DNSClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let `in` = DNSClass(rawValue: 1)
    public static let ch = DNSClass(rawValue: 3)
    public static let hs = DNSClass(rawValue: 4)
    public static let none = DNSClass(rawValue: 254)
    public static let any = DNSClass(rawValue: 255)

    public init?(mnemonic: String) {
        switch mnemonic.uppercased() {
        case "IN": self = .in
        case "CH", "CHAOS": self = .ch
        case "HS", "HESIOD": self = .hs
        case let text where text.hasPrefix("CLASS"):
            guard let n = UInt16(text.dropFirst(5)) else { return nil }
            self.init(rawValue: n)
        default: return nil
        }
    }

    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}
