import DNSKit
import Foundation
import Testing
@testable import ZoneCheck

/// The digest assembled from plain values (what the state database and the audit log hold): no database,
/// no clock.
@Suite struct DigestGatheringTests {
    static let until = Date(timeIntervalSince1970: 1_795_392_000)  // 2026-11-23 00:00 UTC
    static let since = until.addingTimeInterval(-86_400)

    static func at(_ hours: Double) -> Date { since.addingTimeInterval(hours * 3600) }

    static func stats(_ server: String, answered: Int, rtt: Double?, lagging: Int = 0, auth: Int = 0) -> ServerRunStats
    {
        ServerRunStats(
            server: server, queries: 10, answered: answered, authFailures: auth, rttMedianMilliseconds: rtt,
            lagging: lagging, status: lagging > 0 ? .critical : .ok)
    }

    @Test func periodIncidentsRepairsHealthOffendersAndAudit() {
        func lag(_ id: Int64, _ zone: String, opened: Double, resolved: Double?) -> Incident {
            Incident(
                id: id, zone: zone, problem: .lagging, servers: ["ns3"], severity: .critical, detail: "behind",
                openedAt: Self.at(opened), resolvedAt: resolved.map { Self.at($0) })
        }
        let incidents = [
            lag(1, "a.example", opened: -2, resolved: 1),  // opened before the period, resolved in it
            lag(2, "b.example", opened: 3, resolved: 4),  // both in the period
            lag(3, "c.example", opened: 3, resolved: nil),  // still open
            lag(4, "b.example", opened: 20, resolved: 30),  // resolved after the period: open at its end
        ]
        let runs = [1.0, 2.0, 3.0].map { hour in
            RunSummary(
                id: Int64(hour), started: Self.at(hour), finished: Self.at(hour), zones: 40, deep: false, status: .ok,
                summary: nil)
        }
        let serverRuns = [
            ServerRunRow(runID: 1, time: Self.at(1), stats: Self.stats("ns1", answered: 10, rtt: 2)),
            ServerRunRow(runID: 1, time: Self.at(1), stats: Self.stats("ns3", answered: 9, rtt: 40, auth: 1)),
            ServerRunRow(runID: 2, time: Self.at(2), stats: Self.stats("ns1", answered: 10, rtt: 4)),
            ServerRunRow(runID: 2, time: Self.at(2), stats: Self.stats("ns3", answered: 10, rtt: 60, lagging: 2)),
        ]
        func entry(_ hour: Double, _ zone: String, _ action: String, _ outcome: String = "ok") -> AuditEntry {
            AuditEntry(
                time: Self.at(hour), user: "run", host: "h", zone: zone, server: "ns3", action: action,
                serialBefore: 1, serialAfter: nil, outcome: outcome, detail: "")
        }
        let audit = [
            entry(-5, "a.example", "notify"),  // before the period
            entry(3.1, "b.example", "notify"), entry(3.2, "b.example", "retransfer", "failed"),
            entry(3.3, "-", "alert-sent"),
        ]
        let report = DigestGathering.assemble(
            incidents: incidents, runs: runs, serverRuns: serverRuns, audit: audit, chain: nil,
            servers: [("ns1", .primary), ("ns3", .secondary)], since: Self.since, until: Self.until, host: "h")
        #expect(report.opened.flatMap(\.zones).sorted() == ["b.example", "b.example", "c.example"])
        #expect(report.resolved.flatMap(\.zones).sorted() == ["a.example", "b.example"])
        #expect(report.stillOpen.flatMap(\.zones).sorted() == ["b.example", "c.example"])
        #expect(report.stillOpen.allSatisfy { $0.resolvedAt == nil })
        #expect(report.repairs.map(\.action) == ["notify", "retransfer"])
        #expect(report.repairs.map(\.outcome) == ["ok", "failed"])
        #expect(report.runs == 3 && report.zonesChecked == 40)
        let ns3 = report.servers[1]
        #expect(ns3.server == "ns3" && ns3.role == .secondary && ns3.queries == 20)
        #expect(ns3.answerRate == 0.95 && ns3.authFailures == 1 && ns3.zonesLagging == 2 && ns3.status == .critical)
        #expect(ns3.medianRTT == .milliseconds(50))
        #expect(report.topOffenders.first == ZoneOffender(zone: "b.example", incidents: 2, repairs: 2))
        #expect(report.audit == AuditSummary(entries: 3, byAction: ["notify": 1, "retransfer": 1, "alert-sent": 1]))
    }

    /// A NOTIFY is audited when it is sent, before the secondary transfers: the row takes the serial from
    /// `repair`'s verification, else from what the next run observed, never from after a later repair.
    @Test func theSerialAfterARepairComesFromItsVerificationOrTheNextObservation() {
        func entry(_ hour: Double, _ zone: String, _ server: String, _ action: String, after: UInt32? = nil)
            -> AuditEntry
        {
            AuditEntry(
                time: Self.at(hour), user: "alice", host: "h", zone: zone, server: server, action: action,
                serialBefore: 1, serialAfter: after, outcome: "ok", detail: "")
        }
        func seen(_ hour: Double, _ zone: String, _ server: String, _ serial: UInt32) -> ObservationChange {
            ObservationChange(
                time: Self.at(hour), zone: zone, server: server, serial: serial, state: "OK", rttMilliseconds: 1,
                detail: nil)
        }
        let audit = [
            entry(1, "a.example", "ns3", "notify"),
            entry(1.1, "a.example", "ns2", "verify", after: 7),  // another server: not ns3's
            entry(1.2, "a.example", "ns3", "verify", after: 2),
            entry(2, "b.example", "ns3", "notify"),  // a run's repair: no verify entry
            entry(3, "c.example", "ns4", "notify"),
            entry(3.5, "c.example", "ns4", "retransfer"),  // the next repair: what follows is its doing
            entry(4, "d.example", "ns4", "restore-primary", after: 9),
        ]
        let observations = [
            seen(1.9, "b.example", "ns3", 4),  // before the repair
            seen(2.5, "b.example", "ns3", 5),
            seen(4, "c.example", "ns4", 6),
        ]
        let report = DigestGathering.assemble(
            incidents: [], runs: [], serverRuns: [], audit: audit, chain: nil, servers: [], since: Self.since,
            until: Self.until, host: "h", observations: observations)
        #expect(report.repairs.map(\.serialAfter) == [2, 5, nil, 6, 9])
        #expect(DigestText.render(report).contains("1 -> 2 "), "the row shows the verified serial, not '1 -> ?'")
    }

    @Test func aBrokenChainIsReported() {
        let report = DigestGathering.assemble(
            incidents: [], runs: [], serverRuns: [], audit: [], chain: AuditBreak(line: 7, reason: "edited"),
            servers: [], since: Self.since, until: Self.until, host: "h")
        #expect(!report.audit.chainIntact && report.audit.firstBrokenLine == 7)
    }
}
