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
        var events: [(Date, Int, String)] = []
        if let state = try options.state(configuration) {
            do {
                for change in try state.observations(zone: name, since: from, until: now) {
                    let serial = change.serial.map { "serial \($0)" } ?? "no serial"
                    var line =
                        "\(change.server.padding(toLength: 6, withPad: " ", startingAt: 0)) \(change.state) \(serial)"
                    if let detail = change.detail { line += ": \(detail)" }
                    events.append((change.time, 0, line))
                }
                for incident in try state.incidents(zone: name, since: from, until: now) {
                    let servers = incident.servers.joined(separator: ",")
                    events.append(
                        (
                            incident.openedAt, 1,
                            "incident #\(incident.id ?? 0) opened: \(incident.problem.rawValue) on \(servers)"
                        ))
                    if incident.updatedAt > incident.openedAt && incident.resolvedAt == nil {
                        events.append(
                            (
                                incident.updatedAt, 1,
                                "incident #\(incident.id ?? 0) now \(incident.severity) on \(servers)"
                                    + (incident.flapping ? " (flapping)" : "")
                            ))
                    }
                    if let resolved = incident.resolvedAt {
                        events.append(
                            (
                                resolved, 1,
                                "incident #\(incident.id ?? 0) resolved after "
                                    + TimeText.duration(resolved.timeIntervalSince(incident.openedAt))
                            ))
                    }
                }
            } catch {
                throw Failure.unknown(error.description)
            }
        }
        let audit = AuditLog(directory: configuration.state.directory)
        do {
            for entry in try audit.records() where entry.zone == name && entry.time >= from {
                var line = "\(entry.action) \(entry.server) \(entry.outcome) by \(entry.user)"
                if let before = entry.serialBefore {
                    line += " (serial \(before)" + (entry.serialAfter.map { " -> \($0))" } ?? ")")
                }
                if !entry.detail.isEmpty { line += ": \(entry.detail)" }
                events.append((entry.time, 2, line))
            }
        } catch {
            throw Failure.unknown(error.description)
        }
        guard !events.isEmpty else {
            print("\(name): nothing recorded since \(TimeText.second(from))")
            return
        }
        print("\(name) since \(TimeText.second(from)):")
        for (time, _, line) in events.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            print("  \(TimeText.second(time))  \(line)")
        }
    }
}
