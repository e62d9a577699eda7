#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import ArgumentParser
import DNSKit
import Foundation
import ZoneCheck

/// `zonecheck check [ZONE...] [--deep] [--all] [--format text|json|nagios|prometheus] [--config FILE]`:
/// one sweep, a report, and the monitoring-plugin exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask every server for every zone's serial (signed), compare, report, exit 0/1/2/3.",
        discussion: """
            Zones: the ZONE arguments, else every source of the configuration merged: zones.names, the \
            *.db and *.zone files in zones.directory, the primary zones of zones.named_conf (includes \
            followed) and the members of the RFC 9432 catalog zones.catalog (transferred from the primary).
            States per server: OK, LAGGING (behind the primary, WARNING), AHEAD (newer than the primary, \
            CRITICAL), INCOMPARABLE (2^31 apart, CRITICAL), UNREACHABLE (CRITICAL for the primary, WARNING \
            for one secondary), AUTH-FAILED and NOT-SERVED (CRITICAL); --deep adds DIVERGED (same serial, \
            different content, CRITICAL) from a verified AXFR of every zone from every server.
            Every lag has its most likely cause: the primary cannot send the zone (one CRITICAL \
            primary-cannot-send finding: a record too large to transfer in its zone_file, its log or its \
            transfer saying so), the secondary's transfers failing TSIG (its log), a NOTIFY it refused before \
            (the audit log), else a lost NOTIFY. The servers' status and log commands, when configured, are \
            asked about the first zones with a problem; their lines are shown under the findings.
            The text report lists only zones with problems (--all: every zone) and ends with a one-line \
            summary; when all is well that line is the whole output.
            Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad configuration or arguments).
            """
    )

    @OptionGroup var options: ConfigOption

    @Argument(help: "Zones to check (default: the configuration's zones).")
    var zones: [String] = []

    @Flag(help: "Also transfer every zone from every server (verified AXFR) and compare the contents.")
    var deep = false

    @Flag(help: "Show every zone in the text matrix, not only zones with problems.")
    var all = false

    /// How the report is printed. Another value is a usage error: exit 3 with the accepted values.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json, nagios, prometheus
    }

    @Option(help: "The report for people (text) or for machines (json, nagios, prometheus).")
    var format: Format = .text

    func run() async throws {
        let configuration = try options.load()
        let fleet: Fleet
        do {
            fleet = try Fleet(configuration: configuration)
        } catch {
            throw Failure.unknown("\(options.path): \(error)")
        }
        let client: DNSClient
        do {
            client = try DNSClient()
        } catch {
            throw Failure.unknown("cannot open a UDP socket: \(error)")
        }
        let zoneNames: [DomainName]
        do {
            zoneNames = try await Self.zoneNames(
                arguments: zones, configuration: configuration, fleet: fleet, client: client, configPath: options.path)
        } catch {
            await client.close()
            throw error
        }
        var sweep = Sweep(fleet: fleet, settings: configuration.check)
        let progress = TerminalProgress.onStderr()
        sweep.progress = progress?.report
        let observed = await sweep.observe(zones: zoneNames, deep: deep, today: DateSerial.today(), client: client)
        progress?.clear()
        let dropped = await sweep.droppedAnswers(client: client)
        await client.close()
        // Why each problem is there: NOTIFYs refused before, and what the servers say about the zone.
        let observations = await Evidence(
            fleet: fleet, auditLog: AuditLog(directory: configuration.state.directory).path
        ).gather(observed)
        // Since when each secondary lags, from the state `zonecheck run` keeps (read only; none yet: no "since").
        let starts = (try? TimeText.state(configuration)?.problemStarts()) ?? []
        let clocks = StateDatabase.lagClocks(starts, now: Date(), grace: configuration.check.lagGrace)
        var report = CheckReport(
            servers: fleet.members.map(\.name),
            verdicts: observations.map {
                Compare.verdict($0, lag: clocks[$0.name], signatures: configuration.check.signatures)
            },
            deep: deep)
        report.droppedAnswers = dropped
        let text: String
        switch format {
        case .text: text = TextRenderer(all: all, colour: Self.stdoutIsColourTerminal).render(report)
        case .json: text = JSONRenderer().render(report)
        case .nagios: text = NagiosRenderer().render(report)
        case .prometheus: text = PrometheusRenderer(vantage: configuration.vantage).render(report)
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if report.status != .ok { throw ExitCode(report.status.exitCode) }
    }

    static var stdoutIsColourTerminal: Bool {
        guard isatty(STDOUT_FILENO) != 0, getenv("NO_COLOR") == nil else { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
    }

    /// The zones to check (`ZoneDiscovery`: names, directory, named.conf, catalog). No zone at all is UNKNOWN:
    /// checking nothing must not say OK.
    static func zoneNames(
        arguments: [String], configuration: Configuration, fleet: Fleet, client: DNSClient, configPath: String
    ) async throws -> [DomainName] {
        let names: [DomainName]
        do {
            let found = try await ZoneDiscovery.discover(
                arguments: arguments, sources: configuration.zones, primary: fleet.primary.endpoint, client: client,
                limits: DeepCheck(fleet: fleet, settings: configuration.check).limits)
            // A name outside ZoneNameRule's set never reaches a command or a path: said on stderr (cron mail,
            // the journal), the other zones checked as usual.
            for refused in found.refused {
                FileHandle.standardError.write(Data("zonecheck: warning: \(refused)\n".utf8))
            }
            names = found.names
        } catch {
            throw Failure.unknown(error.description)
        }
        guard !names.isEmpty else {
            throw Failure.unknown(
                "no zone to check: name zones on the command line or list them under zones.names, zones.directory, "
                    + "zones.named_conf or zones.catalog in \(configPath)")
        }
        return names
    }
}
