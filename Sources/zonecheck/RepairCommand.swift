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
        let started = ContinuousClock.now
        let configuration = try options.load()
        let zoneName: DomainName
        do {
            zoneName = try DomainName(zoneName: zone)
        } catch {
            throw Failure.unknown("'\(zone)' is not a zone name: \(error)")
        }
        var limit = configuration.repair.convergeTimeout
        if let timeout {
            guard let parsed = RepairExecutor.duration(timeout) else {
                throw Failure.unknown("--timeout '\(timeout)': give a duration such as 500ms, 10s or 1m")
            }
            limit = parsed
        }
        let fleet: Fleet
        do {
            fleet = try Fleet(configuration: configuration)
        } catch {
            throw Failure.unknown("\(options.path): \(error)")
        }
        if let source, fleet.member(named: source) == nil {
            throw Failure.unknown(
                "--source \(source) is not a server in \(options.path) (servers: "
                    + fleet.members.map(\.name).joined(separator: ", ") + ")")
        }
        let client: DNSClient
        do {
            client = try DNSClient()
        } catch {
            throw Failure.unknown("cannot open a UDP socket: \(error)")
        }
        let sweep = Sweep(fleet: fleet, settings: configuration.check)
        let evidence = Evidence(fleet: fleet, auditLog: AuditLog(directory: configuration.state.directory).path)
        /// One observation of the zone with the evidence of its causes, decided.
        func look(deep: Bool) async -> ZoneVerdict {
            let observed = await sweep.observe(zones: [zoneName], deep: deep, today: DateSerial.today(), client: client)
            return Compare.verdict(await evidence.gather(observed)[0])
        }
        var deep = self.deep
        var before = await look(deep: deep)
        // --source names the copy that must win; with every serial equal only the content can differ, so
        // compare it (without --deep it would say "in sync" over different content).
        if source != nil && !deep && Self.allSerialsEqual(before) {
            print("\(zoneName.displayName): every server serves the same serial: comparing content (--deep)")
            deep = true
            before = await look(deep: true)
        }
        // Every path from here ends within the limit: the actions and the verification share it.
        let deadline = ContinuousClock.now + limit
        let plan = RepairPlan.make(
            verdict: before, source: source, allowPrimaryRestore: yes || configuration.repair.primaryFromSecondary)
        print(Self.render(plan))
        let audit = AuditLog(directory: configuration.state.directory)
        if let refusal = plan.refusal {
            await client.close()
            if !dryRun {
                try Self.record(audit) {
                    AuditEntry(
                        zone: plan.zone, server: "-", action: "plan-refused", serialBefore: nil, serialAfter: nil,
                        outcome: "refused", detail: refusal)
                }
            }
            throw Failure.critical("repair refused for \(plan.zone): \(refusal)")
        }
        if dryRun {
            await client.close()
            print("dry run: nothing sent")
            return
        }
        let executor = RepairExecutor(
            fleet: fleet, options: sweep.queryOptions, timeout: deadline - ContinuousClock.now, audit: audit,
            say: { print("  " + $0) })
        if plan.hasWork {
            do {
                _ = try await executor.execute(plan, zone: zoneName, client: client)
            } catch {
                await client.close()
                throw Failure.critical("\(error)")
            }
        }
        var after = await look(deep: deep)
        // A retransfer keeps the serial, so polling the serial cannot tell when it finished: with --deep, look
        // again (backoff) until the content agrees or the timeout passes.
        var delay = Duration.milliseconds(100)
        while deep && after.servers.contains(where: { $0.state == .diverged })
            && ContinuousClock.now + delay < deadline
        {
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
            after = await look(deep: deep)
        }
        await client.close()
        let elapsed = ContinuousClock.now - started
        let serials = Set(after.servers.map(\.serial))
        let same =
            serials.count == 1 && serials.first! != nil && !after.servers.contains(where: { $0.state == .diverged })
        print("verification:")
        print(
            "  "
                + ["server", "before", "after"].map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "  result")
        for status in after.servers {
            let old = before.servers.first { $0.server == status.server }?.serial
            let result = status.serial == plan.targetSerial && status.state != .diverged ? "OK" : status.state.rawValue
            print(
                "  "
                    + [status.server, old.map(String.init) ?? "-", status.serial.map(String.init) ?? "-"].map {
                        $0.padding(toLength: 10, withPad: " ", startingAt: 0)
                    }.joined(separator: "  ") + "  " + result)
            try Self.record(audit) {
                AuditEntry(
                    zone: plan.zone, server: status.server, action: "verify", serialBefore: old,
                    serialAfter: status.serial, outcome: result == "OK" ? "ok" : "failed",
                    detail: status.detail ?? "serves the target serial")
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "\(plan.zone): "
                + (same ? "all servers serve serial \(serials.first!!)" : "servers still differ (serial or content)")
                + String(format: " (%.2f s)", seconds))
        if !same { throw ExitCode(2) }
    }

    /// Every server gave a verified serial, and the same one.
    static func allSerialsEqual(_ verdict: ZoneVerdict) -> Bool {
        let serials = verdict.servers.map(\.serial)
        return !serials.contains(nil) && Set(serials).count == 1
    }

    static func record(_ audit: AuditLog, _ entry: () -> AuditEntry) throws {
        do {
            try audit.append(entry())
        } catch {
            throw Failure.critical("cannot write the audit log: \(error)")
        }
    }

    static func render(_ plan: RepairPlan) -> String {
        var lines: [String] = []
        if let source = plan.source, let serial = plan.targetSerial {
            lines.append("\(plan.zone): freshest copy on \(source), serial \(serial)")
        } else {
            lines.append("\(plan.zone): no freshest copy")
        }
        for line in plan.servers {
            let action: String =
                switch line.action {
                case .none: "none"
                case .notify: "notify"
                case .retransfer: "retransfer"
                case .skip: "skip"
                case .restorePrimary: "restore"
                }
            lines.append(
                "  \(line.server.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(action.padding(toLength: 10, withPad: " ", startingAt: 0)) \(line.reason)")
        }
        return lines.joined(separator: "\n")
    }
}
