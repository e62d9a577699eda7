public import Foundation

/// Everything the incident digest says about a period, as plain values: gathered from the state database
/// and the audit log by `zonecheck digest`, rendered (text and HTML) by the digest composer.
public struct DigestReport: Sendable, Equatable {
    public var since: Date
    public var until: Date
    public var host: String
    /// Opened within the period (resolved or not).
    public var opened: [IncidentNote]
    /// Resolved within the period.
    public var resolved: [IncidentNote]
    /// Open at `until`.
    public var stillOpen: [IncidentNote]
    public var repairs: [RepairNote]
    /// One row per configured server, in configuration order.
    public var servers: [ServerHealth]
    /// Runs within the period, and distinct zones they checked.
    public var runs: Int
    public var zonesChecked: Int
    /// Zones with the most incidents and repairs in the period, worst first (at most ten).
    public var topOffenders: [ZoneOffender]
    public var audit: AuditSummary

    public init(
        since: Date, until: Date, host: String, opened: [IncidentNote] = [], resolved: [IncidentNote] = [],
        stillOpen: [IncidentNote] = [], repairs: [RepairNote] = [], servers: [ServerHealth] = [], runs: Int = 0,
        zonesChecked: Int = 0, topOffenders: [ZoneOffender] = [], audit: AuditSummary = AuditSummary()
    ) {
        self.since = since
        self.until = until
        self.host = host
        self.opened = opened
        self.resolved = resolved
        self.stillOpen = stillOpen
        self.repairs = repairs
        self.servers = servers
        self.runs = runs
        self.zonesChecked = zonesChecked
        self.topOffenders = topOffenders
        self.audit = audit
    }
}

/// One repair action and its outcome (from the audit log).
public struct RepairNote: Sendable, Equatable {
    public var time: Date
    public var zone: String
    public var server: String
    /// notify, retransfer, restore-primary, reload...
    public var action: String
    /// ok, failed, refused, timeout...
    public var outcome: String
    public var serialBefore: UInt32?
    public var serialAfter: UInt32?
    /// Who acted: `run` (automatic) or the user who ran `zonecheck repair`.
    public var user: String

    public init(
        time: Date, zone: String, server: String, action: String, outcome: String, serialBefore: UInt32? = nil,
        serialAfter: UInt32? = nil, user: String
    ) {
        self.time = time
        self.zone = zone
        self.server = server
        self.action = action
        self.outcome = outcome
        self.serialBefore = serialBefore
        self.serialAfter = serialAfter
        self.user = user
    }
}

/// How one server did over the period.
public struct ServerHealth: Sendable, Equatable {
    public var server: String
    public var role: ServerRole
    public var queries: Int
    /// Verified answers / queries, 0...1 (nil when there were no queries).
    public var answerRate: Double?
    public var medianRTT: Duration?
    /// Zones lagging on this server at `until`.
    public var zonesLagging: Int
    /// Observations with a TSIG failure (BADSIG, BADKEY, BADTIME) in the period.
    public var authFailures: Int
    /// The worst state seen at the last run, for the servers x status table.
    public var status: Severity
    /// The earliest RRSIG(SOA) expiration it served at the last run; nil: no signed zone.
    public var signaturesEnd: Date?
    /// The instances (NSIDs) that answered for it at the last run.
    public var instances: [String]

    public init(
        server: String, role: ServerRole, queries: Int, answerRate: Double?, medianRTT: Duration?, zonesLagging: Int,
        authFailures: Int, status: Severity, signaturesEnd: Date? = nil, instances: [String] = []
    ) {
        self.signaturesEnd = signaturesEnd
        self.instances = instances
        self.server = server
        self.role = role
        self.queries = queries
        self.answerRate = answerRate
        self.medianRTT = medianRTT
        self.zonesLagging = zonesLagging
        self.authFailures = authFailures
        self.status = status
    }
}

public struct ZoneOffender: Sendable, Equatable {
    public var zone: String
    public var incidents: Int
    public var repairs: Int

    public init(zone: String, incidents: Int, repairs: Int) {
        self.zone = zone
        self.incidents = incidents
        self.repairs = repairs
    }
}

/// The audit log over the period: how many entries of each action, and whether the hash chain holds.
public struct AuditSummary: Sendable, Equatable {
    public var entries: Int
    /// Action name -> count, e.g. ["notify": 12, "retransfer": 1].
    public var byAction: [String: Int]
    public var chainIntact: Bool
    /// The first line whose chain breaks (1-based), when not intact.
    public var firstBrokenLine: Int?

    public init(entries: Int = 0, byAction: [String: Int] = [:], chainIntact: Bool = true, firstBrokenLine: Int? = nil)
    {
        self.entries = entries
        self.byAction = byAction
        self.chainIntact = chainIntact
        self.firstBrokenLine = firstBrokenLine
    }
}
