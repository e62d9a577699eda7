public import DNSKit

/// Carries out the plans of a batch repair. Each zone's plan runs through `RepairExecutor.execute`, so every
/// rule and audit entry of a single-zone repair holds (NOTIFY, then the retransfer command; the primary
/// restored only when the plan says so; refused plans never reach here). Zones run in parallel, holding at
/// most `perServer` slots on any server (`RepairBatch.slots`), and every wait for a serial goes through one
/// `SerialWatch`, which asks each server about all waiting zones in one batch per round.
public struct RepairBatchExecutor: Sendable {
    /// The single-zone executor whose fleet, query options, timeout, audit log and `say` every zone uses.
    public var executor: RepairExecutor
    /// Slots per server. 8: a BIND primary serves `transfers-out` (default 10) transfers at once and answers
    /// the next "quota reached", after which a secondary backs off for minutes; its real traffic needs room.
    public var perServer: Int
    /// Told as each zone's actions end: zones done of the zones with work.
    public var progress: ProgressReport?

    public init(executor: RepairExecutor, perServer: Int = 8, progress: ProgressReport? = nil) {
        self.executor = executor
        self.perServer = perServer
        self.progress = progress
    }

    /// Runs every plan that has work; returns, per zone acted on, whether its servers reached the target
    /// serial while it ran (the verification sweep decides the end result). An audit failure stops the
    /// batch: no new zone starts, the running ones finish, and the error is thrown.
    public func execute(_ plans: [RepairPlan], client: DNSClient) async throws(AuditError) -> [String: Bool] {
        let work = plans.filter(\.hasWork)
        guard !work.isEmpty else { return [:] }
        let primary = executor.fleet.primary.name
        let bound = max(1, perServer)
        let slots = work.map { RepairBatch.slots(of: $0, primary: primary) }
        var zoneExecutor = executor
        zoneExecutor.watch = SerialWatch(client: client, options: executor.options)
        let template = zoneExecutor
        // The loop keeps its state in plain locals (no nested function capturing the task group: a release
        // build trapped intermittently on that shape); which zones start next is `RepairBatch.fits`'s call.
        let results = await withTaskGroup(of: ZoneStep.self) { group in
            var waiting = Array(work.indices)
            var inUse: [String: Int] = [:]
            var failure: AuditError?
            var running = 0
            var converged: [String: Bool] = [:]
            while true {
                var k = 0
                while k < waiting.count, failure == nil, inUse[primary, default: 0] < bound {
                    let index = waiting[k]
                    guard RepairBatch.fits(slots[index], inUse: inUse, bound: bound) else {
                        k += 1
                        continue
                    }
                    waiting.remove(at: k)
                    for (server, count) in slots[index] { inUse[server, default: 0] += count }
                    let plan = work[index]
                    let executor = template.saying(prefix: plan.zone)
                    running += 1
                    group.addTask {
                        var step = ZoneStep(index: index)
                        do {
                            step.converged = try await executor.execute(plan, client: client)
                        } catch let error as AuditError {
                            step.failure = error
                        } catch {
                            step.failure = AuditError(path: executor.audit.path, reason: "\(error)")
                        }
                        return step
                    }
                }
                guard running > 0, let next = await group.next() else { break }
                running -= 1
                let index = next.index
                for (server, count) in slots[index] { inUse[server, default: 0] -= count }
                if let error = next.failure {
                    failure = failure ?? error
                } else {
                    converged[work[index].zone] = next.converged
                }
                progress?(ProgressStep(work: "zones repaired", done: converged.count, total: work.count))
            }
            return (converged, failure)
        }
        if let failure = results.1 { throw failure }
        return results.0
    }
}

/// What one zone's actions came to, from its child task: which zone (by its index in the batch's work),
/// whether its servers reached the target serial, or the audit failure that stops the batch.
struct ZoneStep: Sendable {
    var index: Int
    var converged = false
    var failure: AuditError?
}

extension RepairBatchExecutor {
    /// One verification sweep of every zone not refused (with `deep`, the zones still diverged are looked at
    /// again, backing off, until they agree or `executor.timeout` passes: a retransfer keeps the serial), one
    /// `verify` audit entry per zone and server, written together, and how each plan ended.
    public func verify(
        _ plans: [RepairPlan], before: [ZoneVerdict], sweep: Sweep, deep: Bool, client: DNSClient
    ) async throws(AuditError) -> [ZoneRepairResult] {
        let checked = plans.filter { $0.refusal == nil }
        var after: [String: ZoneVerdict] = [:]
        func observe(_ zones: [DomainName]) async {
            for observation in await sweep.observe(zones: zones, deep: deep, today: DateSerial.today(), client: client)
            {
                let verdict = Compare.verdict(observation)
                after[verdict.zone] = verdict
            }
        }
        await observe(checked.map(\.name))
        let deadline = ContinuousClock.now + executor.timeout
        var delay = Duration.milliseconds(100)
        while deep, ContinuousClock.now + delay < deadline {
            let diverged = checked.filter { after[$0.zone]?.servers.contains { $0.state == .diverged } == true }
            if diverged.isEmpty { break }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
            await observe(diverged.map(\.name))
        }
        let earlier = Dictionary(before.map { ($0.zone, $0) }, uniquingKeysWith: { first, _ in first })
        var results: [ZoneRepairResult] = []
        var entries: [AuditEntry] = []
        for plan in plans {
            guard let verdict = after[plan.zone] ?? earlier[plan.zone] else { continue }
            if after[plan.zone] != nil {
                for status in verdict.servers {
                    let old = earlier[plan.zone]?.servers.first { $0.server == status.server }?.serial
                    let ok = status.serial == plan.targetSerial && status.state != .diverged
                    entries.append(
                        AuditEntry(
                            zone: plan.zone, server: status.server, action: "verify", serialBefore: old,
                            serialAfter: status.serial, outcome: ok ? "ok" : "failed",
                            detail: status.detail ?? "serves the target serial"))
                }
            }
            results.append(ZoneRepairResult.make(plan: plan, after: verdict))
        }
        try executor.audit.append(contentsOf: entries)
        return results
    }
}

extension RepairExecutor {
    /// The same executor, its lines prefixed with the zone: in a batch, lines of many zones interleave.
    func saying(prefix: String) -> RepairExecutor {
        var copy = self
        let say = self.say
        copy.say = { say("\(prefix): \($0)") }
        return copy
    }
}
