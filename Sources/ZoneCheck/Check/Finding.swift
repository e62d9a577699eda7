/// How bad something is, with the monitoring-plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
public enum Severity: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`, as Nagios prints them.
    public var description: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    public var exitCode: Int32 { Int32(rawValue) }
}

/// What kind of problem a finding is; the raw value is the stable name used in JSON.
public enum FindingKind: String, Sendable, CaseIterable {
    case lagging
    case ahead
    case incomparable
    case unreachable
    case authFailed = "auth-failed"
    case notServed = "not-served"
    case badAnswer = "bad-answer"
    case diverged
    case transferFailed = "transfer-failed"
    case fileNotLoaded = "file-not-loaded"
    /// The primary's file has other content than the primary serves under the same serial (`--deep`).
    case fileSerialNotIncremented = "file-serial-not-incremented"
    case fileLint = "file-lint"
    /// Secondaries lag because the primary cannot send the zone (a record too large for a transfer
    /// message, its own transfer failing): NOTIFY and retransfer cannot help.
    case primaryCannotSend = "primary-cannot-send"
    /// A server's RRSIG(SOA) ends within `check.signatures.warning` or `check.signatures.critical`.
    case signaturesExpiring = "signatures-expiring"
    /// A server serves signatures that have ended.
    case signaturesExpired = "signatures-expired"
    /// A server serves signatures whose inception is still ahead.
    case signaturesNotYetValid = "signatures-not-yet-valid"
    /// Some servers serve the zone signed, others unsigned.
    case partlySigned = "partly-signed"
    /// One server address answered as different instances (NSIDs) with different serials: anycast copies
    /// that disagree.
    case anycastDisagrees = "anycast-disagrees"
    /// A `zonecheck run` started and never finished (killed or crashed); reported by the next run.
    case runUnfinished = "run-unfinished"
    /// `--deep`: a signed copy's apex DNSKEY set is not the primary's.
    case dnskeyDiffers = "dnskey-differs"
    /// `--deep`: a copy's ZONEMD (RFC 8976) does not match its content or its serial.
    case zonemdMismatch = "zonemd-mismatch"
}

/// One problem on one zone: which servers, how bad, and a sentence that names the zone, the servers,
/// the serials and the next step.
public struct Finding: Sendable, Equatable {
    public var severity: Severity
    public var kind: FindingKind
    public var zone: String
    public var servers: [String]
    public var message: String
    /// Supporting lines (differing records, lint diagnostics), already limited in number.
    public var details: [String]

    public init(
        severity: Severity, kind: FindingKind, zone: String, servers: [String], message: String,
        details: [String] = []
    ) {
        self.severity = severity
        self.kind = kind
        self.zone = zone
        self.servers = servers
        self.message = message
        self.details = details
    }
}
