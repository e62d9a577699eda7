import Foundation

/// The digest as HTML, for the second part of the digest mail: the same sections as `DigestText`, led by
/// a servers x status table whose status cells are coloured, so one glance says which server is in trouble.
/// Every piece of text from the report is escaped; styles are inline (mail clients drop style sheets).
public enum DigestHTML {
    public static func render(_ report: DigestReport) -> String {
        var body = "<h2>zonecheck digest for \(HTMLText.escape(report.host))</h2>\n"
        body +=
            "<p>\(HTMLText.escape(TimeText.minute(report.since))) to "
            + "\(HTMLText.escape(TimeText.minute(report.until))): "
            + "incidents \(HTMLText.escape(DigestMail.incidentCounts(report))); "
            + "repairs \(HTMLText.escape(DigestMail.repairCounts(report))); "
            + "\(report.zonesChecked) zones checked in \(report.runs) runs.</p>\n"

        body += "<h3>Servers</h3>\n"
        body += serverTable(report.servers, now: report.until)

        body += "<h3>Still open (\(report.stillOpen.count))</h3>\n"
        body += incidentTable(report.stillOpen, now: report.until, showsEnd: false)
        for note in report.stillOpen where !note.detail.isEmpty {
            body +=
                "<p>#\(note.id)</p>\n<pre>"
                + HTMLText.escape(DigestMail.detail(note).joined(separator: "\n")) + "</pre>\n"
        }
        body += "<h3>Opened (\(report.opened.count))</h3>\n"
        body += incidentTable(report.opened, now: report.until, showsEnd: true)
        body += "<h3>Resolved (\(report.resolved.count))</h3>\n"
        body += incidentTable(report.resolved, now: report.until, showsEnd: true)

        body += "<h3>Repairs (\(report.repairs.count))</h3>\n"
        body += table(
            ["Time (UTC)", "Zone", "Server", "Action", "Outcome", "Serial", "By"],
            report.repairs.prefix(DigestText.repairsShown).map { repair in
                [
                    cell(TimeText.column(repair.time)), cell(repair.zone), cell(repair.server),
                    cell(repair.action),
                    cell(repair.outcome, colour: repair.outcome == "ok" ? colours[.ok] : colours[.critical]),
                    cell(DigestText.serials(repair)), cell(repair.user),
                ]
            })
        if report.repairs.count > DigestText.repairsShown {
            body += "<p>... and \(report.repairs.count - DigestText.repairsShown) more in the audit log.</p>\n"
        }

        body += "<h3>Top offenders</h3>\n"
        body += table(
            ["Zone", "Incidents", "Repairs"],
            report.topOffenders.map { [cell($0.zone), cell(String($0.incidents)), cell(String($0.repairs))] })

        body += "<h3>Audit log</h3>\n"
        let auditColour = report.audit.chainIntact ? colours[.ok] : colours[.critical]
        body +=
            "<p style=\"background:\(auditColour ?? "");padding:4px\">"
            + "\(HTMLText.escape(DigestText.auditLine(report.audit)))</p>\n"
        if !report.audit.byAction.isEmpty {
            body += "<p>\(HTMLText.escape(DigestText.actionCounts(report.audit)))</p>\n"
        }
        return document(title: DigestMail.subject(report), body: body)
    }

    /// The servers x status table: one row per server, its status cell coloured by severity.
    static func serverTable(_ servers: [ServerHealth], now: Date) -> String {
        table(
            [
                "Server", "Role", "Status", "Queries", "Answered", "Median RTT", "Zones lagging", "Auth failures",
                "Signatures end", "Instances",
            ],
            servers.map { row in
                [
                    cell(row.server), cell(row.role.rawValue),
                    cell(row.status.description, colour: colours[row.status]),
                    cell(String(row.queries)), cell(DigestText.percent(row.answerRate)),
                    cell(DigestText.milliseconds(row.medianRTT)),
                    cell(String(row.zonesLagging), colour: row.zonesLagging > 0 ? colours[.warning] : nil),
                    cell(String(row.authFailures), colour: row.authFailures > 0 ? colours[.critical] : nil),
                    cell(
                        DigestText.signaturesEnd(row.signaturesEnd),
                        colour: row.signaturesEnd.map { $0 <= now ? colours[.critical] : nil } ?? nil),
                    cell(DigestText.instances(row.instances)),
                ]
            })
    }

    static func incidentTable(_ notes: [IncidentNote], now: Date, showsEnd: Bool) -> String {
        table(
            ["#", "Severity", "What", "Servers", "Zones", "Opened", showsEnd ? "Lasted" : "Open for"],
            notes.map { note in
                [
                    cell(String(note.id)), cell(note.severity.description, colour: colours[note.severity]),
                    cell(note.headline), cell(note.servers.joined(separator: ", ")), cell(AlertMail.firstZones(note)),
                    cell(TimeText.minute(note.openedAt)),
                    cell(
                        TimeText.duration(note.duration(now: now))
                            + (showsEnd && note.resolvedAt == nil ? " (still open)" : "")),
                ]
            })
    }

    /// A whole HTML document around `body` (already escaped markup).
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html>
        <head>
        <meta charset="utf-8">
        <title>\(HTMLText.escape(title))</title>
        </head>
        <body style="font-family:sans-serif;font-size:14px">
        \(body)</body>
        </html>

        """
    }

    static let colours: [Severity: String] = [
        .ok: "#c8f0c8", .warning: "#ffe8a0", .critical: "#ffb0b0", .unknown: "#d8d8d8",
    ]

    /// One table cell: escaped text, optionally a background colour.
    static func cell(_ text: String, colour: String? = nil) -> String {
        let style = "border:1px solid #999;padding:2px 6px" + (colour.map { ";background:\($0)" } ?? "")
        return "<td style=\"\(style)\">\(HTMLText.escape(text))</td>"
    }

    /// A table with a header row; "none" when there are no rows.
    static func table(_ headings: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p>none</p>\n" }
        var html = "<table style=\"border-collapse:collapse\">\n<tr>"
        for heading in headings {
            html +=
                "<th style=\"border:1px solid #999;padding:2px 6px;text-align:left\">\(HTMLText.escape(heading))</th>"
        }
        html += "</tr>\n"
        for row in rows {
            html += "<tr>" + row.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }
}
