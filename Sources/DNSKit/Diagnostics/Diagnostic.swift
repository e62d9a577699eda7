/// Where something was written: a file and a 1-based line.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    public var description: String { "\(file):\(line)" }
}

/// One finding about a zone file, printed as `file:line: severity: [rule] message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable, Codable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .warning && rhs == .error
        }
    }

    public var location: SourceLocation
    public var severity: Severity
    /// Stable rule id (`ttl`, `missing-trailing-dot`, ...): documented in the README, used by tests.
    public var rule: String
    public var message: String

    public init(_ severity: Severity, _ rule: String, at location: SourceLocation, _ message: String) {
        self.location = location
        self.severity = severity
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): [\(rule)] \(message)" }
}
