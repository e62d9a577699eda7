import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The pure parts of a batch repair: which zones it takes, the slots a plan holds per server, how each zone
/// ended and the summary's exit status; the one command a grouped incident names; the progress line's words.
@Suite struct RepairBatchTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_329_060)  // 2026-11-22 06:31:00 UTC

    static func status(_ server: String, _ serial: UInt32?, _ state: ServerState) -> ServerStatus {
        ServerStatus(
            server: server, role: server == "ns1" ? .primary : .secondary, serial: serial, state: state, rtt: nil,
            detail: state == .ok ? nil : "\(server) \(state.rawValue)")
    }

    /// ns1 at 10; ns2 as given; ns3 and ns4 in sync.
    static func verdict(
        _ zone: String, ns2: (UInt32?, ServerState) = (10, .ok), ns3: (UInt32?, ServerState) = (10, .ok)
    )
        -> ZoneVerdict
    {
        ZoneVerdict(
            name: try! DomainName(zoneName: zone),
            servers: [
                status("ns1", 10, .ok), status("ns2", ns2.0, ns2.1), status("ns3", ns3.0, ns3.1),
                status("ns4", 10, .ok),
            ], findings: [])
    }

    @Test func laggingTakesTheZonesBehindAndOnlyOnTheNamedServer() {
        let verdicts = [
            Self.verdict("a.test"), Self.verdict("b.test", ns2: (9, .lagging)),
            Self.verdict("c.test", ns3: (8, .lagging)),
            Self.verdict("d.test", ns2: (nil, .authFailed)),
        ]
        #expect(RepairBatch.lagging(verdicts).map(\.zone) == ["b.test", "c.test"])
        #expect(RepairBatch.lagging(verdicts, server: "ns3").map(\.zone) == ["c.test"])
        #expect(RepairBatch.lagging(verdicts, server: "ns4").isEmpty)
    }

    @Test func anIncidentNumberTakesItsWholeGroup() {
        func lag(_ id: Int64, _ zone: String, _ servers: [String] = ["ns5"], resolved: Bool = false) -> Incident {
            Incident(
                id: id, zone: zone, problem: .lagging, servers: servers, severity: .warning, detail: "behind",
                openedAt: Self.t0, resolvedAt: resolved ? Self.t0 : nil)
        }
        let open = [
            lag(3, "b.test"), lag(1, "a.test"), lag(7, "c.test"), lag(2, "x.test", ["ns2"]),
            lag(9, "gone.test", resolved: true),
        ]
        let order = ["ns1", "ns2", "ns3", "ns4", "ns5"]
        #expect(RepairBatch.zones(ofIncident: 1, open: open, serverOrder: order) == ["a.test", "b.test", "c.test"])
        // An alert numbers the group by the incidents that opened in its run: any member's number finds it.
        #expect(RepairBatch.zones(ofIncident: 7, open: open, serverOrder: order) == ["a.test", "b.test", "c.test"])
        #expect(RepairBatch.zones(ofIncident: 2, open: open, serverOrder: order) == ["x.test"])
        #expect(RepairBatch.zones(ofIncident: 9, open: open, serverOrder: order) == nil, "resolved: not open")
        #expect(RepairBatch.zones(ofIncident: 42, open: open, serverOrder: order) == nil)
    }

    @Test func aPlanHoldsSlotsOnTheServersItActsOnAndThePrimary() {
        let lagging = RepairPlan.make(verdict: Self.verdict("a.test", ns2: (9, .lagging), ns3: (8, .lagging)))
        #expect(RepairBatch.slots(of: lagging, primary: "ns1") == ["ns1": 2, "ns2": 1, "ns3": 1])
        let inSync = RepairPlan.make(verdict: Self.verdict("b.test"))
        #expect(RepairBatch.slots(of: inSync, primary: "ns1").isEmpty)
        let restore = RepairPlan.make(
            verdict: ZoneVerdict(
                name: try! DomainName(zoneName: "c.test"),
                servers: [
                    Self.status("ns1", 9, .ok), Self.status("ns2", 10, .ahead), Self.status("ns3", 9, .ok),
                    Self.status("ns4", 9, .ok),
                ], findings: []), allowPrimaryRestore: true)
        #expect(RepairBatch.slots(of: restore, primary: "ns1") == ["ns1": 3, "ns2": 1, "ns3": 1, "ns4": 1])
        #expect(RepairBatch.fits(["ns1": 1, "ns5": 1], inUse: ["ns1": 7, "ns5": 7], bound: 8))
        #expect(!RepairBatch.fits(["ns1": 1, "ns5": 1], inUse: ["ns1": 7, "ns5": 8], bound: 8))
        #expect(!RepairBatch.fits(["ns1": 2], inUse: ["ns1": 7], bound: 8))
        // More than the bound on one server: starts when that server is idle, never waits forever.
        #expect(RepairBatch.fits(["ns1": 4], inUse: [:], bound: 2))
    }

    @Test func eachZoneEndsConvergedRefusedOrFailedWithWhy() {
        let plan = RepairPlan.make(verdict: Self.verdict("a.test", ns2: (9, .lagging)))
        let converged = ZoneRepairResult.make(plan: plan, after: Self.verdict("a.test"))
        #expect(converged == ZoneRepairResult(zone: "a.test", outcome: .converged, why: "all servers serve serial 10"))
        let stuck = ZoneRepairResult.make(plan: plan, after: Self.verdict("a.test", ns2: (9, .lagging)))
        #expect(stuck.outcome == .failed)
        #expect(
            stuck.why == "not every server reached serial 10: ns2 serves serial 9 (LAGGING: ns2 LAGGING)",
            "\(stuck.why)")
        let untrusted = RepairPlan.make(verdict: Self.verdict("b.test", ns2: (nil, .authFailed), ns3: (9, .lagging)))
        let refused = ZoneRepairResult.make(plan: untrusted, after: Self.verdict("b.test", ns2: (nil, .authFailed)))
        #expect(refused.outcome == .refused && refused.why.contains("ns2 failed TSIG authentication"), "\(refused)")

        let summary = RepairSummary(results: [converged, refused, stuck])
        #expect(summary.exitCode == 2)
        #expect(summary.zones(.converged) == ["a.test"] && summary.zones(.refused) == ["b.test"])
        #expect(summary.failureMessage == "not every zone agrees: refused b.test; failed a.test")
        let text = summary.text(seconds: 1.5)
        #expect(text.hasPrefix("summary: 3 zones: 1 converged, 1 refused, 1 failed (1.50 s)\n"), "\(text)")
        #expect(text.contains("b.test  REFUSED  ns2 failed TSIG"), "\(text)")
        #expect(!text.contains("CONVERGED"), "converged zones are counted, not listed: \(text)")
        let fine = RepairSummary(results: [converged])
        #expect(fine.exitCode == 0 && fine.failureMessage == nil)
        #expect(fine.text(seconds: 0.25) == "summary: 1 zone: 1 converged, 0 refused, 0 failed (0.25 s)")
    }

    @Test func aGroupedIncidentNamesTheOneCommandThatRepairsItAll() throws {
        let servers = ["ns1", "ns2", "ns3", "ns4", "ns5"]
        let zones = ["z00001.test", "z00002.test", "z00003.test"]
        let findings = try zones.map { zone in
            let observation = ZoneObservation(
                zone: try DomainName(presentation: zone + ".", origin: nil),
                servers: servers.map { server in
                    ServerObservation(
                        server: server, role: server == "ns1" ? .primary : .secondary,
                        answer: .serial(server == "ns5" ? 4 : 5, rtt: .milliseconds(1)))
                })
            return Compare.verdict(observation).findings[0]
        }
        #expect(findings[0].message.contains("run 'zonecheck repair z00001.test'"), "\(findings[0].message)")
        let incidents = findings.enumerated().map { index, finding in
            Incident(
                id: Int64(index + 4), zone: finding.zone, problem: .lagging, servers: finding.servers,
                severity: finding.severity, detail: finding.message, openedAt: Self.t0)
        }
        let group = try #require(IncidentGrouping.notes(incidents, serverOrder: servers, now: Self.t0).first)
        #expect(group.detail.contains("run 'zonecheck repair --incident 4'"), "\(group.detail)")
        #expect(!group.detail.contains("zonecheck repair z0000"), "\(group.detail)")
        // One zone: its own command stays.
        let single = try #require(IncidentGrouping.notes([incidents[1]], serverOrder: servers, now: Self.t0).first)
        #expect(single.detail.contains("run 'zonecheck repair z00002.test'"), "\(single.detail)")
        #expect(
            IncidentGrouping.groupCommand(
                "restore it with 'zonecheck repair a.test --yes'", zone: "a.test", incident: 3)
                == "restore it with 'zonecheck repair --incident 3 --yes'")
        #expect(
            IncidentGrouping.groupCommand("'zonecheck repair a.test.example'", zone: "a.test", incident: 3)
                == "'zonecheck repair a.test.example'", "another zone whose name starts the same is left alone")
    }

    @Test func theProgressLineCountsAndSaysWhatIsLeftOnceThereIsARate() {
        let step = ProgressStep(work: "SOA queries", done: 12_000, total: 50_000)
        #expect(ProgressLine.text(step, elapsed: 0.5) == "12000 of 50000 SOA queries (24 %)")
        #expect(ProgressLine.text(step, elapsed: 3) == "12000 of 50000 SOA queries (24 %), about 9 s left")
        #expect(
            ProgressLine.text(ProgressStep(work: "zones repaired", done: 50, total: 50), elapsed: 4)
                == "50 of 50 zones repaired (100 %)")
        #expect(
            ProgressLine.text(ProgressStep(work: "transfers", done: 0, total: 0), elapsed: 2)
                == "0 of 0 transfers (100 %)")
    }
}
