import ArgumentParser
import DNSKit
import Foundation
import ZoneCheck

/// `zonecheck repair ZONE ZONE...`, `repair --lagging [--server NAME]`, `repair --incident N`: many zones as
/// one batch. One sweep, one plan per zone (all printed; `--dry-run` stops there), the plans carried out in
/// parallel by `RepairBatchExecutor`, one verification sweep of every zone, one summary. Exit 0 only when every
/// zone agrees, 2 naming the zones refused or failed, 3 for bad arguments or configuration.
extension RepairCommand {
    /// More than one zone, or zones chosen by a sweep or an incident.
    var isBatch: Bool { zones.count > 1 || lagging || incident != nil }

    func validate() throws {
        if zones.isEmpty && !lagging && incident == nil {
            throw ValidationError("name the zone to repair, or use --lagging or --incident N")
        }
        if lagging && (!zones.isEmpty || incident != nil) {
            throw ValidationError("--lagging finds its own zones: give no ZONE and no --incident")
        }
        if incident != nil && !zones.isEmpty {
            throw ValidationError("--incident N repairs the incident's zones: give no ZONE")
        }
        if server != nil && !lagging {
            throw ValidationError("--server only limits --lagging: use --lagging --server NAME")
        }
    }

    func runBatch() async throws {
        let started = ContinuousClock.now
        let configuration = try options.load()
        let limit = try convergeTimeout(configuration)
        let fleet: Fleet
        do {
            fleet = try Fleet(configuration: configuration)
        } catch {
            throw Failure.unknown("\(options.path): \(error)")
        }
        let names = fleet.members.map(\.name).joined(separator: ", ")
        if let source, fleet.member(named: source) == nil {
            throw Failure.unknown("--source \(source) is not a server in \(options.path) (servers: \(names))")
        }
        if let server, fleet.member(named: server)?.role != .secondary {
            throw Failure.unknown("--server \(server) is not a secondary in \(options.path) (servers: \(names))")
        }
        let client: DNSClient
        do {
            client = try DNSClient()
        } catch {
            throw Failure.unknown("cannot open a UDP socket: \(error)")
        }
        let progress = TerminalProgress.onStderr()
        @Sendable func say(_ text: String) {
            if let progress { progress.interrupt(text) } else { print(text) }
        }
        var sweep = Sweep(fleet: fleet, settings: configuration.check)
        sweep.progress = progress?.report
        let zoneNames: [DomainName]
        do {
            zoneNames = try await batchZones(configuration, fleet: fleet, client: client)
        } catch {
            await client.close()
            throw error
        }
        let observations = await sweep.observe(zones: zoneNames, deep: deep, today: DateSerial.today(), client: client)
        var verdicts = observations.map { Compare.verdict($0) }
        if lagging {
            verdicts = RepairBatch.lagging(verdicts, server: server)
            if verdicts.isEmpty {
                await client.close()
                progress?.clear()
                say("no zone is behind\(server.map { " on \($0)" } ?? "") (\(zoneNames.count) zones swept)")
                return
            }
        }
        let allowRestore = yes || configuration.repair.primaryFromSecondary
        let plans = verdicts.map { RepairPlan.make(verdict: $0, source: source, allowPrimaryRestore: allowRestore) }
        let namesByZone = Dictionary(observations.map { ($0.name, $0.zone) }, uniquingKeysWith: { a, _ in a })
        for plan in plans {
            say(Self.render(plan) + (plan.refusal.map { "\n  refused: \($0)" } ?? ""))
        }
        let refused = plans.filter { $0.refusal != nil }.map(\.zone)
        if dryRun {
            await client.close()
            say("dry run: nothing sent (\(plans.count) zones, \(refused.count) refused)")
            if !refused.isEmpty { throw Failure.critical("repair refused for \(refused.joined(separator: ", "))") }
            return
        }
        let audit = AuditLog(directory: configuration.state.directory)
        try Self.record(
            audit,
            plans.compactMap { plan in
                plan.refusal.map {
                    AuditEntry(
                        zone: plan.zone, server: "-", action: "plan-refused", serialBefore: nil, serialAfter: nil,
                        outcome: "refused", detail: $0)
                }
            })
        let executor = RepairExecutor(
            fleet: fleet, options: sweep.queryOptions, timeout: limit, audit: audit, say: { say("  " + $0) })
        let work = plans.compactMap { plan in namesByZone[plan.zone].map { (plan: plan, zone: $0) } }
        let batch = RepairBatchExecutor(executor: executor, progress: progress?.report)
        let results: [ZoneRepairResult]
        do {
            _ = try await batch.execute(work, client: client)
            results = try await batch.verify(work, before: verdicts, sweep: sweep, deep: deep, client: client)
        } catch {
            await client.close()
            throw Failure.critical("cannot write the audit log: \(error)")
        }
        await client.close()
        progress?.clear()
        let summary = RepairSummary(results: results)
        say(summary.text(seconds: (ContinuousClock.now - started).timeInterval))
        if let message = summary.failureMessage { throw Failure.critical(message) }
    }

    /// Appends `entries` in one write (one fsync for a whole batch's verification).
    static func record(_ audit: AuditLog, _ entries: [AuditEntry]) throws {
        do {
            try audit.append(contentsOf: entries)
        } catch {
            throw Failure.critical("cannot write the audit log: \(error)")
        }
    }

    /// `--timeout`, else `repair.converge_timeout`.
    func convergeTimeout(_ configuration: Configuration) throws -> Duration {
        guard let timeout else { return configuration.repair.convergeTimeout }
        guard let parsed = RepairExecutor.duration(timeout) else {
            throw Failure.unknown("--timeout '\(timeout)': give a duration such as 500ms, 10s or 1m")
        }
        return parsed
    }

    /// The zones of the batch: the arguments, every zone of the configuration (`--lagging`), or the zones
    /// of an open incident, read from the state database without writing to it (`--incident`).
    func batchZones(_ configuration: Configuration, fleet: Fleet, client: DNSClient) async throws -> [DomainName] {
        if lagging {
            return try await CheckCommand.zoneNames(
                arguments: [], configuration: configuration, fleet: fleet, client: client, configPath: options.path)
        }
        var names = zones
        if let incident {
            guard let state = try StateReading.state(configuration) else {
                throw Failure.unknown(
                    "--incident \(incident): no state yet (\(StateDatabase.path(directory: configuration.state.directory)) "
                        + "does not exist): 'zonecheck run' creates it")
            }
            let open: [Incident]
            do {
                open = try state.openIncidents()
            } catch {
                throw Failure.unknown(error.description)
            }
            guard
                let found = RepairBatch.zones(
                    ofIncident: incident, open: open, serverOrder: configuration.servers.map(\.name))
            else {
                throw Failure.unknown(
                    "no open incident #\(incident): it was resolved or never existed; 'zonecheck status' lists the open ones"
                )
            }
            names = found
        }
        var seen = Set<String>()
        return try names.filter { seen.insert($0.lowercased()).inserted }.map { name in
            do {
                return try DomainName(zoneName: name)
            } catch {
                throw Failure.unknown("'\(name)' is not a zone name: \(error)")
            }
        }
    }
}
