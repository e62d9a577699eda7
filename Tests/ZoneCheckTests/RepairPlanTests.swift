import DNSKit
import Testing
import ZoneCheck

/// `RepairPlan.make`: every rule from a hand-made verdict, no servers.
@Suite("repair plan")
struct RepairPlanTests {
    /// ns1 primary, ns2...ns5 secondaries; `cells` overrides (serial, state) per server.
    static func verdict(_ cells: [String: (UInt32?, ServerState)]) -> ZoneVerdict {
        let servers = (1...5).map { index -> ServerStatus in
            let name = "ns\(index)"
            let (serial, state) = cells[name] ?? (100, .ok)
            return ServerStatus(
                server: name, role: index == 1 ? .primary : .secondary, serial: serial, state: state, rtt: nil,
                detail: nil)
        }
        return ZoneVerdict(name: try! DomainName(zoneName: "example.com"), servers: servers, findings: [])
    }

    static func action(_ plan: RepairPlan, _ server: String) -> RepairAction? {
        plan.servers.first { $0.server == server }?.action
    }

    @Test("in sync: nothing to do")
    func inSync() {
        let plan = RepairPlan.make(verdict: Self.verdict([:]))
        #expect(plan.refusal == nil)
        #expect(plan.source == "ns1" && plan.targetSerial == 100)
        #expect(!plan.hasWork)
        #expect(plan.servers.allSatisfy { $0.action == .none })
    }

    @Test("a lagging secondary is notified, the others left alone")
    func lagging() {
        let plan = RepairPlan.make(verdict: Self.verdict(["ns4": (99, .lagging)]))
        #expect(plan.refusal == nil && plan.targetSerial == 100)
        #expect(Self.action(plan, "ns4") == .notify)
        #expect(Self.action(plan, "ns2") == RepairAction.none)
        #expect(plan.hasWork)
    }

    @Test("serial wrap: 4294967295 is behind 5 (RFC 1982), so the secondary is notified")
    func wrap() {
        let plan = RepairPlan.make(
            verdict: Self.verdict([
                "ns1": (5, .ok), "ns2": (5, .ok), "ns3": (5, .ok), "ns4": (4_294_967_295, .lagging), "ns5": (5, .ok),
            ]))
        #expect(plan.refusal == nil && plan.targetSerial == 5)
        #expect(Self.action(plan, "ns4") == .notify)
    }

    @Test("any TSIG failure refuses the whole zone")
    func authFailed() {
        let plan = RepairPlan.make(verdict: Self.verdict(["ns2": (nil, .authFailed), "ns4": (99, .lagging)]))
        #expect(plan.refusal?.contains("ns2 failed TSIG authentication") == true)
        #expect(!plan.hasWork)
    }

    @Test("serials 2^31 apart are refused")
    func incomparable() {
        let plan = RepairPlan.make(verdict: Self.verdict(["ns3": (100 + 0x8000_0000, .incomparable)]))
        #expect(plan.refusal?.contains("2^31 apart") == true, "\(plan.refusal ?? "nil")")
    }

    @Test("fewer than a majority answering is refused; exactly a majority is not")
    func majority() {
        let three = RepairPlan.make(
            verdict: Self.verdict(["ns2": (nil, .unreachable), "ns3": (nil, .unreachable), "ns4": (nil, .unreachable)]))
        #expect(three.refusal?.contains("only 2 of 5") == true)
        let two = RepairPlan.make(
            verdict: Self.verdict(["ns2": (nil, .unreachable), "ns3": (nil, .unreachable), "ns4": (99, .lagging)]))
        #expect(two.refusal == nil)
        #expect(Self.action(two, "ns2") == .skip && Self.action(two, "ns4") == .notify)
    }

    @Test("diverged needs --source; with the primary as source the diverged copy is transferred again")
    func diverged() {
        let verdict = Self.verdict(["ns3": (100, .diverged)])
        #expect(RepairPlan.make(verdict: verdict).refusal?.contains("--source") == true)
        let plan = RepairPlan.make(verdict: verdict, source: "ns1")
        #expect(plan.refusal == nil)
        #expect(Self.action(plan, "ns3") == .retransfer)
        // A secondary with an older serial than the primary cannot be restored from (that is not a rollback).
        let older = Self.verdict(["ns3": (99, .lagging)])
        #expect(
            RepairPlan.make(verdict: older, source: "ns3", allowPrimaryRestore: true).refusal?.contains(
                "needs a serial greater") == true)
    }

    @Test("a secondary fresher than the primary: restore only when allowed, else refused with the way out")
    func secondaryFresher() {
        let plan = RepairPlan.make(verdict: Self.verdict(["ns5": (101, .ahead)]))
        #expect(plan.source == "ns5" && plan.targetSerial == 101)
        #expect(plan.refusal?.contains("--source ns1") == true)
        #expect(plan.refusal?.contains("--yes") == true)
        let allowed = RepairPlan.make(
            verdict: Self.verdict(["ns2": (99, .lagging), "ns5": (101, .ahead)]), allowPrimaryRestore: true)
        #expect(allowed.refusal == nil && allowed.targetSerial == 101)
        #expect(Self.action(allowed, "ns1") == .restorePrimary(from: "ns5"))
        #expect(Self.action(allowed, "ns2") == .notify && Self.action(allowed, "ns3") == .notify)
        #expect(Self.action(allowed, "ns5") == RepairAction.none)
        let forced = RepairPlan.make(verdict: Self.verdict(["ns5": (101, .ahead)]), source: "ns1")
        #expect(forced.refusal == nil && forced.targetSerial == 100)
        #expect(Self.action(forced, "ns5") == .retransfer)
    }

    @Test("a BAD-ANSWER server never counts as the freshest copy, even with the highest serial")
    func badAnswerIsNeverFreshest() {
        // ns5 claims serial 101 but its transfer broke the rules: the primary's 100 stays the copy to keep.
        let plan = RepairPlan.make(
            verdict: Self.verdict(["ns4": (99, .lagging), "ns5": (101, .badAnswer)]), allowPrimaryRestore: true)
        #expect(plan.refusal == nil, "\(plan.refusal ?? "")")
        #expect(plan.source == "ns1" && plan.targetSerial == 100, "source \(plan.source ?? "-")")
        #expect(Self.action(plan, "ns1") == RepairAction.none)
        #expect(Self.action(plan, "ns4") == .notify)
        #expect(Self.action(plan, "ns5") == .skip)
        let chosen = RepairPlan.make(verdict: Self.verdict(["ns5": (101, .badAnswer)]), source: "ns5")
        #expect(chosen.refusal?.contains("--source ns5 gave an unusable answer") == true, "\(chosen.refusal ?? "")")
        let primary = RepairPlan.make(verdict: Self.verdict(["ns1": (100, .badAnswer), "ns4": (99, .lagging)]))
        #expect(primary.refusal?.contains("the primary gave an unusable answer") == true)
        #expect(!primary.hasWork)
    }

    @Test("a silent primary is refused: NOTIFY carries its SOA")
    func primaryDown() {
        let plan = RepairPlan.make(verdict: Self.verdict(["ns1": (nil, .unreachable), "ns4": (99, .lagging)]))
        #expect(plan.refusal?.contains("primary") == true)
    }

    @Test(
        "same serial, other content, --source a secondary: refused without --yes; with it the primary takes the copy with the next serial"
    )
    func sameSerialRestore() throws {
        let day = try #require(DateSerial.Day(year: 2026, month: 11, day: 22))
        let diverged = Self.verdict(["ns3": (100, .diverged)])
        let refused = RepairPlan.make(verdict: diverged, source: "ns3", today: day)
        #expect(refused.refusal?.contains("--yes") == true, "\(refused.refusal ?? "")")
        #expect(refused.refusal?.contains("next serial") == true)
        let plan = RepairPlan.make(verdict: diverged, source: "ns3", allowPrimaryRestore: true, today: day)
        #expect(plan.refusal == nil, "\(plan.refusal ?? "")")
        #expect(plan.source == "ns3" && plan.targetSerial == 101 && plan.restoreSerial == 101)
        #expect(Self.action(plan, "ns1") == .restorePrimary(from: "ns3"))
        // Every secondary, the source too, is at 100 < 101 afterwards: NOTIFY makes them transfer.
        for server in ["ns2", "ns3", "ns4", "ns5"] { #expect(Self.action(plan, server) == .notify) }
        // A date-style serial moves to today's first revision.
        let dated = RepairPlan.make(
            verdict: Self.verdict([
                "ns1": (2026_0101_05, .ok), "ns2": (2026_0101_05, .ok), "ns3": (2026_0101_05, .diverged),
                "ns4": (2026_0101_05, .ok), "ns5": (2026_0101_05, .ok),
            ]),
            source: "ns3", allowPrimaryRestore: true, today: day)
        #expect(dated.targetSerial == 2026_1122_00)
        // A secondary already at or past the next serial would not transfer it: refused, with the way out.
        let blocked = RepairPlan.make(
            verdict: Self.verdict(["ns3": (100, .diverged), "ns4": (101, .ahead)]), source: "ns3",
            allowPrimaryRestore: true, today: day)
        #expect(blocked.refusal?.contains("ns4") == true, "\(blocked.refusal ?? "")")
    }
}
