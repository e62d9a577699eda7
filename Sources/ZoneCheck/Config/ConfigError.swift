/// A problem in what the operator gave zonecheck to read (the configuration file, or the zone sources it
/// names: a named.conf, a zones directory, a catalog zone), located, with the sentence that says what to do.
///
/// Printed as `zonecheck.yaml:14: servers[2].port: 70000 is not a port number (1-65535). Use …`: file, line,
/// the key as a path into the YAML, what is wrong, then the fix; or, for a zone source,
/// `named.conf.local:12: zone "example.com" has no type. Add …`. A secret never appears here: key files are
/// named, never quoted.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file as it was given, the zone source's file, or `catalog NAME on SERVER`.
    public var path: String
    /// 1-based line in that file, when the problem is at a place in it.
    public var line: Int?
    /// Where in the YAML: `servers[2].port`, `check.timeout`; empty for problems with the whole file and
    /// in zone sources.
    public var keyPath: String
    /// What is wrong.
    public var message: String
    /// What to do next.
    public var fix: String

    public init(path: String, line: Int? = nil, keyPath: String = "", message: String, fix: String) {
        self.path = path
        self.line = line
        self.keyPath = keyPath
        self.message = message
        self.fix = fix
    }

    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        text += ": "
        if !keyPath.isEmpty { text += "\(keyPath): " }
        text += message
        if !fix.isEmpty { text += ". " + fix }
        return text
    }
}
