import DNSKit
import Foundation
import Yams

/// The whole configuration of zonecheck, read from YAML (docs/configuration.md).
///
/// Loading is strict: an unknown key, a missing or world-readable key file, zero or two primaries, or a
/// duplicate server is an error naming the file, the line and the key, so a typo never turns into a silently
/// applied default. Relative paths are resolved against the configuration file's directory.
public struct Configuration: Sendable, Equatable {
    public var servers: [ServerConfig]
    public var zones: ZoneSources
    public var check: CheckSettings
    public var repair: RepairSettings
    public var alerts: AlertSettings
    public var state: StateSettings
    /// `vantage`: where this checker looks from (`eu-par1`), when several checkers watch the same servers:
    /// a label on every metric, named in alerts. nil: one checker, no label.
    public var vantage: String?

    public init(
        servers: [ServerConfig], zones: ZoneSources, check: CheckSettings = CheckSettings(),
        repair: RepairSettings = RepairSettings(), alerts: AlertSettings = AlertSettings(),
        state: StateSettings = StateSettings(), vantage: String? = nil
    ) {
        self.vantage = vantage
        self.servers = servers
        self.zones = zones
        self.check = check
        self.repair = repair
        self.alerts = alerts
        self.state = state
    }

    /// The one primary (a loaded configuration always has exactly one).
    public var primary: ServerConfig {
        guard let primary = servers.first(where: { $0.role == .primary }) else {
            preconditionFailure("a Configuration without a primary: build it with Configuration.load or parse")
        }
        return primary
    }

    /// The secondaries, in the order of the file.
    public var secondaries: [ServerConfig] { servers.filter { $0.role == .secondary } }

    /// The server with this name (case-insensitive, as names are unique regardless of case), if any.
    public func server(named name: String) -> ServerConfig? {
        servers.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The file named by `ZONECHECK_CONFIG`, else `/etc/zonecheck/zonecheck.yaml`.
    public static var defaultPath: String {
        if let path = ProcessInfo.processInfo.environment["ZONECHECK_CONFIG"], !path.isEmpty { return path }
        return "/etc/zonecheck/zonecheck.yaml"
    }

    /// Reads and checks the configuration file at `path`.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        let data: Data
        do {
            data = Data(try RegularFile.read(path, limit: RegularFile.configurationLimit))
        } catch {
            throw ConfigError(
                path: path, line: nil, keyPath: "",
                message: error.isMissing ? "does not exist" : "cannot be read: \(error.reason)",
                fix: error.isMissing
                    ? "Create it (config/zonecheck.sample.yaml is a commented example) or give another with --config FILE"
                    : "Give the configuration file itself, readable by the user running zonecheck"
            )
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(
                path: path, line: nil, keyPath: "", message: "is not UTF-8 text", fix: "Save it as UTF-8")
        }
        return try parse(yaml: yaml, path: path)
    }

    /// Checks the configuration `yaml`; `path` is the file it came from (named in errors; relative paths in
    /// the configuration are resolved against its directory).
    public static func parse(yaml: String, path: String) throws(ConfigError) -> Configuration {
        let source = ConfigSource(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw syntaxError(error, path: path)
        }
        guard let root else {
            throw ConfigError(
                path: path, line: nil, keyPath: "", message: "is empty",
                fix: "Describe the servers and zones (see config/zonecheck.sample.yaml)")
        }
        let top = try ConfigMapping(root, keyPath: "", source: source)
        try top.checkKeys(["servers", "zones", "check", "repair", "alerts", "state", "vantage"])
        let servers = try readServers(top)
        let zones = try readZones(top)
        let check = try readCheck(top)
        let repair = try readRepair(top)
        let alerts = try readAlerts(top)
        let state = try readState(top)
        let vantage = try readVantage(top)
        return Configuration(
            servers: servers, zones: zones, check: check, repair: repair, alerts: alerts, state: state,
            vantage: vantage)
    }

    private static func syntaxError(_ error: any Error, path: String) -> ConfigError {
        let fix = "Fix the YAML syntax there (indentation, a missing ':' or an unclosed quote or bracket)"
        guard let yamlError = error as? YamlError else {
            return ConfigError(path: path, line: nil, keyPath: "", message: "is not valid YAML", fix: fix)
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = context.map { "\(problem) (\($0.text))" } ?? problem
            return ConfigError(path: path, line: mark.line, keyPath: "", message: "YAML syntax: \(what)", fix: fix)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(
                path: path, line: context.mark.line, keyPath: "",
                message: "key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) given twice in one mapping",
                fix: "Keep one of them")
        case .reader(let problem, _, _, _):
            return ConfigError(path: path, line: nil, keyPath: "", message: "YAML: \(problem)", fix: fix)
        default:
            return ConfigError(path: path, line: nil, keyPath: "", message: "is not valid YAML", fix: fix)
        }
    }
}
