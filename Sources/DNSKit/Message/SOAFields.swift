/// The fields of SOA RDATA, RFC 1035 §3.3.13, read from uncompressed RDATA.
///
/// Small and internal on purpose: the Serial type (RFC 1982) lives elsewhere; this only
/// pulls the numbers out so transport answers can report the serial.
struct SOAFields: Sendable, Hashable {
    var mname: DomainName
    var rname: DomainName
    var serial: UInt32
    var refresh: UInt32
    var retry: UInt32
    var expire: UInt32
    var minimum: UInt32

    init?(rdata: [UInt8]) {
        var i = 0
        func name() -> DomainName? {
            let start = i
            while i < rdata.count && rdata[i] != 0 {
                guard rdata[i] & 0xC0 == 0 else { return nil }
                i += 1 + Int(rdata[i])
            }
            guard i < rdata.count else { return nil }
            i += 1
            return try? DomainName(wire: Array(rdata[start..<i]))
        }
        guard let mname = name(), let rname = name(), rdata.count - i == 20 else { return nil }
        func number(_ offset: Int) -> UInt32 {
            UInt32(rdata[i + offset]) << 24 | UInt32(rdata[i + offset + 1]) << 16 | UInt32(rdata[i + offset + 2]) << 8
                | UInt32(rdata[i + offset + 3])
        }
        self.mname = mname
        self.rname = rname
        serial = number(0)
        refresh = number(4)
        retry = number(8)
        expire = number(12)
        minimum = number(16)
    }
}

extension ResourceRecord {
    /// The SOA serial (RFC 1035 §3.3.13) when this is a well-formed SOA record.
    public var soaSerial: UInt32? {
        guard type == .soa else { return nil }
        return SOAFields(rdata: rdata)?.serial
    }
}
