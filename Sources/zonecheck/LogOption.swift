import ArgumentParser
import Logging
import ZoneCheck

/// `--log syslog|stderr` and `--verbose`, for the commands cron or systemd run.
struct LogOption: ParsableArguments {
    /// Where the log goes. Another value is a usage error: exit 3 with the accepted values.
    enum Destination: String, CaseIterable, ExpressibleByArgument {
        case syslog, stderr
    }

    @Option(help: "Where the log goes: syslog (default: cron stays silent) or stderr (systemd's journal).")
    var log: Destination = .syslog

    @Flag(help: "Also log every repair step (debug level).")
    var verbose = false

    func logger() -> Logger {
        let level: Logger.Level = verbose ? .debug : .info
        if log == .stderr {
            var logger = Logger(label: "zonecheck") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = level
            return logger
        }
        var logger = Logger(label: "zonecheck") { _ in SyslogLogHandler(identifier: "zonecheck") }
        logger.logLevel = level
        return logger
    }
}
