/// A verified, authoritative SOA answer.
public struct SOAAnswer: Sendable, Hashable {
    public var zone: DomainName
    public var server: String
    public var serial: UInt32
    public var soa: ResourceRecord
    public var authoritative: Bool
    public var rtt: Duration
    public var tsig: TSIGStatus
    /// True when the UDP answer was truncated and the query was repeated over TCP.
    public var overTCP: Bool
    /// The answer's OPT RR (RFC 6891), nil when the query had none or the server sent none back.
    public var edns: EDNS? = nil
    /// The RRSIGs covering the SOA in the answer section (RFC 4035 §3.1.1: a DO query of a signed zone gets
    /// them); empty for an unsigned zone or a query without DO.
    public var signatures: [RRSIG] = []
}

public enum SOAQueryOutcome: Sendable, Hashable, CustomStringConvertible {
    case answered(SOAAnswer)
    case failed(QueryError)

    public var serial: UInt32? {
        if case .answered(let answer) = self { return answer.serial }
        return nil
    }

    public var description: String {
        switch self {
        case .answered(let a):
            "\(a.server) serves \(a.zone) with serial \(a.serial) (\(a.tsig), \(QueryError.seconds(a.rtt)))"
        case .failed(let error): error.description
        }
    }
}

public struct NotifyAcknowledgement: Sendable, Hashable {
    public var zone: DomainName
    public var server: String
    public var rtt: Duration
    public var attempts: Int
    public var tsig: TSIGStatus
}

public enum NotifyOutcome: Sendable, Hashable, CustomStringConvertible {
    case acknowledged(NotifyAcknowledgement)
    case failed(QueryError)

    public var description: String {
        switch self {
        case .acknowledged(let a): "\(a.server) acknowledged the NOTIFY for \(a.zone) (\(a.tsig))"
        case .failed(let error): error.description
        }
    }
}

/// What a transfer carried, counted as the messages arrived.
public struct AXFRStats: Sendable, Hashable {
    public var messages = 0
    public var bytes = 0
    public var records = 0
    public var duration: Duration = .zero
    public var countsByType: [RecordType: Int] = [:]
    /// The serial of the opening SOA, once seen.
    public var serial: UInt32?
    public var tsig: TSIGStatus = .notSigned

    public init() {}
}

public enum AXFROutcome: Sendable, Hashable, CustomStringConvertible {
    /// Every check passed; every record was delivered.
    case complete(AXFRStats)
    /// The transfer failed; whatever was delivered must be discarded.
    case failed(QueryError, AXFRStats)

    public var description: String {
        switch self {
        case .complete(let s):
            "transfer complete: serial \(s.serial.map(String.init) ?? "?"), \(s.records) records in \(s.messages) "
                + "messages, \(s.bytes) octets, \(QueryError.seconds(s.duration)) (\(s.tsig))"
        case .failed(let error, _): error.description
        }
    }
}
