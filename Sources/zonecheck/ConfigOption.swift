import ArgumentParser
import Foundation
import ZoneCheck

/// `--config FILE`, shared by every command that talks to servers.
struct ConfigOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (default: $ZONECHECK_CONFIG, else /etc/zonecheck/zonecheck.yaml).",
            valueName: "file"))
    var config: String?

    var path: String { config ?? Configuration.defaultPath }

    /// The configuration, or exit 3 (UNKNOWN) with the loader's message: nothing is done on a bad config.
    func load() throws -> Configuration {
        do {
            return try Configuration.load(path: path)
        } catch {
            throw Failure.unknown(String(describing: error))
        }
    }

    /// The state database `zonecheck run` keeps, for reading; nil before the first run. Unreadable: exit 3.
    func state(_ configuration: Configuration) throws -> StateDatabase? {
        do {
            return try StateDatabase.openExisting(directory: configuration.state.directory)
        } catch {
            throw Failure.unknown(error.description)
        }
    }
}

/// Ends a command with a message on stderr and a monitoring-plugin exit code (the library's sessions throw it
/// too).
typealias Failure = CommandFailure

/// `zonecheck: warning: TEXT` on stderr (cron mail, the journal): said, and the command goes on.
@Sendable func warnOnStderr(_ text: String) {
    FileHandle.standardError.write(Data("zonecheck: warning: \(text)\n".utf8))
}
