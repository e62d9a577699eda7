public import Foundation

/// One incident as people read it in an alert or in the digest, already grouped: one cause (a problem
/// on a set of servers) across every zone it touches, e.g. "ns3 is behind on 300 zones".
/// Built by the incident tracker from the state database; rendered by the mail composers.
public struct IncidentNote: Sendable, Equatable {
    /// The state database's incident id (stable across runs; shown so people can refer to it).
    public var id: Int64
    public var severity: Severity
    public var problem: FindingKind
    /// The servers the problem is on, in configuration order.
    public var servers: [String]
    /// Every zone in the group, sorted (the alert attaches the full list; the body shows the first few).
    public var zones: [String]
    /// One line, e.g. "ns3 is behind on 300 zones" or "example.com: ns2 serves other content (DIVERGED)".
    public var headline: String
    /// What was seen and what to do next (serials, since when, the command to run). No secret, ever.
    public var detail: String
    public var openedAt: Date
    /// Set once the incident has been clean for the configured number of runs.
    public var resolvedAt: Date?
    /// Changed state many times over the last runs: reported once, not at every change.
    public var flapping: Bool

    public init(
        id: Int64, severity: Severity, problem: FindingKind, servers: [String], zones: [String], headline: String,
        detail: String, openedAt: Date, resolvedAt: Date? = nil, flapping: Bool = false
    ) {
        self.id = id
        self.severity = severity
        self.problem = problem
        self.servers = servers
        self.zones = zones
        self.headline = headline
        self.detail = detail
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.flapping = flapping
    }

    /// How long it lasted (resolved) or has lasted so far (open, measured at `now`).
    public func duration(now: Date) -> TimeInterval { (resolvedAt ?? now).timeIntervalSince(openedAt) }
}
