import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The incident rules with hand-made findings and a fixed clock: no network, no database, no real time.
@Suite struct IncidentTrackerTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_329_060)  // 2026-11-22 06:31:00 UTC
    static let settings = IncidentSettings(resolveAfter: 2, flapWindow: 10, flapChanges: 4)

    static func lag(_ zone: String, _ servers: [String] = ["ns3"], severity: Severity = .critical) -> Finding {
        Finding(
            severity: severity, kind: .lagging, zone: zone, servers: servers, message: "\(servers) behind on \(zone)")
    }

    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    /// Runs the tracker over successive runs (each a list of findings), feeding each run's result into the next;
    /// returns every update and the incidents after the last run.
    static func runs(_ findings: [[Finding]], every minutes: Double = 5) -> (
        updates: [IncidentTracker.Update], incidents: [Incident]
    ) {
        var open: [Incident] = []
        var all: [Incident] = []
        var history: [ProblemKey: [Bool]] = [:]
        var updates: [IncidentTracker.Update] = []
        var nextID: Int64 = 1
        for (index, run) in findings.enumerated() {
            let update = IncidentTracker.track(
                open: open, findings: run, history: history, now: at(Double(index) * minutes), settings: settings)
            updates.append(update)
            history = update.history
            var opened = update.opened
            for i in opened.indices {
                opened[i].id = nextID
                nextID += 1
            }
            for changed in update.changed { all.removeAll { $0.id == changed.id } }
            all += update.changed + opened
            open = all.filter(\.isOpen)
        }
        return (updates, all.sorted { $0.id! < $1.id! })
    }

    @Test func aLagWithinGraceIsNotAProblemAndBeyondItIs() {
        let clock = LagClock(since: ["ns3": Self.t0], now: Self.at(4), grace: .seconds(600))
        let within = Self.lag("a.example", severity: .warning)
        #expect(IncidentTracker.problems([within], lag: ["a.example": clock]).isEmpty)
        let later = LagClock(since: ["ns3": Self.t0], now: Self.at(11), grace: .seconds(600))
        #expect(IncidentTracker.problems([within], lag: ["a.example": later]).count == 1)
        // Other problems are never held back by the grace.
        let down = Finding(severity: .warning, kind: .unreachable, zone: "a.example", servers: ["ns3"], message: "")
        #expect(IncidentTracker.problems([down], lag: ["a.example": clock]).count == 1)
        // lag_grace 0: no grace, a lag counts from the run that first sees it (age 0).
        let noGrace = LagClock(since: ["ns3": Self.t0], now: Self.t0, grace: .zero)
        #expect(noGrace.isBeyondGrace("ns3") && !noGrace.isBeyondGrace("ns4"))
        #expect(IncidentTracker.problems([within], lag: ["a.example": noGrace]).count == 1)
    }

    @Test func opensOnceUpdatesAndResolvesAfterTwoCleanRuns() {
        let (updates, incidents) = Self.runs([[Self.lag("a.example")], [Self.lag("a.example")], [], [], []])
        #expect(updates[0].opened.count == 1)
        #expect(updates[1].opened.isEmpty && updates[1].changed.count == 1, "seen again: updated, not reopened")
        #expect(updates[2].resolved.isEmpty, "one clean run is not enough with resolve_after 2")
        #expect(updates[3].resolved == [ProblemKey(zone: "a.example", problem: .lagging)])
        #expect(incidents.count == 1)
        #expect(incidents[0].resolvedAt == Self.at(15))
        #expect(updates[4].changed.isEmpty, "a resolved incident is not touched again")
    }

    @Test func aCleanRunInTheMiddleDoesNotResolve() {
        let (updates, incidents) = Self.runs([[Self.lag("a.example")], [], [Self.lag("a.example")], []])
        #expect(updates.allSatisfy { $0.resolved.isEmpty })
        #expect(incidents.count == 1 && incidents[0].isOpen && incidents[0].cleanRuns == 1)
    }

    @Test func warningToCriticalAndMoreServersEscalate() {
        let (updates, incidents) = Self.runs([
            [Self.lag("a.example", severity: .warning)],
            [Self.lag("a.example", severity: .critical)],
            [Self.lag("a.example", ["ns3", "ns4"])],
            [Self.lag("a.example", ["ns4"])],
        ])
        let key = ProblemKey(zone: "a.example", problem: .lagging)
        #expect(updates[1].escalated == [key], "warning -> critical")
        #expect(updates[2].escalated == [key], "one more server")
        #expect(updates[3].escalated.isEmpty, "fewer servers is not worse")
        #expect(incidents.count == 1 && incidents[0].servers == ["ns4"])
    }

    @Test func flappingIsMarkedAndHeldOpen() {
        // Seen, gone for two runs (resolved), seen, gone... with resolve_after 2 it would reopen every time.
        let pattern: [[Finding]] = [
            [Self.lag("a.example")], [], [], [Self.lag("a.example")], [], [], [Self.lag("a.example")], [], [], [],
        ]
        let (updates, incidents) = Self.runs(pattern)
        #expect(updates[0].opened.count == 1)
        #expect(updates[2].resolved.count == 1, "first spell resolves normally")
        #expect(updates[3].opened.count == 1, "reopened once")
        #expect(updates[5].resolved.count == 1)
        let third = updates[6]
        #expect(third.opened.count == 1 && third.opened[0].flapping, "the third opening is flapping: 4 changes")
        #expect(updates[8].resolved.isEmpty && updates[9].resolved.isEmpty, "held open while flapping")
        #expect(incidents.last?.isOpen == true && incidents.last?.flapping == true)
    }

    @Test func alertPlanTellsOnceEscalationsAndResolutions() {
        var incident = Incident(
            id: 7, zone: "a.example", problem: .lagging, servers: ["ns3"], severity: .critical, detail: "",
            openedAt: Self.t0)
        var plan = AlertPlan.make([incident])
        #expect(plan.opened.count == 1 && plan.escalated.isEmpty)
        incident = plan.told()[0]
        #expect(AlertPlan.make([incident]).isEmpty, "told once, not again while it stays the same")
        incident.servers = ["ns3", "ns4"]
        plan = AlertPlan.make([incident])
        #expect(plan.escalated.count == 1 && plan.opened.isEmpty)
        incident = plan.told()[0]
        incident.resolvedAt = Self.at(20)
        plan = AlertPlan.make([incident])
        #expect(plan.resolved.count == 1)
        incident = plan.told()[0]
        #expect(AlertPlan.make([incident]).isEmpty)
        // A warning is not mailed, nor is the resolution of something nobody was told about.
        let warning = Incident(
            id: 8, zone: "b.example", problem: .unreachable, servers: ["ns5"], severity: .warning, detail: "",
            openedAt: Self.t0, resolvedAt: Self.at(5))
        #expect(AlertPlan.make([warning]).isEmpty)
        // Flapping: told once, marked.
        var flapping = Incident(
            id: 9, zone: "c.example", problem: .lagging, servers: ["ns3"], severity: .critical, detail: "",
            openedAt: Self.t0, flapping: true)
        plan = AlertPlan.make([flapping])
        #expect(plan.escalated.count == 1 && plan.opened.isEmpty)
        flapping = plan.told()[0]
        #expect(AlertPlan.make([flapping]).isEmpty)
    }

    @Test func threeHundredZonesLaggingOnNs3AreOneNote() {
        let zones = (1...300).map { String(format: "zone%05d.example", $0) }
        let incidents = zones.enumerated().map { index, zone in
            Incident(
                id: Int64(index + 10), zone: zone, problem: .lagging, servers: ["ns3"], severity: .critical,
                detail: "ns3 is 1 serial behind ns1 on \(zone)", openedAt: Self.at(Double(index % 3)))
        }
        let other = Incident(
            id: 5, zone: "zone00001.example", problem: .unreachable, servers: ["ns5"], severity: .warning,
            detail: "ns5 timed out", openedAt: Self.t0)
        let notes = IncidentGrouping.notes(
            incidents.reversed() + [other], serverOrder: ["ns1", "ns2", "ns3", "ns4", "ns5"], now: Self.at(30))
        #expect(notes.count == 2)
        #expect(notes[0].headline == "ns3 is behind on 300 zones")
        #expect(notes[0].zones == zones, "every zone, sorted")
        #expect(notes[0].id == 10 && notes[0].openedAt == Self.t0)
        #expect(notes[1].headline == "ns5 does not answer for zone00001.example")
        #expect(
            IncidentGrouping.headline(.lagging, servers: ["ns3", "ns4"], zones: ["a", "b"])
                == "ns3 and ns4 are behind on 2 zones")
    }

    @Test func repairPolicyLimitsAndBacksOff() throws {
        let zone = try DomainName(presentation: "a.example.", origin: nil)
        let observation = ZoneObservation(
            zone: zone,
            servers: [
                ServerObservation(server: "ns1", role: .primary, answer: .serial(5, rtt: .milliseconds(1))),
                ServerObservation(server: "ns2", role: .secondary, answer: .serial(5, rtt: .milliseconds(1))),
                ServerObservation(server: "ns3", role: .secondary, answer: .serial(4, rtt: .milliseconds(1))),
            ])
        let verdict = Compare.verdict(observation)
        let open = [
            Incident(
                id: 1, zone: "a.example", problem: .lagging, servers: ["ns3"], severity: .critical, detail: "",
                openedAt: Self.t0)
        ]
        let settings = RepairSettings(auto: true, maxPerZonePerHour: 3)
        func decide(_ attempts: [Double], now: Double, settings: RepairSettings = settings, open: [Incident] = open)
            -> AutoRepairPolicy.Decision?
        {
            AutoRepairPolicy.decide(
                verdicts: [verdict], open: open, attempts: ["a.example": attempts.map { Self.at($0) }],
                settings: settings, now: Self.at(now)
            ).first
        }
        #expect(decide([], now: 0)?.plan?.servers.first { $0.server == "ns3" }?.action == .notify)
        #expect(decide([0], now: 2)?.plan == nil, "backoff: 5 min after the first attempt")
        #expect(decide([0], now: 2)?.skipped?.contains("backing off") == true)
        #expect(decide([0], now: 6)?.plan != nil)
        #expect(decide([0, 6], now: 12)?.plan == nil, "10 min after the second")
        #expect(decide([0, 6], now: 17)?.plan != nil)
        #expect(decide([0, 6, 17], now: 50)?.skipped?.contains("max_per_zone_per_hour") == true)
        #expect(decide([0, 6, 17], now: 61)?.plan != nil, "the first attempt left the hour")
        #expect(decide([], now: 0, settings: RepairSettings(auto: false)) == nil)
        let warningOnly = [
            Incident(
                id: 1, zone: "a.example", problem: .lagging, servers: ["ns3"], severity: .warning, detail: "",
                openedAt: Self.t0)
        ]
        #expect(decide([], now: 0, open: warningOnly) == nil, "only critical incidents (past the grace) are repaired")
    }

    /// A secondary fresher than the primary (primary restored from an old backup): restoring the primary is
    /// planned only with repair.primary_from_secondary; untrusted answers are never acted on.
    @Test func primaryRestoreOnlyWhenAllowedAndNeverOnUntrustedData() throws {
        let zone = try DomainName(presentation: "a.example.", origin: nil)
        func verdict(_ ns3: ServerObservation.Answer) -> ZoneVerdict {
            Compare.verdict(
                ZoneObservation(
                    zone: zone,
                    servers: [
                        ServerObservation(server: "ns1", role: .primary, answer: .serial(5, rtt: .milliseconds(1))),
                        ServerObservation(server: "ns2", role: .secondary, answer: .serial(7, rtt: .milliseconds(1))),
                        ServerObservation(server: "ns3", role: .secondary, answer: ns3),
                    ]))
        }
        let open = [
            Incident(
                id: 1, zone: "a.example", problem: .ahead, servers: ["ns2"], severity: .critical, detail: "",
                openedAt: Self.t0)
        ]
        let ahead = verdict(.serial(7, rtt: .milliseconds(1)))
        let refused = AutoRepairPolicy.decide(
            verdicts: [ahead], open: open, attempts: [:], settings: RepairSettings(primaryFromSecondary: false),
            now: Self.t0)
        #expect(refused.first?.plan == nil && refused.first?.skipped?.contains("primary_from_secondary") == true)
        let allowed = AutoRepairPolicy.decide(
            verdicts: [ahead], open: open, attempts: [:], settings: RepairSettings(primaryFromSecondary: true),
            now: Self.t0)
        #expect(allowed.first?.plan?.servers.first?.action == .restorePrimary(from: "ns2"))
        let endpoint = ServerEndpoint(name: "ns3", host: "192.0.2.3", port: 53, key: nil)
        let forged = verdict(
            .failed(QueryError(zone: zone, server: endpoint, kind: .soa, failure: .unsignedReply(rcode: .noError))))
        let untrusted = AutoRepairPolicy.decide(
            verdicts: [forged], open: open, attempts: [:], settings: RepairSettings(primaryFromSecondary: true),
            now: Self.t0)
        #expect(untrusted.first?.plan == nil && untrusted.first?.skipped?.contains("TSIG") == true)
    }

    @Test func lagClockDatesTheLagAndEscalatesPastGrace() throws {
        let zone = try DomainName(presentation: "example.com.", origin: nil)
        let observation = ZoneObservation(
            zone: zone,
            servers: [
                ServerObservation(server: "ns1", role: .primary, answer: .serial(2_026_112_205, rtt: .milliseconds(1))),
                ServerObservation(
                    server: "ns3", role: .secondary, answer: .serial(2_026_112_203, rtt: .milliseconds(1))),
            ])
        let within = Compare.verdict(
            observation, lag: LagClock(since: ["ns3": Self.t0], now: Self.at(4), grace: .seconds(600)))
        #expect(within.status == .warning)
        #expect(
            within.findings[0].message
                == "ns3 is 2 serials behind ns1 on example.com since 06:31 UTC (4 min) (serial 2026112203 < "
                + "2026112205): within lag_grace 10 min, probably still transferring; 'zonecheck repair example.com' "
                + "if it stays behind")
        let beyond = Compare.verdict(
            observation, lag: LagClock(since: ["ns3": Self.t0], now: Self.at(12), grace: .seconds(600)))
        #expect(beyond.status == .critical)
        #expect(beyond.findings[0].message.contains("since 06:31 UTC (12 min)"))
        #expect(beyond.findings[0].message.contains("longer than lag_grace 10 min"))
        // No clock (no state database): a WARNING that says nothing about since when.
        let unknown = Compare.verdict(observation, lag: nil)
        #expect(unknown.status == .warning && !unknown.findings[0].message.contains("since"))
        #expect(TimeText.minute(Self.t0, now: Self.at(60 * 24)) == "2026-11-22 06:31 UTC")
        #expect(TimeText.duration(3 * 3600 + 5 * 60) == "3 h 5 min")
    }
}
