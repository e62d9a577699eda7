public import DNSKit
import Foundation

/// `zonecheck repair`: one zone, or many as one batch. Observe, plan (`RepairPlan`, pure), record a refusal,
/// carry the plan out (`RepairExecutor`, `RepairBatchExecutor`), observe again until the servers agree or
/// the time is up, record the verification. Every line for the operator goes to `say`; a refusal, an audit
/// log that cannot be written or a bad `--source` is thrown as a `CommandFailure`.
public struct RepairSession: Sendable {
    public var check: CheckSession
    /// The server whose copy wins (nil: the freshest verified serial).
    public var source: String?
    /// `--yes` or `repair.primary_from_secondary`: the primary may be restored from a fresher secondary.
    public var allowPrimaryRestore: Bool
    /// Compare content too (verified transfers from every server).
    public var deep: Bool
    /// Print the plans and change nothing.
    public var dryRun: Bool
    /// How long the whole repair may take, commands included.
    public var timeout: Duration
    public var audit: AuditLog
    public var say: @Sendable (String) -> Void
    /// A batch's steps (zones repaired), for a terminal's progress line.
    public var progress: ProgressReport?
    /// Zone names `--lagging`'s discovery refused (cron mail, the journal).
    public var warn: @Sendable (String) -> Void = { _ in }

    /// - Parameter yes: `--yes`, which allows what `repair.primary_from_secondary` allows.
    public init(
        check: CheckSession, source: String?, yes: Bool, deep: Bool, dryRun: Bool, timeout: Duration,
        progress: ProgressReport? = nil, say: @escaping @Sendable (String) -> Void
    ) throws {
        if let source, check.fleet.member(named: source) == nil {
            throw CommandFailure.unknown(
                "--source \(source) is not a server in \(check.configPath) (servers: \(check.serverList))")
        }
        self.check = check
        self.source = source
        self.allowPrimaryRestore = yes || check.configuration.repair.primaryFromSecondary
        self.deep = deep
        self.dryRun = dryRun
        self.timeout = timeout
        self.audit = AuditLog(directory: check.configuration.state.directory)
        self.progress = progress
        self.say = say
    }

    // MARK: one zone

    /// Repairs `zone`; returns whether every server serves the same serial (and, deep, the same content)
    /// afterwards. A dry run returns true after the plan.
    public func repair(_ zone: DomainName) async throws -> Bool {
        let started = ContinuousClock.now
        var deep = self.deep
        var before = await look(zone, deep: deep)
        // --source names the copy that must win; with every serial equal only the content can differ, so
        // compare it (without --deep it would say "in sync" over different content).
        if source != nil && !deep && Self.allSerialsEqual(before) {
            say("\(zone.displayName): every server serves the same serial: comparing content (--deep)")
            deep = true
            before = await look(zone, deep: true)
        }
        // Every path from here ends within the limit: the actions and the verification share it.
        let deadline = ContinuousClock.now + timeout
        let plan = RepairPlan.make(verdict: before, source: source, allowPrimaryRestore: allowPrimaryRestore)
        say(RepairText.plan(plan))
        if let refusal = plan.refusal {
            if !dryRun { try record([Self.refusalEntry(plan, refusal)]) }
            throw CommandFailure.critical("repair refused for \(plan.zone): \(refusal)")
        }
        if dryRun {
            say("dry run: nothing sent")
            return true
        }
        let executor = RepairExecutor(
            fleet: check.fleet, options: check.sweep.queryOptions, timeout: deadline - ContinuousClock.now,
            audit: audit, say: { [say] in say("  " + $0) })
        if plan.hasWork {
            do {
                _ = try await executor.execute(plan, client: check.client)
            } catch {
                throw CommandFailure.critical("\(error)")
            }
        }
        var after = await look(zone, deep: deep)
        // A retransfer keeps the serial, so polling the serial cannot tell when it finished: with --deep, look
        // again (backoff) until the content agrees or the timeout passes.
        var delay = Duration.milliseconds(100)
        while deep && after.servers.contains(where: { $0.state == .diverged })
            && ContinuousClock.now + delay < deadline
        {
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
            after = await look(zone, deep: deep)
        }
        let verification = RepairVerification(plan: plan, before: before, after: after)
        say(verification.table)
        try record(verification.entries)
        say(verification.line(seconds: (ContinuousClock.now - started).timeInterval))
        return verification.converged
    }

    /// One observation of the zone with the evidence of its causes, decided.
    func look(_ zone: DomainName, deep: Bool) async -> ZoneVerdict {
        Compare.verdict(await check.observe([zone], deep: deep)[0])
    }

    /// Every server gave a verified serial, and the same one.
    static func allSerialsEqual(_ verdict: ZoneVerdict) -> Bool {
        let serials = verdict.servers.map(\.serial)
        return !serials.contains(nil) && Set(serials).count == 1
    }

    // MARK: a batch

    /// Which zones a batch repairs.
    public enum Selection: Sendable {
        /// Named zones (duplicates taken once).
        case zones([String])
        /// Every zone a fresh sweep finds behind the primary (on `server` only, when given).
        case lagging(server: String?)
        /// The zones of open incident N, read from the state database without writing to it.
        case incident(Int64)
    }

    /// One sweep, one plan per zone (all said; a dry run stops there), the plans carried out in parallel
    /// (`RepairBatchExecutor`), one verification sweep, one summary. Returns the summary (nil: a dry run, or
    /// no zone behind); a dry run with refused zones is `CommandFailure.critical`.
    public func repairBatch(_ selection: Selection) async throws -> RepairSummary? {
        let started = ContinuousClock.now
        if case .lagging(let server?) = selection, check.fleet.member(named: server)?.role != .secondary {
            throw CommandFailure.unknown(
                "--server \(server) is not a secondary in \(check.configPath) (servers: \(check.serverList))")
        }
        let zoneNames = try await zones(selection)
        var sweep = check.sweep
        sweep.progress = progress
        let observations = await sweep.observe(
            zones: zoneNames, deep: deep, today: DateSerial.today(), client: check.client)
        var verdicts = observations.map { Compare.verdict($0) }
        if case .lagging(let server) = selection {
            verdicts = RepairBatch.lagging(verdicts, server: server)
            if verdicts.isEmpty {
                say("no zone is behind\(server.map { " on \($0)" } ?? "") (\(zoneNames.count) zones swept)")
                return nil
            }
        }
        let plans = verdicts.map {
            RepairPlan.make(verdict: $0, source: source, allowPrimaryRestore: allowPrimaryRestore)
        }
        for plan in plans {
            say(RepairText.plan(plan) + (plan.refusal.map { "\n  refused: \($0)" } ?? ""))
        }
        let refused = plans.filter { $0.refusal != nil }.map(\.zone)
        if dryRun {
            say("dry run: nothing sent (\(plans.count) zones, \(refused.count) refused)")
            if !refused.isEmpty {
                throw CommandFailure.critical("repair refused for \(refused.joined(separator: ", "))")
            }
            return nil
        }
        try record(plans.compactMap { plan in plan.refusal.map { Self.refusalEntry(plan, $0) } })
        let say = self.say
        let executor = RepairExecutor(
            fleet: check.fleet, options: sweep.queryOptions, timeout: timeout, audit: audit,
            say: { say("  " + $0) })
        let batch = RepairBatchExecutor(executor: executor, progress: progress)
        let results: [ZoneRepairResult]
        do {
            _ = try await batch.execute(plans, client: check.client)
            results = try await batch.verify(plans, before: verdicts, sweep: sweep, deep: deep, client: check.client)
        } catch {
            throw CommandFailure.critical("cannot write the audit log: \(error)")
        }
        let summary = RepairSummary(results: results)
        say(summary.text(seconds: (ContinuousClock.now - started).timeInterval))
        return summary
    }

    /// The zones of the batch: the named ones, every zone of the configuration (`lagging`), or the zones of
    /// an open incident.
    func zones(_ selection: Selection) async throws -> [DomainName] {
        var names: [String]
        switch selection {
        case .lagging:
            return try await check.zones(warn: warn)
        case .zones(let given):
            names = given
        case .incident(let incident):
            let directory = check.configuration.state.directory
            let open: [Incident]
            do {
                guard let state = try StateDatabase.openExisting(directory: directory) else {
                    throw CommandFailure.unknown(
                        "--incident \(incident): no state yet (\(StateDatabase.path(directory: directory)) does not "
                            + "exist): 'zonecheck run' creates it")
                }
                open = try state.openIncidents()
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure.unknown("\(error)")
            }
            guard
                let found = RepairBatch.zones(
                    ofIncident: incident, open: open, serverOrder: check.configuration.servers.map(\.name))
            else {
                throw CommandFailure.unknown(
                    "no open incident #\(incident): it was resolved or never existed; 'zonecheck status' lists the "
                        + "open ones")
            }
            names = found
        }
        var seen = Set<String>()
        return try names.filter { seen.insert($0.lowercased()).inserted }.map { name in
            do {
                return try DomainName(zoneName: name)
            } catch {
                throw CommandFailure.unknown("'\(name)' is not a zone name: \(error)")
            }
        }
    }

    // MARK: the audit log

    /// Appends `entries` in one write; a repair that cannot be recorded stops, CRITICAL.
    func record(_ entries: [AuditEntry]) throws {
        do {
            try audit.append(contentsOf: entries)
        } catch {
            throw CommandFailure.critical("cannot write the audit log: \(error)")
        }
    }

    static func refusalEntry(_ plan: RepairPlan, _ refusal: String) -> AuditEntry {
        AuditEntry(
            zone: plan.zone, server: "-", action: "plan-refused", serialBefore: nil, serialAfter: nil,
            outcome: "refused", detail: refusal)
    }
}

extension CheckSession {
    /// `ns1, ns2, ns3`: the servers a message about a wrong server name offers.
    var serverList: String { fleet.members.map(\.name).joined(separator: ", ") }
}
