import ArgumentParser
import Foundation
import ZoneCheck

/// `zonecheck status [--config FILE]`: the open incidents, grouped by cause, and the last run. Exit 0 none
/// (or no history yet: `noHistoryYet` says how to start it), 1 warnings only, 2 a critical incident open,
/// 3 unreadable.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the open incidents (grouped by cause) and the last run, from the state database.",
        discussion: """
            Before the first 'zonecheck run' there is no history: status says so and how to start it (exit 0).
            Exit status: 0 nothing open, 1 warnings only, 2 a critical incident is open, 3 the state cannot be read.
            """
    )

    @OptionGroup var options: ConfigOption

    @Flag(help: "List every zone of each incident (default: the first ten).")
    var zones = false

    func run() async throws {
        let configuration = try options.load()
        guard let state = try StateReading.state(configuration) else {
            print(Self.noHistoryYet(configuration))
            return
        }
        let now = Date()
        let open: [Incident]
        let last: RunSummary?
        do {
            open = try state.openIncidents()
            last = try state.lastRun()
        } catch {
            throw Failure.unknown(error.description)
        }
        var lines: [String] = []
        if let last {
            var line =
                "last run: \(TimeText.second(last.started)) (\(TimeText.duration(now.timeIntervalSince(last.started))) ago)"
            if let summary = last.summary { line += ": \(summary)" } else { line += ": still running" }
            lines.append(line)
        }
        let notes = IncidentGrouping.notes(open, serverOrder: configuration.servers.map(\.name), now: now)
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
            let shown = zones ? note.zones : Array(note.zones.prefix(10))
            if note.zones.count > 1 || zones {
                lines.append(
                    "      zones: " + shown.joined(separator: ", ")
                        + (shown.count < note.zones.count
                            ? " ... and \(note.zones.count - shown.count) more (--zones)" : ""))
            }
            for detail in note.detail.split(separator: "\n").prefix(3) { lines.append("      \(detail)") }
        }
        print(lines.joined(separator: "\n"))
        let worst = open.map(\.severity).max() ?? .ok
        if worst != .ok { throw ExitCode(worst.exitCode) }
    }

    /// What `status` and `digest` say before the first `zonecheck run`: that `run` keeps the history they
    /// read, and how to start it. Not an error: `check` works without it.
    static func noHistoryYet(_ configuration: Configuration) -> String {
        """
        no history yet: 'zonecheck run' keeps it in \(StateDatabase.path(directory: configuration.state.directory)); \
        status, history and digest read it.
        Start it: run 'zonecheck run' once, then every five minutes from cron or a systemd timer
        (docs/operations.md). 'zonecheck check' shows the fleet now, without it.
        """
    }
}
