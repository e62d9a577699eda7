import ArgumentParser
import DNSKit
import Foundation
import ZoneCheck

/// `zonecheck repair ZONE [--dry-run] [--yes] [--source SERVER] [--timeout D] [--config FILE]`: observe one
/// zone, print the plan, and (unless --dry-run) NOTIFY the lagging secondaries, escalate to their retransfer
/// command, then observe again and print what changed. Exit 0 when every server serves the same serial,
/// 2 otherwise, 3 for bad arguments or configuration.
struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Bring every server of one zone to the freshest copy (NOTIFY, then retransfer), verified.",
        discussion: """
            The plan names the freshest copy (highest serial by RFC 1982 among verified answers, or --source) \
            and one action per server. Refused at once, nothing sent, when the primary cannot send the zone (a \
            record too large for a transfer message in its zone_file, its log or its transfer saying so): the \
            message names the cause and the fix. Refused for the whole zone: any TSIG failure, serials 2^31 apart, \
            fewer than a majority answering, a diverged copy without --source, a secondary fresher than the \
            primary without --yes (or repair.primary_from_secondary: true; with it, that copy is transferred, \
            written over the primary's zone_file and the primary's reload command is run). A diverged secondary \
            named by --deep --source SERVER --yes replaces the primary's copy the same way, with the next serial so \
            that every secondary transfers it. With --source and every serial equal, the content is compared \
            (as --deep). The whole repair ends within --timeout (repair.converge_timeout), commands included. \
            Every action is appended to <state.directory>/audit.jsonl.
            Several zones, --lagging or --incident N: one sweep, one plan per zone, the zones repaired in parallel \
            (at most 8 at a time per server), one verification sweep and one summary; exit 0 only when every zone \
            agrees, 2 naming the zones refused or failed.
            Exit status: 0 all servers serve the same serial, 2 not (or refused), 3 bad arguments/configuration.
            """
    )

    @OptionGroup var options: ConfigOption

    @Argument(help: "The zone to repair (several: repaired together, as one batch).")
    var zones: [String] = []
    var zone: String { zones.first ?? "" }

    @Flag(help: "Repair every zone a fresh sweep finds behind the primary.")
    var lagging = false

    @Option(help: "With --lagging: only the zones behind on this secondary.")
    var server: String?

    @Option(help: "Repair the zones of open incident N (the number 'zonecheck status' and the alert show).")
    var incident: Int64?

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Flag(help: "Allow restoring the primary from a fresher secondary (as repair.primary_from_secondary).")
    var yes = false

    @Option(help: "The server whose copy wins (default: the freshest verified serial).")
    var source: String?

    @Option(help: "How long the whole repair may take (default: repair.converge_timeout).")
    var timeout: String?

    @Flag(help: "Also transfer the zone from every server to find diverged content.")
    var deep = false

    func run() async throws {
        if isBatch { return try await runBatch() }
        let configuration = try options.load()
        let zoneName: DomainName
        do {
            zoneName = try DomainName(zoneName: zone)
        } catch {
            throw Failure.unknown("'\(zone)' is not a zone name: \(error)")
        }
        let limit = try convergeTimeout(configuration)
        let converged = try await CheckSession.with(configuration, path: options.path) { check in
            try await RepairSession(
                check: check, source: source, yes: yes, deep: deep, dryRun: dryRun, timeout: limit,
                say: { print($0) }
            ).repair(zoneName)
        }
        if !converged { throw ExitCode(2) }
    }
}
