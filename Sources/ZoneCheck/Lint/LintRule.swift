public import DNSKit

/// One check `zonecheck lint` runs on top of what the zone-file reader rejects.
///
/// The id is stable: operators filter on it, the JSON output carries it, fixtures name it in
/// `zones-fixtures/invalid/MANIFEST.tsv`. Never rename one; retire it and add a new one.
public struct LintRule: Sendable, Hashable, CustomStringConvertible {
    public let id: String
    public let severity: Diagnostic.Severity
    /// What the rule catches, in one line (the README table and `--help` text).
    public let summary: String

    public init(id: String, severity: Diagnostic.Severity, summary: String) {
        self.id = id
        self.severity = severity
        self.summary = summary
    }

    public var description: String { id }

    /// A finding of this rule.
    func diagnostic(at location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(severity, id, at: location, message)
    }
}

extension LintRule {
    public static let missingTrailingDot = LintRule(
        id: "missing-trailing-dot", severity: .warning,
        summary: "a name that ends in the origin twice, or an outside name made relative by a forgotten final dot")
    public static let cnameAndOtherData = LintRule(
        id: "cname-and-other-data", severity: .error,
        summary: "a CNAME beside other data at the same name (RFC 1034 §3.6.2, RFC 2181 §10.1)")
    public static let cnameAtApex = LintRule(
        id: "cname-at-apex", severity: .error,
        summary: "a CNAME at the zone apex, where the SOA and NS records must be")
    public static let multipleCNAME = LintRule(
        id: "multiple-cname", severity: .error, summary: "more than one CNAME at one name (RFC 2181 §10.1)")
    public static let noApexNS = LintRule(
        id: "no-apex-ns", severity: .error, summary: "no NS record at the zone apex (RFC 1034 §4.2.1)")
    public static let nsTargetWithoutAddress = LintRule(
        id: "ns-target-without-address", severity: .error,
        summary: "an NS target inside the zone (not below a delegation) that has no A or AAAA record")
    public static let targetWithoutAddress = LintRule(
        id: "target-without-address", severity: .warning,
        summary: "an MX or SRV target inside the zone that has no A or AAAA record")
    public static let missingGlue = LintRule(
        id: "missing-glue", severity: .error,
        summary:
            "a delegation none of whose name servers is reachable: one lies below the delegation point without glue")
    public static let incompleteGlue = LintRule(
        id: "incomplete-glue", severity: .warning,
        summary: "a name server below its delegation point without glue, while other name servers can be reached")
    public static let targetIsCNAME = LintRule(
        id: "target-is-cname", severity: .warning,
        summary: "an NS, MX or SRV target that is a CNAME (RFC 2181 §10.3, RFC 2782)")
    public static let outOfZone = LintRule(
        id: "out-of-zone", severity: .warning,
        summary: "a record whose owner is not at or below the origin (name servers drop it silently)")
    public static let occluded = LintRule(
        id: "occluded", severity: .warning,
        summary: "data at or below a delegation point that is not glue: never served")
    public static let dataBelowDNAME = LintRule(
        id: "data-below-dname", severity: .error,
        summary: "data at a name below a DNAME (RFC 6672 §2.3: a DNAME's owner has no descendants)")
    public static let multipleDNAME = LintRule(
        id: "multiple-dname", severity: .error, summary: "more than one DNAME at one name (RFC 6672 §2.4)")
    public static let dsAtApex = LintRule(
        id: "ds-at-apex", severity: .error,
        summary: "a DS record at the zone apex: it belongs in the parent zone (RFC 4034 §5)")
    public static let duplicateRecord = LintRule(
        id: "duplicate-record", severity: .warning,
        summary: "the same record twice (case of names and TTL do not count, RFC 4343 and RFC 2181 §5)")
    public static let ttlMismatch = LintRule(
        id: "ttl-mismatch", severity: .warning,
        summary: "records of one RRset with different TTLs (RFC 2181 §5.2)")
    public static let soaTimers = LintRule(
        id: "soa-timers", severity: .warning,
        summary: "SOA refresh, retry, expire or minimum outside the ranges of RFC 1912 §2.2")
    public static let serialFuture = LintRule(
        id: "serial-future", severity: .warning, summary: "a YYYYMMDDnn serial whose date is in the future")
    public static let serialRevision = LintRule(
        id: "serial-revision", severity: .warning,
        summary: "a serial shaped like YYYYMMDDnn whose month or day does not exist (revision overflowed)")
    public static let serialNotIncremented = LintRule(
        id: "serial-not-incremented", severity: .error,
        summary: "with --previous: the content changed but the serial did not")
    public static let serialDecreased = LintRule(
        id: "serial-decreased", severity: .error,
        summary: "with --previous: the serial went down, or is 2^31 away (RFC 1982 §3.2: undefined)")

    public static let recordTooLargeToTransfer = LintRule(
        id: "record-too-large-to-transfer", severity: .error,
        summary:
            "a record that does not fit, with header, question and TSIG, in one 65,535-octet transfer message")
    public static let recordCloseToTransferLimit = LintRule(
        id: "record-close-to-transfer-limit", severity: .warning,
        summary: "a record whose transfer message comes within 1,024 octets of the 65,535 limit")

    /// Every lint rule, in the order the README lists them.
    public static let all: [LintRule] = [
        .missingTrailingDot, .cnameAndOtherData, .cnameAtApex, .multipleCNAME, .noApexNS, .nsTargetWithoutAddress,
        .targetWithoutAddress, .missingGlue, .incompleteGlue, .targetIsCNAME, .outOfZone, .occluded, .dataBelowDNAME,
        .multipleDNAME, .dsAtApex, .duplicateRecord, .ttlMismatch, .soaTimers,
        .serialFuture, .serialRevision, .serialNotIncremented, .serialDecreased, .recordTooLargeToTransfer,
        .recordCloseToTransferLimit,
    ]
}
