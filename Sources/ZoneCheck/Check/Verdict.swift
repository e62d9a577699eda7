public import DNSKit

/// A server's state for one zone, as the matrix shows it; the raw value is the stable name in JSON.
public enum ServerState: String, Sendable, CaseIterable {
    case ok = "OK"
    /// Behind the primary (RFC 1982 less).
    case lagging = "LAGGING"
    /// Newer than the primary: NOTIFY cannot fix it.
    case ahead = "AHEAD"
    /// Exactly 2^31 from the primary's serial: RFC 1982 leaves the order undefined.
    case incomparable = "INCOMPARABLE"
    case unreachable = "UNREACHABLE"
    case authFailed = "AUTH-FAILED"
    case notServed = "NOT-SERVED"
    /// An answer we could not use (FORMERR, malformed, unexpected RCODE).
    case badAnswer = "BAD-ANSWER"
    /// Same serial as the primary, different content (deep check).
    case diverged = "DIVERGED"
    /// Answered, but there was no primary serial to compare with.
    case unchecked = "UNCHECKED"
}

/// One cell of the matrix: a server's serial and state for a zone.
public struct ServerStatus: Sendable, Equatable {
    public var server: String
    public var role: ServerRole
    /// Only from a verified answer.
    public var serial: UInt32?
    public var state: ServerState
    public var rtt: Duration?
    /// Why the state is not OK, in one sentence; nil when OK.
    public var detail: String?
    /// `--deep`: the DNSSEC of the server's transfer; nil without one.
    public var signatures: TransferSignatures? {
        get { signaturesBox?.value }
        set { signaturesBox = newValue.map(Boxed.init) }
    }
    /// Out of line: about 150 octets, set only by a deep check, in every cell of every verdict otherwise.
    private var signaturesBox: Boxed<TransferSignatures>?
    /// The RRSIG(SOA) this server serves (`.unsigned` for none); nil when unknown.
    public var soaSignature: SignatureState?
    /// The instance that answered (NSID, RFC 5001).
    public var nsid: String?

    public init(
        server: String, role: ServerRole, serial: UInt32?, state: ServerState, rtt: Duration?, detail: String?,
        soaSignature: SignatureState? = nil, nsid: String? = nil
    ) {
        self.soaSignature = soaSignature
        self.nsid = nsid
        self.server = server
        self.role = role
        self.serial = serial
        self.state = state
        self.rtt = rtt
        self.detail = detail
    }

    /// The RRSIG(SOA) when the server serves the zone signed.
    public var soaRRSIG: SOASignature? {
        if case .signed(let signature) = soaSignature { return signature }
        return nil
    }

    /// Round-trip time in milliseconds, for JSON.
    public var rttMilliseconds: Double? {
        rtt.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }
    }
}

/// The verdict on one zone: the worst finding's severity, every server's cell, and the findings.
public struct ZoneVerdict: Sendable {
    /// The zone, typed: kept through repair plans and repairs, never parsed back from text.
    public var name: DomainName
    /// The zone as operators write it (`example.com`): findings, incidents and the state database key on it.
    public var zone: String { name.displayName }
    public var status: Severity
    public var servers: [ServerStatus]
    public var findings: [Finding]

    public init(name: DomainName, servers: [ServerStatus], findings: [Finding]) {
        self.name = name
        self.servers = servers
        self.findings = findings
        self.status = findings.map(\.severity).max() ?? .ok
    }
}

/// The verdicts of one check run, in the order the zones were given.
public struct CheckReport: Sendable {
    /// Server names in the configuration's order (the matrix's columns).
    public var servers: [String]
    public var verdicts: [ZoneVerdict]
    /// Whether transfers were compared (`--deep`) for every zone.
    public var deep: Bool
    /// Answers per server that matched a query but did not verify (unsigned, bad MAC, wrong key, malformed)
    /// and were dropped while the query waited for the genuine one: forged answers, an attack indicator.
    /// Servers with none are left out.
    public var droppedAnswers: [String: Int] = [:]
    /// How many zones had their transfers compared (`run` spreads the deep check: some zones each run).
    public var deepZones: Int

    /// - Parameter deepZones: nil: every zone when `deep`, else none.
    public init(servers: [String], verdicts: [ZoneVerdict], deep: Bool, deepZones: Int? = nil) {
        self.servers = servers
        self.verdicts = verdicts
        self.deep = deep
        self.deepZones = deepZones ?? (deep ? verdicts.count : 0)
    }

    /// The worst zone status; OK for no zones.
    public var status: Severity { verdicts.map(\.status).max() ?? .ok }

    public func count(_ severity: Severity) -> Int { verdicts.count { $0.status == severity } }

    public var problems: [ZoneVerdict] { verdicts.filter { $0.status != .ok } }
}
