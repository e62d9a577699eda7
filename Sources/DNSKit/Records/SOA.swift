/// The RDATA of an SOA record, RFC 1035 §3.3.13:
///
///     MNAME  RNAME  SERIAL(32)  REFRESH(32)  RETRY(32)  EXPIRE(32)  MINIMUM(32)
///
/// Names are read and written uncompressed (RFC 3597 §4: stored RDATA carries no compression
/// pointers); the four timers are unsigned seconds, MINIMUM being the negative-caching TTL
/// (RFC 2308 §4).
public struct SOA: Sendable, Hashable {
    public var mname: DomainName
    public var rname: DomainName
    public var serial: Serial
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(
        mname: DomainName, rname: DomainName, serial: Serial, refresh: UInt32, retry: UInt32, expire: UInt32,
        minimum: UInt32
    ) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }

    /// Parses SOA RDATA; nil when a name is malformed or compressed, or the five 32-bit fields
    /// are not exactly what follows the names.
    public init?(rdata: [UInt8]) {
        var i = 0
        guard let mname = Self.name(in: rdata, at: &i), let rname = Self.name(in: rdata, at: &i),
            rdata.count - i == 20
        else { return nil }
        func field(_ k: Int) -> UInt32 {
            let at = i + 4 * k
            return UInt32(rdata[at]) << 24 | UInt32(rdata[at + 1]) << 16 | UInt32(rdata[at + 2]) << 8
                | UInt32(rdata[at + 3])
        }
        self.init(
            mname: mname, rname: rname, serial: Serial(field(0)), refresh: field(1), retry: field(2),
            expire: field(3), minimum: field(4))
    }

    /// The SOA of an SOA record; nil for any other type or malformed RDATA.
    public init?(record: ResourceRecord) {
        guard record.type == .soa else { return nil }
        self.init(rdata: record.rdata)
    }

    /// Wire RDATA, names uncompressed and in the case they were given.
    public func rdata() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(mname.wire.count + rname.wire.count + 20)
        out.append(contentsOf: mname.wire)
        out.append(contentsOf: rname.wire)
        for value in [serial.rawValue, refresh, retry, expire, minimum] {
            out.append(UInt8(value >> 24))
            out.append(UInt8((value >> 16) & 0xFF))
            out.append(UInt8((value >> 8) & 0xFF))
            out.append(UInt8(value & 0xFF))
        }
        return out
    }

    /// The same SOA with another serial (what a primary publishes after an edit).
    public func with(serial: Serial) -> SOA {
        var copy = self
        copy.serial = serial
        return copy
    }

    /// One uncompressed name starting at `i`; advances `i` past it.
    static func name(in rdata: [UInt8], at i: inout Int) -> DomainName? {
        let start = i
        while i < rdata.count {
            let length = Int(rdata[i])
            if length == 0 {
                i += 1
                return try? DomainName(wire: Array(rdata[start..<i]))
            }
            // 0xC0 is a compression pointer, 0x40/0x80 are obsolete label types (RFC 6891 §5).
            guard length <= DomainName.maxLabelLength else { return nil }
            i += 1 + length
        }
        return nil
    }
}
