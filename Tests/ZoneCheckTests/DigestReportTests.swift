import Foundation
import Mail
import Testing
import ZoneCheck

/// The digest: text a team lead reads, HTML with the servers x status table, the subject with counts.
@Suite struct DigestReportTests {
    /// `MailFixtures.digest` rendered: every section, durations from the fixture's times, tables aligned.
    static let expectedText = """
        zonecheck digest for ns-admin
        2026-11-21 06:30 UTC to 2026-11-22 06:30 UTC (1 d)

        SUMMARY
          Incidents: 2 opened, 1 resolved, 1 still open
          Repairs:   3 (2 ok, 1 failed)
          Checked:   5000 zones in 288 runs
          Audit log: 41 entries, hash chain intact

        SERVERS
          server  role       status    queries  answered  median RTT  zones lagging  auth failures  signatures end        instances
          ns1     primary    OK        1440000    100.0%      0.4 ms              0              0  -                     -
          ns2     secondary  OK        1440000    99.99%     82.0 ms              0              0  2026-12-20 06:30 UTC  ams1, fra1
          ns3     secondary  CRITICAL  1440000     98.2%    240.0 ms            300              0  2026-11-23 18:30 UTC  -
          ns4     secondary  WARNING   1440000     99.7%    151.0 ms              0             12  -                     -
          ns5     secondary  UNKNOWN         0         -           -              0              0  -                     -

        STILL OPEN (1)
          #42 CRITICAL: ns3 is behind on 300 zones
              open for 20 min, since 2026-11-22 06:10 UTC; servers ns3
              zones 300: zone001.example, zone002.example, zone003.example,
                zone004.example, zone005.example, zone006.example, zone007.example,
                zone008.example, zone009.example, zone010.example and 290 more
              ns3 answers serials 1 to 40 behind ns1 since 06:10 UTC; NOTIFY sent twice.
              Next: check ns3's transfer log (journalctl -u named on ns3), then zonecheck repair ZONE.

        OPENED (2)
          #40 WARNING: ns2 is behind on 2 zones
              opened 2026-11-22 05:48 UTC, resolved after 14 min
          #42 CRITICAL: ns3 is behind on 300 zones
              opened 2026-11-22 06:10 UTC, still open

        RESOLVED (1)
          #40 WARNING: ns2 is behind on 2 zones
              lasted 14 min (05:48 to 2026-11-22 06:02 UTC)

        REPAIRS (3)
          time (UTC)   zone             server  action           outcome  serial                    by
          11-22 05:50  example.com      ns2     notify           ok       2026112201 -> 2026112203  run
          11-22 06:15  zone001.example  ns3     retransfer       failed   2026112101 -> 2026112101  run
          11-21 20:30  shop.example     ns1     restore-primary  ok       2026112004 -> 2026112010  alice

        TOP OFFENDERS
          zone             incidents  repairs
          zone001.example          3        2
          example.com              1        1

        AUDIT LOG
          41 entries, hash chain intact
          notify 30, retransfer 8, run 2, restore-primary 1

        """

    @Test("the text digest of a day on five servers")
    func text() {
        let text = DigestText.render(MailFixtures.digest)
        #expect(text == Self.expectedText, "got:\n\(text)")
    }

    @Test("a quiet day says so, in the subject and every section")
    func quiet() {
        let report = DigestReport(
            since: MailFixtures.now.addingTimeInterval(-86_400), until: MailFixtures.now, host: "ns-admin", runs: 288,
            zonesChecked: 5000)
        #expect(DigestMail.subject(report) == "[zonecheck] digest for ns-admin: all clear, 5000 zones checked")
        let text = DigestText.render(report)
        #expect(text.contains("STILL OPEN (0)\n  none\n"))
        #expect(text.contains("REPAIRS (0)\n  none\n"))
        #expect(text.contains("SERVERS\n  none recorded\n"))
    }

    @Test("subject counts; a broken audit chain is named")
    func subject() {
        #expect(
            DigestMail.subject(MailFixtures.digest)
                == "[zonecheck] digest for ns-admin: 1 open (CRITICAL), 2 opened, 1 resolved, 3 repairs (1 failed)")
        var broken = MailFixtures.digest
        broken.audit = AuditSummary(entries: 41, chainIntact: false, firstBrokenLine: 17)
        #expect(DigestMail.subject(broken).hasSuffix(", AUDIT LOG CHAIN BROKEN"))
        #expect(DigestText.render(broken).contains("hash chain BROKEN at line 17: run 'zonecheck audit verify'"))
    }

    @Test("HTML: parses, has the servers x status table with every server, and escapes report text")
    func html() throws {
        var report = MailFixtures.digest
        report.opened.append(MailFixtures.hostile)
        report.host = "ns-admin <b>"
        let message = DigestMail.compose(report, email: MailFixtures.email)
        let html = try #require(message.html)
        #expect(html == DigestHTML.render(report))
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        #expect(html.contains("ns-admin &lt;b&gt;"))
        let inspected = try MailInspection.inspect(text: message.rendered())
        #expect(inspected.defects.isEmpty, "\(inspected.defects)")
        #expect(inspected.content_type == "multipart/alternative")
        let part = try #require(inspected.part("text/html"))
        #expect(part.html_problems == [] && part.html_unclosed == [], "\(part.html_problems ?? [])")
        let servers = try #require(part.html_tables?.first)
        #expect(
            servers.first == [
                "Server", "Role", "Status", "Queries", "Answered", "Median RTT", "Zones lagging", "Auth failures",
                "Signatures end", "Instances",
            ])
        #expect(
            servers.dropFirst().map { [$0[0], $0[2]] } == [
                ["ns1", "OK"], ["ns2", "OK"], ["ns3", "CRITICAL"], ["ns4", "WARNING"], ["ns5", "UNKNOWN"],
            ])
        #expect(
            servers[3] == [
                "ns3", "secondary", "CRITICAL", "1440000", "98.2%", "240.0 ms", "300", "0", "2026-11-23 18:30 UTC", "-",
            ])
        #expect(servers[2].suffix(2) == ["2026-12-20 06:30 UTC", "ams1, fra1"])
        let opened = try #require(part.html_tables?.first { $0.contains { $0.first == "43" } })
        #expect(
            opened.contains {
                $0.contains("a&b.example: ns4 serves <script>alert(1)</script> \"other\" content (DIVERGED)")
            })
        let text = try #require(inspected.part("text/plain")?.content)
        #expect(text.replacingOccurrences(of: "\r\n", with: "\n") == DigestText.render(report))
        #expect(inspected.header("Subject") == DigestMail.subject(report))
        #expect(inspected.header("Auto-Submitted") == "auto-generated")
    }
}
