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
        return ZoneVerdict(zone: "example.com", servers: servers, findings: [])
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
        #expect(
            RepairPlan.make(verdict: verdict, source: "ns3", allowPrimaryRestore: true).refusal?.contains(
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

    @Test("a silent primary is refused: NOTIFY carries its SOA")
    func primaryDown() {
        let plan = RepairPlan.make(verdict: Self.verdict(["ns1": (nil, .unreachable), "ns4": (99, .lagging)]))
        #expect(plan.refusal?.contains("primary") == true)
    }
}
