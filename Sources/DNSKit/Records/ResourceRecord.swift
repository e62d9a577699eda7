/// One resource record with its RDATA in uncompressed wire form (RFC 1035 §3.2.1).
///
/// Names inside RDATA keep the case they were written in; `canonicalWire` lowers them for
/// the types RFC 4034 §6.2 (as amended by RFC 6840 §5.1) lists.
public struct ResourceRecord: Hashable, Sendable {
    public var owner: DomainName
    public var type: RecordType
    public var dnsClass: DNSClass
    public var ttl: UInt32
    public var rdata: [UInt8]

    /// The most RDATA an RDLENGTH can say (RFC 1035 §3.2.1: a 16-bit count).
    public static let maxRDATALength = 65_535

    public init(owner: DomainName, type: RecordType, dnsClass: DNSClass = .in, ttl: UInt32, rdata: [UInt8]) {
        self.owner = owner
        self.type = type
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.rdata = rdata
    }

    /// Same owner, type, class and RDATA (RFC 2181 §5: the TTL is not part of identity).
    public func sameData(as other: ResourceRecord) -> Bool {
        owner == other.owner && type == other.type && dnsClass == other.dnsClass
            && RDATALayout.canonicalRDATA(type: type, rdata)
                == RDATALayout.canonicalRDATA(type: other.type, other.rdata)
    }

    /// The record in canonical wire form, RFC 4034 §6.2: owner lower-cased, no compression,
    /// names inside RDATA lower-cased for the listed types, TTL as given. Throws for RDATA over
    /// 65,535 octets, which no RDLENGTH can say.
    public func canonicalWireForm() throws(RecordTooLong) -> [UInt8] {
        try uncompressedWire(owner: owner.canonical.wire, rdata: RDATALayout.canonicalRDATA(type: type, rdata))
    }

    /// The canonical form as an identity (a hash, a set key, a diff): never fails. For RDATA over 65,535
    /// octets, which no message can carry and no zone file reader passes on, RDLENGTH says 65,535 while
    /// the RDATA follows whole, so two records still compare equal exactly when their data do. Not for
    /// the wire or a digest: `canonicalWireForm()` throws instead.
    public func canonicalWire() -> [UInt8] {
        let data = RDATALayout.canonicalRDATA(type: type, rdata)
        var out = owner.canonical.wire
        out.reserveCapacity(out.count + 10 + data.count)
        out.appendUInt16(type.rawValue)
        out.appendUInt16(dnsClass.rawValue)
        out.appendUInt32(ttl)
        out.appendUInt16(UInt16(clamping: data.count))
        out.append(contentsOf: data)
        return out
    }

    /// The record as written (case kept), uncompressed: owner, type, class, TTL, RDLENGTH, RDATA.
    func uncompressedWire() throws(RecordTooLong) -> [UInt8] {
        try uncompressedWire(owner: owner.wire, rdata: rdata)
    }

    private func uncompressedWire(owner ownerWire: [UInt8], rdata data: [UInt8]) throws(RecordTooLong) -> [UInt8] {
        guard let length = UInt16(exactly: data.count) else {
            throw RecordTooLong(owner: owner, type: type, length: data.count)
        }
        var out: [UInt8] = []
        out.reserveCapacity(ownerWire.count + 10 + data.count)
        out.append(contentsOf: ownerWire)
        out.appendUInt16(type.rawValue)
        out.appendUInt16(dnsClass.rawValue)
        out.appendUInt16(UInt16(truncatingIfNeeded: ttl >> 16))
        out.appendUInt16(UInt16(truncatingIfNeeded: ttl))
        out.appendUInt16(length)
        out.append(contentsOf: data)
        return out
    }

    /// Domain names embedded in the RDATA, for the types whose layout is known here
    /// (targets of NS, CNAME, MX, SRV, PTR, DNAME, SOA MNAME/RNAME, ...).
    public var rdataNames: [DomainName] {
        RDATALayout.names(type: type, rdata)
    }
}

/// Where the domain names sit inside the RDATA of the types that carry them.
enum RDATALayout {
    enum Field {
        case name
        case fixed(Int)
        case characterString
        case rest
    }

    /// Where the names sit in `type`'s RDATA, from `RecordTypeFacts`; nil when it holds none we know of.
    static func fields(of type: RecordType) -> [Field]? {
        RecordTypeFacts.of(type.rawValue)?.names
    }

    /// Walks the fields; calls `body` with the byte range of each embedded name.
    static func forEachName(type: RecordType, _ rdata: [UInt8], _ body: (Range<Int>) -> Void) {
        guard let fields = fields(of: type) else { return }
        var i = 0
        for field in fields {
            switch field {
            case .fixed(let n): i += n
            case .characterString:
                guard i < rdata.count else { return }
                i += 1 + Int(rdata[i])
            case .rest: return
            case .name:
                let start = i
                while i < rdata.count && rdata[i] != 0 {
                    // A compression pointer never appears in stored RDATA; stop if one does.
                    if rdata[i] & 0xC0 != 0 { return }
                    i += 1 + Int(rdata[i])
                }
                guard i < rdata.count else { return }
                i += 1
                body(start..<i)
            }
            if i > rdata.count { return }
        }
    }

    /// Calls `body` with the byte range of each name canonical form lowers (`RecordTypeFacts.lowered`).
    static func forEachLoweredName(type: RecordType, _ rdata: [UInt8], _ body: (Range<Int>) -> Void) {
        guard RecordTypeFacts.of(type.rawValue)?.lowered == true else { return }
        forEachName(type: type, rdata, body)
    }

    static func canonicalRDATA(type: RecordType, _ rdata: [UInt8]) -> [UInt8] {
        guard RecordTypeFacts.of(type.rawValue)?.lowered == true else { return rdata }
        var copy = rdata
        forEachName(type: type, rdata) { range in
            for k in range { copy[k] = DomainName.lower(copy[k]) }
        }
        return copy
    }

    static func names(type: RecordType, _ rdata: [UInt8]) -> [DomainName] {
        var result: [DomainName] = []
        forEachName(type: type, rdata) { range in
            if let name = try? DomainName(wire: Array(rdata[range])) { result.append(name) }
        }
        return result
    }
}

/// A record whose RDATA is longer than the 65,535 octets an RDLENGTH can say (RFC 1035 §3.2.1).
public struct RecordTooLong: Error, Sendable, Hashable, CustomStringConvertible {
    public var owner: DomainName
    public var type: RecordType
    public var length: Int

    public var description: String {
        "\(owner) \(type) has \(length) octets of RDATA, over the 65,535 an RDLENGTH can say (RFC 1035 §3.2.1)"
    }
}
