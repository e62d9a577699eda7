public import DNSKit
public import Foundation
public import Logging

/// Sends one grouped alert; returns where it went (for the audit log), throws when it could not.
public typealias AlertSender = @Sendable (AlertBatch) async throws -> String

/// One `zonecheck run`, the cron entry point, minus the lock and the outputs (the command's job): sweep every
/// zone (and compare some by transfer, `DeepSchedule`'s pick: each at least once per `check.deep`), compare
/// with lags dated by the state database, track incidents, store everything in one transaction, repair what the policy allows, tell people what they are owed.
public struct RunCycle: Sendable {
    public var configuration: Configuration
    public var fleet: Fleet
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

    public init(
        configuration: Configuration, fleet: Fleet, state: StateDatabase, logger: Logger,
        sendAlert: AlertSender?, host: String = AuditLog.currentHost, forceDeep: Bool = false,
        repairConcurrency: Int = 8, retention: TimeInterval = 30 * 86_400
    ) {
        self.configuration = configuration
        self.fleet = fleet
        self.state = state
        var audit = AuditLog(directory: configuration.state.directory)
        audit.actor = "run"
        self.audit = audit
        self.logger = logger
        self.sendAlert = sendAlert
        self.host = host
        self.forceDeep = forceDeep
        self.repairConcurrency = repairConcurrency
        self.retention = retention
    }

    public func run(zones: [DomainName], client: DNSClient) async throws -> RunOutcome {
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
        // Which zones are compared by transfer: all with `run --deep`, else DeepSchedule's pick once this
        // sweep's serials are in; none when check.deep is "never".
        let names = zones.map(\.displayName)
        let period = configuration.check.deep?.timeInterval
        let deep = forceDeep || period != nil
        var schedule: @Sendable ([[ServerObservation]]) -> DeepSchedule.Plan = { _ in DeepSchedule.all(names) }
        if !forceDeep, let period {
            let last = try state.deepComparisons()
            let interval = DeepSchedule.runInterval(starts: try state.recentRunStarts(DeepSchedule.intervalRuns))
            let since = try state.firstDeepRunStart()
            schedule = { serials in
                DeepSchedule.plan(
                    zones: names, last: last, current: DeepSchedule.serials(serials, zones: names), now: started,
                    period: period, interval: interval, since: since)
            }
        }
        let pick = schedule
        let sweep = Sweep(fleet: fleet, settings: configuration.check)
        let observed = await sweep.observe(
            zones: zones, deep: deep,
            deepZones: { serials in
                let byName = Dictionary(zones.map { ($0.displayName, $0) }, uniquingKeysWith: { first, _ in first })
                return pick(serials).order.compactMap { byName[$0] }
            }, today: DateSerial.today(), client: client)
        let dropped = await sweep.droppedAnswers(client: client)
        // The same pure pick again, for the summary's reasons.
        let deepPlan = schedule(observed.map(\.servers))
        let compared = Set(observed.filter { $0.transfers != nil }.map(\.name))
        let observations = await Evidence(fleet: fleet, auditLog: audit.path).gather(observed)
        let checkedAt = Date()

        // Dating the lags needs this run's lags first: plain verdicts, then the starts carried from the last
        // run, then the verdicts again with their LagClocks.
        let plain = observations.map { Compare.verdict($0) }
        let starts = ProblemStart.carry(plain, previous: try state.problemStarts(), now: checkedAt)
        let clocks = StateDatabase.lagClocks(starts, now: checkedAt, grace: configuration.check.lagGrace)
        let verdicts = observations.map { Compare.verdict($0, lag: clocks[$0.name]) }
        var problems = IncidentTracker.problems(verdicts.flatMap(\.findings), lag: clocks)
        // A run killed or crashed since the last start: a CRITICAL problem of its own, told once.
        if let crash = UnfinishedRun.finding(unfinished) { problems.append(crash) }
        let settings = IncidentSettings(resolveAfter: configuration.alerts.resolveAfter)
        // Problems only a transfer shows stay as they are on the zones not compared (not on zones no longer swept).
        let swept = Set(names)
        let hold = DeepHold(
            open: try state.openIncidents(), history: try state.flapHistory(),
            compared: { compared.contains($0) || !swept.contains($0) })
        let update = hold.restore(
            IncidentTracker.track(
                open: hold.open, findings: problems, history: hold.history, now: checkedAt, settings: settings))
        let status = problems.map(\.severity).max() ?? .ok
        let serverNames = fleet.members.map(\.name)
        let stats = ServerRunStats.make(verdicts, servers: serverNames)
        let stored = try state.record(
            RunRecord(
                runID: runID, time: checkedAt, deep: !compared.isEmpty, verdicts: verdicts, problemStarts: starts,
                incidents: update, servers: stats, status: status))
        // After the findings: a run killed in between compares these zones again rather than lose a finding.
        var comparisons: [String: [String: UInt32?]] = [:]
        for zone in observed where compared.contains(zone.name) {
            comparisons[zone.name] = Dictionary(
                zone.servers.map { ($0.server, $0.serial) }, uniquingKeysWith: { first, _ in first })
        }
        try state.recordDeepComparisons(comparisons, at: started, swept: swept)
        let open = stored.filter(\.isOpen) + hold.held

        let (decisions, restoreDigests) = try await holdRestoresToQuorum(
            AutoRepairPolicy.decide(
                verdicts: verdicts, open: open,
                attempts: try state.repairAttempts(since: checkedAt.addingTimeInterval(-3600)),
                settings: configuration.repair, now: checkedAt),
            verdicts: verdicts, client: client)
        for decision in decisions where decision.plan == nil {
            logger.debug("not repaired", metadata: ["zone": "\(decision.zone)", "why": "\(decision.skipped ?? "")"])
        }
        let repairs = try await repair(
            decisions.compactMap(\.plan), runID: runID, client: client, sweep: sweep, restoreDigests: restoreDigests)

        var alertFailure: String?
        var alertSent = false
        let plan = AlertPlan.make(try state.incidentsToTell())
        if !plan.isEmpty, let sendAlert {
            var batch = plan.batch(serverOrder: serverNames, time: started, host: host)
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
                    runID: runID, time: Date(), kind: "alert", told: plan.told(), outcome: "ok", detail: what)
                try record(
                    AuditEntry(
                        zone: Self.zonesField(batch), server: "-", action: "alert-sent", serialBefore: nil,
                        serialAfter: nil, outcome: "ok", detail: "\(recipient): \(what)"))
                alertSent = true
            case .failure(let error):
                alertFailure = "the alert could not be sent (\(error)); it is sent again at the next run"
                try state.recordAlert(
                    runID: runID, time: Date(), kind: "alert", told: plan.told(), outcome: "failed",
                    detail: "\(error)")
                try record(
                    AuditEntry(
                        zone: Self.zonesField(batch), server: "-", action: "alert-sent", serialBefore: nil,
                        serialAfter: nil, outcome: "failed", detail: "\(error): \(what)"))
            }
        }

        let elapsed = (ContinuousClock.now - clock).timeIntervalValue
        var report = CheckReport(
            servers: serverNames, verdicts: verdicts, deep: !zones.isEmpty && compared.count == zones.count,
            deepZones: compared.count)
        report.droppedAnswers = dropped
        let openCounts = (
            critical: open.count { $0.severity == .critical }, warning: open.count { $0.severity == .warning }
        )
        let converged = repairs.count { $0.converged }
        var summary =
            "\(zones.count) zones, \(serverNames.count) servers\(deep ? ", " + deepPlan.description : ""), "
            + String(format: "%.2f s", elapsed) + ": \(status); open incidents \(openCounts.critical) critical, "
            + "\(openCounts.warning) warning (\(update.opened.count) opened, \(update.resolved.count) resolved)"
        if !repairs.isEmpty { summary += "; \(repairs.count) zones repaired (\(converged) converged)" }
        if !unfinished.isEmpty {
            summary += "; \(unfinished.count) earlier run\(unfinished.count == 1 ? "" : "s") did not finish"
        }
        if alertSent { summary += "; alert sent" }
        if let alertFailure { summary += "; \(alertFailure)" }
        do {
            if let head = try audit.head() { try state.recordAuditHead(head) }
        } catch let error as AuditError {
            throw RunError.audit(error)
        }
        let finished = Date()
        try state.finishRun(id: runID, at: finished, summary: summary)
        try state.prune(before: started.addingTimeInterval(-retention))
        var metrics = RunMetrics(
            verdicts: verdicts, servers: stats, lag: clocks, checkedAt: checkedAt, openIncidents: open,
            runSeconds: elapsed, startedAt: started, finishedAt: finished, lagGrace: configuration.check.lagGrace,
            vantage: configuration.vantage)
        metrics.droppedAnswers = dropped
        return RunOutcome(
            report: report, status: status, summary: summary, metrics: metrics, repairs: repairs,
            alertFailure: alertFailure, openIncidents: open)
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
                        let name = try DomainName(presentation: plan.zone + ".", origin: nil)
                        let converged = try await executor.execute(
                            plan, zone: name, client: client, requiredDigest: restoreDigests[plan.zone])
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
