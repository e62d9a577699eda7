public import Foundation
import GRDB

/// What one run writes at once (one transaction): the servers' states, the problems' start times, the
/// incident changes, the flapping history and the per-server figures.
public struct RunRecord: Sendable {
    public var runID: Int64
    public var time: Date
    public var deep: Bool
    public var verdicts: [ZoneVerdict]
    /// Every (zone, server, problem) seen this run, with the time it was first seen without a break.
    public var problemStarts: [ProblemStart]
    public var incidents: IncidentTracker.Update
    public var servers: [ServerRunStats]
    /// The run's worst status (after the lag grace), stored with the run.
    public var status: Severity

    public init(
        runID: Int64, time: Date, deep: Bool, verdicts: [ZoneVerdict], problemStarts: [ProblemStart],
        incidents: IncidentTracker.Update, servers: [ServerRunStats], status: Severity
    ) {
        self.runID = runID
        self.time = time
        self.deep = deep
        self.verdicts = verdicts
        self.problemStarts = problemStarts
        self.incidents = incidents
        self.servers = servers
        self.status = status
    }
}

/// An automatic repair that a run killed before it finished left behind.
public struct InterruptedAttempt: Sendable, Equatable {
    public var zone: String
    public var started: Date
    public var actions: String
}

extension StateDatabase {
    /// Starts a run: the runs that started and never finished (killed, trapped) since the last start are
    /// returned once (`unfinished`, for a CRITICAL finding) and marked so, and their repair attempts still
    /// "started" become "interrupted" (returned, for the audit log). Returns the new run's id too.
    public func beginRun(started: Date, pid: Int32, host: String) throws(StateError) -> (
        id: Int64, interrupted: [InterruptedAttempt], unfinished: [UnfinishedRun]
    ) {
        try write { db in
            let stale = try Row.fetchAll(
                db, sql: "SELECT zone, started, actions FROM repairAttempt WHERE status = 'started'"
            ).map {
                InterruptedAttempt(
                    zone: $0["zone"], started: Date(stateTime: $0["started"]), actions: $0["actions"])
            }
            try db.execute(
                sql: "UPDATE repairAttempt SET status = 'interrupted', detail = 'the run was killed while repairing' "
                    + "WHERE status = 'started'")
            // A run still marked unfinished and not yet reported: the lock says no run is active now.
            let unfinished = try Row.fetchAll(
                db, sql: "SELECT id, started, pid, host FROM run WHERE finished IS NULL AND summary IS NULL ORDER BY id"
            ).map {
                UnfinishedRun(id: $0["id"], started: Date(stateTime: $0["started"]), pid: $0["pid"], host: $0["host"])
            }
            try db.execute(
                sql: "UPDATE run SET summary = '\(UnfinishedRun.summary)' WHERE finished IS NULL")
            try db.execute(
                sql: "INSERT INTO run (started, pid, host) VALUES (?, ?, ?)",
                arguments: [started.stateTime, pid, host])
            return (db.lastInsertedRowID, stale, unfinished)
        }
    }

    /// When the last run that finished ended (nil: none has): the dead-man metric's value.
    public func lastFinishedRun() throws(StateError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MAX(finished) FROM run WHERE finished IS NOT NULL")
                .map { Date(stateTime: $0) }
        }
    }

    /// When the last deep check ran (nil: never).
    public func lastDeepCheck() throws(StateError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MAX(started) FROM run WHERE deep = 1 AND finished IS NOT NULL")
                .map { Date(stateTime: $0) }
        }
    }

    public func problemStarts() throws(StateError) -> [ProblemStart] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT zone, server, problem, since FROM problemStart").compactMap { row in
                guard let problem = FindingKind(rawValue: row["problem"]) else { return nil }
                return ProblemStart(
                    zone: row["zone"], server: row["server"], problem: problem, since: Date(stateTime: row["since"]))
            }
        }
    }

    public func openIncidents() throws(StateError) -> [Incident] {
        try read { db in try Self.incidents(db, where: "resolvedAt IS NULL", arguments: []) }
    }

    /// Open CRITICAL incidents and resolved ones whose notice may still be owed: what `AlertPlan` needs.
    public func incidentsToTell() throws(StateError) -> [Incident] {
        try read { db in
            try Self.incidents(
                db,
                where:
                    "(resolvedAt IS NULL AND severity = 2) OR (resolvedAt IS NOT NULL AND alertedSeverity IS NOT NULL "
                    + "AND resolutionNotified = 0)",
                arguments: [])
        }
    }

    public func flapHistory() throws(StateError) -> [ProblemKey: [Bool]] {
        try read { db in
            var history: [ProblemKey: [Bool]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT zone, problem, bits FROM flapHistory") {
                guard let problem = FindingKind(rawValue: row["problem"]) else { continue }
                let bits: String = row["bits"]
                history[ProblemKey(zone: row["zone"], problem: problem)] = bits.map { $0 == "1" }
            }
            return history
        }
    }

    /// Automatic repair attempts per zone since `since` (any status: a killed one counts too).
    public func repairAttempts(since: Date) throws(StateError) -> [String: [Date]] {
        try read { db in
            var attempts: [String: [Date]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT zone, started FROM repairAttempt WHERE started >= ?", arguments: [since.stateTime])
            {
                attempts[row["zone"], default: []].append(Date(stateTime: row["started"]))
            }
            return attempts
        }
    }

    /// Writes the whole of one run's findings in one transaction; returns the incidents as stored (the
    /// opened ones now with their ids).
    @discardableResult
    public func record(_ run: RunRecord) throws(StateError) -> [Incident] {
        try write { db in
            let now = run.time.stateTime
            // Servers' states: compare with what is stored, log the changes.
            var current: [String: (serial: Int64?, state: String)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT zone, server, serial, state FROM serverState") {
                current["\(row["zone"] as String)\u{0}\(row["server"] as String)"] = (row["serial"], row["state"])
            }
            let upsert = try db.makeStatement(
                sql: "INSERT INTO serverState (zone, server, serial, state, since) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT (zone, server) DO UPDATE SET serial = excluded.serial, state = excluded.state, "
                    + "since = excluded.since")
            let log = try db.makeStatement(
                sql: "INSERT INTO observation (runId, time, zone, server, serial, state, rttMs, detail) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            var unseen = Set(current.keys)
            for verdict in run.verdicts {
                for cell in verdict.servers {
                    let serial = cell.serial.map(Int64.init)
                    let old = unseen.remove("\(verdict.zone)\u{0}\(cell.server)").flatMap { current[$0] }
                    if let old, old.serial == serial, old.state == cell.state.rawValue { continue }
                    try upsert.execute(arguments: [verdict.zone, cell.server, serial, cell.state.rawValue, now])
                    try log.execute(arguments: [
                        run.runID, now, verdict.zone, cell.server, serial, cell.state.rawValue, cell.rttMilliseconds,
                        cell.detail,
                    ])
                }
            }
            // Zones (or servers) no longer in the configuration: their last state goes, their history stays.
            let forget = try db.makeStatement(sql: "DELETE FROM serverState WHERE zone = ? AND server = ?")
            for key in unseen {
                let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                if parts.count == 2 { try forget.execute(arguments: [parts[0], parts[1]]) }
            }
            try db.execute(sql: "DELETE FROM problemStart")
            let start = try db.makeStatement(
                sql: "INSERT INTO problemStart (zone, server, problem, since) VALUES (?, ?, ?, ?)")
            for item in run.problemStarts {
                try start.execute(arguments: [item.zone, item.server, item.problem.rawValue, item.since.stateTime])
            }
            var stored: [Incident] = []
            for var incident in run.incidents.opened {
                try Self.insert(&incident, db)
                stored.append(incident)
            }
            for incident in run.incidents.changed {
                try Self.update(incident, db)
                stored.append(incident)
            }
            try db.execute(sql: "DELETE FROM flapHistory")
            let flap = try db.makeStatement(sql: "INSERT INTO flapHistory (zone, problem, bits) VALUES (?, ?, ?)")
            for (key, bits) in run.incidents.history {
                try flap.execute(arguments: [
                    key.zone, key.problem.rawValue, String(bits.map { $0 ? "1" : "0" }),
                ])
            }
            let server = try db.makeStatement(
                sql: "INSERT INTO serverRun (runId, time, server, queries, answered, authFailures, rttMedianMs, "
                    + "lagging, status, signaturesEnd, instances) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for stats in run.servers {
                try server.execute(arguments: [
                    run.runID, now, stats.server, stats.queries, stats.answered, stats.authFailures,
                    stats.rttMedianMilliseconds, stats.lagging, stats.status.rawValue, stats.signaturesEnd?.stateTime,
                    stats.instances.isEmpty ? nil : stats.instances.joined(separator: ","),
                ])
            }
            try db.execute(
                sql: "UPDATE run SET zones = ?, deep = ?, status = ? WHERE id = ?",
                arguments: [run.verdicts.count, run.deep ? 1 : 0, run.status.rawValue, run.runID])
            return stored
        }
    }

    /// Records an automatic repair attempt before anything is sent; returns its id.
    public func startAttempt(runID: Int64, zone: String, actions: String, at time: Date) throws(StateError) -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO repairAttempt (runId, zone, started, status, actions) VALUES (?, ?, ?, 'started', ?)",
                arguments: [runID, zone, time.stateTime, actions])
            return db.lastInsertedRowID
        }
    }

    public func finishAttempt(id: Int64, status: String, detail: String, at time: Date) throws(StateError) {
        try write { db in
            try db.execute(
                sql: "UPDATE repairAttempt SET status = ?, detail = ?, finished = ? WHERE id = ?",
                arguments: [status, detail, time.stateTime, id])
        }
    }

    /// Stores that people were told about `incidents` (an alert went out) and logs the alert.
    public func recordAlert(
        runID: Int64?, time: Date, kind: String, told incidents: [Incident], outcome: String, detail: String
    ) throws(StateError) {
        try write { db in
            if outcome == "ok" {
                for incident in incidents { try Self.update(incident, db) }
            }
            try db.execute(
                sql: "INSERT INTO alert (runId, time, kind, incidents, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    runID, time.stateTime, kind, incidents.compactMap(\.id).map(String.init).joined(separator: ","),
                    outcome, detail,
                ])
        }
    }

    public func finishRun(id: Int64, at time: Date, summary: String) throws(StateError) {
        try write { db in
            try db.execute(
                sql: "UPDATE run SET finished = ?, summary = ? WHERE id = ?", arguments: [time.stateTime, summary, id])
        }
    }

    /// Remembers the audit log's length and last hash (see `AuditHead`).
    public func recordAuditHead(_ head: AuditHead) throws(StateError) {
        try write { db in
            try db.execute(
                sql: "INSERT INTO auditHead (id, lines, hash, time) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                    + "SET lines = excluded.lines, hash = excluded.hash, time = excluded.time",
                arguments: [head.lines, head.hash, head.time.stateTime])
        }
    }

    public func auditHead() throws(StateError) -> AuditHead? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT lines, hash, time FROM auditHead WHERE id = 1").map {
                AuditHead(lines: $0["lines"], hash: $0["hash"], time: Date(stateTime: $0["time"]))
            }
        }
    }

    /// Forgets what is older than `before`: runs, observations, per-server figures, repair attempts, alerts and
    /// resolved incidents. Open incidents and the current states stay whatever their age.
    public func prune(before: Date) throws(StateError) {
        try write { db in
            let cutoff = before.stateTime
            try db.execute(sql: "DELETE FROM observation WHERE time < ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM serverRun WHERE time < ?", arguments: [cutoff])
            try db.execute(
                sql: "DELETE FROM run WHERE started < ? AND (finished IS NOT NULL OR summary IS NOT NULL)",
                arguments: [cutoff])
            try db.execute(sql: "DELETE FROM repairAttempt WHERE started < ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM alert WHERE time < ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM incident WHERE resolvedAt < ?", arguments: [cutoff])
        }
    }

    // MARK: incident rows

    static func incidents(_ db: Database, where condition: String, arguments: StatementArguments) throws
        -> [Incident]
    {
        try Row.fetchAll(db, sql: "SELECT * FROM incident WHERE \(condition) ORDER BY id", arguments: arguments)
            .compactMap { row in
                guard let problem = FindingKind(rawValue: row["problem"]),
                    let severity = Severity(rawValue: row["severity"])
                else { return nil }
                let servers: String = row["servers"]
                let alertedServers: String = row["alertedServers"]
                let alerted: Int? = row["alertedSeverity"]
                let resolved: Double? = row["resolvedAt"]
                return Incident(
                    id: row["id"], zone: row["zone"], problem: problem,
                    servers: servers.split(separator: ",").map(String.init), severity: severity,
                    detail: row["detail"], openedAt: Date(stateTime: row["openedAt"]),
                    updatedAt: Date(stateTime: row["updatedAt"]), resolvedAt: resolved.map { Date(stateTime: $0) },
                    cleanRuns: row["cleanRuns"], flapping: row["flapping"],
                    alertedSeverity: alerted.flatMap { Severity(rawValue: $0) },
                    alertedServers: alertedServers.split(separator: ",").map(String.init),
                    flapNotified: row["flapNotified"], resolutionNotified: row["resolutionNotified"])
            }
    }

    static func insert(_ incident: inout Incident, _ db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO incident (zone, problem, servers, severity, detail, openedAt, updatedAt, resolvedAt, "
                + "cleanRuns, flapping, alertedSeverity, alertedServers, flapNotified, resolutionNotified) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: values(incident))
        incident.id = db.lastInsertedRowID
    }

    static func update(_ incident: Incident, _ db: Database) throws {
        guard let id = incident.id else { return }
        var arguments = values(incident)
        _ = arguments.append(contentsOf: [id])
        try db.cachedStatement(
            sql: "UPDATE incident SET zone = ?, problem = ?, servers = ?, severity = ?, detail = ?, openedAt = ?, "
                + "updatedAt = ?, resolvedAt = ?, cleanRuns = ?, flapping = ?, alertedSeverity = ?, "
                + "alertedServers = ?, flapNotified = ?, resolutionNotified = ? WHERE id = ?"
        ).execute(arguments: arguments)
    }

    static func values(_ incident: Incident) -> StatementArguments {
        [
            incident.zone, incident.problem.rawValue, incident.servers.joined(separator: ","),
            incident.severity.rawValue, incident.detail, incident.openedAt.stateTime, incident.updatedAt.stateTime,
            incident.resolvedAt?.stateTime, incident.cleanRuns, incident.flapping,
            incident.alertedSeverity?.rawValue, incident.alertedServers.joined(separator: ","),
            incident.flapNotified, incident.resolutionNotified,
        ]
    }
}
