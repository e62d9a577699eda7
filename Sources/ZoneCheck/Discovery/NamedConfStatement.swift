/// One statement of a named.conf, as BIND's grammar shapes every statement: words and `{ ... }` blocks,
/// ended by `;` (`zone "example.com" IN { type primary; file "example.com.db"; };`). The parser knows
/// nothing of the statements' meanings; `NamedConfReader` picks out `include`, `options`, `view` and
/// `zone`.
struct NamedConfStatement {
    enum Element {
        case word(String, quoted: Bool)
        case block([NamedConfStatement])
    }

    var elements: [Element]
    /// Where the statement starts.
    var path: String
    var line: Int

    var words: [String] {
        elements.compactMap { if case .word(let text, _) = $0 { text } else { nil } }
    }

    /// The first word, lowercased: the statement's keyword.
    var keyword: String { words.first?.lowercased() ?? "" }

    /// The statements of the first block.
    var body: [NamedConfStatement]? {
        for element in elements { if case .block(let statements) = element { return statements } }
        return nil
    }

    /// Blocks nest at most this deep. BIND's own configurations nest three or four (`view { zone { also-notify
    /// { ... } } }`); without a bound, 200,000 `{` in a row overflowed the parser's stack (a crash, signal 11,
    /// at every run).
    static let maxNesting = 64

    /// Parses a whole file's statements.
    static func parse(bytes: [UInt8], path: String) throws(ConfigError) -> [NamedConfStatement] {
        var lexer = NamedConfLexer(bytes: bytes, path: path)
        let statements = try parseList(&lexer, path: path, closing: nil, depth: 0)
        return statements
    }

    /// Statements up to the end of the file (`closing` nil) or the `}` of the block opened on line `closing`,
    /// `depth` blocks deep.
    private static func parseList(
        _ lexer: inout NamedConfLexer, path: String, closing: Int?, depth: Int
    ) throws(ConfigError) -> [NamedConfStatement] {
        var statements: [NamedConfStatement] = []
        var current: [Element] = []
        var startLine = 0
        while true {
            let token = try lexer.next()
            switch token.kind {
            case .end:
                if let closing {
                    throw ConfigError(
                        path: path, line: closing, message: "the { opened here is never closed",
                        fix: "Add the matching }; (BIND needs every block closed before the end of the file)")
                }
                if !current.isEmpty {
                    throw ConfigError(
                        path: path, line: startLine, message: "the statement starting here has no closing ;",
                        fix: "End it with ;")
                }
                return statements
            case .close:
                guard closing != nil else {
                    throw ConfigError(
                        path: path, line: token.line, message: "a } closes no block",
                        fix: "Remove it, or add the { it was meant to close")
                }
                if !current.isEmpty {
                    throw ConfigError(
                        path: path, line: token.line, message: "missing ';' before '}'",
                        fix: "End the statement started on line \(startLine) with ;")
                }
                return statements
            case .semicolon:
                // An empty statement (a stray ;) is harmless; BIND accepts "};" after every block.
                if !current.isEmpty {
                    statements.append(NamedConfStatement(elements: current, path: path, line: startLine))
                    current = []
                }
            case .open:
                if current.isEmpty { startLine = token.line }
                guard depth < Self.maxNesting else {
                    throw ConfigError(
                        path: path, line: token.line, message: "blocks nest more than \(Self.maxNesting) deep here",
                        fix: "Close the blocks opened before this one; BIND's statements nest a few levels at most")
                }
                let inner = try parseList(&lexer, path: path, closing: token.line, depth: depth + 1)
                current.append(.block(inner))
            case .word(let text, let quoted):
                if current.isEmpty { startLine = token.line }
                if case .block = current.last {
                    // "zone "a" { ... } zone "b" ..." : a block ends a statement only with ;.
                    if !quoted, ["zone", "view", "options", "include", "key", "acl"].contains(text.lowercased()) {
                        throw ConfigError(
                            path: path, line: token.line, message: "missing ';' after the block before '\(text)'",
                            fix: "End the statement started on line \(startLine) with };")
                    }
                }
                current.append(.word(text, quoted: quoted))
            }
        }
    }
}
