import Foundation
import Mail
import Testing
import ZoneCheck

/// The run's alert: one message, grouped by incident, counts in the subject, long zone lists attached.
@Suite struct AlertMailTests {
    @Test("300 zones lagging on ns3 are one message with one block and the list attached")
    func grouped() throws {
        let message = AlertMail.compose(MailFixtures.batch, email: MailFixtures.email)
        #expect(message.subject == "[zonecheck] CRITICAL: 1 opened (ns3 is behind on 300 zones), 2 resolved")
        #expect(message.to == ["hostmaster@example.com", "noc@example.com"])
        #expect(message.from == "zonecheck@example.com")
        #expect(message.date == MailFixtures.now)
        #expect(message.text.components(separatedBy: "ns3 is behind on 300 zones").count == 2, "one block")
        #expect(message.text.contains("#42 CRITICAL: ns3 is behind on 300 zones"))
        #expect(
            message.text.contains(
                """
                  Zones:   300: zone001.example, zone002.example, zone003.example,
                           zone004.example, zone005.example, zone006.example, zone007.example,
                           zone008.example, zone009.example, zone010.example and 290 more (all
                           in the attached incident-42-zones.txt)

                """), "\(message.text)")
        #expect(!message.text.contains("zone011.example"))
        #expect(message.text.contains("Since:   2026-11-22 06:10 UTC (20 min)"))
        #expect(message.text.contains("  Next: check ns3's transfer log"))
        #expect(message.text.contains("lasted 14 min (05:48 to 2026-11-22 06:02 UTC)"))
        let attachment = try #require(message.attachments.first)
        #expect(message.attachments.count == 1)
        #expect(attachment.filename == "incident-42-zones.txt")
        #expect(
            String(decoding: attachment.content, as: UTF8.self) == MailFixtures.zones300.joined(separator: "\n") + "\n")
    }

    @Test("short zone lists stay in the body, no attachment")
    func shortList() {
        let batch = AlertBatch(opened: [MailFixtures.hostile], time: MailFixtures.now, host: "ns-admin")
        let message = AlertMail.compose(batch, email: MailFixtures.email)
        #expect(message.attachments.isEmpty)
        #expect(message.text.contains("Zones:   1: a&b.example\n"))
    }

    static let subjectCases: [String: (AlertBatch, String)] = [
        "resolutions only": (
            AlertBatch(resolved: [MailFixtures.ns2Lagged], time: MailFixtures.now, host: "h"),
            "[zonecheck] RESOLVED: 1 resolved (ns2 is behind on 2 zones)"
        ),
        "two opened, one escalated": (
            AlertBatch(
                opened: [MailFixtures.ns3Behind, MailFixtures.hostile], escalated: [MailFixtures.ns2Lagged],
                time: MailFixtures.now, host: "h"),
            "[zonecheck] CRITICAL: 2 opened, 1 escalated"
        ),
        "a warning escalated": (
            AlertBatch(escalated: [MailFixtures.ns2Lagged], time: MailFixtures.now, host: "h"),
            "[zonecheck] WARNING: 1 escalated (ns2 is behind on 2 zones)"
        ),
    ]

    @Test(
        "subject: worst severity, then counts; a group of one names its incident",
        arguments: ["resolutions only", "two opened, one escalated", "a warning escalated"])
    func subjects(name: String) throws {
        let (batch, expected) = try #require(Self.subjectCases[name])
        #expect(AlertMail.subject(batch) == expected)
    }

    @Test("HTML part escapes what the incidents say; text keeps it verbatim")
    func escaping() throws {
        let batch = AlertBatch(opened: [MailFixtures.hostile], time: MailFixtures.now, host: "ns<1>")
        let message = AlertMail.compose(batch, email: MailFixtures.email)
        let html = try #require(message.html)
        #expect(!html.contains("<script>"))
        #expect(html.contains("ns4 serves &lt;script&gt;alert(1)&lt;/script&gt; &quot;other&quot; content"))
        #expect(html.contains("&lt;b&gt;not bold&lt;/b&gt; &amp; &#39;quoted&#39;"))
        #expect(html.contains("zonecheck on ns&lt;1&gt;"))
        #expect(message.text.contains("<script>alert(1)</script>"))
        let inspected = try MailInspection.inspect(text: message.rendered())
        #expect(inspected.defects.isEmpty)
        let part = try #require(inspected.part("text/html"))
        #expect(part.html_problems == [] && part.html_unclosed == [], "\(part.html_problems ?? [])")
        let rows = try #require(part.html_tables?.first)
        #expect(rows.count == 2, "header and one incident")
        #expect(rows[1].contains("a&b.example: ns4 serves <script>alert(1)</script> \"other\" content (DIVERGED)"))
    }

    @Test("sections appear only when they have incidents")
    func bodyFromNotes() {
        let batch = AlertBatch(opened: [MailFixtures.ns3Behind], time: MailFixtures.now, host: "ns-admin")
        let text = AlertMail.compose(batch, email: MailFixtures.email).text
        #expect(text.hasPrefix("zonecheck on ns-admin, run of 2026-11-22 06:30 UTC\n\nOPENED (1)\n"))
        #expect(!text.contains("RESOLVED"))
    }
}
