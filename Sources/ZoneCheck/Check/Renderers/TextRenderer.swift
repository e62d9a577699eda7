/// The terminal report: a matrix of zones x servers (serial and state per cell), only problem zones unless
/// `all`, each problem zone's findings under it, and a one-line summary last. When every zone is OK and
/// `all` is off, the summary is the whole output: cron mails nothing worth reading otherwise.
public struct TextRenderer: Sendable {
    public var all: Bool
    /// ANSI colour for states and severities; the caller turns it on only when stdout is a terminal.
    public var colour: Bool

    public init(all: Bool = false, colour: Bool = false) {
        self.all = all
        self.colour = colour
    }

    /// Problem zones the matrix shows before it only counts the rest (not with `all`).
    public static let matrixLimit = 50
    /// A finding repeated (same kind, same servers) on more zones than this is printed once, with the count.
    public static let repeatLimit = 3

    public func render(_ report: CheckReport) -> String {
        let shown = all ? report.verdicts : report.problems
        var out = ""
        if !shown.isEmpty {
            let rows = all ? shown : Array(shown.prefix(Self.matrixLimit))
            out += matrix(rows, servers: report.servers)
            if rows.count < shown.count {
                out += "... and \(shown.count - rows.count) more zones with problems (--all or --format json: all)\n"
            }
            // One server down makes the same finding on every zone: say it once.
            var byKey: [String: [Finding]] = [:]
            var order: [String] = []
            for finding in shown.flatMap(\.findings) {
                let key = Self.key(finding)
                if byKey[key] == nil { order.append(key) }
                byKey[key, default: []].append(finding)
            }
            let collapsed = Set(order.filter { byKey[$0, default: []].count > Self.repeatLimit })
            for verdict in shown {
                let own = verdict.findings.filter { !collapsed.contains(Self.key($0)) }
                guard !own.isEmpty else { continue }
                out += "\n\(verdict.zone):\n"
                for finding in own { out += line(finding) }
            }
            for key in order where collapsed.contains(key) {
                let findings = byKey[key, default: []]
                let first = findings[0]
                let zones = findings.map(\.zone)
                let named = zones.prefix(3).joined(separator: ", ") + (zones.count > 3 ? ", ..." : "")
                out += "\n\(first.servers.joined(separator: ", ")) \(first.kind.rawValue) on \(zones.count) zones "
                out += "(\(named)); the first:\n"
                out += line(first)
            }
            out += "\n"
        }
        for server in report.servers {
            guard let dropped = report.droppedAnswers[server], dropped > 0 else { continue }
            out += "\(server): \(dropped) answer\(dropped == 1 ? "" : "s") that did not verify (unsigned, bad MAC or "
            out +=
                "wrong key) dropped while waiting for the genuine one: forged answers on the way? (attack indicator)\n"
        }
        out += Self.summary(report) + "\n"
        return out
    }

    static func key(_ finding: Finding) -> String {
        "\(finding.severity)|\(finding.kind.rawValue)|\(finding.servers.joined(separator: ","))"
    }

    func line(_ finding: Finding) -> String {
        var out = "  \(paint(finding.severity.description, finding.severity)) \(finding.message)\n"
        for detail in finding.details { out += "      \(detail)\n" }
        return out
    }

    /// `zonecheck: OK - 41 zones in sync on 5 servers` or `zonecheck: CRITICAL - 2 of 41 zones: ...`.
    public static func summary(_ report: CheckReport) -> String {
        let total = report.verdicts.count
        let deep = report.deep ? " (deep: contents compared)" : ""
        guard report.status != .ok else {
            let servers = report.servers.count
            return "zonecheck: OK - \(total) zone\(total == 1 ? "" : "s") in sync on \(servers) "
                + "server\(servers == 1 ? "" : "s")\(deep)"
        }
        var parts: [String] = []
        for severity in [Severity.critical, .warning, .unknown] where report.count(severity) > 0 {
            parts.append("\(report.count(severity)) \(severity.description.lowercased())")
        }
        return "zonecheck: \(report.status) - \(report.problems.count) of \(total) zones with problems "
            + "(\(parts.joined(separator: ", ")))\(deep)"
    }

    func matrix(_ verdicts: [ZoneVerdict], servers: [String]) -> String {
        let header = ["ZONE", "STATUS"] + servers
        var rows: [[(text: String, severity: Severity?)]] = [header.map { ($0, nil) }]
        for verdict in verdicts {
            var row: [(text: String, severity: Severity?)] = [
                (verdict.zone, nil), (verdict.status.description, verdict.status),
            ]
            for server in servers {
                guard let cell = verdict.servers.first(where: { $0.server == server }) else {
                    row.append(("-", nil))
                    continue
                }
                let serial = cell.serial.map(String.init) ?? "-"
                row.append(("\(serial) \(cell.state.rawValue)", Self.severity(of: cell.state)))
            }
            rows.append(row)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.text.count) }
        }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[i] - cell.text.count)
                let text = cell.severity.map { paint(cell.text, $0) } ?? cell.text
                line += i == row.count - 1 ? text : text + padding + "  "
            }
            out += line + "\n"
        }
        return out
    }

    static func severity(of state: ServerState) -> Severity {
        switch state {
        case .ok: .ok
        case .lagging, .unchecked: .warning
        default: .critical
        }
    }

    func paint(_ text: String, _ severity: Severity) -> String {
        guard colour else { return text }
        let code =
            switch severity {
            case .ok: "32"
            case .warning: "33"
            case .critical: "1;31"
            case .unknown: "35"
            }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
