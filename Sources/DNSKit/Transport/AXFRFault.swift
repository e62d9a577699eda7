/// Why a zone transfer was rejected, one case per rule of RFC 5936 §2.2 and RFC 8945 §5.3.1 it broke
/// or per limit it crossed, so that a server sending garbage, a tampered stream and a stalled link are
/// told apart (in the text and in `isAuthenticationFailure`) rather than all being "broken".
///
/// `message` numbers count from 1 in the order the messages arrived; `records` counts the records
/// accepted before the fault.
public enum AXFRFault: Error, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// A message that is not a well-formed DNS message, or crosses a hard limit of the codec (RDATA that
    /// decompresses past 65,535 octets, a pointer into its own record's RDATA, ...): `reason` says which.
    case malformedMessage(message: Int, String)
    /// RFC 5936 §2.2.1: every message carries the request's ID.
    case idChanged(message: Int, id: UInt16, requestID: UInt16)
    /// QR clear or an opcode other than QUERY.
    case notAResponse(message: Int)
    /// A question other than the zone's AXFR (RFC 5936 §2.2.1: only the first message need carry it).
    case otherQuestion(message: Int)
    /// An error RCODE after the first message: the server gave up half-way.
    case errorRcode(message: Int, ResponseCode)
    /// RFC 5936 §2.2.1: the authority section is empty in every message.
    case authorityRecords(message: Int)
    case emptyFirstMessage
    /// RFC 5936 §2.2: the first record is the zone's SOA.
    case firstRecordNotSOA(owner: DomainName, type: RecordType)
    /// An SOA other than the opening one: a last SOA that differs from the first, or an SOA of
    /// another version of the zone in the middle (RFC 5936 §2.2: the stream ends at the same SOA).
    case differentSOA(serial: UInt32?, openingSerial: UInt32?, afterRecords: Int)
    /// Records after the SOA that closed the stream (an opening SOA repeated in the middle).
    case recordsAfterEnd(message: Int, record: Int)
    /// RFC 5936 §3.2: a record outside the zone is an error, not something to skip.
    case outsideZone(owner: DomainName, type: RecordType)
    case wrongClass(owner: DomainName, type: RecordType, dnsClass: DNSClass)
    /// A later message failed TSIG (RFC 8945 §5.3.1): tampered, unsigned for too long, or the last
    /// message unsigned. The content cannot be trusted.
    case unverified(message: Int, TSIGFailure)
    /// A limit that bounds every transfer crossed (`AXFRLimits`): `sent` is what came before it.
    case tooManyRecords(limit: Int, sent: TransferVolume)
    case tooManyBytes(limit: Int, sent: TransferVolume)
    /// Nothing arrived for `idle` in the middle of the stream.
    case stalled(afterRecords: Int, idle: Duration)
    /// The whole transfer took longer than its limit (`AXFRLimits.totalTimeout`, or what is left of the
    /// check's deadline).
    case tooSlow(limit: Duration, sent: TransferVolume)
    /// The server closed the connection cleanly before the closing SOA.
    case closedEarly(afterRecords: Int)
    /// The connection closed inside a length-prefixed message (RFC 7766 §8).
    case closedMidMessage(octets: Int)
    /// The connection was reset (TCP RST) before the closing SOA.
    case connectionReset(afterRecords: Int)
    /// The caller's record handler threw.
    case receiverStopped(String)
    /// A record the receiver cannot hold (RDATA over 65,535 octets, a zone over 4 GiB): the copy is unusable.
    case unusableRecord(String)
    /// A reason given in words, for checks made outside the stream (a string literal makes one).
    case other(String)

    public init(stringLiteral value: String) { self = .other(value) }

    /// True when the fault is a failed TSIG check: the stream may have been altered on the way, so the
    /// server is not to be trusted at all (the check reports AUTH-FAILED, repair refuses).
    public var isAuthenticationFailure: Bool {
        if case .unverified = self { return true }
        return false
    }

    /// True when the server sent a stream that breaks RFC 5936's rules (a changed ID, another question,
    /// records after the closing SOA or outside the zone, ...), one that does not end within the bounds
    /// every transfer has (more records or octets than allowed, still running at the deadline: an endless
    /// stream holds the run, so it is an unusable answer), or a record no copy can hold: its answer is
    /// unusable, whatever its SOA said. False for what the network or a busy server causes (a reset, a
    /// stall, an RCODE).
    public var isProtocolViolation: Bool {
        switch self {
        case .malformedMessage, .idChanged, .notAResponse, .otherQuestion, .authorityRecords, .emptyFirstMessage,
            .firstRecordNotSOA,
            .differentSOA, .recordsAfterEnd, .outsideZone, .wrongClass, .tooManyRecords, .tooManyBytes, .tooSlow,
            .unusableRecord:
            return true
        case .errorRcode, .unverified, .stalled, .closedEarly, .closedMidMessage, .connectionReset, .receiverStopped,
            .other:
            return false
        }
    }

    /// The same fault with what the server sent filled in (the stream verifier knows no clock).
    func with(sent volume: TransferVolume) -> AXFRFault {
        switch self {
        case .tooManyRecords(let limit, _): .tooManyRecords(limit: limit, sent: volume)
        case .tooManyBytes(let limit, _): .tooManyBytes(limit: limit, sent: volume)
        case .tooSlow(let limit, _): .tooSlow(limit: limit, sent: volume)
        default: self
        }
    }

    public var description: String {
        switch self {
        case .malformedMessage(let message, let reason): "message \(message) is malformed: \(reason)"
        case .idChanged(let message, let id, let requestID):
            "message \(message) has ID \(id), not the request's \(requestID)"
        case .notAResponse(let message): "message \(message) is not a response to a QUERY"
        case .otherQuestion(let message): "message \(message) carries another question than the zone's AXFR"
        case .errorRcode(let message, let rcode): "message \(message) has RCODE \(rcode): the server gave up half-way"
        case .authorityRecords(let message): "message \(message) has records in the authority section"
        case .emptyFirstMessage: "the first message holds no records"
        case .firstRecordNotSOA(let owner, let type): "the first record is \(owner) \(type), not the SOA of the zone"
        case .differentSOA(let serial, let opening, let records):
            "a second, different SOA (serial \(serial.map(String.init) ?? "?"), opening serial "
                + "\(opening.map(String.init) ?? "?")) appears after \(records) records"
        case .recordsAfterEnd(let message, let record):
            "records follow the closing SOA (message \(message), record \(record))"
        case .outsideZone(let owner, let type): "record \(owner) \(type) is outside the zone"
        case .wrongClass(let owner, let type, let dnsClass): "record \(owner) \(type) has class \(dnsClass)"
        case .unverified(let message, let failure): "message \(message) failed TSIG verification: \(failure)"
        case .tooManyRecords(let limit, let sent): "more than \(limit) records (limit): it sent \(sent) without end"
        case .tooManyBytes(let limit, let sent): "more than \(limit) octets (limit): it sent \(sent) without end"
        case .stalled(let records, let idle):
            "nothing arrived for \(QueryError.seconds(idle)) after \(records) records (stalled)"
        case .tooSlow(let limit, let sent):
            "not finished within \(QueryError.seconds(limit)) (limit): it sent \(sent) without end"
        case .closedEarly(let records):
            "the server closed the connection after \(records) records without the closing SOA"
        case .closedMidMessage(let octets): "the connection closed in the middle of a message (\(octets) octets)"
        case .connectionReset(let records): "the connection was reset after \(records) records"
        case .receiverStopped(let reason): "the receiver stopped the transfer: \(reason)"
        case .unusableRecord(let reason): "it sent a record no copy can hold: \(reason)"
        case .other(let reason): reason
        }
    }
}

/// What a transfer delivered before it was stopped: the figures an operator needs to tell an endless or
/// runaway stream from a large zone.
public struct TransferVolume: Sendable, Hashable, CustomStringConvertible {
    public var messages: Int
    public var records: Int
    public var octets: Int
    public var duration: Duration

    public init(messages: Int = 0, records: Int = 0, octets: Int = 0, duration: Duration = .zero) {
        self.messages = messages
        self.records = records
        self.octets = octets
        self.duration = duration
    }

    public var description: String {
        "\(messages) message\(messages == 1 ? "" : "s"), \(records) record\(records == 1 ? "" : "s"), "
            + "\(octets) octets in \(QueryError.seconds(duration))"
    }
}
