import DNSKit
import Foundation
import Testing
import ZoneCheck

/// What one run decides, from hand-made observations and what the previous run stored: each zone's verdict
/// is made once, with its lags dated before it, and the dates, incidents and figures follow from it.
@Suite struct RunDecisionTests {
    static let zone = try! DomainName(presentation: "example.com.", origin: nil)
    static let servers = ["ns1", "ns2", "ns3"]
    /// 2026-12-07 08:00:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_630_400)

    /// ns1 primary at 2026120705, ns2 in step, ns3 at 2026120703.
    static let observation = ZoneObservation(
        zone: zone,
        servers: [
            ServerObservation(server: "ns1", role: .primary, answer: .serial(2_026_120_705, rtt: .milliseconds(3))),
            ServerObservation(server: "ns2", role: .secondary, answer: .serial(2_026_120_705, rtt: .milliseconds(3))),
            ServerObservation(server: "ns3", role: .secondary, answer: .serial(2_026_120_703, rtt: .milliseconds(3))),
        ])

    static func decide(previous: [ProblemStart], open: [Incident] = [], grace: Duration = .seconds(600))
        -> RunDecision
    {
        RunDecision.make(
            observations: [observation], previous: previous, unfinished: [],
            hold: DeepHold(open: open, history: [:], compared: { _ in true }), servers: servers, now: now,
            grace: grace, settings: IncidentSettings(resolveAfter: 2))
    }

    static func lag(_ finding: Finding?) -> Finding? { finding?.kind == .lagging ? finding : nil }

    @Test func aNewLagStartsNowWithinTheGraceAndOpensNothing() throws {
        let decision = Self.decide(previous: [])
        let finding = try #require(Self.lag(decision.verdicts.first?.findings.first))
        #expect(finding.severity == .warning, "a lag first seen now is within the 10 min grace")
        #expect(finding.message.contains("since 08:00 UTC (0 s)"), "\(finding.message)")
        #expect(
            decision.starts == [ProblemStart(zone: "example.com", server: "ns3", problem: .lagging, since: Self.now)])
        #expect(decision.problems.isEmpty, "a lag within the grace is normal propagation")
        #expect(decision.update.opened.isEmpty)
        #expect(decision.status == .ok)
        #expect(decision.clocks["example.com"]?.age(of: "ns3") == 0)
    }

    @Test func aLagTheLastRunSawKeepsItsStartAndPastTheGraceOpensACriticalIncident() throws {
        let earlier = Self.now.addingTimeInterval(-20 * 60)
        let decision = Self.decide(previous: [
            ProblemStart(zone: "example.com", server: "ns3", problem: .lagging, since: earlier),
            // Another zone's start, and another problem of ns3: neither dates this lag.
            ProblemStart(
                zone: "other.example", server: "ns3", problem: .lagging, since: earlier.addingTimeInterval(-9)),
            ProblemStart(
                zone: "example.com", server: "ns3", problem: .unreachable, since: earlier.addingTimeInterval(-9)),
        ])
        let finding = try #require(Self.lag(decision.verdicts.first?.findings.first))
        #expect(finding.severity == .critical, "20 min behind is past the 10 min grace")
        #expect(finding.message.contains("since 07:40 UTC (20 min)"), "\(finding.message)")
        #expect(
            decision.starts == [ProblemStart(zone: "example.com", server: "ns3", problem: .lagging, since: earlier)],
            "only this run's problems are stored, the lag with its first start")
        #expect(decision.update.opened.map(\.problem) == [.lagging])
        #expect(decision.status == .critical)
        #expect(decision.stats.map(\.lagging) == [0, 0, 1])
    }

    @Test func withNoGraceANewLagIsAProblemAtOnce() throws {
        let decision = Self.decide(previous: [], grace: .zero)
        let finding = try #require(Self.lag(decision.verdicts.first?.findings.first))
        #expect(finding.severity == .critical)
        #expect(decision.problems.map(\.kind) == [.lagging])
    }

    /// The verdict `run` makes once is the one `check` makes from the stored starts of the same lags: dating
    /// before the verdict changes nothing in it.
    @Test func theOneVerdictEqualsTheVerdictFromTheCarriedStarts() {
        for previous in [
            [],
            [
                ProblemStart(
                    zone: "example.com", server: "ns3", problem: .lagging, since: Self.now.addingTimeInterval(-900))
            ],
        ] {
            let decision = Self.decide(previous: previous)
            let clocks = ProblemStart.lagClocks(decision.starts, now: Self.now, grace: .seconds(600))
            let again = Compare.verdict(Self.observation, lag: clocks["example.com"])
            #expect(decision.verdicts.first?.findings == again.findings)
            #expect(decision.verdicts.first?.servers == again.servers)
        }
    }
}
