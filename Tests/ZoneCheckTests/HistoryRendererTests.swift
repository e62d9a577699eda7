import Foundation
import Testing
import ZoneCheck

/// `zonecheck history`'s timeline from hand-made incidents and audit entries: oldest first, an incident
/// before an action at the same second, only the zone's actions within the period.
@Suite struct HistoryRendererTests {
    /// 2026-12-07 08:00:00 UTC.
    static let t0 = Date(timeIntervalSince1970: 1_796_630_400)

    static func entry(_ zone: String, at time: Date, _ action: String) -> AuditEntry {
        AuditEntry(
            time: time, user: "run", realUser: "root", sudoUser: nil, host: "h", zone: zone, server: "ns4",
            action: action, serialBefore: 3, serialAfter: 5, outcome: "ok", detail: "")
    }

    @Test func nothingRecordedSaysSinceWhen() {
        let text = HistoryRenderer(zone: "example.com", since: Self.t0).render(
            changes: [], incidents: [],
            actions: [Self.entry("other.example", at: Self.t0.addingTimeInterval(5), "notify")])
        #expect(text == "example.com: nothing recorded since 2026-12-07 08:00:00 UTC")
    }

    @Test func incidentsAndActionsInTimeOrder() {
        let opened = Self.t0.addingTimeInterval(60)
        let incident = Incident(
            id: 7, zone: "example.com", problem: .lagging, servers: ["ns4"], severity: .critical, detail: "",
            openedAt: opened, updatedAt: opened, resolvedAt: opened.addingTimeInterval(300))
        let text = HistoryRenderer(zone: "example.com", since: Self.t0).render(
            changes: [], incidents: [incident],
            actions: [
                Self.entry("example.com", at: opened, "notify"),
                Self.entry("example.com", at: Self.t0.addingTimeInterval(-1), "before the period"),
                Self.entry("other.example", at: opened, "another zone"),
            ])
        #expect(
            text == """
                example.com since 2026-12-07 08:00:00 UTC:
                  2026-12-07 08:01:00 UTC  incident #7 opened: lagging on ns4
                  2026-12-07 08:01:00 UTC  notify ns4 ok by run (serial 3 -> 5)
                  2026-12-07 08:06:00 UTC  incident #7 resolved after 5 min
                """)
    }
}
