/// Builds the few messages zonecheck sends, byte-exact and uncompressed (RFC 1035 §4.1).
///
/// Names are written without compression: the messages are small, and what we sign is then
/// exactly what we built. The TSIG RR is added afterwards by `TSIG.sign`, last in the
/// additional section (RFC 8945 §5.1).
public struct MessageBuilder: Sendable {
    public private(set) var header: MessageHeader
    public private(set) var bytes: [UInt8]

    public init(id: UInt16, flags: UInt16) {
        header = MessageHeader(id: id, flags: flags)
        bytes = []
        bytes.reserveCapacity(512)
        header.write(to: &bytes)
    }

    public mutating func addQuestion(_ question: Question) {
        bytes.append(contentsOf: question.name.wire)
        bytes.appendUInt16(question.type.rawValue)
        bytes.appendUInt16(question.dnsClass.rawValue)
        header.questionCount += 1
        patchCounts()
    }

    public mutating func addAnswer(_ record: ResourceRecord) {
        bytes.appendRecord(record)
        header.answerCount += 1
        patchCounts()
    }

    /// Adds the EDNS OPT RR to the additional section (RFC 6891 §6.1.1); before signing, so the TSIG
    /// RR that `TSIG.sign` appends stays last and its MAC covers the OPT (RFC 8945 §5.1, §4.3.1).
    public mutating func addEDNS(_ edns: EDNS) {
        bytes.appendRecord(edns.record)
        header.additionalCount += 1
        patchCounts()
    }

    private mutating func patchCounts() {
        bytes.setUInt16(header.questionCount, at: 4)
        bytes.setUInt16(header.answerCount, at: 6)
        bytes.setUInt16(header.authorityCount, at: 8)
        bytes.setUInt16(header.additionalCount, at: 10)
    }

    /// A query for the SOA of `zone` (RFC 1035 §4.1.1: QR=0, opcode QUERY, RD=0), with `edns` as its OPT
    /// RR when given (`EDNS.query`: DO and NSID, so the answer carries the RRSIG(SOA) and the instance).
    public static func soaQuery(zone: DomainName, id: UInt16, edns: EDNS? = nil) -> [UInt8] {
        var builder = MessageBuilder(id: id, flags: MessageHeader.flags(opcode: .query))
        builder.addQuestion(Question(name: zone, type: .soa))
        if let edns { builder.addEDNS(edns) }
        return builder.bytes
    }

    /// A zone transfer request, RFC 5936 §2.2: one question `zone IN AXFR`, nothing else.
    public static func axfrQuery(zone: DomainName, id: UInt16) -> [UInt8] {
        var builder = MessageBuilder(id: id, flags: MessageHeader.flags(opcode: .query))
        builder.addQuestion(Question(name: zone, type: .axfr))
        return builder.bytes
    }

    /// A NOTIFY, RFC 1996 §3.7: opcode NOTIFY, AA set, question `zone IN SOA`, and the
    /// primary's current SOA in the answer section when known (§3.7 allows it as a hint).
    public static func notify(zone: DomainName, soa: ResourceRecord?, id: UInt16) -> [UInt8] {
        var builder = MessageBuilder(id: id, flags: MessageHeader.flags(opcode: .notify, authoritative: true))
        builder.addQuestion(Question(name: zone, type: .soa))
        if let soa { builder.addAnswer(soa) }
        return builder.bytes
    }
}

extension [UInt8] {
    @inline(__always) mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    @inline(__always) mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(value >> 24))
        append(UInt8((value >> 16) & 0xFF))
        append(UInt8((value >> 8) & 0xFF))
        append(UInt8(value & 0xFF))
    }

    @inline(__always) mutating func appendUInt48(_ value: UInt64) {
        appendUInt16(UInt16((value >> 32) & 0xFFFF))
        appendUInt32(UInt32(value & 0xFFFF_FFFF))
    }

    @inline(__always) mutating func setUInt16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(value & 0xFF)
    }

    @inline(__always) func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    mutating func appendRecord(_ record: ResourceRecord) {
        append(contentsOf: record.owner.wire)
        appendUInt16(record.type.rawValue)
        appendUInt16(record.dnsClass.rawValue)
        appendUInt32(record.ttl)
        appendUInt16(UInt16(record.rdata.count))
        append(contentsOf: record.rdata)
    }
}
