import Foundation

/// The `--format nagios` output, per the Monitoring Plugins development guidelines: one status line
/// `ZONECHECK STATE - text | perfdata`, then the findings as long output (one per line), exit code by the
/// caller. Perfdata: `'label'=value[UOM];[warn];[crit];[min];[max]`, here counts with min 0.
public struct NagiosRenderer: Sendable {
    /// How many problem zones the status line names before it only counts the rest.
    public var namedZones: Int

    /// How many findings the long output lists before it only counts the rest.
    public var longOutputLimit: Int

    public init(namedZones: Int = 5, longOutputLimit: Int = 20) {
        self.namedZones = namedZones
        self.longOutputLimit = longOutputLimit
    }

    public func render(_ report: CheckReport) -> String {
        let total = report.verdicts.count
        var text: String
        if report.status == .ok {
            let servers = report.servers.count
            text = "\(total) zone\(total == 1 ? "" : "s") in sync on \(servers) server\(servers == 1 ? "" : "s")"
        } else {
            let problems = report.problems.sorted { $0.status > $1.status }
            let named = problems.prefix(namedZones).map { verdict in
                let cells = verdict.servers.filter { $0.state != .ok }.map { "\($0.server) \($0.state.rawValue)" }
                let what =
                    cells.isEmpty
                    ? verdict.findings.map(\.kind.rawValue).joined(separator: ", ") : cells.joined(separator: ", ")
                return "\(verdict.zone) (\(what))"
            }
            text = "\(problems.count) of \(total) zones: \(named.joined(separator: ", "))"
            if problems.count > namedZones { text += " and \(problems.count - namedZones) more" }
        }
        // `|` separates perfdata: it must not appear in the text.
        text = text.replacingOccurrences(of: "|", with: "/")
        let perfdata = [
            ("zones", total), ("ok", report.count(.ok)), ("warning", report.count(.warning)),
            ("critical", report.count(.critical)), ("unknown", report.count(.unknown)),
        ].map { "\($0.0)=\($0.1);;;0" }.joined(separator: " ")
        var out = "ZONECHECK \(report.status) - \(text) | \(perfdata)\n"
        // Long output: the first findings, then a count (a monitoring UI is no place for 5,000 lines).
        let findings = report.problems.flatMap(\.findings)
        for finding in findings.prefix(longOutputLimit) {
            out += "\(finding.severity): \(finding.message.replacingOccurrences(of: "|", with: "/"))\n"
        }
        if findings.count > longOutputLimit {
            out += "... and \(findings.count - longOutputLimit) more findings (zonecheck check --format json: all)\n"
        }
        return out
    }
}
