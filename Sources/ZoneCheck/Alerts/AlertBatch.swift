public import Foundation

/// What one `zonecheck run` has to tell people right away: newly opened or escalated critical incidents
/// and resolutions. Sent as one message per run (grouped), or not at all when empty.
public struct AlertBatch: Sendable, Equatable {
    public var opened: [IncidentNote]
    /// Incidents that got worse (warning to critical, more servers or zones).
    public var escalated: [IncidentNote]
    public var resolved: [IncidentNote]
    /// When the run that produced this batch started.
    public var time: Date
    /// The host zonecheck runs on (so a reader knows which installation speaks).
    public var host: String
    /// The `vantage` setting: which of several checkers speaks (nil: one checker).
    public var vantage: String?

    public init(
        opened: [IncidentNote] = [], escalated: [IncidentNote] = [], resolved: [IncidentNote] = [], time: Date,
        host: String, vantage: String? = nil
    ) {
        self.vantage = vantage
        self.opened = opened
        self.escalated = escalated
        self.resolved = resolved
        self.time = time
        self.host = host
    }

    /// `ns-check1` or `ns-check1, vantage eu-par1`: who speaks, in the mail's sender name and first line.
    public var speaker: String { vantage.map { "\(host), vantage \($0)" } ?? host }

    public var isEmpty: Bool { opened.isEmpty && escalated.isEmpty && resolved.isEmpty }
}
