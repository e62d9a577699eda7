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
        guard let state = try options.state(configuration) else {
            print(StatusRenderer.noHistoryYet(configuration))
            return
        }
        let open: [Incident]
        let last: RunSummary?
        do {
            open = try state.openIncidents()
            last = try state.lastRun()
        } catch {
            throw Failure.unknown(error.description)
        }
        print(
            StatusRenderer(serverOrder: configuration.servers.map(\.name), allZones: zones).render(
                open: open, last: last, now: Date()))
        let worst = StatusRenderer.status(open)
        if worst != .ok { throw ExitCode(worst.exitCode) }
    }
}
