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

    public func render(_ report: CheckReport) -> String {
        let shown = all ? report.verdicts : report.problems
        var out = ""
        if !shown.isEmpty {
            out += matrix(shown, servers: report.servers)
            for verdict in shown where !verdict.findings.isEmpty {
                out += "\n\(verdict.zone):\n"
                for finding in verdict.findings {
                    out += "  \(paint(finding.severity.description, finding.severity)) \(finding.message)\n"
                    for line in finding.details { out += "      \(line)\n" }
                }
            }
            out += "\n"
        }
        out += Self.summary(report) + "\n"
        return out
    }

    /// `zonecheck: OK - 41 zones in sync on 5 servers` or `zonecheck: CRITICAL - 2 of 41 zones: ...`.
    public static func summary(_ report: CheckReport) -> String {
        let total = report.verdicts.count
        let deep = report.deep ? " (deep: contents compared)" : ""
        guard report.status != .ok else {
            return "zonecheck: OK - \(total) zone\(total == 1 ? "" : "s") in sync on \(report.servers.count) "
                + "servers\(deep)"
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
