/// TSIG signing, RFC 8945 §4.3 and §5.
///
/// Which bytes the MAC covers depends on the message's place in the exchange:
/// - a request (§4.3.1 and §4.3.3): the message, then all TSIG variables;
/// - the first response (§4.3.1, §5.3): the request MAC (length first), the message, all variables;
/// - a later message of a multi-message answer (§5.3.1): the prior MAC (length first), every
///   unsigned message since it, this message, then only the timers (Time Signed and Fudge).
public enum TSIG {
    /// The fudge BIND and Knot use and RFC 8945 §10 recommends: 300 s.
    public static let defaultFudge: UInt16 = 300

    /// RFC 8945 §5.2.2.1: a truncated MAC must keep at least 10 octets and half the hash.
    public static func minimumTruncatedLength(_ algorithm: TSIGAlgorithm) -> Int {
        max(10, (algorithm.macLength + 1) / 2)
    }

    /// What comes before the message in the MAC input.
    public enum Chain: Sendable, Hashable {
        /// A request: nothing before the message.
        case request
        /// The first response: the request's MAC.
        case response(requestMAC: [UInt8])
        /// A later message of a multi-message answer: the prior MAC and the unsigned
        /// messages sent since then; only the timers are covered after the message.
        case subsequent(priorMAC: [UInt8], unsignedSince: [[UInt8]])
    }

    /// Signs `message` in place: appends the TSIG RR last and raises ARCOUNT (RFC 8945 §5.1).
    /// Returns the MAC, which the caller keeps to verify the answer.
    @discardableResult
    public static func sign(
        _ message: inout [UInt8], key: TSIGKey, time: UInt64, fudge: UInt16 = defaultFudge, chain: Chain = .request,
        error: UInt16 = 0, otherData: [UInt8] = []
    ) -> [UInt8] {
        let id = message.uint16(at: 0)
        let hmac = key.hmac.start()
        var timersOnly = false
        switch chain {
        case .request: break
        case .response(let requestMAC):
            hmac.update(uint16: UInt16(requestMAC.count))
            hmac.update(requestMAC)
        case .subsequent(let priorMAC, let unsigned):
            hmac.update(uint16: UInt16(priorMAC.count))
            hmac.update(priorMAC)
            for earlier in unsigned { hmac.update(earlier) }
            timersOnly = true
        }
        hmac.update(message)
        let record = TSIGRecord(
            keyName: key.name, algorithm: key.algorithm.domainName, timeSigned: time, fudge: fudge, mac: [],
            originalID: id, error: error, otherData: otherData)
        feedVariables(record, timersOnly: timersOnly, into: hmac)
        // libcrypto failing here leaves the MAC empty: the server answers BADSIG, which is reported; our
        // verifier never accepts an answer chained to an empty MAC by mistake (its own MAC would fail too).
        let mac = hmac.finish() ?? []
        var signed = record
        signed.mac = mac
        message.appendRecord(signed.record)
        message.setUInt16(message.uint16(at: 10) &+ 1, at: 10)
        return mac
    }

    /// The TSIG variables of RFC 8945 §4.3.3 (names in canonical, lower-case form), or the
    /// timers alone (§4.3.2) for later messages of a multi-message answer.
    static func feedVariables(_ record: TSIGRecord, timersOnly: Bool, into hmac: HMACComputation) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(record.keyName.wire.count + record.algorithm.wire.count + 20 + record.otherData.count)
        if !timersOnly {
            bytes.append(contentsOf: record.keyName.canonical.wire)
            bytes.appendUInt16(DNSClass.any.rawValue)
            bytes.appendUInt32(0)
            bytes.append(contentsOf: record.algorithm.canonical.wire)
        }
        bytes.appendUInt48(record.timeSigned)
        bytes.appendUInt16(record.fudge)
        if !timersOnly {
            bytes.appendUInt16(record.error)
            bytes.appendUInt16(UInt16(record.otherData.count))
            bytes.append(contentsOf: record.otherData)
        }
        hmac.update(bytes)
    }

    /// Feeds a received signed message as the MAC covers it (RFC 8945 §4.3.1): the bytes
    /// before the TSIG RR, with ARCOUNT one less and the ID set back to the Original ID.
    static func feedSignedMessage(_ wire: [UInt8], tsigOffset: Int, originalID: UInt16, into hmac: HMACComputation) {
        var header = Array(wire[0..<MessageHeader.length])
        header.setUInt16(originalID, at: 0)
        header.setUInt16(header.uint16(at: 10) &- 1, at: 10)
        hmac.update(header)
        hmac.update(wire[MessageHeader.length..<tsigOffset])
    }
}
