/// The 12-octet DNS message header, RFC 1035 §4.1.1.
public struct MessageHeader: Sendable, Hashable {
    public var id: UInt16
    /// QR, OPCODE, AA, TC, RD, RA, Z, AD, CD and RCODE as they sit on the wire.
    public var flags: UInt16
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16

    public static let length = 12

    public init(
        id: UInt16, flags: UInt16, questionCount: UInt16 = 0, answerCount: UInt16 = 0,
        authorityCount: UInt16 = 0, additionalCount: UInt16 = 0
    ) {
        self.id = id
        self.flags = flags
        self.questionCount = questionCount
        self.answerCount = answerCount
        self.authorityCount = authorityCount
        self.additionalCount = additionalCount
    }

    public var isResponse: Bool { flags & 0x8000 != 0 }
    public var opcode: Opcode { Opcode(rawValue: UInt8((flags >> 11) & 0x0F)) }
    public var isAuthoritative: Bool { flags & 0x0400 != 0 }
    public var isTruncated: Bool { flags & 0x0200 != 0 }
    public var recursionDesired: Bool { flags & 0x0100 != 0 }
    public var rcode: ResponseCode { ResponseCode(rawValue: flags & 0x000F) }

    /// Flag bits for a message: QR, opcode, AA and RD; everything else zero.
    public static func flags(response: Bool = false, opcode: Opcode, authoritative: Bool = false) -> UInt16 {
        var value = UInt16(opcode.rawValue & 0x0F) << 11
        if response { value |= 0x8000 }
        if authoritative { value |= 0x0400 }
        return value
    }

    func write(to bytes: inout [UInt8]) {
        for field in [id, flags, questionCount, answerCount, authorityCount, additionalCount] {
            bytes.append(UInt8(field >> 8))
            bytes.append(UInt8(field & 0xFF))
        }
    }
}

/// OPCODE, RFC 1035 §4.1.1 and RFC 1996 §3 (NOTIFY).
public struct Opcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let query = Opcode(rawValue: 0)
    public static let notify = Opcode(rawValue: 4)
    public static let update = Opcode(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 0: "QUERY"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        default: "OPCODE\(rawValue)"
        }
    }
}

/// RCODE, RFC 1035 §4.1.1, RFC 2136 §2.2 and RFC 8945 §3 (TSIG error values share this space).
public struct ResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = ResponseCode(rawValue: 0)
    public static let formErr = ResponseCode(rawValue: 1)
    public static let servFail = ResponseCode(rawValue: 2)
    public static let nxDomain = ResponseCode(rawValue: 3)
    public static let notImp = ResponseCode(rawValue: 4)
    public static let refused = ResponseCode(rawValue: 5)
    public static let notAuth = ResponseCode(rawValue: 9)
    public static let notZone = ResponseCode(rawValue: 10)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}

/// One entry of the question section, RFC 1035 §4.1.2.
public struct Question: Sendable, Hashable, CustomStringConvertible {
    public var name: DomainName
    public var type: RecordType
    public var dnsClass: DNSClass

    public init(name: DomainName, type: RecordType, dnsClass: DNSClass = .in) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
    }

    public var description: String { "\(name) \(dnsClass) \(type)" }
}
