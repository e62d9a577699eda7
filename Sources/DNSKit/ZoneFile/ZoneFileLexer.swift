/// One token of a master file: a byte range of the file's contents, never copied.
///
/// RFC 1035 §5.1: tokens are separated by blanks; `"` quotes a string that may hold blanks;
/// `\X` escapes X and `\DDD` is the octet with decimal value DDD. Escapes are kept in the
/// bytes (`hasEscape` says so) and resolved by whoever reads the token as a name or a string.
struct ZoneToken {
    var start: Int
    var end: Int
    var line: Int
    var isQuoted: Bool
    var hasEscape: Bool
}

/// One entry of a master file (RFC 1035 §5.1): a record or a directive, possibly spread over
/// several physical lines by parentheses.
struct LogicalLine {
    /// The physical line the entry starts on.
    var line: Int
    /// The entry starts with a blank, so it has no owner and repeats the previous one.
    var startsWithBlank: Bool
}

/// A problem found while splitting a file into tokens; the lexer has already recovered from it.
struct LexProblem {
    var rule: String
    var line: Int
    var message: String
}

/// Splits a whole master file, held in memory, into logical lines of tokens.
///
/// Byte-level on purpose: a million-record zone is tens of millions of tokens, and a `String`
/// per token would dominate the reading time.
struct ZoneFileLexer {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0
    private(set) var line = 1

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let carriageReturn = UInt8(ascii: "\r")
    static let newline = UInt8(ascii: "\n")
    static let semicolon = UInt8(ascii: ";")
    static let openParenthesis = UInt8(ascii: "(")
    static let closeParenthesis = UInt8(ascii: ")")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")

    /// Fills `tokens` with the next entry that has any, or returns nil at the end of the file.
    ///
    /// Entries broken by a lexical error are reported through `report` and skipped, so the
    /// caller sees only entries it can try to parse: reading goes on after each error.
    mutating func next(into tokens: inout [ZoneToken], report: (LexProblem) -> Void) -> LogicalLine? {
        let count = bytes.count
        while position < count {
            tokens.removeAll(keepingCapacity: true)
            let firstLine = line
            let startsWithBlank = bytes[position] == Self.space || bytes[position] == Self.tab
            var depth = 0
            var parenthesisLine = 0
            var parenthesisPosition = 0
            var broken = false
            scan: while position < count {
                let byte = bytes[position]
                switch byte {
                case Self.space, Self.tab, Self.carriageReturn:
                    position += 1
                case Self.newline:
                    position += 1
                    line += 1
                    if depth == 0 { break scan }
                case Self.semicolon:
                    skipToEndOfLine()
                case Self.openParenthesis:
                    if depth == 0 {
                        parenthesisLine = line
                        parenthesisPosition = position
                    }
                    depth += 1
                    position += 1
                case Self.closeParenthesis:
                    if depth == 0 {
                        report(
                            LexProblem(
                                rule: "unbalanced-parenthesis", line: line,
                                message: "')' without a matching '(' before it; remove it or add the '('"))
                        broken = true
                        skipToEndOfLine()
                    } else {
                        depth -= 1
                        position += 1
                    }
                case Self.quote:
                    if !scanQuoted(into: &tokens, report: report) {
                        // RFC 1035 §5.1 strings end on their line; recover at the next line.
                        broken = true
                        depth = 0
                    }
                default:
                    scanWord(into: &tokens)
                }
            }
            if depth > 0 {
                report(
                    LexProblem(
                        rule: "unbalanced-parenthesis", line: parenthesisLine,
                        message:
                            "'(' is never closed: the rest of the file was swallowed into this record; add the missing ')'"
                    ))
                resume(afterParenthesisAt: parenthesisPosition, line: parenthesisLine)
                continue
            }
            if broken || tokens.isEmpty { continue }
            return LogicalLine(line: firstLine, startsWithBlank: startsWithBlank)
        }
        tokens.removeAll(keepingCapacity: true)
        return nil
    }

    private mutating func skipToEndOfLine() {
        while position < bytes.count && bytes[position] != Self.newline { position += 1 }
    }

    /// Reads `"..."` starting at the opening quote; false (and reported) when the line ends first.
    private mutating func scanQuoted(into tokens: inout [ZoneToken], report: (LexProblem) -> Void) -> Bool {
        let count = bytes.count
        let startLine = line
        position += 1
        let start = position
        var hasEscape = false
        while position < count {
            let byte = bytes[position]
            if byte == Self.quote {
                tokens.append(
                    ZoneToken(start: start, end: position, line: startLine, isQuoted: true, hasEscape: hasEscape))
                position += 1
                return true
            }
            if byte == Self.newline { break }
            if byte == Self.backslash {
                hasEscape = true
                if position + 1 < count && bytes[position + 1] != Self.newline {
                    position += 2
                    continue
                }
            }
            position += 1
        }
        report(
            LexProblem(
                rule: "unterminated-string", line: startLine,
                message: "quoted string is not closed on its line; add the closing '\"'"))
        return false
    }

    private mutating func scanWord(into tokens: inout [ZoneToken]) {
        let count = bytes.count
        let start = position
        var hasEscape = false
        while position < count {
            let byte = bytes[position]
            switch byte {
            case Self.space, Self.tab, Self.carriageReturn, Self.newline, Self.semicolon, Self.openParenthesis,
                Self.closeParenthesis, Self.quote:
                tokens.append(ZoneToken(start: start, end: position, line: line, isQuoted: false, hasEscape: hasEscape))
                return
            case Self.backslash:
                hasEscape = true
                position += (position + 1 < count && bytes[position + 1] != Self.newline) ? 2 : 1
            default:
                position += 1
            }
        }
        tokens.append(ZoneToken(start: start, end: position, line: line, isQuoted: false, hasEscape: hasEscape))
    }

    /// After an unclosed `(`, BIND stops at the end of the file. To still report the errors
    /// further down, reading resumes at the first line after the `(` that starts in column 0
    /// with something other than a comment: the likeliest start of the next record.
    private mutating func resume(afterParenthesisAt parenthesis: Int, line parenthesisLine: Int) {
        position = parenthesis
        line = parenthesisLine
        let count = bytes.count
        while true {
            skipToEndOfLine()
            guard position < count else { return }
            position += 1
            line += 1
            guard position < count else { return }
            switch bytes[position] {
            case Self.space, Self.tab, Self.carriageReturn, Self.newline, Self.semicolon, Self.closeParenthesis:
                continue
            default:
                return
            }
        }
    }
}
