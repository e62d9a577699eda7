public import Foundation

/// `zonecheck history ZONE`: one zone's timeline, oldest first: what the servers served when it changed
/// (the state database stores changes only), its incidents opened, worsened and resolved, and every action
/// taken on it (the audit log, `repair` and `run` alike). Pure: the records and the period are given.
public struct HistoryRenderer: Sendable {
    /// The zone as operators write it (`example.com`).
    public var zone: String
    /// The start of the period (its end is now: the records given end there).
    public var since: Date

    public init(zone: String, since: Date) {
        self.zone = zone
        self.since = since
    }

    /// - Parameter actions: the audit log's entries, all of them: those of this zone within the period are shown.
    public func render(changes: [ObservationChange], incidents: [Incident], actions: [AuditEntry]) -> String {
        // (time, order among events at the same time, line): changes, then incidents, then actions.
        var events: [(Date, Int, String)] = []
        for change in changes {
            let serial = change.serial.map { "serial \($0)" } ?? "no serial"
            var line = "\(change.server.padding(toLength: 6, withPad: " ", startingAt: 0)) \(change.state) \(serial)"
            if let detail = change.detail { line += ": \(detail)" }
            events.append((change.time, 0, line))
        }
        for incident in incidents {
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
        for entry in actions where entry.zone == zone && entry.time >= since {
            var line = "\(entry.action) \(entry.server) \(entry.outcome) by \(entry.user)"
            if let before = entry.serialBefore {
                line += " (serial \(before)" + (entry.serialAfter.map { " -> \($0))" } ?? ")")
            }
            if !entry.detail.isEmpty { line += ": \(entry.detail)" }
            events.append((entry.time, 2, line))
        }
        guard !events.isEmpty else { return "\(zone): nothing recorded since \(TimeText.second(since))" }
        return
            (["\(zone) since \(TimeText.second(since)):"]
            + events.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { "  \(TimeText.second($0.0))  \($0.2)" })
            .joined(separator: "\n")
    }
}
