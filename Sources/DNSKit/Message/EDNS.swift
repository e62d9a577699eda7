/// The EDNS(0) OPT pseudo-record of a message, RFC 6891 §6.1.
///
///     owner: root   TYPE 41   CLASS: requestor's UDP payload size
///     TTL: EXTENDED-RCODE(8) VERSION(8) DO(1) Z(15)     RDATA: {OPTION-CODE(16) OPTION-LENGTH(16) DATA}*
///
/// Read strictly (a malformed OPT makes the whole message malformed, RFC 6891 §6.1.1 says a server answers
/// FORMERR to one): at most one OPT (§6.1.1), only in the additional section, owned by the root (§6.1.2),
/// before the TSIG RR (RFC 8945 §5.1 keeps TSIG last, and its MAC covers the OPT), its options filling its
/// RDATA exactly, at most `maxOptions` of them, no option twice and an NSID of at most `maxNSIDLength`
/// octets. The DO bit is RFC 3225 §3; NSID is RFC 5001.
public struct EDNS: Sendable, Hashable {
    /// The largest UDP answer the sender accepts. 1232 is the DNS Flag Day 2020 figure: it fits the IPv6
    /// minimum MTU of 1280 without fragmenting.
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit RCODE (RFC 6891 §6.1.3); 0 for the plain RCODEs.
    public var extendedRcode: UInt8
    public var version: UInt8
    /// DO: the sender understands DNSSEC, so the answer carries signatures (RFC 3225 §3).
    public var dnssecOK: Bool
    public var options: [Option]

    /// Option codes (IANA "DNS EDNS0 Option Codes").
    public static let nsidCode: UInt16 = 3
    /// What zonecheck asks with: 1232 octets, DO set, an empty NSID option (RFC 5001 §2.1: a request
    /// carries it empty).
    public static let query = EDNS(udpPayloadSize: 1232, dnssecOK: true, options: [Option(code: nsidCode, data: [])])
    /// Bounds on an answer's OPT: far above what any server sends (one or two options), low enough that a
    /// hostile answer costs nothing to refuse.
    public static let maxOptions = 16
    /// RFC 5001 sets no limit; servers send a host name or an instance tag. 128 octets is generous.
    public static let maxNSIDLength = 128

    public struct Option: Sendable, Hashable {
        public var code: UInt16
        public var data: [UInt8]

        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    public init(
        udpPayloadSize: UInt16 = 1232, extendedRcode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
        options: [Option] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRcode = extendedRcode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }

    /// The NSID option's data (RFC 5001 §2.3: opaque octets, often ASCII), nil when there is none.
    public var nsid: [UInt8]? { options.first { $0.code == Self.nsidCode }?.data }

    /// The NSID as an operator reads it: printable ASCII as is, anything else in hex (RFC 5001 §2.3 leaves
    /// the form to the operator; `dig +nsid` prints both).
    public var nsidText: String? {
        guard let nsid, !nsid.isEmpty else { return nil }
        if nsid.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) { return String(decoding: nsid, as: UTF8.self) }
        return "0x" + ZoneSummary.hex(nsid)
    }

    /// The OPT record on the wire.
    var record: ResourceRecord {
        var rdata: [UInt8] = []
        for option in options {
            rdata.appendUInt16(option.code)
            rdata.appendUInt16(UInt16(option.data.count))
            rdata.append(contentsOf: option.data)
        }
        let ttl = UInt32(extendedRcode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
        return ResourceRecord(
            owner: .root, type: .opt, dnsClass: DNSClass(rawValue: udpPayloadSize), ttl: ttl, rdata: rdata)
    }

    /// Reads an OPT record strictly (the rules above); `offset` is where it starts, for the error.
    init(record: ResourceRecord, offset: Int) throws(MessageError) {
        guard record.owner == .root else {
            throw MessageError("OPT RR owned by \(record.owner), not the root (RFC 6891 §6.1.2)", at: offset)
        }
        udpPayloadSize = record.dnsClass.rawValue
        extendedRcode = UInt8(record.ttl >> 24)
        version = UInt8((record.ttl >> 16) & 0xFF)
        dnssecOK = record.ttl & 0x8000 != 0
        options = []
        let rdata = record.rdata
        var i = 0
        while i < rdata.count {
            guard rdata.count - i >= 4 else {
                throw MessageError("OPT RR ends inside an option header (RFC 6891 §6.1.2)", at: offset)
            }
            let code = rdata.uint16(at: i)
            let length = Int(rdata.uint16(at: i + 2))
            i += 4
            guard rdata.count - i >= length else {
                throw MessageError("OPT option \(code) runs past the OPT RR's RDATA (RFC 6891 §6.1.2)", at: offset)
            }
            guard options.count < Self.maxOptions else {
                throw MessageError("OPT RR with more than \(Self.maxOptions) options", at: offset)
            }
            guard !options.contains(where: { $0.code == code }) else {
                throw MessageError("OPT option \(code) appears twice", at: offset)
            }
            guard code != Self.nsidCode || length <= Self.maxNSIDLength else {
                throw MessageError("NSID of \(length) octets, over the \(Self.maxNSIDLength) accepted", at: offset)
            }
            options.append(Option(code: code, data: Array(rdata[i..<(i + length)])))
            i += length
        }
    }
}
