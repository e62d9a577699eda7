import ArgumentParser
import Foundation
import ZoneCheck

/// `zonecheck digest [--since 24h] [--send | --print]`: the incident digest over a period, printed (default)
/// or mailed to alerts.email.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "The incident digest: incidents, repairs, server health, audit summary; printed or mailed.",
        discussion: """
            Gathered from <state.directory>/state.sqlite and audit.jsonl: incidents opened, resolved and still \
            open (with durations), repairs and their outcomes, per-server health (answer rate, median RTT, zones \
            lagging, auth failures), zones checked, top offenders, and whether the audit chain is intact.
            Before the first 'zonecheck run' there is no history: digest says so and how to start it, and sends \
            nothing (exit 0).
            Exit status: 0 done, 3 cannot read the state or cannot send.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The period, ending now (default: alerts.digest_every, usually 24h).")
    var since: String?

    @Flag(help: "Mail it to alerts.email.")
    var send = false

    @Flag(name: .customLong("print"), help: "Print it (the default).")
    var printIt = false

    func validate() throws {
        if send && printIt { throw ValidationError("give --send or --print, not both") }
    }

    func run() async throws {
        let configuration = try options.load()
        let now = Date()
        let period = try since.map { try StateReading.since($0) } ?? configuration.alerts.digestEvery.timeInterval
        guard let state = try options.state(configuration) else {
            print(StatusRenderer.noHistoryYet(configuration) + (send ? "\nNothing was sent." : ""))
            return
        }
        let audit = AuditLog(directory: configuration.state.directory)
        let report: DigestReport
        do {
            report = try DigestGathering.report(
                state: state, audit: audit, configuration: configuration, since: now.addingTimeInterval(-period),
                until: now, host: AuditLog.currentHost)
        } catch {
            throw Failure.unknown("cannot gather the digest: \(error)")
        }
        guard send else {
            print(DigestDelivery.text(report), terminator: "")
            return
        }
        guard let email = configuration.alerts.email else {
            throw Failure.unknown("--send: no alerts.email in \(options.path): add it, or use --print")
        }
        try await DigestDelivery.send(report, email: email, audit: audit)
    }
}
