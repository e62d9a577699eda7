public import DNSKit
public import Foundation
public import Logging

/// Sends one grouped alert; returns where it went (for the audit log), throws when it could not.
public typealias AlertSender = @Sendable (AlertBatch) async throws -> String

/// One `zonecheck run`, the cron entry point, in named stages, each an edge or a pure decision:
///
/// 1. `locked`: the run lock, the session (fleet, client), the state database, the zones;
/// 2. `begin`: the run's row, the repairs of a killed run recorded as interrupted;
/// 3. `observe`: the sweep (compared by transfer: `DeepSchedule`'s pick, each zone at least once per
///    `check.deep`), then the evidence of each problem's cause;
/// 4. `decide`: pure (`RunDecision`): one verdict per zone with its lags dated, the problem starts carried,
///    the incidents tracked;
/// 5. `record`: the whole decision in one transaction, then the zones compared;
/// 6. `act`: the automatic repairs the policy allows (`AutoRepairPolicy`, the restore quorum);
/// 7. `tell`: one grouped alert for new or worse critical incidents and resolutions (`AlertPlan`);
/// 8. `report`: the summary line, the audit log's head, the run finished, old rows pruned, the metrics.
public struct RunCycle: Sendable {
    public var session: CheckSession
    public var state: StateDatabase
    /// Entries name `run` as their user.
    public var audit: AuditLog
    public var logger: Logger
    /// nil: no email configured (incidents are still tracked and shown by `zonecheck status`).
    public var sendAlert: AlertSender?
    public var host: String
    /// Deep check every zone this run whatever the schedule says.
    public var forceDeep: Bool
    /// Zones repaired at the same time.
    public var repairConcurrency: Int
    /// Observations, finished runs and resolved incidents older than this are pruned.
    public var retention: TimeInterval

    public var configuration: Configuration { session.configuration }
    public var fleet: Fleet { session.fleet }

    public init(
        session: CheckSession, state: StateDatabase, logger: Logger, sendAlert: AlertSender?,
        host: String = AuditLog.currentHost, forceDeep: Bool = false, repairConcurrency: Int = 8,
        retention: TimeInterval = 30 * 86_400
    ) {
        self.session = session
        self.state = state
        var audit = AuditLog(directory: session.configuration.state.directory)
        audit.actor = "run"
        self.audit = audit
        self.logger = logger
        self.sendAlert = sendAlert
        self.host = host
        self.forceDeep = forceDeep
        self.repairConcurrency = repairConcurrency
        self.retention = retention
    }

    /// `zonecheck run`: takes `<state.directory>/run.lock` (held until the run ends; a lock left by a killed
    /// run never blocks), opens the session and the state database, finds every configured zone (the catalog
    /// included: refused names go to `warn`) and runs one cycle. Whatever stops it is `CommandFailure.unknown`
    /// (exit 3), logged too when the cycle itself failed.
    public static func locked(
        _ configuration: Configuration, path: String, logger: Logger, sendAlert: AlertSender?, forceDeep: Bool,
        warn: (String) -> Void
    ) async throws -> RunOutcome {
        let lock: RunLock
        do {
            lock = try RunLock.acquire(directory: configuration.state.directory)
        } catch {
            throw CommandFailure.unknown(error.description)
        }
        defer { withExtendedLifetime(lock) {} }
        return try await CheckSession.with(configuration, path: path) { session in
            let state: StateDatabase
            do {
                state = try StateDatabase.open(directory: configuration.state.directory)
            } catch {
                throw CommandFailure.unknown("\(error)")
            }
            if let moved = state.corruptMovedTo {
                let note =
                    "the state database \(state.path) was corrupt: moved to \(moved), and a new one started; incidents open again from this run (their history is in the audit log and in the moved file)"
                logger.error("\(note)")
                warn(note)
                var audit = AuditLog(directory: configuration.state.directory)
                audit.actor = "run"
                try? audit.append(
                    AuditEntry(
                        user: "run", zone: "-", server: "-", action: "state-replaced", serialBefore: nil,
                        serialAfter: nil, outcome: "ok", detail: "corrupt state database moved to \(moved)"))
            }
            let zones = try await session.zones(warn: warn)
            let cycle = RunCycle(
                session: session, state: state, logger: logger, sendAlert: sendAlert, forceDeep: forceDeep)
            do {
                return try await cycle.run(zones: zones)
            } catch let error as StateError where error.isCorruption {
                // Found corrupt in the middle of the run: moved aside now, so that the next run starts anew
                // instead of failing the same way every few minutes.
                let moved = StateDatabase.moveAside(state.path)
                let note =
                    "run failed: \(error.path): \(error.reason): the database is corrupt; "
                    + (moved.map { "moved to \($0); the next run starts a new one" }
                        ?? "it could not be moved aside: move it by hand")
                logger.error("\(note)")
                throw CommandFailure.unknown(note)
            } catch {
                logger.error("run failed: \(error)")
                throw CommandFailure.unknown("\(error)")
            }
        }
    }

    /// One cycle over `zones`, stage by stage.
    public func run(zones: [DomainName]) async throws -> RunOutcome {
        let start = try begin()
        let look = try await observe(zones, start: start)
        let decision = try decide(look, start: start)
        let open = try record(decision, look: look, start: start)
        let (decisions, repairs) = try await act(decision, open: open, start: start)
        let told = try await tell(repairs: repairs, decisions: decisions, start: start)
        return try report(
            look: look, decision: decision, open: open, repairs: repairs, told: told, start: start)
    }

    /// This run as `begin` started it.
    struct Start {
        var id: Int64
        var started: Date
        var clock: ContinuousClock.Instant
        /// Runs killed (or crashed) since the last start: a CRITICAL problem of their own, told once.
        var unfinished: [UnfinishedRun]
    }

    /// What `observe` saw.
    struct Look {
        var zones: [DomainName]
        /// With the evidence of each problem's cause.
        var observations: [ZoneObservation]
        /// Zones compared by transfer this run.
        var compared: Set<String>
        /// The deep check's pick and its reasons, for the summary (nil: `check.deep` is never).
        var deepPlan: DeepSchedule.Plan?
        var dropped: [String: Int]
        var checkedAt: Date
    }

    /// The run's row; repairs a killed run left "started" become "repair-interrupted" audit entries.
    func begin() throws -> Start {
        let clock = ContinuousClock.now
        let started = Date()
        let (runID, interrupted, unfinished) = try state.beginRun(started: started, pid: getpid(), host: host)
        for attempt in interrupted {
            try record(
                AuditEntry(
                    zone: attempt.zone, server: "-", action: "repair-interrupted", serialBefore: nil, serialAfter: nil,
                    outcome: "interrupted",
                    detail: "an automatic repair (\(attempt.actions)) started at \(attempt.started) by a run that was "
                        + "killed; it counts against repair.max_per_zone_per_hour and is not repeated at once"))
        }
        return Start(id: runID, started: started, clock: clock, unfinished: unfinished)
    }

    /// The sweep, with the deep check for `DeepSchedule`'s pick (all with `run --deep`, none when check.deep
    /// is "never") overlapped with it, then the evidence.
    func observe(_ zones: [DomainName], start: Start) async throws -> Look {
        let client = session.client
        let sweep = session.sweep
        let started = start.started
        let names = zones.map(\.displayName)
        let period = configuration.check.deep?.timeInterval
        var pick: DeepSchedule.Pick? = forceDeep ? .all(names) : nil
        if !forceDeep, let period {
            pick = .spread(
                zones: names, last: try state.deepComparisons(), now: started, period: period,
                interval: DeepSchedule.runInterval(starts: try state.recentRunStarts(DeepSchedule.intervalRuns)),
                since: try state.firstDeepRunStart())
        }
        // The pick's early zones transfer with the sweep; a changed serial joins when its answer arrives.
        let (observed, picked) = await sweep.observe(
            zones: zones, pick: pick, today: DateSerial.today(), client: client)
        let dropped = await sweep.droppedAnswers(client: client)
        let deepPlan = picked?.plan
        let compared = Set(observed.filter { $0.transfers != nil }.map(\.name))
        let observations = await session.evidence.gather(observed)
        return Look(
            zones: zones, observations: observations, compared: compared, deepPlan: deepPlan, dropped: dropped,
            checkedAt: Date())
    }

    /// `RunDecision` over what the state database holds from the previous run.
    func decide(_ look: Look, start: Start) throws -> RunDecision {
        // Problems only a transfer shows stay as they are on the zones not compared (not on zones no longer
        // swept).
        let swept = Set(look.zones.map(\.displayName))
        let compared = look.compared
        return RunDecision.make(
            observations: look.observations, previous: try state.problemStarts(), unfinished: start.unfinished,
            hold: DeepHold(
                open: try state.openIncidents(), history: try state.flapHistory(),
                compared: { compared.contains($0) || !swept.contains($0) }),
            servers: fleet.members.map(\.name), now: look.checkedAt, grace: configuration.check.lagGrace,
            settings: IncidentSettings(resolveAfter: configuration.alerts.resolveAfter),
            signatures: configuration.check.signatures)
    }

    /// The decision in one transaction; after it, the zones compared (a run killed in between compares them
    /// again rather than lose a finding). Returns the open incidents, the held ones included.
    func record(_ decision: RunDecision, look: Look, start: Start) throws -> [Incident] {
        let stored = try state.record(
            RunRecord(
                runID: start.id, time: look.checkedAt, deep: !look.compared.isEmpty, verdicts: decision.verdicts,
                problemStarts: decision.starts, incidents: decision.update, servers: decision.stats,
                status: decision.status))
        var comparisons: [String: [String: UInt32?]] = [:]
        for zone in look.observations where look.compared.contains(zone.name) {
            comparisons[zone.name] = DeepSchedule.comparedSerials(zone)
        }
        try state.recordDeepComparisons(
            comparisons, at: start.started, swept: Set(look.zones.map(\.displayName)))
        return stored.filter(\.isOpen) + decision.held
    }

    /// The automatic repairs `AutoRepairPolicy` allows, restores held to their quorum, carried out.
    func act(_ decision: RunDecision, open: [Incident], start: Start) async throws -> (
        decisions: [AutoRepairPolicy.Decision], repairs: [RepairResult]
    ) {
        let now = decision.now
        let (decisions, restoreDigests) = try await holdRestoresToQuorum(
            AutoRepairPolicy.decide(
                verdicts: decision.verdicts, open: open,
                attempts: try state.repairAttempts(since: now.addingTimeInterval(-3600)),
                settings: configuration.repair, now: now),
            verdicts: decision.verdicts, client: session.client)
        for decision in decisions where decision.plan == nil {
            logger.debug("not repaired", metadata: ["zone": "\(decision.zone)", "why": "\(decision.skipped ?? "")"])
        }
        let repairs = try await repair(
            decisions.compactMap(\.plan), runID: start.id, client: session.client, sweep: session.sweep,
            restoreDigests: restoreDigests)
        return (decisions, repairs)
    }

    /// How the alert went: sent, or why not (sent again at the next run).
    struct Told {
        var sent = false
        var failure: String?
    }

    /// One grouped alert for what `AlertPlan` says people are owed, with what this run did about it.
    func tell(repairs: [RepairResult], decisions: [AutoRepairPolicy.Decision], start: Start) async throws -> Told {
        var told = Told()
        let plan = AlertPlan.make(try state.incidentsToTell())
        guard !plan.isEmpty, let sendAlert else { return told }
        var batch = plan.batch(serverOrder: fleet.members.map(\.name), time: start.started, host: host)
        batch.vantage = configuration.vantage
        batch.opened = batch.opened.map { Self.annotate($0, repairs: repairs, decisions: decisions) }
        batch.escalated = batch.escalated.map { Self.annotate($0, repairs: repairs, decisions: decisions) }
        let what =
            "\(batch.opened.count) opened, \(batch.escalated.count) escalated, \(batch.resolved.count) resolved: "
            + (batch.opened + batch.escalated + batch.resolved).map(\.headline).joined(separator: "; ")
        let recipient: Result<String, any Error>
        do {
            recipient = .success(try await sendAlert(batch))
        } catch {
            recipient = .failure(error)
        }
        switch recipient {
        case .success(let recipient):
            try state.recordAlert(
                runID: start.id, time: Date(), kind: "alert", told: plan.told(), outcome: "ok", detail: what)
            try record(
                AuditEntry(
                    zone: Self.zonesField(batch), server: "-", action: "alert-sent", serialBefore: nil,
                    serialAfter: nil, outcome: "ok", detail: "\(recipient): \(what)"))
            told.sent = true
        case .failure(let error):
            told.failure = "the alert could not be sent (\(error)); it is sent again at the next run"
            try state.recordAlert(
                runID: start.id, time: Date(), kind: "alert", told: plan.told(), outcome: "failed",
                detail: "\(error)")
            try record(
                AuditEntry(
                    zone: Self.zonesField(batch), server: "-", action: "alert-sent", serialBefore: nil,
                    serialAfter: nil, outcome: "failed", detail: "\(error): \(what)"))
        }
        return told
    }

    /// The summary line, the audit log's head (the end of the chain `audit verify` checks against), the run
    /// finished, old rows pruned, the metrics.
    func report(
        look: Look, decision: RunDecision, open: [Incident], repairs: [RepairResult], told: Told, start: Start
    ) throws -> RunOutcome {
        let elapsed = (ContinuousClock.now - start.clock).timeIntervalValue
        let serverNames = fleet.members.map(\.name)
        let zones = look.zones
        var report = CheckReport(
            servers: serverNames, verdicts: decision.verdicts,
            deep: !zones.isEmpty && look.compared.count == zones.count, deepZones: look.compared.count)
        report.droppedAnswers = look.dropped
        let summary = Self.summary(
            zones: zones.count, servers: serverNames.count, deepPlan: look.deepPlan, seconds: elapsed,
            decision: decision, open: open, repairs: repairs, unfinished: start.unfinished.count, told: told)
        do {
            if let head = try audit.head() { try state.recordAuditHead(head) }
        } catch let error as AuditError {
            throw RunError.audit(error)
        }
        let finished = Date()
        try state.finishRun(id: start.id, at: finished, summary: summary)
        try state.prune(before: start.started.addingTimeInterval(-retention))
        var metrics = RunMetrics(
            verdicts: decision.verdicts, servers: decision.stats, lag: decision.clocks, checkedAt: look.checkedAt,
            openIncidents: open, runSeconds: elapsed, startedAt: start.started, finishedAt: finished,
            lagGrace: configuration.check.lagGrace, vantage: configuration.vantage)
        metrics.droppedAnswers = look.dropped
        return RunOutcome(
            report: report, status: decision.status, summary: summary, metrics: metrics, repairs: repairs,
            alertFailure: told.failure, openIncidents: open)
    }

    /// The one line logged per run: `50 zones, 5 servers, deep 8 (...), 1.20 s: OK; open incidents ...`.
    static func summary(
        zones: Int, servers: Int, deepPlan: DeepSchedule.Plan?, seconds: Double, decision: RunDecision,
        open: [Incident], repairs: [RepairResult], unfinished: Int, told: Told
    ) -> String {
        let critical = open.count { $0.severity == .critical }
        let warning = open.count { $0.severity == .warning }
        var summary =
            "\(zones) zone\(zones == 1 ? "" : "s"), \(servers) server\(servers == 1 ? "" : "s")"
            + "\(deepPlan.map { ", " + $0.description } ?? ""), "
            + String(format: "%.2f s", seconds) + ": \(decision.status); open incidents \(critical) critical, "
            + "\(warning) warning (\(decision.update.opened.count) opened, \(decision.update.resolved.count) resolved)"
        if !repairs.isEmpty {
            summary += "; \(repairs.count) zones repaired (\(repairs.count { $0.converged }) converged)"
        }
        if unfinished > 0 {
            summary += "; \(unfinished) earlier run\(unfinished == 1 ? "" : "s") did not finish"
        }
        if told.sent { summary += "; alert sent" }
        if let failure = told.failure { summary += "; \(failure)" }
        return summary
    }

    /// Carries out the plans, `repairConcurrency` zones at a time. Each attempt is stored "started" before
    /// anything is sent and updated after, so a run killed half-way leaves a trace that counts.
    func repair(
        _ plans: [RepairPlan], runID: Int64, client: DNSClient, sweep: Sweep, restoreDigests: [String: String]
    ) async throws -> [RepairResult] {
        guard !plans.isEmpty else { return [] }
        let executor = RepairExecutor(
            fleet: fleet, options: sweep.queryOptions, timeout: configuration.repair.convergeTimeout, audit: audit,
            say: { [logger] line in logger.debug("\(line)") })
        let state = self.state
        let results = await withTaskGroup(of: Result<RepairResult, RunError>.self) { group in
            var next = 0
            func add() {
                let plan = plans[next]
                next += 1
                group.addTask {
                    let actions = plan.servers.compactMap { line -> String? in
                        switch line.action {
                        case .notify: "notify \(line.server)"
                        case .retransfer: "retransfer \(line.server)"
                        case .restorePrimary(let from): "restore \(line.server) from \(from)"
                        case .none, .skip: nil
                        }
                    }.joined(separator: ", ")
                    do {
                        let id = try state.startAttempt(runID: runID, zone: plan.zone, actions: actions, at: Date())
                        let converged = try await executor.execute(
                            plan, client: client, requiredDigest: restoreDigests[plan.zone])
                        try state.finishAttempt(
                            id: id, status: converged ? "converged" : "failed",
                            detail: converged
                                ? "every server serves serial \(plan.targetSerial.map(String.init) ?? "?")"
                                : "not every server reached serial \(plan.targetSerial.map(String.init) ?? "?")",
                            at: Date())
                        return .success(RepairResult(zone: plan.zone, actions: actions, converged: converged))
                    } catch let error as StateError {
                        return .failure(.state(error))
                    } catch let error as AuditError {
                        return .failure(.audit(error))
                    } catch {
                        return .success(RepairResult(zone: plan.zone, actions: actions, converged: false))
                    }
                }
            }
            while next < min(max(1, repairConcurrency), plans.count) { add() }
            var results: [Result<RepairResult, RunError>] = []
            while let result = await group.next() {
                results.append(result)
                if next < plans.count { add() }
            }
            return results
        }
        var done: [RepairResult] = []
        for result in results {
            switch result {
            case .success(let repair): done.append(repair)
            case .failure(let error): throw error
            }
        }
        return done.sorted { $0.zone < $1.zone }
    }

    /// Adds to a note what the run did about its zones: repaired, converged or not, or why not.
    static func annotate(_ note: IncidentNote, repairs: [RepairResult], decisions: [AutoRepairPolicy.Decision])
        -> IncidentNote
    {
        let zones = Set(note.zones)
        let mine = repairs.filter { zones.contains($0.zone) }
        let skipped = decisions.filter { $0.plan == nil && zones.contains($0.zone) }
        var note = note
        if !mine.isEmpty {
            let converged = mine.count { $0.converged }
            note.detail +=
                "\nAutomatic repair this run (\(Set(mine.map(\.actions)).sorted().joined(separator: "; "))): "
                + "\(converged) of \(mine.count) zone\(mine.count == 1 ? "" : "s") converged"
                + (converged < mine.count
                    ? "; the others are retried with backoff, or run 'zonecheck repair --incident \(note.id)'" : "")
        }
        if let first = skipped.first, let why = first.skipped {
            let reason =
                note.zones.count > 1 ? IncidentGrouping.groupCommand(why, zone: first.zone, incident: note.id) : why
            note.detail +=
                "\nNot repaired automatically (\(skipped.count) zone\(skipped.count == 1 ? "" : "s")): \(reason)"
        }
        return note
    }

    /// The audit entry's zone field for an alert: the zone, or "N zones".
    static func zonesField(_ batch: AlertBatch) -> String {
        let zones = Set((batch.opened + batch.escalated + batch.resolved).flatMap(\.zones))
        return zones.count == 1 ? zones.first! : "\(zones.count) zones"
    }

    func record(_ entry: AuditEntry) throws(RunError) {
        do {
            try audit.append(entry)
        } catch {
            throw .audit(error)
        }
    }
}

/// One zone's automatic repair.
public struct RepairResult: Sendable, Equatable {
    public var zone: String
    public var actions: String
    public var converged: Bool
}

public struct RunOutcome: Sendable {
    public var report: CheckReport
    /// The worst problem after the lag grace (a lag within it is not one): the exit code.
    public var status: Severity
    /// The one line logged per run.
    public var summary: String
    public var metrics: RunMetrics
    public var repairs: [RepairResult]
    public var alertFailure: String?
    public var openIncidents: [Incident]
}

public enum RunError: Error, Sendable, CustomStringConvertible {
    case state(StateError)
    case audit(AuditError)

    public var description: String {
        switch self {
        case .state(let error): "\(error)"
        case .audit(let error): "\(error)"
        }
    }
}

extension Duration {
    var timeIntervalValue: TimeInterval { timeInterval }
}
