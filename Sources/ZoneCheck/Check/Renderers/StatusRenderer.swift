public import Foundation

/// `zonecheck status`: the last run, then the open incidents grouped by cause (`IncidentGrouping`), each with
/// its zones (the first ten unless `allZones`) and up to three lines of its detail. Pure: `now` is given.
public struct StatusRenderer: Sendable {
    /// The servers in the configuration's order, as the groups name them.
    public var serverOrder: [String]
    /// Every zone of each incident, not only the first ten.
    public var allZones: Bool

    public init(serverOrder: [String], allZones: Bool) {
        self.serverOrder = serverOrder
        self.allZones = allZones
    }

    public func render(open: [Incident], last: RunSummary?, now: Date) -> String {
        var lines: [String] = []
        if let last {
            var line =
                "last run: \(TimeText.second(last.started)) "
                + "(\(TimeText.duration(now.timeIntervalSince(last.started))) ago)"
            if let summary = last.summary { line += ": \(summary)" } else { line += ": still running" }
            lines.append(line)
        }
        let notes = IncidentGrouping.notes(open, serverOrder: serverOrder, now: now)
        let critical = open.count { $0.severity == .critical }
        lines.append(
            open.isEmpty
                ? "no open incident"
                : "open incidents: \(open.count) (\(critical) critical, \(open.count - critical) warning), "
                    + "\(notes.count) cause\(notes.count == 1 ? "" : "s")")
        for note in notes {
            let age = TimeText.duration(note.duration(now: now))
            lines.append(
                "  #\(note.id) \(note.severity) \(note.headline) (since \(TimeText.minute(note.openedAt, now: now)), "
                    + "\(age))\(note.flapping ? " [flapping]" : "")")
            let shown = allZones ? note.zones : Array(note.zones.prefix(10))
            if note.zones.count > 1 || allZones {
                lines.append(
                    "      zones: " + shown.joined(separator: ", ")
                        + (shown.count < note.zones.count
                            ? " ... and \(note.zones.count - shown.count) more (--zones)" : ""))
            }
            for detail in note.detail.split(separator: "\n").prefix(3) { lines.append("      \(detail)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The exit status: the worst open incident's severity.
    public static func status(_ open: [Incident]) -> Severity { open.map(\.severity).max() ?? .ok }

    /// What `status` and `digest` say before the first `zonecheck run`: that `run` keeps the history they
    /// read, and how to start it. Not an error: `check` works without it.
    public static func noHistoryYet(_ configuration: Configuration) -> String {
        """
        no history yet: 'zonecheck run' keeps it in \(StateDatabase.path(directory: configuration.state.directory)); \
        status, history and digest read it.
        Start it: run 'zonecheck run' once, then every five minutes from cron or a systemd timer
        (docs/operations.md). 'zonecheck check' shows the fleet now, without it.
        """
    }
}
