public import DNSKit

/// Carries out the plans of a batch repair. Each zone's plan runs through `RepairRun.execute`, so every
/// rule and audit entry of a single-zone repair holds (NOTIFY, then the retransfer command; the primary
/// restored only when the plan says so; refused plans never reach here). Zones run in parallel, holding at
/// most `perServer` slots on any server (`RepairBatch.slots`), and every wait for a serial goes through one
/// `SerialWatch`, which asks each server about all waiting zones in one batch per round.
public struct RepairBatchRun: Sendable {
    /// The single-zone executor whose fleet, query options, timeout, audit log and `say` every zone uses.
    public var run: RepairRun
    /// Slots per server. 8: a BIND primary serves `transfers-out` (default 10) transfers at once and answers
    /// the next "quota reached", after which a secondary backs off for minutes; its real traffic needs room.
    public var perServer: Int
    /// Told as each zone's actions end: zones done of the zones with work.
    public var progress: ProgressReport?

    public init(run: RepairRun, perServer: Int = 8, progress: ProgressReport? = nil) {
        self.run = run
        self.perServer = perServer
        self.progress = progress
    }

    /// Runs every plan that has work; returns, per zone acted on, whether its servers reached the target
    /// serial while it ran (the verification sweep decides the end result). An audit failure stops the
    /// batch: no new zone starts, the running ones finish, and the error is thrown.
    public func execute(_ plans: [(plan: RepairPlan, zone: DomainName)], client: DNSClient)
        async throws(AuditError) -> [String: Bool]
    {
        let work = plans.filter { $0.plan.hasWork }
        guard !work.isEmpty else { return [:] }
        let primary = run.fleet.primary.name
        let bound = max(1, perServer)
        let slots = work.map { RepairBatch.slots(of: $0.plan, primary: primary) }
        var zoneRun = run
        zoneRun.watch = SerialWatch(client: client, options: run.options)
        let template = zoneRun
        let results = await withTaskGroup(of: (Int, Result<Bool, AuditError>).self) { group in
            var waiting = Array(work.indices)
            var inUse: [String: Int] = [:]
            var failure: AuditError?
            func startWhatFits() {
                var k = 0
                while k < waiting.count, failure == nil, inUse[primary, default: 0] < bound {
                    let index = waiting[k]
                    guard RepairBatch.fits(slots[index], inUse: inUse, bound: bound) else {
                        k += 1
                        continue
                    }
                    waiting.remove(at: k)
                    for (server, count) in slots[index] { inUse[server, default: 0] += count }
                    let (plan, zone) = work[index]
                    let executor = template.saying(prefix: plan.zone)
                    group.addTask {
                        do throws(AuditError) {
                            return (index, .success(try await executor.execute(plan, zone: zone, client: client)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
            }
            startWhatFits()
            var converged: [String: Bool] = [:]
            while let (index, result) = await group.next() {
                for (server, count) in slots[index] { inUse[server, default: 0] -= count }
                switch result {
                case .success(let done): converged[work[index].plan.zone] = done
                case .failure(let error): failure = failure ?? error
                }
                progress?(ProgressStep(work: "zones repaired", done: converged.count, total: work.count))
                startWhatFits()
            }
            return (converged, failure)
        }
        if let failure = results.1 { throw failure }
        return results.0
    }
}

extension RepairRun {
    /// The same executor, its lines prefixed with the zone: in a batch, lines of many zones interleave.
    func saying(prefix: String) -> RepairRun {
        var copy = self
        let say = self.say
        copy.say = { say("\(prefix): \($0)") }
        return copy
    }
}
