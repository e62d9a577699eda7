public import Foundation

/// Everything the digest is made of, read from the state database and the audit log, then assembled by the
/// pure `assemble` (unit-tested without a database).
public enum DigestGathering {
    /// The audit actions that are repairs (what the digest lists under "repairs").
    public static let repairActions: Set<String> = ["notify", "retransfer", "restore-primary", "reload"]

    public static func report(
        state: StateDatabase?, audit: AuditLog, configuration: Configuration, since: Date, until: Date,
        host: String
    ) throws -> DigestReport {
        let incidents = try state?.incidents(since: since, until: until) ?? []
        let runs = try state?.runs(since: since, until: until) ?? []
        let serverRuns = try state?.serverRuns(since: since, until: until) ?? []
        let entries = try audit.records()
        let chain = try audit.check()
        // What the servers were seen to serve after a repair whose audit entry could not say (a NOTIFY is
        // recorded when sent, before the secondary transfers): only the zones that need it are read.
        var observations: [ObservationChange] = []
        if let state {
            let unknown = entries.filter {
                $0.time >= since && $0.time <= until && repairActions.contains($0.action) && $0.serialAfter == nil
            }
            for zone in Set(unknown.map(\.zone)).sorted() {
                let first = unknown.filter { $0.zone == zone }.map(\.time).min() ?? since
                observations += try state.observations(zone: zone, since: first, until: until)
            }
        }
        return assemble(
            incidents: incidents, runs: runs, serverRuns: serverRuns, audit: entries, chain: chain.firstBreak,
            servers: configuration.servers.map { ($0.name, $0.role) }, since: since, until: until, host: host,
            observations: observations)
    }

    /// The report for [since, until] from plain values. `observations`: the state database's serial changes
    /// of the repaired zones, for the serial after a repair whose audit entry has none.
    public static func assemble(
        incidents: [Incident], runs: [RunSummary], serverRuns: [ServerRunRow], audit: [AuditEntry],
        chain: AuditBreak?, servers: [(name: String, role: ServerRole)], since: Date, until: Date, host: String,
        observations: [ObservationChange] = []
    ) -> DigestReport {
        let order = servers.map(\.name)
        let opened = incidents.filter { $0.openedAt >= since && $0.openedAt <= until }
        let resolved = incidents.filter { ($0.resolvedAt.map { $0 >= since && $0 <= until }) ?? false }
        let stillOpen = incidents.filter { $0.resolvedAt == nil || $0.resolvedAt! > until }.map { incident in
            // Open at `until`, even if resolved later.
            var incident = incident
            incident.resolvedAt = nil
            return incident
        }
        let inPeriod = audit.filter { $0.time >= since && $0.time <= until }
        let repairs = audit.indices.filter {
            audit[$0].time >= since && audit[$0].time <= until && repairActions.contains(audit[$0].action)
        }.map { index in
            let entry = audit[index]
            return RepairNote(
                time: entry.time, zone: entry.zone, server: entry.server, action: entry.action, outcome: entry.outcome,
                serialBefore: entry.serialBefore,
                serialAfter: entry.serialAfter
                    ?? serialAfter(repairAt: index, audit: audit, observations: observations),
                user: entry.user)
        }
        let lastRun = serverRuns.map(\.runID).max()
        let health = servers.map { server -> ServerHealth in
            let rows = serverRuns.filter { $0.stats.server == server.name }.map(\.stats)
            let queries = rows.reduce(0) { $0 + $1.queries }
            let answered = rows.reduce(0) { $0 + $1.answered }
            let latest = serverRuns.last { $0.stats.server == server.name && $0.runID == lastRun }?.stats
            let median = ServerRunStats.median(rows.compactMap(\.rttMedianMilliseconds))
            return ServerHealth(
                server: server.name, role: server.role, queries: queries,
                answerRate: queries > 0 ? Double(answered) / Double(queries) : nil,
                medianRTT: median.map { .microseconds(Int64(($0 * 1000).rounded())) },
                zonesLagging: latest?.lagging ?? 0, authFailures: rows.reduce(0) { $0 + $1.authFailures },
                status: latest?.status ?? .unknown, signaturesEnd: latest?.signaturesEnd,
                instances: latest?.instances ?? [])
        }
        var byZone: [String: (incidents: Int, repairs: Int)] = [:]
        for incident in opened { byZone[incident.zone, default: (0, 0)].incidents += 1 }
        for repair in repairs { byZone[repair.zone, default: (0, 0)].repairs += 1 }
        let offenders = byZone.map {
            ZoneOffender(zone: $0.key, incidents: $0.value.incidents, repairs: $0.value.repairs)
        }
        .sorted { ($0.incidents + $0.repairs, $1.zone) > ($1.incidents + $1.repairs, $0.zone) }
        var byAction: [String: Int] = [:]
        for entry in inPeriod { byAction[entry.action, default: 0] += 1 }
        return DigestReport(
            since: since, until: until, host: host,
            opened: IncidentGrouping.notes(opened, serverOrder: order, now: until),
            resolved: IncidentGrouping.notes(resolved, serverOrder: order, now: until),
            stillOpen: IncidentGrouping.notes(stillOpen, serverOrder: order, now: until),
            repairs: repairs.sorted { $0.time < $1.time }, servers: health, runs: runs.count,
            zonesChecked: runs.map(\.zones).max() ?? 0, topOffenders: Array(offenders.prefix(10)),
            audit: AuditSummary(
                entries: inPeriod.count, byAction: byAction, chainIntact: chain == nil, firstBrokenLine: chain?.line))
    }

    /// The serial a server served after the repair action at `audit[index]`, when its entry does not carry
    /// one: the next `verify` entry for the same zone and server (what `zonecheck repair` saw when it
    /// verified), else the first serial the runs observed there afterwards; either only up to the next repair
    /// action on that zone and server, which would be the one that got it there. Nil when nothing saw it.
    static func serialAfter(repairAt index: Int, audit: [AuditEntry], observations: [ObservationChange]) -> UInt32? {
        let repair = audit[index]
        var nextRepair: Date?
        for entry in audit[(index + 1)...] where entry.zone == repair.zone && entry.server == repair.server {
            if entry.action == "verify", let serial = entry.serialAfter { return serial }
            if repairActions.contains(entry.action) {
                nextRepair = entry.time
                break
            }
        }
        return observations.first { seen in
            seen.zone == repair.zone && seen.server == repair.server && seen.serial != nil && seen.time >= repair.time
                && (nextRepair.map { seen.time < $0 } ?? true)
        }?.serial
    }
}
