import Foundation

/// A repair of many zones at once (`zonecheck repair ZONE...`, `--lagging`, `--incident N`): which zones it
/// takes, and what each zone's plan holds on each server while it runs. Pure; `RepairBatchExecutor` carries the
/// plans out, `RepairSummary` tells how each zone ended.
public enum RepairBatch {
    /// The zones a sweep finds behind the primary: some secondary LAGGING (`server` only, when given).
    /// A zone whose answers failed TSIG is not "behind": it is not taken (name it to see the refusal).
    public static func lagging(_ verdicts: [ZoneVerdict], server: String? = nil) -> [ZoneVerdict] {
        verdicts.filter { verdict in
            verdict.servers.contains { $0.state == .lagging && (server == nil || $0.server == server) }
        }
    }

    /// The zones of open incident `id`, as `zonecheck status` and the alert group them: the group (same
    /// problem, servers, severity) shown as `#id`, or the group holding an incident numbered `id` (an alert
    /// numbers a group by the incidents that opened in its run, `status` by all of them). Sorted; nil when no
    /// open incident has that number.
    public static func zones(ofIncident id: Int64, open: [Incident], serverOrder: [String]) -> [String]? {
        let open = open.filter(\.isOpen)
        let notes = IncidentGrouping.notes(open, serverOrder: serverOrder, now: Date())
        if let note = notes.first(where: { $0.id == id }) { return note.zones }
        guard let incident = open.first(where: { $0.id == id }) else { return nil }
        return notes.first {
            $0.problem == incident.problem && $0.severity == incident.severity && $0.flapping == incident.flapping
                && Set($0.servers) == Set(incident.servers) && $0.zones.contains(incident.zone)
        }?.zones
    }

    /// Slots per server that a plan holds while it runs: one on each secondary it acts on and one on the
    /// primary for each of those (the transfer comes from the primary); a restore holds one on the primary
    /// and one on the source it transfers from. Zones with nothing to send hold none.
    public static func slots(of plan: RepairPlan, primary: String) -> [String: Int] {
        guard plan.hasWork else { return [:] }
        var slots: [String: Int] = [:]
        for line in plan.servers {
            switch line.action {
            case .notify, .retransfer:
                slots[line.server, default: 0] += 1
                slots[primary, default: 0] += 1
            case .restorePrimary(let from):
                slots[primary, default: 0] += 1
                slots[from, default: 0] += 1
            case .none, .skip:
                break
            }
        }
        return slots
    }

    /// Whether a plan needing `slots` may start while `inUse` are taken, at most `bound` per server. A plan
    /// needing more than `bound` on one server starts when that server is idle, so no plan waits forever.
    public static func fits(_ slots: [String: Int], inUse: [String: Int], bound: Int) -> Bool {
        slots.allSatisfy { server, count in
            let used = inUse[server, default: 0]
            return used == 0 || used + count <= bound
        }
    }
}

/// How one zone of a batch repair ended, from its plan and the verification sweep.
public struct ZoneRepairResult: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// Every server serves the same serial (and, deep, the same content).
        case converged = "CONVERGED"
        /// The plan refused the zone: nothing was sent.
        case refused = "REFUSED"
        /// Acted on (or nothing to act on), but the servers still differ.
        case failed = "FAILED"
    }

    public var zone: String
    public var outcome: Outcome
    /// Why, in one sentence: the serial all serve, the refusal, or what still differs.
    public var why: String

    public init(zone: String, outcome: Outcome, why: String) {
        self.zone = zone
        self.outcome = outcome
        self.why = why
    }

    /// Converged when every server serves one verified serial and none serves other content: the same
    /// test as a single-zone repair's. Otherwise the servers off the plan's target are named.
    public static func make(plan: RepairPlan, after: ZoneVerdict) -> ZoneRepairResult {
        if let refusal = plan.refusal { return ZoneRepairResult(zone: plan.zone, outcome: .refused, why: refusal) }
        let serials = Set(after.servers.map(\.serial))
        if serials.count == 1, let serial = serials.first!, !after.servers.contains(where: { $0.state == .diverged }) {
            return ZoneRepairResult(zone: plan.zone, outcome: .converged, why: "all servers serve serial \(serial)")
        }
        let off = after.servers.filter { $0.serial != plan.targetSerial || $0.state == .diverged }.map { status in
            "\(status.server) \(status.serial.map { "serves serial \($0)" } ?? "gave no verified serial") "
                + "(\(status.state.rawValue)\(status.detail.map { ": \($0)" } ?? ""))"
        }
        let target = plan.targetSerial.map { "serial \($0)" } ?? "the freshest copy"
        return ZoneRepairResult(
            zone: plan.zone, outcome: .failed,
            why: "not every server reached \(target): " + off.joined(separator: "; "))
    }
}

/// The end of a batch repair: counts, one line per zone that did not converge (refused with why, failed
/// with what still differs), and the exit status. Pure.
public struct RepairSummary: Sendable, Equatable {
    public var results: [ZoneRepairResult]

    public init(results: [ZoneRepairResult]) { self.results = results }

    public func zones(_ outcome: ZoneRepairResult.Outcome) -> [String] {
        results.filter { $0.outcome == outcome }.map(\.zone)
    }

    /// 0 when every zone agrees; 2 when any was refused or failed (CRITICAL, as a single-zone repair).
    public var exitCode: Int32 { results.allSatisfy { $0.outcome == .converged } ? 0 : 2 }

    /// `50 zones: 48 converged, 1 refused, 1 failed`, then the table of the zones that did not converge.
    public func text(seconds: Double) -> String {
        var lines = [
            "summary: \(results.count) zone\(results.count == 1 ? "" : "s"): "
                + ZoneRepairResult.Outcome.allCases.map { "\(zones($0).count) \($0.rawValue.lowercased())" }
                .joined(separator: ", ") + String(format: " (%.2f s)", seconds)
        ]
        let others = results.filter { $0.outcome != .converged }
        if !others.isEmpty {
            var table = TextTable([("zone", .left), ("result", .left), ("why", .left)])
            for result in others { table.add([result.zone, result.outcome.rawValue, result.why]) }
            lines.append(table.render())
        }
        return lines.joined(separator: "\n")
    }

    /// The sentence a failed batch ends with on stderr: `repair did not converge: refused zone00003.lab; failed …`.
    public var failureMessage: String? {
        guard exitCode != 0 else { return nil }
        var parts: [String] = []
        for outcome in [ZoneRepairResult.Outcome.refused, .failed] where !zones(outcome).isEmpty {
            parts.append("\(outcome.rawValue.lowercased()) \(zones(outcome).joined(separator: ", "))")
        }
        return "not every zone agrees: " + parts.joined(separator: "; ")
    }
}
