import DNSKit
import Foundation
import Testing
import ZoneCheck

/// `repair.restore_quorum`: the pure decision on what the secondaries' verified copies say.
@Suite("restore quorum")
struct RestoreQuorumTests {
    typealias Witness = AutoRepairPolicy.RestoreWitness

    /// ns5 (and ns4 when `twoAhead`) serve 101, the primary 100.
    static func plan(twoAhead: Bool) -> RepairPlan {
        var cells: [String: (UInt32?, ServerState)] = ["ns5": (101, .ahead)]
        if twoAhead { cells["ns4"] = (101, .ahead) }
        return RepairPlan.make(verdict: RepairPlanTests.verdict(cells), allowPrimaryRestore: true)
    }

    @Test("one secondary at serial+1 is not enough for the default quorum of 2; the evidence names every copy")
    func oneIsNotEnough() throws {
        let plan = Self.plan(twoAhead: false)
        #expect(plan.source == "ns5" && plan.refusal == nil)
        let witnesses = [
            Witness(server: "ns2", serial: 100), Witness(server: "ns3", serial: 100),
            Witness(server: "ns4", serial: 100),
            Witness(server: "ns5", serial: 101, digest: "aa" + String(repeating: "0", count: 94)),
        ]
        let result = AutoRepairPolicy.restoreQuorum(plan: plan, witnesses: witnesses, quorum: 2)
        guard case .failure(let refusal) = result else {
            Issue.record("restored on one secondary's word")
            return
        }
        #expect(refusal.text.contains("needs 2 secondaries serving serial 101"), "\(refusal)")
        #expect(refusal.text.contains("1 do"), "\(refusal)")
        #expect(refusal.text.contains("ns5 serial 101 digest aa00000000000000"), "\(refusal)")
        #expect(refusal.text.contains("ns2 serial 100"), "\(refusal)")
        #expect(refusal.text.contains("zonecheck repair example.com --yes"), "\(refusal)")
        #expect(
            AutoRepairPolicy.restoreQuorum(plan: plan, witnesses: witnesses, quorum: 1)
                == .success(witnesses[3].digest!))
    }

    @Test("two secondaries with the same serial and digest meet it; two with different content do not")
    func twoAgreeing() {
        let plan = Self.plan(twoAhead: true)
        let digest = String(repeating: "ab", count: 48)
        let agreeing = [
            Witness(server: "ns2", serial: 100), Witness(server: "ns3", serial: 100),
            Witness(server: "ns4", serial: 101, digest: digest), Witness(server: "ns5", serial: 101, digest: digest),
        ]
        #expect(plan.source == "ns4" || plan.source == "ns5")
        #expect(AutoRepairPolicy.restoreQuorum(plan: plan, witnesses: agreeing, quorum: 2) == .success(digest))
        #expect(AutoRepairPolicy.restoreQuorum(plan: plan, witnesses: agreeing, quorum: 3) != .success(digest))
        var differing = agreeing
        differing[2].digest = String(repeating: "cd", count: 48)
        #expect(AutoRepairPolicy.restoreQuorum(plan: plan, witnesses: differing, quorum: 2) != .success(digest))
        var untransferred = agreeing
        untransferred[3] = Witness(server: "ns5", serial: 101, failure: "connection refused")
        guard
            case .failure(let refusal) = AutoRepairPolicy.restoreQuorum(plan: plan, witnesses: untransferred, quorum: 2)
        else {
            Issue.record("a copy that could not be transferred counted")
            return
        }
        #expect(refusal.text.contains("no verified copy: connection refused"))
    }

    @Test("restore_quorum is read from the configuration, default 2, at least 1")
    func setting() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        #expect(try fixture.load(ConfigFixture.validYAML).get().repair.restoreQuorum == 2)
        let three = ConfigFixture.validYAML.replacingOccurrences(
            of: "converge_timeout: 60s }", with: "converge_timeout: 60s, restore_quorum: 3 }")
        #expect(three != ConfigFixture.validYAML)
        #expect(try fixture.load(three).get().repair.restoreQuorum == 3)
        let zero = three.replacingOccurrences(of: "restore_quorum: 3", with: "restore_quorum: 0")
        guard case .failure(let error) = try fixture.load(zero) else {
            Issue.record("restore_quorum: 0 accepted")
            return
        }
        #expect(error.keyPath == "repair.restore_quorum")
    }
}
