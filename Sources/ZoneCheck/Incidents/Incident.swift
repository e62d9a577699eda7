public import Foundation

/// One problem on one zone, from the run that first saw it to the run that saw it clean for the last time:
/// one incident per (zone, problem); the servers it is on may grow (an escalation) or shrink. Stored in the
/// state database; decided by `IncidentTracker`.
public struct Incident: Sendable, Equatable {
    /// The state database's id; nil until stored.
    public var id: Int64?
    public var zone: String
    public var problem: FindingKind
    /// Servers the problem is on now, in configuration order.
    public var servers: [String]
    public var severity: Severity
    /// The findings' sentences, one per line (no secret: they come from `Compare`).
    public var detail: String
    public var openedAt: Date
    public var updatedAt: Date
    public var resolvedAt: Date?
    /// Clean runs in a row since the problem was last seen.
    public var cleanRuns: Int
    public var flapping: Bool
    /// The severity and servers people were last told about (nil: never alerted).
    public var alertedSeverity: Severity?
    public var alertedServers: [String]
    /// Whether people were told that it flaps (once per flapping spell).
    public var flapNotified: Bool
    /// Whether the resolution notice went out (only for incidents that were alerted).
    public var resolutionNotified: Bool

    public init(
        id: Int64? = nil, zone: String, problem: FindingKind, servers: [String], severity: Severity, detail: String,
        openedAt: Date, updatedAt: Date? = nil, resolvedAt: Date? = nil, cleanRuns: Int = 0, flapping: Bool = false,
        alertedSeverity: Severity? = nil, alertedServers: [String] = [], flapNotified: Bool = false,
        resolutionNotified: Bool = false
    ) {
        self.id = id
        self.zone = zone
        self.problem = problem
        self.servers = servers
        self.severity = severity
        self.detail = detail
        self.openedAt = openedAt
        self.updatedAt = updatedAt ?? openedAt
        self.resolvedAt = resolvedAt
        self.cleanRuns = cleanRuns
        self.flapping = flapping
        self.alertedSeverity = alertedSeverity
        self.alertedServers = alertedServers
        self.flapNotified = flapNotified
        self.resolutionNotified = resolutionNotified
    }

    public var key: ProblemKey { ProblemKey(zone: zone, problem: problem) }
    public var isOpen: Bool { resolvedAt == nil }
}

/// What an incident is about: a zone and a kind of problem.
public struct ProblemKey: Sendable, Hashable, Comparable {
    public var zone: String
    public var problem: FindingKind

    public init(zone: String, problem: FindingKind) {
        self.zone = zone
        self.problem = problem
    }

    public static func < (lhs: ProblemKey, rhs: ProblemKey) -> Bool {
        (lhs.zone, lhs.problem.rawValue) < (rhs.zone, rhs.problem.rawValue)
    }
}

/// The tracker's knobs: `alerts.resolve_after` and the flapping window.
public struct IncidentSettings: Sendable, Equatable {
    /// Clean runs in a row that close an incident.
    public var resolveAfter: Int
    /// How many recent runs the flapping test looks at, and how many changes (problem seen / not seen)
    /// within them make a problem flap.
    public var flapWindow: Int
    public var flapChanges: Int

    public init(resolveAfter: Int = 2, flapWindow: Int = 10, flapChanges: Int = 4) {
        self.resolveAfter = resolveAfter
        self.flapWindow = flapWindow
        self.flapChanges = flapChanges
    }
}
