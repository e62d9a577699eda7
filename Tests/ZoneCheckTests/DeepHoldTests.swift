import Foundation
import Testing
import ZoneCheck

/// `DeepHold`: a run that did not compare a zone by transfer neither sees nor clears its diverged content,
/// its file changed without a new serial or its failed transfer; the next run that compares it does.
@Suite struct DeepHoldTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)
    static let settings = IncidentSettings(resolveAfter: 2)

    static func diverged(_ zone: String) -> Finding {
        Finding(severity: .critical, kind: .diverged, zone: zone, servers: ["ns1", "ns3"], message: "diverged")
    }

    static func lagging(_ zone: String) -> Finding {
        Finding(severity: .critical, kind: .lagging, zone: zone, servers: ["ns3"], message: "behind")
    }

    /// One run as `RunCycle` tracks it: the hold, the tracker, the held history put back.
    static func run(
        open: [Incident], history: [ProblemKey: [Bool]], findings: [Finding], compared: Set<String>, at time: Date
    ) -> (open: [Incident], history: [ProblemKey: [Bool]], update: IncidentTracker.Update) {
        let hold = DeepHold(open: open, history: history, compared: compared.contains)
        let update = hold.restore(
            IncidentTracker.track(
                open: hold.open, findings: findings, history: hold.history, now: time, settings: settings))
        var stillOpen = hold.held + update.changed.filter(\.isOpen)
        stillOpen += update.opened.enumerated().map { index, incident in
            var incident = incident
            incident.id = Int64(100 + index)
            return incident
        }
        return (stillOpen, update.history, update)
    }

    @Test func aDivergedZoneStaysOpenUntilItIsComparedAgain() {
        // Run 0 compares a.example and b.example: both diverged; b.example also lags.
        var state = Self.run(
            open: [], history: [:],
            findings: [Self.diverged("a.example"), Self.diverged("b.example"), Self.lagging("b.example")],
            compared: ["a.example", "b.example"], at: Self.t0)
        #expect(state.open.count == 3)
        let historyBefore = state.history[ProblemKey(zone: "a.example", problem: .diverged)]
        // Five runs that compare neither: the diverged incidents are held (no clean run counted, history as it
        // was); b.example's lag, seen without a transfer, clears as usual.
        for run in 1...5 {
            state = Self.run(
                open: state.open, history: state.history, findings: [], compared: [],
                at: Self.t0 + Double(run) * 300)
            #expect(state.update.resolved == (run == 2 ? [ProblemKey(zone: "b.example", problem: .lagging)] : []))
        }
        #expect(
            Set(state.open.map(\.key)) == [
                ProblemKey(zone: "a.example", problem: .diverged), ProblemKey(zone: "b.example", problem: .diverged),
            ])
        #expect(state.open.allSatisfy { $0.cleanRuns == 0 && $0.resolvedAt == nil && !$0.flapping })
        #expect(state.history[ProblemKey(zone: "a.example", problem: .diverged)] == historyBefore)
        // A run compares a.example and finds it repaired: it counts a clean run, the second resolves it;
        // b.example, still not compared, stays open.
        for run in 6...7 {
            state = Self.run(
                open: state.open, history: state.history, findings: [], compared: ["a.example"],
                at: Self.t0 + Double(run) * 300)
        }
        #expect(state.update.resolved == [ProblemKey(zone: "a.example", problem: .diverged)])
        #expect(state.open.map(\.key) == [ProblemKey(zone: "b.example", problem: .diverged)])
    }

    @Test func onlyTheKindsATransferShowsAreHeld() {
        let open = FindingKind.allCases.map {
            Incident(
                zone: "a.example", problem: $0, servers: ["ns1"], severity: .critical, detail: "", openedAt: Self.t0)
        }
        let hold = DeepHold(open: open, history: [:], compared: { _ in false })
        let deepOnly: Set<FindingKind> = [
            .diverged, .fileSerialNotIncremented, .transferFailed, .dnskeyDiffers, .zonemdMismatch,
        ]
        #expect(Set(hold.held.map(\.problem)) == deepOnly)
        #expect(hold.open.count == FindingKind.allCases.count - deepOnly.count)
        let compared = DeepHold(open: open, history: [:], compared: { _ in true })
        #expect(compared.held.isEmpty && compared.open.count == open.count)
    }
}
