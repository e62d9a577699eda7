/// A parsed DNS message, RFC 1035 §4.1, read strictly.
///
/// Names are decompressed (RFC 1035 §4.1.4) in owner names and inside the RDATA of the
/// types where compression is allowed (RFC 1035 types and the list of RFC 3597 §4); a
/// pointer anywhere else, a pointer that does not go backwards, a label type other than
/// 00, a record running past its RDLENGTH or the message, or bytes left over make the
/// message malformed. Hard limits (RFC 1035 §3.2.1, §2.3.4): a record whose RDATA decompresses
/// past 65,535 octets, a name over 255 octets, a pointer inside RDATA that lands in its own record's
/// non-name fields (a SIG or NXT name pointing back into its own fixed fields, RFC 3597 §4 allows
/// decompression of names only), and a pointer in the names of types RFC 3597 §4 says must not be
/// compressed (RRSIG, DNAME, KX, ...) make the message malformed (BAD-ANSWER), never a trap. A TSIG RR is accepted only as the last record of the additional
/// section (RFC 8945 §5.1) and is kept apart from `additional`; so is the EDNS OPT RR (RFC 6891), at most
/// one, in the additional section only, read strictly by `EDNS`.
public struct Message: Sendable {
    public var header: MessageHeader
    public var questions: [Question]
    public var answers: [ResourceRecord]
    public var authority: [ResourceRecord]
    /// The additional section without the TSIG RR.
    public var additional: [ResourceRecord]
    public var tsig: TSIGRecord?
    /// The OPT RR's content, nil when the message has none.
    public var edns: EDNS?
    /// Where the TSIG RR starts in the wire form (the MAC covers the bytes before it).
    public var tsigOffset: Int?

    public init(wire: [UInt8]) throws(MessageError) {
        let parsed: Result<Message, MessageError> = wire.withUnsafeBufferPointer { buffer in
            var reader = WireReader(buffer: buffer)
            do throws(MessageError) {
                return .success(try reader.readMessage())
            } catch {
                return .failure(error)
            }
        }
        self = try parsed.get()
    }

    init(
        header: MessageHeader, questions: [Question], answers: [ResourceRecord], authority: [ResourceRecord],
        additional: [ResourceRecord], tsig: TSIGRecord?, tsigOffset: Int?, edns: EDNS? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.tsig = tsig
        self.tsigOffset = tsigOffset
        self.edns = edns
    }

    /// The full RCODE: the header's 4 bits and, with EDNS, the OPT's upper 8 (RFC 6891 §6.1.3).
    public var rcode: ResponseCode {
        ResponseCode(rawValue: UInt16(edns?.extendedRcode ?? 0) << 4 | header.rcode.rawValue)
    }
}

/// Why a message could not be read; `offset` is where in the message the problem starts.
public struct MessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int

    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason) (at octet \(offset))" }
}

/// Reads a message from a borrowed buffer; the buffer never leaves the `withUnsafe...` scope.
struct WireReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var position = 0
    /// The first name `readName` decoded (the question's, in a query or an answer) and its offset.
    private var firstName: (offset: Int, name: DomainName)?

    init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    /// Types whose RDATA names may arrive compressed: RFC 1035 §3.3 and RFC 3597 §4 (`RecordTypeFacts`).
    static func compressedNameTypes(_ type: UInt16) -> Bool {
        RecordTypeFacts.of(type)?.compressible ?? false
    }

    @inline(__always) func uint16(at offset: Int) -> UInt16 {
        UInt16(buffer[offset]) << 8 | UInt16(buffer[offset + 1])
    }

    @inline(__always) func uint32(at offset: Int) -> UInt32 {
        UInt32(buffer[offset]) << 24 | UInt32(buffer[offset + 1]) << 16 | UInt32(buffer[offset + 2]) << 8
            | UInt32(buffer[offset + 3])
    }

    mutating func need(_ count: Int, _ what: String) throws(MessageError) {
        guard buffer.count - position >= count else {
            throw MessageError("message ends inside \(what)", at: position)
        }
    }

    mutating func readMessage() throws(MessageError) -> Message {
        try need(MessageHeader.length, "the header")
        let header = MessageHeader(
            id: uint16(at: 0), flags: uint16(at: 2), questionCount: uint16(at: 4), answerCount: uint16(at: 6),
            authorityCount: uint16(at: 8), additionalCount: uint16(at: 10))
        position = MessageHeader.length
        var questions: [Question] = []
        questions.reserveCapacity(Int(header.questionCount))
        for _ in 0..<header.questionCount {
            let name = try readName(allowCompression: true)
            try need(4, "a question")
            questions.append(
                Question(
                    name: name, type: RecordType(rawValue: uint16(at: position)),
                    dnsClass: DNSClass(rawValue: uint16(at: position + 2))))
            position += 4
        }
        let answers = try readRecords(Int(header.answerCount), section: "answer")
        let authority = try readRecords(Int(header.authorityCount), section: "authority")
        var additional: [ResourceRecord] = []
        var tsig: TSIGRecord?
        var tsigOffset: Int?
        var edns: EDNS?
        let additionalCount = Int(header.additionalCount)
        for index in 0..<additionalCount {
            let start = position
            let record = try readRecord()
            if record.type == .tsig {
                guard index == additionalCount - 1 else {
                    throw MessageError("TSIG RR is not the last record of the message (RFC 8945 §5.1)", at: start)
                }
                guard record.dnsClass == .any, record.ttl == 0 else {
                    throw MessageError("TSIG RR must have class ANY and TTL 0 (RFC 8945 §4.2)", at: start)
                }
                tsig = try TSIGRecord(keyName: record.owner, rdata: record.rdata, offset: start)
                tsigOffset = start
            } else if record.type == .opt {
                guard edns == nil else {
                    throw MessageError("a second OPT RR (RFC 6891 §6.1.1: at most one)", at: start)
                }
                edns = try EDNS(record: record, offset: start)
            } else {
                additional.append(record)
            }
        }
        guard position == buffer.count else {
            throw MessageError("\(buffer.count - position) octets after the last record", at: position)
        }
        return Message(
            header: header, questions: questions, answers: answers, authority: authority, additional: additional,
            tsig: tsig, tsigOffset: tsigOffset, edns: edns)
    }

    mutating func readRecords(_ count: Int, section: String) throws(MessageError) -> [ResourceRecord] {
        var records: [ResourceRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let start = position
            let record = try readRecord()
            // RFC 6891 §6.1.1: the OPT RR lives in the additional section only.
            guard record.type != .opt else {
                throw MessageError("\(record.type) RR in the \(section) section", at: start)
            }
            records.append(record)
        }
        return records
    }

    mutating func readRecord() throws(MessageError) -> ResourceRecord {
        let owner = try readName(allowCompression: true)
        try need(10, "a record header")
        let type = uint16(at: position)
        let dnsClass = uint16(at: position + 2)
        let ttl = uint32(at: position + 4)
        let length = Int(uint16(at: position + 8))
        position += 10
        try need(length, "RDATA")
        let end = position + length
        var rdata: [UInt8]
        if let fields = RDATALayout.fields(of: RecordType(rawValue: type)) {
            let compressible = Self.compressedNameTypes(type)
            let rdataStart = position
            // Where the names already read in this RDATA sit: the only part of it a pointer may reach.
            var namesRead = NameSpans()
            rdata = []
            rdata.reserveCapacity(length + 16)
            for field in fields {
                switch field {
                case .name:
                    guard position < end else { throw MessageError("RDATA ends before a name", at: position) }
                    let nameStart = position
                    guard compressible || !Self.startsWithPointer(buffer, from: position, limit: end) else {
                        throw MessageError(
                            "compression pointer in the RDATA of \(RecordType(rawValue: type)), which RFC 3597 §4 "
                                + "forbids for this type", at: position)
                    }
                    try appendName(
                        to: &rdata, limit: end, allowCompression: compressible,
                        ownRDATA: OwnRDATA(start: rdataStart, names: namesRead))
                    namesRead.append(nameStart..<min(position, end))
                case .fixed(let n):
                    guard end - position >= n else { throw MessageError("RDATA too short", at: position) }
                    rdata.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<(position + n)]))
                    position += n
                case .characterString:
                    guard position < end, end - position >= 1 + Int(buffer[position]) else {
                        throw MessageError("character-string runs past RDATA", at: position)
                    }
                    let n = 1 + Int(buffer[position])
                    rdata.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<(position + n)]))
                    position += n
                case .rest:
                    rdata.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<end]))
                    position = end
                }
            }
            guard position == end else {
                throw MessageError("RDATA of \(RecordType(rawValue: type)) longer than its fields", at: position)
            }
            guard rdata.count <= ResourceRecord.maxRDATALength else {
                throw MessageError(
                    "RDATA of \(RecordType(rawValue: type)) decompresses to \(rdata.count) octets, over the 65,535 "
                        + "an RDLENGTH can say (RFC 1035 §3.2.1)", at: rdataStart)
            }
        } else {
            rdata = Array(UnsafeBufferPointer(rebasing: buffer[position..<end]))
            position = end
        }
        return ResourceRecord(
            owner: owner, type: RecordType(rawValue: type), dnsClass: DNSClass(rawValue: dnsClass), ttl: ttl,
            rdata: rdata)
    }

    mutating func readName(allowCompression: Bool) throws(MessageError) -> DomainName {
        // Two shapes that need no new array (measured: the parser's allocations were a tenth of a loopback
        // sweep's CPU): the root (an OPT RR's owner), and a name that is only a pointer to the first name
        // of the message, which decodes to that very name (the SOA answer's owner pointing at the question).
        if position < buffer.count && buffer[position] == 0 {
            position += 1
            return .root
        }
        if allowCompression, let first = firstName, buffer.count - position >= 2, buffer[position] & 0xC0 == 0xC0,
            Int(uint16(at: position) & 0x3FFF) == first.offset
        {
            position += 2
            return first.name
        }
        let start = position
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        try appendName(to: &wire, limit: buffer.count, allowCompression: allowCompression)
        let name = DomainName(uncheckedWire: wire)
        if firstName == nil { firstName = (start, name) }
        return name
    }

    /// The RDATA a name is read from: a pointer that lands inside it must land in one of the names read
    /// before (an SOA RNAME may point into its MNAME), never in fixed fields (RFC 1035 §4.1.4: a pointer
    /// names a prior occurrence of a name).
    struct OwnRDATA {
        var start: Int
        var names: NameSpans
    }

    /// Where the names read so far in one RDATA sit: the first two inline (SOA, MINFO and RP have two
    /// names), more in an array, so a record's RDATA costs no array of ranges.
    struct NameSpans {
        private var first: Range<Int>?
        private var second: Range<Int>?
        private var more: [Range<Int>] = []

        mutating func append(_ span: Range<Int>) {
            if first == nil {
                first = span
            } else if second == nil {
                second = span
            } else {
                more.append(span)
            }
        }

        func contains(_ offset: Int) -> Bool {
            first?.contains(offset) == true || second?.contains(offset) == true
                || more.contains { $0.contains(offset) }
        }
    }

    /// True when the name at `from` is, somewhere in its labels, a compression pointer.
    static func startsWithPointer(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> Bool {
        var i = from
        while i < limit {
            let byte = buffer[i]
            if byte & 0xC0 != 0 { return byte & 0xC0 == 0xC0 }
            if byte == 0 { return false }
            i += 1 + Int(byte)
        }
        return false
    }

    /// Appends the uncompressed name at `position` to `out` and moves past it.
    ///
    /// A pointer must point before the start of the name (or label run) it appears in, so
    /// every jump goes strictly backwards and no loop is possible.
    mutating func appendName(
        to out: inout [UInt8], limit: Int, allowCompression: Bool = true, ownRDATA: OwnRDATA? = nil
    ) throws(MessageError) {
        var i = position
        var runStart = position
        var resumeAt = -1
        var length = 0
        while true {
            let readLimit = resumeAt < 0 ? limit : buffer.count
            guard i < readLimit else { throw MessageError("name runs past its end", at: i) }
            let byte = buffer[i]
            switch byte & 0xC0 {
            case 0x00:
                let labelLength = Int(byte)
                length += 1 + labelLength
                guard length <= DomainName.maxWireLength else {
                    throw MessageError("name longer than 255 octets", at: i)
                }
                if labelLength == 0 {
                    out.append(0)
                    position = resumeAt < 0 ? i + 1 : resumeAt
                    return
                }
                guard readLimit - i > labelLength else { throw MessageError("label runs past its end", at: i) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<(i + 1 + labelLength)]))
                i += 1 + labelLength
            case 0xC0:
                guard allowCompression else {
                    throw MessageError("compression pointer where none is allowed", at: i)
                }
                guard readLimit - i >= 2 else { throw MessageError("compression pointer cut short", at: i) }
                let target = Int(uint16(at: i) & 0x3FFF)
                guard target < runStart else {
                    throw MessageError("compression pointer does not point backwards", at: i)
                }
                if let own = ownRDATA, target >= own.start, !own.names.contains(target) {
                    throw MessageError(
                        "compression pointer into its own record's RDATA at octet \(target), which holds no name",
                        at: i)
                }
                if resumeAt < 0 { resumeAt = i + 2 }
                runStart = target
                i = target
            default:
                throw MessageError("unknown label type 0x\(String(byte & 0xC0, radix: 16))", at: i)
            }
        }
    }
}
