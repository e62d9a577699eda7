import ArgumentParser
import Foundation
import ZoneCheck

/// `zonecheck history ZONE [--since 7d] [--config FILE]`: one zone's timeline: what the servers served when
/// it changed, its incidents, and every action taken on it (audit log), oldest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show one zone's observations, incidents and actions over time.",
        discussion: """
            Observations are stored when a server's serial or state for the zone changes, so each line is a \
            change. Actions come from <state.directory>/audit.jsonl (repair and run alike).
            """
    )

    @OptionGroup var options: ConfigOption

    @Argument(help: "The zone.")
    var zone: String

    @Option(help: "How far back (default 7d).")
    var since: String = "7d"

    func run() async throws {
        let configuration = try options.load()
        let name = zone.hasSuffix(".") && zone.count > 1 ? String(zone.dropLast()) : zone
        let now = Date()
        let from = now.addingTimeInterval(-(try StateReading.since(since)))
        var changes: [ObservationChange] = []
        var incidents: [Incident] = []
        if let state = try options.state(configuration) {
            do {
                changes = try state.observations(zone: name, since: from, until: now)
                incidents = try state.incidents(zone: name, since: from, until: now)
            } catch {
                throw Failure.unknown(error.description)
            }
        }
        let actions: [AuditEntry]
        do {
            actions = try AuditLog(directory: configuration.state.directory).records()
        } catch {
            throw Failure.unknown(error.description)
        }
        print(
            HistoryRenderer(zone: name, since: from).render(changes: changes, incidents: incidents, actions: actions))
    }
}
