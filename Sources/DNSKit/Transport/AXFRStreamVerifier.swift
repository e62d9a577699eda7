/// The rules of one zone transfer, applied message by message with no I/O (RFC 5936 §2.2 and §3,
/// RFC 8945 §5.3.1): `DNSClient.axfr` feeds it what the socket delivers, and the fuzzer feeds it
/// anything at all. Not `Sendable`: it holds a running HMAC; one transfer, one task.
///
/// Checked on every message: same ID as the request, QR set, opcode QUERY, RCODE NOERROR, question
/// (when present) the zone's AXFR, no authority records, and TSIG chained to the previous MAC (up to
/// 99 unsigned messages in between, whose records are held back until the next signed message
/// verifies them; first and last signed). The first record is the zone's SOA and the stream ends at
/// the next SOA, which must be the same; no other SOA, no record outside the zone or of another class,
/// nothing after the end. Any failure ends the transfer: everything returned so far must be discarded.
public struct AXFRStreamVerifier {
    public let zone: DomainName
    public let limits: AXFRLimits
    public let requestID: UInt16
    var tsig: TSIGVerifier?
    public private(set) var stats = AXFRStats()
    /// True once the closing SOA arrived in a verified message.
    public private(set) var finished = false
    private var openingSOA: ResourceRecord?
    private var closingSeen = false
    /// Records of unsigned messages, held until the next signed message verifies them.
    private var held: [ResourceRecord] = []

    /// `key` and `requestMAC` are the request's (nil for an unsigned transfer).
    public init(
        zone: DomainName, requestID: UInt16, key: TSIGKey? = nil, requestMAC: [UInt8]? = nil,
        limits: AXFRLimits = AXFRLimits()
    ) {
        self.zone = zone
        self.requestID = requestID
        self.limits = limits
        if let key, let requestMAC {
            tsig = TSIGVerifier(
                key: key, requestMAC: requestMAC, requestID: requestID, acceptTruncatedMAC: limits.acceptTruncatedMAC)
        }
    }

    /// Checks one message (without its TCP length prefix) at our clock `now` (seconds since the epoch)
    /// and returns the records it made trustworthy, in stream order: its own when it is signed and
    /// verified (or the transfer is unsigned), preceded by those of the unsigned messages it verified.
    /// The closing SOA is not returned (the zone has one SOA).
    public mutating func receive(_ wire: [UInt8], now: UInt64) throws(QueryFailure) -> [ResourceRecord] {
        stats.messages += 1
        let number = stats.messages
        stats.bytes += wire.count + 2
        guard !finished else { throw .transferBroken(.recordsAfterEnd(message: number, record: 1)) }
        guard stats.bytes <= limits.maxBytes else {
            throw .transferBroken(.tooManyBytes(limit: limits.maxBytes, sent: sent))
        }
        let message: Message
        do {
            message = try Message(wire: wire)
        } catch {
            throw .transferBroken(.malformedMessage(message: number, error.description))
        }
        let header = message.header
        guard header.id == requestID else {
            throw .transferBroken(.idChanged(message: number, id: header.id, requestID: requestID))
        }
        guard header.isResponse, header.opcode == .query else { throw .transferBroken(.notAResponse(message: number)) }
        let errorWithoutQuestion = message.questions.isEmpty && header.rcode != .noError
        if (number == 1 && !errorWithoutQuestion) || !message.questions.isEmpty {
            guard message.questions == [Question(name: zone, type: .axfr)] else {
                throw .transferBroken(.otherQuestion(message: number))
            }
        }
        var trusted = true
        if var checker = tsig {
            do {
                trusted = try checker.verify(wire: wire, message: message, now: now) == .verified
            } catch {
                if number == 1 { throw DNSClient.classify(error, rcode: header.rcode) }
                throw .transferBroken(.unverified(message: number, error))
            }
            tsig = checker
        }
        switch header.rcode {
        case .noError: break
        case .refused where number == 1: throw .refused
        case .notAuth where number == 1: throw .notAuthoritative(referral: false)
        case .servFail where number == 1: throw .servfail
        case .formErr where number == 1: throw .formerr
        case .nxDomain where number == 1: throw .nxdomainAtApex
        default:
            if number == 1 { throw .unexpectedRcode(header.rcode) }
            throw .transferBroken(.errorRcode(message: number, header.rcode))
        }
        guard message.authority.isEmpty else { throw .transferBroken(.authorityRecords(message: number)) }
        if message.answers.isEmpty && number == 1 { throw .transferBroken(.emptyFirstMessage) }
        var mine: [ResourceRecord] = []
        mine.reserveCapacity(message.answers.count)
        for (index, record) in message.answers.enumerated() {
            guard !closingSeen else {
                throw .transferBroken(.recordsAfterEnd(message: number, record: index + 1))
            }
            if try accept(record) { mine.append(record) }
        }
        var delivered: [ResourceRecord] = []
        if trusted {
            // This signed message verified the unsigned ones before it, whose records come first.
            delivered = held + mine
            held.removeAll(keepingCapacity: true)
        } else {
            held.append(contentsOf: mine)
        }
        if closingSeen {
            guard trusted else {
                throw .transferBroken(.unverified(message: number, .lastMessageUnsigned))
            }
            finished = true
            if let tsig { stats.tsig = .verified(keyName: tsig.key.name) }
        }
        return delivered
    }

    /// What arrived so far (the duration is the caller's to fill in).
    public var sent: TransferVolume {
        TransferVolume(messages: stats.messages, records: stats.records, octets: stats.bytes)
    }

    /// The failure when the stream ends (the server closed the connection) here; nil once finished.
    public func endOfStream() -> QueryFailure? {
        finished ? nil : .transferBroken(.closedEarly(afterRecords: stats.records))
    }

    /// Applies the record rules; true when the record belongs to the zone's content (false for the
    /// closing SOA).
    private mutating func accept(_ record: ResourceRecord) throws(QueryFailure) -> Bool {
        guard let opening = openingSOA else {
            guard record.type == .soa, record.owner == zone, let serial = record.soaSerial else {
                throw .transferBroken(.firstRecordNotSOA(owner: record.owner, type: record.type))
            }
            openingSOA = record
            stats.serial = serial
            try count(record)
            return true
        }
        if record.type == .soa {
            guard record.owner == zone, record.dnsClass == opening.dnsClass, record.rdata == opening.rdata else {
                throw .transferBroken(
                    .differentSOA(serial: record.soaSerial, openingSerial: stats.serial, afterRecords: stats.records))
            }
            closingSeen = true
            return false
        }
        guard record.owner.isSubdomain(of: zone) else {
            throw .transferBroken(.outsideZone(owner: record.owner, type: record.type))
        }
        guard record.dnsClass == opening.dnsClass else {
            throw .transferBroken(.wrongClass(owner: record.owner, type: record.type, dnsClass: record.dnsClass))
        }
        try count(record)
        return true
    }

    private mutating func count(_ record: ResourceRecord) throws(QueryFailure) {
        guard stats.records < limits.maxRecords else {
            throw .transferBroken(.tooManyRecords(limit: limits.maxRecords, sent: sent))
        }
        stats.records += 1
        stats.countsByType[record.type, default: 0] += 1
    }
}
