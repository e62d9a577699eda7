import Foundation
public import Mail

/// The digest as one email: the text part from `DigestText`, the HTML part from `DigestHTML`, and a subject
/// that already says whether anything needs attention.
public enum DigestMail {
    public static func compose(_ report: DigestReport, email: EmailSettings) -> EmailMessage {
        EmailMessage(
            from: email.from, fromName: "zonecheck on \(report.host)", to: email.to, subject: subject(report),
            date: report.until, messageID: EmailMessage.newMessageID(host: report.host, date: report.until),
            text: DigestText.render(report), html: DigestHTML.render(report),
            extraHeaders: [EmailHeader("X-Zonecheck-Host", report.host)])
    }

    /// `[zonecheck] digest for ns-admin: 1 open (CRITICAL), 2 opened, 1 resolved, 3 repairs (1 failed)`, or
    /// `... : all clear, 5000 zones checked` on a quiet day; a broken audit chain is always named.
    public static func subject(_ report: DigestReport) -> String {
        var parts: [String] = []
        if let worst = report.stillOpen.map(\.severity).max() {
            parts.append("\(report.stillOpen.count) open (\(worst))")
        }
        if !report.opened.isEmpty { parts.append("\(report.opened.count) opened") }
        if !report.resolved.isEmpty { parts.append("\(report.resolved.count) resolved") }
        if !report.repairs.isEmpty {
            let failed = failedRepairs(report)
            parts.append(
                "\(report.repairs.count) repair\(report.repairs.count == 1 ? "" : "s")"
                    + (failed > 0 ? " (\(failed) failed)" : ""))
        }
        if parts.isEmpty { parts.append("all clear, \(report.zonesChecked) zones checked") }
        if !report.audit.chainIntact { parts.append("AUDIT LOG CHAIN BROKEN") }
        return "[zonecheck] digest for \(report.host): \(parts.joined(separator: ", "))"
    }

    /// `2 opened, 1 resolved, 1 still open`.
    /// Lines of an open incident's detail the digest shows: what was seen and the next step, then the evidence
    /// (what the servers said, the record that cannot be sent); the alert had all of it.
    static let detailLines = 8

    /// The first `detailLines` lines of `note`'s detail, and how many more there are.
    static func detail(_ note: IncidentNote) -> [String] {
        let lines = note.detail.split(separator: "\n").map(String.init)
        guard lines.count > detailLines else { return lines }
        return lines.prefix(detailLines) + ["(\(lines.count - detailLines) more lines in the alert)"]
    }

    static func incidentCounts(_ report: DigestReport) -> String {
        "\(report.opened.count) opened, \(report.resolved.count) resolved, \(report.stillOpen.count) still open"
    }

    /// `3 (2 ok, 1 failed)`, or `0`.
    static func repairCounts(_ report: DigestReport) -> String {
        guard !report.repairs.isEmpty else { return "0" }
        var byOutcome: [String: Int] = [:]
        for repair in report.repairs { byOutcome[repair.outcome, default: 0] += 1 }
        let counts = byOutcome.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }
        return "\(report.repairs.count) (\(counts.joined(separator: ", ")))"
    }

    static func failedRepairs(_ report: DigestReport) -> Int {
        report.repairs.filter { $0.outcome != "ok" }.count
    }
}
