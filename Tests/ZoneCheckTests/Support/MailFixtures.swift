import Foundation
import ZoneCheck

/// Incidents and a day's digest as the incident tracker would hand them to the mail composers: one fleet
/// (ns1 primary, ns2-ns5 secondaries), fixed times so durations are known. What each test expects is
/// written beside the value it uses.
enum MailFixtures {
    /// 2026-11-22 06:30:00 UTC, the run that sends the alert and the end of the digest period.
    static let now = Date(timeIntervalSince1970: 1_795_329_000)
    static func minutesAgo(_ minutes: Double) -> Date { now.addingTimeInterval(-minutes * 60) }

    static let zones300 = (1...300).map { String(format: "zone%03d.example", $0) }

    /// Expect: one CRITICAL block "ns3 is behind on 300 zones", first 10 zones in the body, the 300 in the
    /// attachment incident-42-zones.txt, open for 20 min.
    static let ns3Behind = IncidentNote(
        id: 42, severity: .critical, problem: .lagging, servers: ["ns3"], zones: zones300,
        headline: "ns3 is behind on 300 zones",
        detail: "ns3 answers serials 1 to 40 behind ns1 since 06:10 UTC; NOTIFY sent twice.\n"
            + "Next: check ns3's transfer log (journalctl -u named on ns3), then zonecheck repair ZONE.",
        openedAt: minutesAgo(20))

    /// Expect: listed under RESOLVED, "lasted 14 min (05:48 to 2026-11-22 06:02 UTC)".
    static let ns2Lagged = IncidentNote(
        id: 40, severity: .warning, problem: .lagging, servers: ["ns2"], zones: ["example.com", "example.net"],
        headline: "ns2 is behind on 2 zones", detail: "Caught up after NOTIFY.", openedAt: minutesAgo(42),
        resolvedAt: minutesAgo(28))

    /// Expect: escaped in HTML (`&lt;script&gt;`, `&amp;`), verbatim in text.
    static let hostile = IncidentNote(
        id: 43, severity: .critical, problem: .diverged, servers: ["ns4"], zones: ["a&b.example"],
        headline: "a&b.example: ns4 serves <script>alert(1)</script> \"other\" content (DIVERGED)",
        detail: "Records differ: <b>not bold</b> & 'quoted'", openedAt: minutesAgo(5))

    static let batch = AlertBatch(opened: [ns3Behind], resolved: [ns2Lagged, ns2Lagged], time: now, host: "ns-admin")

    static let email = EmailSettings(to: ["hostmaster@example.com", "noc@example.com"], from: "zonecheck@example.com")

    /// A day on a fleet of five: ns3 in trouble, a DIVERGED zone repaired, the audit chain intact.
    /// Expect subject "[zonecheck] digest for ns-admin: 1 open (CRITICAL), 2 opened, 1 resolved,
    /// 3 repairs (1 failed)"; the text and HTML carry every server row with its status.
    static let digest = DigestReport(
        since: now.addingTimeInterval(-86_400), until: now, host: "ns-admin",
        opened: [ns2Lagged, ns3Behind], resolved: [ns2Lagged], stillOpen: [ns3Behind],
        repairs: [
            RepairNote(
                time: minutesAgo(40), zone: "example.com", server: "ns2", action: "notify", outcome: "ok",
                serialBefore: 2_026_112_201, serialAfter: 2_026_112_203, user: "run"),
            RepairNote(
                time: minutesAgo(15), zone: "zone001.example", server: "ns3", action: "retransfer",
                outcome: "failed", serialBefore: 2_026_112_101, serialAfter: 2_026_112_101, user: "run"),
            RepairNote(
                time: minutesAgo(600), zone: "shop.example", server: "ns1", action: "restore-primary", outcome: "ok",
                serialBefore: 2_026_112_004, serialAfter: 2_026_112_010, user: "alice"),
        ],
        servers: [
            ServerHealth(
                server: "ns1", role: .primary, queries: 1_440_000, answerRate: 1.0, medianRTT: .microseconds(400),
                zonesLagging: 0, authFailures: 0, status: .ok),
            ServerHealth(
                server: "ns2", role: .secondary, queries: 1_440_000, answerRate: 0.9999, medianRTT: .milliseconds(82),
                zonesLagging: 0, authFailures: 0, status: .ok, signaturesEnd: now.addingTimeInterval(28 * 86_400),
                instances: ["ams1", "fra1"]),
            ServerHealth(
                server: "ns3", role: .secondary, queries: 1_440_000, answerRate: 0.982, medianRTT: .milliseconds(240),
                zonesLagging: 300, authFailures: 0, status: .critical, signaturesEnd: now.addingTimeInterval(36 * 3600)),
            ServerHealth(
                server: "ns4", role: .secondary, queries: 1_440_000, answerRate: 0.997, medianRTT: .milliseconds(151),
                zonesLagging: 0, authFailures: 12, status: .warning),
            ServerHealth(
                server: "ns5", role: .secondary, queries: 0, answerRate: nil, medianRTT: nil, zonesLagging: 0,
                authFailures: 0, status: .unknown),
        ],
        runs: 288, zonesChecked: 5000,
        topOffenders: [
            ZoneOffender(zone: "zone001.example", incidents: 3, repairs: 2),
            ZoneOffender(zone: "example.com", incidents: 1, repairs: 1),
        ],
        audit: AuditSummary(entries: 41, byAction: ["notify": 30, "retransfer": 8, "restore-primary": 1, "run": 2]))
}
