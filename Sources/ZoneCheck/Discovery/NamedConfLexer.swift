/// Splits a named.conf into BIND's tokens: `{`, `}`, `;`, and words (quoted strings with their quotes
/// removed, or unquoted runs such as `primary`, `192.0.2.1/24`). Comments are skipped in all three of
/// BIND's forms: `// ...`, `# ...` and `/* ... */` (ARM "Comment Syntax").
struct NamedConfLexer {
    enum Kind: Equatable {
        case open, close, semicolon
        case word(String, quoted: Bool)
        case end
    }

    struct Token {
        var kind: Kind
        var line: Int
    }

    private let bytes: [UInt8]
    private let path: String
    private var index = 0
    private(set) var line = 1

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    /// Whether a comment starts at the current position.
    private func atComment() -> Bool {
        guard let byte = peek() else { return false }
        if byte == UInt8(ascii: "#") { return true }
        return byte == UInt8(ascii: "/") && (peek(1) == UInt8(ascii: "/") || peek(1) == UInt8(ascii: "*"))
    }

    private mutating func skipSpaceAndComments() throws(ConfigError) {
        while let byte = peek() {
            if Self.isSpace(byte) {
                if byte == 0x0A { line += 1 }
                index += 1
            } else if byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/")) {
                while let b = peek(), b != 0x0A { index += 1 }
            } else if byte == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                let start = line
                index += 2
                while true {
                    guard let b = peek() else {
                        throw ConfigError(
                            path: path, line: start, message: "a /* comment is never closed",
                            fix: "Close it with */ (C-style comments do not nest)")
                    }
                    if b == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
                        index += 2
                        break
                    }
                    if b == 0x0A { line += 1 }
                    index += 1
                }
            } else {
                return
            }
        }
    }

    mutating func next() throws(ConfigError) -> Token {
        try skipSpaceAndComments()
        guard let byte = peek() else { return Token(kind: .end, line: line) }
        let start = line
        switch byte {
        case UInt8(ascii: "{"):
            index += 1
            return Token(kind: .open, line: start)
        case UInt8(ascii: "}"):
            index += 1
            return Token(kind: .close, line: start)
        case UInt8(ascii: ";"):
            index += 1
            return Token(kind: .semicolon, line: start)
        case UInt8(ascii: "\""):
            index += 1
            var text: [UInt8] = []
            while true {
                guard let b = peek() else {
                    throw ConfigError(
                        path: path, line: start, message: "a quoted string is never closed",
                        fix: "Add the closing \" on the same statement")
                }
                index += 1
                if b == UInt8(ascii: "\"") { break }
                if b == UInt8(ascii: "\\"), let escaped = peek() {
                    // BIND's lexer takes the character after a backslash literally.
                    index += 1
                    if escaped == 0x0A { line += 1 }
                    text.append(escaped)
                    continue
                }
                if b == 0x0A { line += 1 }
                text.append(b)
            }
            return Token(kind: .word(String(decoding: text, as: UTF8.self), quoted: true), line: start)
        default:
            let from = index
            while let b = peek(), !Self.isSpace(b), b != UInt8(ascii: "{"), b != UInt8(ascii: "}"),
                b != UInt8(ascii: ";"), b != UInt8(ascii: "\""), !atComment()
            {
                index += 1
            }
            return Token(kind: .word(String(decoding: bytes[from..<index], as: UTF8.self), quoted: false), line: start)
        }
    }
}
