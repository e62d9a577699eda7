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
}

/// Ends a command with a message on stderr and a monitoring-plugin exit code (docs/architecture.md: 2 CRITICAL, 3 UNKNOWN).
enum Failure: Error {
    case unknown(String)
    case critical(String)

    var message: String {
        switch self {
        case .unknown(let text), .critical(let text): text
        }
    }

    var exitCode: Int32 {
        switch self {
        case .unknown: 3
        case .critical: 2
        }
    }
}
