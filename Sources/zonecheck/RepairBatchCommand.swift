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
        let configuration = try options.load()
        let limit = try convergeTimeout(configuration)
        let progress = TerminalProgress.onStderr()
        let selection: RepairSession.Selection =
            if lagging { .lagging(server: server) } else if let incident { .incident(incident) } else { .zones(zones) }
        let summary = try await CheckSession.with(configuration, path: options.path) { check in
            var session = try RepairSession(
                check: check, source: source, yes: yes, deep: deep, dryRun: dryRun, timeout: limit,
                progress: progress?.report,
                say: { text in if let progress { progress.interrupt(text) } else { print(text) } })
            session.warn = warnOnStderr
            return try await session.repairBatch(selection)
        }
        if let message = summary?.failureMessage { throw Failure.critical(message) }
    }

    /// `--timeout`, else `repair.converge_timeout`.
    func convergeTimeout(_ configuration: Configuration) throws -> Duration {
        guard let timeout else { return configuration.repair.convergeTimeout }
        guard let parsed = RepairExecutor.duration(timeout) else {
            throw Failure.unknown("--timeout '\(timeout)': give a duration such as 500ms, 10s or 1m")
        }
        return parsed
    }
}
