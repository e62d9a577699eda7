/// What went wrong with one request to one server, as a fact; `QueryError` adds the zone,
/// the server and the operation and turns it into a sentence an operator can act on.
public enum QueryFailure: Error, Sendable, Hashable {
    /// No matching answer after every attempt, and nothing else came from the server either.
    case timeout(attempts: Int, waited: Duration)
    /// No matching answer after every attempt, but `ignored` datagrams came from the server's
    /// address that matched no request (another ID or question, or not DNS at all) and were dropped
    /// (RFC 5452 §4.3). The server is up; what it sends cannot be used.
    case noMatchingAnswer(ignored: Int, attempts: Int, waited: Duration)
    case connectionRefused
    case unreachable(String)
    /// RCODE REFUSED (signed, or we did not sign).
    case refused
    /// RCODE NOTAUTH carrying a TSIG error the server reported (RFC 8945 §5.2). `signed` is
    /// false when the error reply carried no MAC we could verify: such a reply can be forged.
    case notAuth(tsigError: TSIGPeerError, signed: Bool)
    case servfail
    case formerr
    /// AA clear, or a referral instead of an answer: the server does not serve the zone.
    case notAuthoritative(referral: Bool)
    /// NXDOMAIN for the zone's own name.
    case nxdomainAtApex
    case unexpectedRcode(ResponseCode)
    case malformed(String)
    /// Our own TSIG check failed: the answer is not to be trusted.
    case macDidNotVerify(TSIGFailure)
    /// The answer's TSIG time is outside the fudge of our clock; `skew` is our clock minus
    /// the server's signing time, in seconds.
    case clockSkew(serverTime: UInt64, skew: Int64, fudge: UInt16)
    /// We signed and the answer came back without a TSIG RR (RCODE as received).
    case unsignedReply(rcode: ResponseCode)
    /// A zone transfer broke one of RFC 5936's rules or our limits, or a later message failed TSIG.
    case transferBroken(AXFRFault)

    /// True for an answer whose MAC verified but which is refused all the same (signed at a time outside
    /// the fudge): it comes from the key's holder, so it decides the query rather than being waited past.
    public var isVerifiedButRefused: Bool {
        if case .clockSkew = self { return true }
        return false
    }

    /// True when the server told us something we can believe (a verified or unsigned-but-
    /// expected answer), false for local verification failures and forgeable errors.
    public var isTrustworthyAnswer: Bool {
        switch self {
        case .refused, .servfail, .formerr, .notAuthoritative, .nxdomainAtApex, .unexpectedRcode: true
        case .notAuth(_, let signed): signed
        default: false
        }
    }
}

/// The operation a failure happened in, for messages.
public enum QueryKind: String, Sendable, Hashable {
    case soa = "SOA query"
    case notify = "NOTIFY"
    case axfr = "zone transfer (AXFR)"
}

/// One failed request with its context; `description` names the zone, the server and the next step.
public struct QueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var zone: DomainName
    public var server: String
    public var address: String
    public var keyName: DomainName?
    public var kind: QueryKind
    public var failure: QueryFailure

    public init(
        zone: DomainName, server: ServerEndpoint, kind: QueryKind, failure: QueryFailure
    ) {
        self.zone = zone
        self.server = server.name
        self.address = server.address
        self.keyName = server.key?.name
        self.kind = kind
        self.failure = failure
    }

    public var description: String {
        let key = keyName.map { String($0.description.dropLast()) } ?? "(none)"
        let what = "\(kind.rawValue) for \(zone)"
        switch failure {
        case .timeout(let attempts, let waited):
            return "\(server) did not answer the \(what) within \(Self.seconds(waited)) (\(attempts) attempt"
                + "\(attempts == 1 ? "" : "s")): is \(server) up and reachable at \(address)?"
        case .noMatchingAnswer(let ignored, let attempts, let waited):
            return "\(server) sent \(ignored) answer\(ignored == 1 ? "" : "s") to the \(what) that matched no request "
                + "(another ID or question, or not DNS at all) and none that did, within \(Self.seconds(waited)) "
                + "(\(attempts) attempt\(attempts == 1 ? "" : "s")): not trusted; is something between this host and "
                + "\(server) rewriting or forging answers, or is its software broken?"
        case .connectionRefused:
            return
                "\(server) refused the TCP connection for the \(what) at \(address): is the name server running there?"
        case .unreachable(let reason):
            return
                "\(server) could not be reached for the \(what) at \(address) (\(reason)): check the address and routing"
        case .refused:
            return "\(server) refused the \(what) (REFUSED): is \(zone) configured on \(server), and do its "
                + "allow-\(kind == .axfr ? "transfer" : kind == .notify ? "notify" : "query") rules admit this host and key \(key)?"
        case .notAuth(let error, let signed):
            let trust =
                signed ? "" : " (this error reply was unsigned, so it could be forged: nothing is done on it)"
            switch error {
            case .badKey:
                return "\(server) rejected our key \(key) (BADKEY) on the \(what): is the key configured on \(server)?"
                    + trust
            case .badSig:
                return "\(server) could not verify our signature with key \(key) (BADSIG) on the \(what): "
                    + "the secret differs between this host and \(server); copy the key file again" + trust
            case .badTime(_, let skew):
                let amount =
                    skew.map { s in
                        s >= 0 ? "our clock is \(s) s ahead of its own" : "our clock is \(-s) s behind its own"
                    } ?? "our clock is off"
                return "\(server) says \(amount) (BADTIME) on the \(what): check NTP on this host and on \(server)"
                    + trust
            case .badTrunc:
                return "\(server) rejected our truncated MAC (BADTRUNC) on the \(what): sign with the full MAC" + trust
            case .other(let code):
                return "\(server) answered the \(what) with TSIG error \(code): check key \(key) on \(server)" + trust
            }
        case .servfail:
            return "\(server) failed to serve \(zone) (SERVFAIL): the zone probably did not load or has expired; "
                + "check \(server)'s logs"
        case .formerr:
            return "\(server) could not parse our \(what) (FORMERR): check that \(server) supports TSIG with key \(key)"
        case .notAuthoritative(let referral):
            return "\(server) is not authoritative for \(zone) (\(referral ? "it sent a referral" : "AA bit clear")): "
                + "is \(zone) configured and loaded on \(server)?"
        case .nxdomainAtApex:
            return "\(server) says \(zone) does not exist (NXDOMAIN): the zone is not loaded there; "
                + "check \(server)'s configuration and logs"
        case .unexpectedRcode(let rcode):
            return "\(server) answered the \(what) with \(rcode): check \(server)'s logs"
        case .malformed(let reason):
            return
                "\(server) sent a malformed answer to the \(what) (\(reason)): not trusted; check \(server)'s software"
        case .macDidNotVerify(let reason):
            return "the answer from \(server) to the \(what) failed TSIG verification (\(reason)): not trusted; "
                + "either \(server) signs with another secret for key \(key) or the answer was altered on the way"
        case .clockSkew(_, let skew, let fudge):
            let amount = skew >= 0 ? "\(skew) s behind ours" : "\(-skew) s ahead of ours"
            return "\(server) signed its answer to the \(what) with a clock \(amount) (allowed: \(fudge) s): "
                + "not trusted; check NTP on this host and on \(server)"
        case .unsignedReply(let rcode):
            return "\(server) answered the signed \(what) without a TSIG signature (\(rcode)): not trusted; "
                + "is key \(key) configured on \(server)?"
        case .transferBroken(let fault):
            let next =
                switch fault {
                case .unverified:
                    "the stream was altered on the way or \(server) signs with another secret for key \(key)"
                case .stalled, .closedEarly, .closedMidMessage, .connectionReset:
                    "check \(server)'s logs and the network between this host and \(server)"
                case .tooManyRecords, .tooManyBytes, .tooSlow:
                    "a stream without end holds the run: check \(server)'s software; if \(zone) really is that "
                        + "large, raise check.max_transfer_size or check.deadline"
                default: "check \(server)'s software and logs"
                }
            return "the \(what) from \(server) was rejected: \(fault); nothing received is used; \(next)"
        }
    }

    /// `2 s`, `1.5 s`, or `0.8 ms` for the short round trips of a LAN.
    static func seconds(_ duration: Duration) -> String {
        let (s, attoseconds) = duration.components
        // Past 292,000 years a duration is shown in whole seconds (no overflow on a typed-in 1e300).
        guard s < Int64.max / 1_000_000 else { return "\(s) s" }
        let microseconds = s * 1_000_000 + attoseconds / 1_000_000_000_000
        if microseconds < 1_000_000 {
            let ms = Double(microseconds) / 1000
            return ms >= 10 ? "\(Int(ms.rounded())) ms" : "\((ms * 10).rounded() / 10) ms"
        }
        let ms = microseconds / 1000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(Double(ms) / 1000) s"
    }
}

/// Whether an answer was signed and verified.
public enum TSIGStatus: Sendable, Hashable, CustomStringConvertible {
    /// The server has no key configured here, so neither request nor answer was signed.
    case notSigned
    /// Signed with this key and the answer's MAC verified.
    case verified(keyName: DomainName)

    public var description: String {
        switch self {
        case .notSigned: "unsigned"
        case .verified(let name): "TSIG verified (\(name))"
        }
    }
}
