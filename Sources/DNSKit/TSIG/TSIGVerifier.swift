/// An error the peer put in the TSIG Error field (RFC 8945 §3 and §5.2). It is the
/// peer's word: whether it can be believed depends on whether the answer was signed.
public enum TSIGPeerError: Sendable, Hashable, CustomStringConvertible {
    case badSig
    case badKey
    /// The server's clock from Other Data (RFC 8945 §5.2.3), when it sent one, and how far
    /// our signing time (echoed in Time Signed) was ahead of it, in seconds.
    case badTime(serverTime: UInt64?, skew: Int64?)
    case badTrunc
    case other(UInt16)

    init(code: UInt16, record: TSIGRecord) {
        switch code {
        case 16: self = .badSig
        case 17: self = .badKey
        case 18:
            let server = record.serverTimeFromOtherData
            self = .badTime(serverTime: server, skew: server.map { Int64(record.timeSigned) - Int64($0) })
        case 22: self = .badTrunc
        default: self = .other(code)
        }
    }

    public var description: String {
        switch self {
        case .badSig: "BADSIG"
        case .badKey: "BADKEY"
        case .badTime: "BADTIME"
        case .badTrunc: "BADTRUNC"
        case .other(let code): "TSIG error \(code)"
        }
    }
}

/// Why a TSIG check failed on our side, or what the peer reported.
public enum TSIGFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// We signed, the answer carries no TSIG RR (RFC 8945 §5.3.2: must be discarded).
    case unsigned
    case wrongKeyName(DomainName)
    case wrongAlgorithm(DomainName)
    /// The MAC is shorter than the full hash and truncation was not allowed, or shorter
    /// than RFC 8945 §5.2.2.1 ever allows.
    case truncatedMAC(length: Int, fullLength: Int)
    case macDidNotVerify
    case originalIDMismatch(expected: UInt16, got: UInt16)
    /// The answer's Time Signed is further from our clock than the fudge (RFC 8945 §5.2.3).
    case timeOutsideFudge(serverTime: UInt64, ourTime: UInt64, fudge: UInt16)
    /// The peer reported an error; `signed` is true only when the error answer's own MAC verified.
    case peerError(TSIGPeerError, signed: Bool, record: TSIGRecord)
    /// More than 99 unsigned messages in a row, or the last message unsigned (RFC 8945 §5.3.1).
    case tooManyUnsigned(Int)
    case lastMessageUnsigned

    public var description: String {
        switch self {
        case .unsigned: "answer is not signed although the request was"
        case .wrongKeyName(let name): "answer is signed with key \(name), not ours"
        case .wrongAlgorithm(let name): "answer is signed with algorithm \(name), not ours"
        case .truncatedMAC(let length, let full): "answer's MAC is truncated to \(length) of \(full) octets"
        case .macDidNotVerify: "answer's MAC did not verify"
        case .originalIDMismatch(let expected, let got): "TSIG original ID \(got) is not our request's ID \(expected)"
        case .timeOutsideFudge(let server, let ours, let fudge):
            "answer was signed at \(server), \(Int64(bitPattern: ours &- server)) s from our clock (fudge \(fudge) s)"
        case .peerError(let error, let signed, _): "peer reported \(error) (\(signed ? "signed" : "unsigned"))"
        case .tooManyUnsigned(let n): "\(n) unsigned messages in a row (RFC 8945 §5.3.1 allows 99)"
        case .lastMessageUnsigned: "the last message of the answer is not signed"
        }
    }
}

/// Checks the TSIG of every answer to one signed request, in order (RFC 8945 §5.3 and §5.3.1).
///
/// The first answer is checked against the request's MAC; each later one against the prior
/// MAC, with the unsigned messages received in between folded into the HMAC. Up to 99 such
/// unsigned messages are accepted; the caller must not trust their content until the next
/// signed message verified (`verify` says so by returning `.pending`).
struct TSIGVerifier {
    enum Verdict: Equatable {
        /// Signed and verified: this message and every pending unsigned one may be trusted.
        case verified
        /// Unsigned, folded into the next MAC: hold its content until then.
        case pending
    }

    let key: TSIGKey
    let requestID: UInt16
    let acceptTruncatedMAC: Bool
    private var priorMAC: [UInt8]
    private var signedCount = 0
    private var running: HMACComputation?
    private(set) var unsignedSinceLastSigned = 0

    init(key: TSIGKey, requestMAC: [UInt8], requestID: UInt16, acceptTruncatedMAC: Bool = false) {
        self.key = key
        self.requestID = requestID
        self.acceptTruncatedMAC = acceptTruncatedMAC
        self.priorMAC = requestMAC
    }

    /// Checks one message. `now` is our clock in seconds since the epoch.
    mutating func verify(wire: [UInt8], message: Message, now: UInt64) throws(TSIGFailure) -> Verdict {
        guard let record = message.tsig, let tsigOffset = message.tsigOffset else {
            // The first answer must be signed (§5.3.2); later ones may skip (§5.3.1).
            guard signedCount > 0 else { throw .unsigned }
            guard unsignedSinceLastSigned < 99 else { throw .tooManyUnsigned(unsignedSinceLastSigned + 1) }
            let hmac = running ?? startChain()
            hmac.update(wire)
            running = hmac
            unsignedSinceLastSigned += 1
            return .pending
        }
        guard record.keyName == key.name else {
            if record.error != 0 {
                throw .peerError(TSIGPeerError(code: record.error, record: record), signed: false, record: record)
            }
            throw .wrongKeyName(record.keyName)
        }
        guard record.algorithm == key.algorithm.domainName else {
            if record.error != 0 {
                throw .peerError(TSIGPeerError(code: record.error, record: record), signed: false, record: record)
            }
            throw .wrongAlgorithm(record.algorithm)
        }
        let full = key.algorithm.macLength
        if record.mac.isEmpty && record.error != 0 {
            // §5.3.2: BADSIG and BADKEY answers carry no MAC and cannot be verified.
            throw .peerError(TSIGPeerError(code: record.error, record: record), signed: false, record: record)
        }
        guard record.mac.count <= full else { throw .macDidNotVerify }
        if record.mac.count < full {
            guard acceptTruncatedMAC, record.mac.count >= TSIG.minimumTruncatedLength(key.algorithm) else {
                throw .truncatedMAC(length: record.mac.count, fullLength: full)
            }
        }
        let hmac = running ?? startChain()
        TSIG.feedSignedMessage(wire, tsigOffset: tsigOffset, originalID: record.originalID, into: hmac)
        TSIG.feedVariables(record, timersOnly: signedCount > 0, into: hmac)
        running = nil
        guard let computed = hmac.finish(), computed.count >= record.mac.count,
            constantTimeEqual(computed[0..<record.mac.count], record.mac[...])
        else {
            if record.error != 0 {
                throw .peerError(TSIGPeerError(code: record.error, record: record), signed: false, record: record)
            }
            throw .macDidNotVerify
        }
        if record.error != 0 {
            throw .peerError(TSIGPeerError(code: record.error, record: record), signed: true, record: record)
        }
        guard record.originalID == requestID else {
            throw .originalIDMismatch(expected: requestID, got: record.originalID)
        }
        let distance = now > record.timeSigned ? now - record.timeSigned : record.timeSigned - now
        guard distance <= UInt64(record.fudge) else {
            throw .timeOutsideFudge(serverTime: record.timeSigned, ourTime: now, fudge: record.fudge)
        }
        priorMAC = record.mac
        signedCount += 1
        unsignedSinceLastSigned = 0
        return .verified
    }

    /// Called when the answer is complete: the last message must have been signed.
    func finish() throws(TSIGFailure) {
        if unsignedSinceLastSigned > 0 { throw .lastMessageUnsigned }
    }

    private func startChain() -> HMACComputation {
        let hmac = key.hmac.start()
        hmac.update(uint16: UInt16(priorMAC.count))
        hmac.update(priorMAC)
        return hmac
    }
}
