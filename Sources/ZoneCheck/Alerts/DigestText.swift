import Foundation

/// The plain-text incident digest a team lead reads over coffee: a summary, the servers table, incidents
/// still open, opened and resolved (with durations), repairs and their outcomes, the zones that cause the most
/// trouble, and whether the audit log is intact. Pure: the report in, the text out.
public enum DigestText {
    /// Repairs listed one by one; more are counted (the audit log has them all).
    static let repairsShown = 50

    public static func render(_ report: DigestReport) -> String {
        var out: [String] = []
        out.append("zonecheck digest for \(report.host)")
        out.append(
            "\(TimeText.minute(report.since)) to \(TimeText.minute(report.until)) "
                + "(\(TimeText.duration(report.until.timeIntervalSince(report.since))))")
        out.append("")
        out.append("SUMMARY")
        out.append("  Incidents: \(DigestMail.incidentCounts(report))")
        out.append("  Repairs:   \(DigestMail.repairCounts(report))")
        out.append("  Checked:   \(report.zonesChecked) zones in \(report.runs) runs")
        out.append("  Audit log: \(auditLine(report.audit))")
        out.append("")

        out.append("SERVERS")
        var servers = TextTable([
            ("server", .left), ("role", .left), ("status", .left), ("queries", .right), ("answered", .right),
            ("median RTT", .right), ("zones lagging", .right), ("auth failures", .right), ("signatures end", .left),
            ("instances", .left),
        ])
        for row in report.servers {
            servers.add([
                row.server, row.role.rawValue, row.status.description, String(row.queries), percent(row.answerRate),
                milliseconds(row.medianRTT), String(row.zonesLagging), String(row.authFailures),
                signaturesEnd(row.signaturesEnd), instances(row.instances),
            ])
        }
        out.append(report.servers.isEmpty ? "  none recorded" : servers.render())
        out.append("")

        out.append("STILL OPEN (\(report.stillOpen.count))")
        if report.stillOpen.isEmpty { out.append("  none") }
        for note in report.stillOpen {
            out.append("  #\(note.id) \(note.severity): \(note.headline)")
            out.append(
                "      open for \(TimeText.duration(note.duration(now: report.until))), since "
                    + "\(TimeText.minute(note.openedAt)); servers \(note.servers.joined(separator: ", "))")
            out += wrapped("zones \(AlertMail.firstZones(note))", indent: "      ")
            out += DigestMail.detail(note).map { "      " + $0 }
        }
        out.append("")

        out.append("OPENED (\(report.opened.count))")
        if report.opened.isEmpty { out.append("  none") }
        for note in report.opened {
            let state =
                note.resolvedAt == nil
                ? "still open" : "resolved after \(TimeText.duration(note.duration(now: report.until)))"
            out.append("  #\(note.id) \(note.severity): \(note.headline)")
            out.append("      opened \(TimeText.minute(note.openedAt)), \(state)")
        }
        out.append("")

        out.append("RESOLVED (\(report.resolved.count))")
        if report.resolved.isEmpty { out.append("  none") }
        for note in report.resolved {
            out.append("  #\(note.id) \(note.severity): \(note.headline)")
            out.append("      lasted \(AlertMail.lasted(note, now: report.until))")
        }
        out.append("")

        out.append("REPAIRS (\(report.repairs.count))")
        if report.repairs.isEmpty { out.append("  none") }
        if !report.repairs.isEmpty {
            var repairs = TextTable([
                ("time (UTC)", .left), ("zone", .left), ("server", .left), ("action", .left), ("outcome", .left),
                ("serial", .left), ("by", .left),
            ])
            for repair in report.repairs.prefix(repairsShown) {
                repairs.add([
                    TimeText.column(repair.time), repair.zone, repair.server, repair.action,
                    repair.outcome, serials(repair), repair.user,
                ])
            }
            out.append(repairs.render())
            if report.repairs.count > repairsShown {
                out.append("  ... and \(report.repairs.count - repairsShown) more in the audit log")
            }
        }
        out.append("")

        out.append("TOP OFFENDERS")
        if report.topOffenders.isEmpty { out.append("  none") }
        if !report.topOffenders.isEmpty {
            var offenders = TextTable([("zone", .left), ("incidents", .right), ("repairs", .right)])
            for offender in report.topOffenders {
                offenders.add([offender.zone, String(offender.incidents), String(offender.repairs)])
            }
            out.append(offenders.render())
        }
        out.append("")

        out.append("AUDIT LOG")
        out.append("  \(auditLine(report.audit))")
        if !report.audit.byAction.isEmpty {
            out.append("  \(actionCounts(report.audit))")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func auditLine(_ audit: AuditSummary) -> String {
        let chain =
            audit.chainIntact
            ? "hash chain intact"
            : "hash chain BROKEN\(audit.firstBrokenLine.map { " at line \($0)" } ?? ""): run 'zonecheck audit verify' "
                + "and find out who changed the log"
        return "\(audit.entries) entr\(audit.entries == 1 ? "y" : "ies"), \(chain)"
    }

    /// `notify 30, retransfer 2`: most frequent first, then by name.
    static func actionCounts(_ audit: AuditSummary) -> String {
        audit.byAction.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// `98.2%`; two decimals near 100 so 99.99% is not shown as a perfect 100.0%.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        if rate < 1, rate >= 0.9995 { return String(format: "%.2f%%", rate * 100) }
        return String(format: "%.1f%%", rate * 100)
    }

    /// `text` broken at spaces into lines of at most `width` characters: the first starts with `indent`,
    /// the others with `continuation` (default: `indent` and two spaces). Leading spaces of `text` are kept.
    static func wrapped(_ text: String, indent: String, continuation: String? = nil, width: Int = 78) -> [String] {
        let next = continuation ?? indent + "  "
        let leading = String(text.prefix { $0 == " " })
        var lines: [String] = []
        var current = indent + leading
        var fresh = true
        for word in text.split(separator: " ") {
            if !fresh, current.count + 1 + word.count > width {
                lines.append(current)
                current = next
                fresh = true
            }
            current += (fresh ? "" : " ") + word
            fresh = false
        }
        lines.append(current)
        return lines
    }

    static func milliseconds(_ duration: Duration?) -> String {
        guard let duration else { return "-" }
        let parts = duration.components
        let value = Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
        return String(format: "%.1f ms", value)
    }

    static func serials(_ repair: RepairNote) -> String {
        switch (repair.serialBefore, repair.serialAfter) {
        case (let before?, let after?): "\(before) -> \(after)"
        case (let before?, nil): "\(before) -> ?"
        case (nil, let after?): "-> \(after)"
        case (nil, nil): "-"
        }
    }

    /// The earliest RRSIG(SOA) expiration a server served, `-` when it served no signed zone.
    static func signaturesEnd(_ date: Date?) -> String {
        date.map(SignatureCheck.dateText) ?? "-"
    }

    /// The NSIDs that answered for a server, `-` for none.
    static func instances(_ names: [String]) -> String {
        names.isEmpty ? "-" : names.joined(separator: ", ")
    }
}
