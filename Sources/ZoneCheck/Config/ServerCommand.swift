/// A command zonecheck runs on this host for a server (`reload`, `retransfer`): a list of arguments, run
/// directly, never through a shell.
///
/// It is written in the configuration either as a YAML list, taken word for word:
///
///     retransfer: [rndc, -s, ns2, retransfer, "{zone}"]
///
/// or as one string, split into words by these rules (a subset of the POSIX shell's, so a string that is
/// accepted means the same here as in `sh`, with nothing expanded):
/// - spaces and tabs separate words;
/// - `'...'` keeps everything up to the next `'` literally;
/// - `"..."` keeps everything literally except `\"`, `\\`, `` \` `` and `\$`, which stand for the second character;
/// - outside quotes, `\` makes the next character literal;
/// - nothing is expanded: no variables, no `~`, no wildcards, no command substitution.
///
/// A string that needs a shell to mean what it says is refused when the configuration is loaded, naming the
/// file and key: operators `;` `&&` `||` `|` `&` `<` `>` `(` `)`, a newline, `` ` ``, `$` (outside single
/// quotes), a `#` comment, and unquoted `*` `?` `[` `~`. Such a command belongs in a script, named here.
///
/// `{zone}` stands for the zone's name without its trailing dot. It is replaced inside the word that holds it
/// after the split, so the name is always part of exactly one argument, quoted or not, whatever it contains.
/// The first word is the program: an absolute path, or a name looked up in `PATH` by `CommandRunner` (never
/// a relative path, never `{zone}`).
public struct ServerCommand: Sendable, Equatable, CustomStringConvertible {
    /// The arguments as configured, `{zone}` not yet replaced; `words[0]` is the program.
    public let words: [String]

    /// A command from a list of arguments (the YAML list form). Checks only what every form must satisfy.
    public init(words: [String]) throws(ServerCommandError) {
        guard let program = words.first, !program.isEmpty else { throw .empty }
        if program.contains("{zone}") { throw .zoneAsProgram }
        if program.contains("/") && !program.hasPrefix("/") { throw .relativeProgram(program) }
        if let word = words.first(where: { $0.contains("\u{0}") }) { throw .nulCharacter(word) }
        self.words = words
    }

    /// A command from one string, split by the rules above.
    public init(parsing text: String) throws(ServerCommandError) {
        try self.init(words: try Self.split(text))
    }

    /// Whether some argument names the zone.
    public var mentionsZone: Bool { words.contains { $0.contains("{zone}") } }

    /// The arguments for `zone` (trailing dot removed, `{zone}` replaced inside each word).
    public func arguments(zone: String) -> [String] {
        var name = zone
        if name.count > 1 && name.hasSuffix(".") { name.removeLast() }
        return words.map { $0.replacingOccurrences(of: "{zone}", with: name) }
    }

    /// The command as a string that splits back into the same words (single quotes where needed), for
    /// messages and the audit log.
    public var description: String { Self.display(words) }

    /// `arguments` written for a reader: words with anything but plain characters in single quotes.
    public static func display(_ arguments: [String]) -> String {
        arguments.map { word in
            let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { plainScalars.contains($0) }
            return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    private static let plainScalars = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%{}".unicodeScalars)

    /// Splits `text` into words; throws on anything that would need a shell.
    static func split(_ text: String) throws(ServerCommandError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var scalars = Array(text.unicodeScalars)[...]
        func shell(_ what: String) -> ServerCommandError { .shellSyntax(what) }
        while let scalar = scalars.popFirst() {
            switch scalar {
            case " ", "\t":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                guard let end = scalars.firstIndex(of: "'") else { throw .unterminatedQuote("'") }
                word.unicodeScalars.append(contentsOf: scalars[scalars.startIndex..<end])
                scalars = scalars[(end + 1)...]
            case "\"":
                inWord = true
                var closed = false
                while let inner = scalars.popFirst() {
                    if inner == "\"" {
                        closed = true
                        break
                    }
                    if inner == "\\", let next = scalars.first, "\"\\`$".unicodeScalars.contains(next) {
                        word.unicodeScalars.append(next)
                        scalars.removeFirst()
                        continue
                    }
                    if inner == "`" { throw shell("` (command substitution)") }
                    if inner == "$" { throw shell("$ (expansion)") }
                    word.unicodeScalars.append(inner)
                }
                if !closed { throw .unterminatedQuote("\"") }
            case "\\":
                guard let next = scalars.popFirst() else { throw .trailingBackslash }
                if next == "\n" { continue }
                inWord = true
                word.unicodeScalars.append(next)
            case ";": throw shell("; (a second command)")
            case "&": throw shell(scalars.first == "&" ? "&& (a second command)" : "& (a background command)")
            case "|": throw shell(scalars.first == "|" ? "|| (a second command)" : "| (a pipe)")
            case "<", ">": throw shell("\(scalar) (a redirection)")
            case "(", ")": throw shell("\(scalar) (a subshell)")
            case "\n", "\r": throw shell("a line break (a second command)")
            case "`": throw shell("` (command substitution)")
            case "$": throw shell(scalars.first == "(" ? "$( (command substitution)" : "$ (expansion)")
            case "#" where !inWord: throw shell("# (a comment)")
            case "*", "?", "[": throw shell("\(scalar) (a wildcard)")
            case "~" where !inWord: throw shell("~ (a home directory)")
            default:
                inWord = true
                word.unicodeScalars.append(scalar)
            }
        }
        if inWord { words.append(word) }
        return words
    }
}

/// Why a command from the configuration cannot be run without a shell.
public enum ServerCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case shellSyntax(String)
    case unterminatedQuote(String)
    case trailingBackslash
    case zoneAsProgram
    case relativeProgram(String)
    case nulCharacter(String)

    public var description: String {
        switch self {
        case .empty: "is empty"
        case .shellSyntax(let what): "needs a shell for \(what); zonecheck runs commands without a shell"
        case .unterminatedQuote(let quote): "has a \(quote) quote that is not closed"
        case .trailingBackslash: "ends with a backslash"
        case .zoneAsProgram: "starts with {zone}: the first word must be the program"
        case .relativeProgram(let program):
            "names the program '\(program)' by a relative path"
        case .nulCharacter: "contains a NUL character"
        }
    }

    /// What the operator should do.
    public var fix: String {
        switch self {
        case .shellSyntax:
            "Put the commands in a script (e.g. /usr/local/sbin/zonecheck-reload) and name it here with its "
                + "arguments, e.g. '/usr/local/sbin/zonecheck-reload {zone}'; or write the command as a YAML list "
                + "of arguments, [program, arg, \"{zone}\"], when a character must be passed literally"
        case .relativeProgram: "Give the program's absolute path, or its bare name to look it up in PATH"
        default:
            "Write the program and its arguments, e.g. rndc reload {zone}, or a YAML list [rndc, reload, \"{zone}\"]"
        }
    }
}

extension ConfigMapping {
    /// The command under `key`: a string split by `ServerCommand`'s rules, or a list of arguments. An error
    /// names the file, line and key, and says to use a script when the string needs a shell.
    func command(_ key: String) throws(ConfigError) -> ServerCommand? {
        guard let value = value(key) else { return nil }
        do {
            switch value {
            case .scalar(let scalar):
                return try ServerCommand(parsing: scalar.string)
            case .sequence:
                let words = try strings(key, fix: "Write each argument as a plain value") ?? []
                return try ServerCommand(words: words.map(\.0))
            default:
                throw source.error(
                    at: value, path(key), "expected a command, found \(ConfigMapping.describe(value))",
                    fix: "Write it as a string (rndc reload {zone}) or a list ([rndc, reload, \"{zone}\"])")
            }
        } catch let error as ServerCommandError {
            throw source.error(at: value, path(key), error.description, fix: error.fix)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw source.error(at: value, path(key), "\(error)", fix: "")
        }
    }
}
