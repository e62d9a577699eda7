public import DNSKit
public import Foundation

/// What one sweep saw of one zone: every server's SOA answer (or why there was none), and, for a deep
/// check, every server's verified transfer, and the primary's zone file. Plain values: the verdict is a
/// pure function of them (`Compare`), so it is tested without a network or a clock.
public struct ZoneObservation: Sendable {
    public var zone: DomainName
    /// One per server, in the configuration's order.
    public var servers: [ServerObservation]
    /// `--deep` only: one per server whose transfer was tried; nil when no deep check ran.
    public var transfers: [TransferObservation]?
    /// The primary's zone file, when its `zone_file` is configured.
    public var primaryFile: PrimaryFileObservation?
    /// What the servers said when asked why (their `status` and `log` commands), by server name: gathered
    /// only for zones with a problem.
    public var serverReports: [String: ServerReport]
    /// NOTIFYs a secondary refused before (the audit log), by server name.
    public var notifyRefusals: [String: NotifyRefusal]
    /// When the sweep asked: the clock signatures are judged by (nil: not judged).
    public var observedAt: Date?

    public init(
        zone: DomainName, servers: [ServerObservation], transfers: [TransferObservation]? = nil,
        primaryFile: PrimaryFileObservation? = nil, serverReports: [String: ServerReport] = [:],
        notifyRefusals: [String: NotifyRefusal] = [:], observedAt: Date? = nil
    ) {
        self.zone = zone
        self.servers = servers
        self.transfers = transfers
        self.primaryFile = primaryFile
        self.serverReports = serverReports
        self.notifyRefusals = notifyRefusals
        self.observedAt = observedAt
    }

    /// The zone's name as operators write it: `example.com`, no trailing dot.
    public var name: String { zone.displayName }
}

/// One server's answer to the signed SOA query for one zone.
public struct ServerObservation: Sendable {
    public var server: String
    public var role: ServerRole
    public var answer: Answer
    /// The zone's signatures as this server serves them (the query carries DO); nil when it gave no answer
    /// or answered without EDNS.
    public var soaSignature: SignatureState?
    /// The instance that answered (NSID, RFC 5001), nil when the server sent none.
    public var nsid: String?
    /// Anycast only: the serial each instance (NSID) gave when the zone was asked again
    /// (`AnycastCheck`); empty otherwise.
    public var instanceSerials: [String: UInt32] = [:]

    public enum Answer: Sendable {
        /// A verified, authoritative answer (TSIG checked by the transport).
        case serial(UInt32, rtt: Duration)
        /// No answer to believe: the failure says why. Indirect: a `QueryError` is about 100 octets and
        /// rare, and every zone of a sweep holds one answer per server (5 x 100,000 at registrar scale).
        indirect case failed(QueryError)
    }

    public init(
        server: String, role: ServerRole, answer: Answer, soaSignature: SignatureState? = nil, nsid: String? = nil
    ) {
        self.server = server
        self.role = role
        self.answer = answer
        self.soaSignature = soaSignature
        self.nsid = nsid
    }

    /// `ns3 (instance fra1)` when the server named its instance, else `ns3`: findings say which copy of an
    /// anycast address answered.
    public var label: String { nsid.map { "\(server) (instance \($0))" } ?? server }

    /// The serial, only from a verified answer: a failure never counts as a serial.
    public var serial: UInt32? {
        if case .serial(let serial, _) = answer { return serial }
        return nil
    }
}

/// One server's verified zone transfer, reduced to what the deep check compares.
public struct TransferObservation: Sendable {
    public var server: String
    public var outcome: Outcome
    /// The copy's DNSSEC (earliest signature end, DNSKEY set, ZONEMD), read as it streamed in; nil when the
    /// transfer failed.
    public var signatures: TransferSignatures?

    public enum Outcome: Sendable {
        /// Complete and verified: the opening SOA's serial, the RFC 8976 SIMPLE digest (hex) and the
        /// records as received (for the record-level diff when digests differ).
        case transferred(serial: UInt32, digest: String, records: [ResourceRecord])
        case failed(QueryError)
    }

    public init(server: String, outcome: Outcome, signatures: TransferSignatures? = nil) {
        self.server = server
        self.outcome = outcome
        self.signatures = signatures
    }
}

/// The primary's zone file for one zone: what it says the serial is and whether it lints clean.
public struct PrimaryFileObservation: Sendable {
    public var path: String
    /// The SOA serial in the file; nil when the file has no readable SOA.
    public var serial: UInt32?
    /// Lint diagnostics (reader's and rules'), in file order.
    public var diagnostics: [Diagnostic]
    /// Why the file could not be read at all, or nil.
    public var unreadable: String?
    /// The file's RFC 8976 SIMPLE digest (hex), computed for deep checks only (to compare with what the
    /// primary serves under the same serial); nil otherwise or when the file has errors.
    public var digest: String?

    public init(
        path: String, serial: UInt32?, diagnostics: [Diagnostic], unreadable: String? = nil, digest: String? = nil
    ) {
        self.path = path
        self.serial = serial
        self.diagnostics = diagnostics
        self.unreadable = unreadable
        self.digest = digest
    }
}

extension DomainName {
    /// `example.com` rather than `example.com.`: how operators name zones in commands and messages.
    public var displayName: String {
        let text = description
        return text.count > 1 && text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}
