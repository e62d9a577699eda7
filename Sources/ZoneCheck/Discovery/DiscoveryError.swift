/// A zone source that could not be read: which file and line (or which catalog and server), what is wrong,
/// and what to do about it. Printed as `named.conf.local:12: zone "example.com" has no type. Add ...`.
public struct DiscoveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or `catalog NAME on SERVER`) the problem is in.
    public var place: String
    /// 1-based line in that file, when there is one.
    public var line: Int?
    /// What is wrong.
    public var message: String
    /// What to do next.
    public var fix: String

    public init(place: String, line: Int? = nil, message: String, fix: String) {
        self.place = place
        self.line = line
        self.message = message
        self.fix = fix
    }

    public var description: String {
        var text = place
        if let line { text += ":\(line)" }
        text += ": " + message
        if !fix.isEmpty { text += ". " + fix }
        return text
    }
}
