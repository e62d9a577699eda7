/// The effect behind `ServerReport`: runs a server's `status` and `log` commands from the configuration
/// for one zone (without a shell, `CommandRunner`), bounded in time (a command still running after
/// `timeout` is stopped: SIGTERM, then SIGKILL) and in size (`captureLimit` octets read per stream, then
/// `ServerReport`'s limits on lines).
public enum ServerQuestions {
    /// How long one command may run.
    public static let timeout = Duration.seconds(5)
    /// Octets of output read per command and stream; the rest is dropped unread into memory.
    public static let captureLimit = 256 * 1024

    /// Both commands of `server` for `zone`, each on a thread of its own (the runner blocks).
    public static func ask(_ server: ServerConfig, zone: String, timeout: Duration = timeout) async -> ServerReport {
        async let status = run(server.status, zone: zone, timeout: timeout)
        async let log = run(server.log, zone: zone, timeout: timeout)
        let (statusOutcome, logOutcome) = await (status, log)
        var report = ServerReport(server: server.name)
        if let outcome = statusOutcome {
            report.status = ServerReport.statusLines(outcome.standardOutput + "\n" + outcome.standardError)
            if let problem = problem("status", outcome, quietOnExit1: false, quoting: false) {
                report.problems.append(problem)
            }
        }
        if let outcome = logOutcome {
            report.log = ServerReport.logLines(outcome.standardOutput, zone: zone)
            // grep's exit 1 means "no line matched": nothing to report.
            if let problem = problem("log", outcome, quietOnExit1: true, quoting: true) {
                report.problems.append(problem)
            }
        }
        return report
    }

    static func run(_ command: ServerCommand?, zone: String, timeout: Duration) async -> CommandOutcome? {
        guard let command else { return nil }
        let runner = CommandRunner(output: .capture(limit: captureLimit), timeout: timeout)
        return await runner.run(command, zone: zone)
    }

    /// Why the output is missing or short, or nil when it is all there; `quoting`: with the first line of its
    /// standard error (the status command's is among its lines already).
    static func problem(_ which: String, _ outcome: CommandOutcome, quietOnExit1: Bool, quoting: Bool) -> String? {
        if outcome.end == .exited(1) && quietOnExit1 && outcome.standardError.isEmpty { return nil }
        var problem: String?
        if !outcome.succeeded {
            let said = quoting ? ServerReport.lines(of: outcome.standardError).first.map { ": \($0)" } ?? "" : ""
            problem = "the \(which) command \(outcome)\(said)"
        }
        if outcome.truncated {
            problem =
                (problem.map { $0 + "; " } ?? "the \(which) command: ")
                + "output beyond \(captureLimit / 1024) KiB was dropped (make it print only recent lines)"
        }
        return problem
    }
}
