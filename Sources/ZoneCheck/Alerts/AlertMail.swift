import Foundation
public import Mail

/// The one message a `zonecheck run` sends when incidents opened, got worse or ended: grouped by incident
/// (a cause across all its zones), so 300 zones lagging on ns3 are one paragraph, "ns3 is behind on 300
/// zones", with the zone list attached, never 300 messages.
public enum AlertMail {
    /// Zones named in the body per incident; an incident with more has its full list attached.
    public static let zonesShown = 10

    /// The alert for `batch` (which the caller only sends when it is not empty). Pure: same input, same
    /// message, except the Message-ID.
    public static func compose(_ batch: AlertBatch, email: EmailSettings) -> EmailMessage {
        var attachments: [EmailAttachment] = []
        for note in batch.opened + batch.escalated where note.zones.count > zonesShown {
            attachments.append(
                EmailAttachment(
                    filename: zoneListName(note), text: note.zones.joined(separator: "\n") + "\n"))
        }
        let worst = (batch.opened + batch.escalated).map(\.severity).max()
        return EmailMessage(
            from: email.from, fromName: "zonecheck on \(batch.speaker)", to: email.to, subject: subject(batch),
            date: batch.time, messageID: EmailMessage.newMessageID(host: batch.host, date: batch.time),
            text: text(batch), html: html(batch), attachments: attachments,
            extraHeaders: [
                EmailHeader("X-Zonecheck-Host", batch.host),
                EmailHeader("X-Zonecheck-Severity", worst?.description ?? "RESOLVED"),
            ] + (batch.vantage.map { [EmailHeader("X-Zonecheck-Vantage", $0)] } ?? []))
    }

    /// `[zonecheck] CRITICAL: 1 opened (ns3 is behind on 300 zones), 2 resolved`: the worst severity of
    /// what opened or got worse (RESOLVED when only resolutions), then counts. When a single incident
    /// opened or got worse (or, failing any, a single one resolved), its headline is named.
    public static func subject(_ batch: AlertBatch) -> String {
        let active = batch.opened + batch.escalated
        let worst = active.map(\.severity).max()
        let named =
            active.count == 1 ? active[0] : (active.isEmpty && batch.resolved.count == 1 ? batch.resolved[0] : nil)
        var parts: [String] = []
        for (notes, verb) in [(batch.opened, "opened"), (batch.escalated, "escalated"), (batch.resolved, "resolved")]
        where !notes.isEmpty {
            var part = "\(notes.count) \(verb)"
            if let named, notes.count == 1, notes[0] == named { part += " (\(shortened(named.headline, to: 70)))" }
            parts.append(part)
        }
        let tag = batch.vantage.map { "[zonecheck \($0)]" } ?? "[zonecheck]"
        return "\(tag) \(worst?.description ?? "RESOLVED"): \(parts.joined(separator: ", "))"
    }

    /// The plain-text body: one block per incident (headline, servers, first zones, since when, what to do),
    /// then one line per resolution with how long it lasted.
    public static func text(_ batch: AlertBatch) -> String {
        var lines = ["zonecheck on \(batch.speaker), run of \(TimeText.minute(batch.time))", ""]
        for (notes, title) in [(batch.opened, "OPENED"), (batch.escalated, "GOT WORSE")] where !notes.isEmpty {
            lines.append("\(title) (\(notes.count))")
            lines.append("")
            for note in notes {
                lines += block(note, now: batch.time)
                lines.append("")
            }
        }
        if !batch.resolved.isEmpty {
            lines.append("RESOLVED (\(batch.resolved.count))")
            lines.append("")
            for note in batch.resolved {
                lines.append("#\(note.id) \(note.headline)")
                lines.append("  lasted \(lasted(note, now: batch.time))")
            }
            lines.append("")
        }
        lines.append("-- ")
        lines.append("'zonecheck status' shows what is open; 'zonecheck history ZONE' what happened to a zone.")
        return lines.joined(separator: "\n") + "\n"
    }

    static func block(_ note: IncidentNote, now: Date) -> [String] {
        var lines = ["#\(note.id) \(note.severity): \(note.headline)"]
        lines.append("  Problem: \(note.problem.rawValue)\(note.flapping ? " (flapping: reported once)" : "")")
        lines.append("  Servers: \(note.servers.joined(separator: ", "))")
        lines += DigestText.wrapped(zoneSummary(note), indent: "  Zones:   ", continuation: "           ")
        lines.append(
            "  Since:   \(TimeText.minute(note.openedAt)) (\(TimeText.duration(note.duration(now: now))))")
        let detail = note.detail.split(separator: "\n", omittingEmptySubsequences: false)
        if !note.detail.isEmpty {
            lines.append("")
            lines += detail.map { "  \($0)" }
        }
        return lines
    }

    /// `3: example.com, example.net, example.org` or `300: the first ten and 290 more (all in FILE)`.
    static func zoneSummary(_ note: IncidentNote) -> String {
        guard note.zones.count > zonesShown else { return firstZones(note) }
        return firstZones(note) + " (all in the attached \(zoneListName(note)))"
    }

    /// `3: example.com, example.net, example.org` or `300: the first ten and 290 more`.
    static func firstZones(_ note: IncidentNote) -> String {
        let shown = note.zones.prefix(zonesShown).joined(separator: ", ")
        guard note.zones.count > zonesShown else { return "\(note.zones.count): \(shown)" }
        return "\(note.zones.count): \(shown) and \(note.zones.count - zonesShown) more"
    }

    static func lasted(_ note: IncidentNote, now: Date) -> String {
        let duration = TimeText.duration(note.duration(now: now))
        guard let resolvedAt = note.resolvedAt else { return duration }
        return "\(duration) (\(TimeText.rangeStart(note.openedAt, end: resolvedAt)) to "
            + "\(TimeText.minute(resolvedAt)))"
    }

    static func zoneListName(_ note: IncidentNote) -> String { "incident-\(note.id)-zones.txt" }

    /// The same content as `text`, as one table per group (the detail kept as preformatted text).
    public static func html(_ batch: AlertBatch) -> String {
        var body = "<h2>zonecheck on \(HTMLText.escape(batch.speaker))</h2>\n"
        body += "<p>Run of \(HTMLText.escape(TimeText.minute(batch.time)))</p>\n"
        for (notes, title) in [(batch.opened, "Opened"), (batch.escalated, "Got worse")] where !notes.isEmpty {
            body += "<h3>\(title) (\(notes.count))</h3>\n"
            body += DigestHTML.incidentTable(notes, now: batch.time, showsEnd: false)
            for note in notes where !note.detail.isEmpty {
                body += "<p><b>#\(note.id)</b></p>\n<pre>\(HTMLText.escape(note.detail))</pre>\n"
            }
        }
        if !batch.resolved.isEmpty {
            body += "<h3>Resolved (\(batch.resolved.count))</h3>\n"
            body += DigestHTML.incidentTable(batch.resolved, now: batch.time, showsEnd: true)
        }
        return DigestHTML.document(title: subject(batch), body: body)
    }

    static func shortened(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 3)) + "..."
    }
}
