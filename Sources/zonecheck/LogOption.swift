import ArgumentParser
import Logging
import ZoneCheck

/// `--log syslog|stderr` and `--verbose`, for the commands cron or systemd run.
struct LogOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where the log goes: syslog (default: cron stays silent) or stderr (systemd's journal).",
            valueName: "syslog|stderr"))
    var log: String = "syslog"

    @Flag(help: "Also log every repair step (debug level).")
    var verbose = false

    func validate() throws {
        guard ["syslog", "stderr"].contains(log) else {
            throw ValidationError("--log must be syslog or stderr, not '\(log)'")
        }
    }

    func logger() -> Logger {
        let level: Logger.Level = verbose ? .debug : .info
        if log == "stderr" {
            var logger = Logger(label: "zonecheck") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = level
            return logger
        }
        var logger = Logger(label: "zonecheck") { _ in SyslogLogHandler(identifier: "zonecheck") }
        logger.logLevel = level
        return logger
    }
}
