import ArgumentParser
import DNSKit
import Foundation
import Logging
import ZoneCheck

/// `zonecheck run [--log syslog|stderr] [--prometheus FILE] [--json FILE] [--deep] [--config FILE]`: the cron
/// and systemd-timer entry point. Silent and exit 0 when all is well; exit 1/2 for open problems (WARNING /
/// CRITICAL), 3 when it could not run (bad configuration, lock held, state unreadable), with one line on stderr.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "The cron entry point: lock, sweep, state, incidents, automatic repair, alerts; silent when all is well.",
        discussion: """
            Takes <state.directory>/run.lock (a second run while one is active exits 3 at once, naming the \
            holder; a lock left by a killed run never blocks). Sweeps every configured zone (deep check: every \
            zone compared by transfer at least once per check.deep, a share of them each run, plus the zones \
            whose serial changed), records what changed in <state.directory>/state.sqlite, opens, escalates and resolves \
            incidents (a lag that clears within check.lag_grace opens nothing; an incident resolves after \
            alerts.resolve_after clean runs), repairs what repair.* allows (NOTIFY, retransfer; restoring the \
            primary only with repair.primary_from_secondary; at most repair.max_per_zone_per_hour per zone, \
            with backoff), and mails (alerts.email) and posts (alerts.webhook) one grouped alert for new or worse \
            critical incidents and resolutions. \
            Every action is appended to <state.directory>/audit.jsonl. One summary line per run goes to the log.
            Exit status: 0 OK, 1 WARNING, 2 CRITICAL (open problems), 3 UNKNOWN (could not run).
            """
    )

    @OptionGroup var options: ConfigOption
    @OptionGroup var logging: LogOption

    @Option(help: ArgumentHelp("Write node_exporter textfile metrics here (atomically).", valueName: "file"))
    var prometheus: String?

    @Option(
        help: ArgumentHelp(
            "Write the check report as JSON here (atomically), as 'check --format json'.", valueName: "file"))
    var json: String?

    @Flag(help: "Deep check every zone (verified AXFR from every server) this run, whatever check.deep says.")
    var deep = false

    func run() async throws {
        let configuration = try options.load()
        let logger = logging.logger()
        let outcome = try await RunCycle.locked(
            configuration, path: options.path, logger: logger,
            sendAlert: AlertDelivery.sender(for: configuration.alerts), forceDeep: deep, warn: warnOnStderr)
        var failures: [String] = []
        if let prometheus {
            do {
                try AtomicFile.replace(prometheus, with: outcome.metrics.render())
            } catch {
                failures.append("--prometheus: \(error)")
            }
        }
        if let json {
            do {
                try AtomicFile.replace(json, with: JSONRenderer().render(outcome.report))
            } catch {
                failures.append("--json: \(error)")
            }
        }
        let line = "run: " + outcome.summary
        switch outcome.status {
        case .ok: logger.info("\(line)")
        case .warning: logger.warning("\(line)")
        default: logger.error("\(line)")
        }
        if let failure = outcome.alertFailure { failures.append(failure) }
        if !failures.isEmpty {
            throw Failure.unknown(failures.joined(separator: "\nzonecheck: "))
        }
        if outcome.status != .ok { throw ExitCode(outcome.status.exitCode) }
    }
}
