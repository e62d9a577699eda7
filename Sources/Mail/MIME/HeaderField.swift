/// Header fields as they go on the wire (RFC 5322 section 2.2): ASCII only, folded so no line passes
/// 78 characters where a fold is possible, non-ASCII text as RFC 2047 encoded words.
enum HeaderField {
    static let lineLimit = 78

    /// `Name: value`, folded at spaces (RFC 5322 section 2.2.3). Non-ASCII values become encoded words.
    static func unstructured(_ name: String, _ value: String) -> String {
        let clean = singleLine(value)
        if needsEncoding(clean) {
            return fold(name, words: encodedWords(clean))
        }
        return fold(name, words: clean.split(separator: " ", omittingEmptySubsequences: true).map(String.init))
    }

    /// A header whose value is a list of items (addresses) separated by ", ", folded between items.
    static func list(_ name: String, _ items: [String]) -> String {
        var words: [String] = []
        for (index, item) in items.enumerated() {
            words.append(index == items.count - 1 ? item : item + ",")
        }
        return fold(name, words: words)
    }

    /// A mailbox with an optional display name (RFC 5322 section 3.4): `"zonecheck on ns-admin" <a@b>`.
    static func mailbox(name: String?, address: String) -> String {
        guard let name = name.map(singleLine), !name.isEmpty else { return address }
        if needsEncoding(name) {
            return encodedWords(name).joined(separator: " ") + " <\(address)>"
        }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if name.allSatisfy({ atext.contains($0) }) {
            return "\(name) <\(address)>"
        }
        let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(quoted)\" <\(address)>"
    }

    /// Non-ASCII, control characters, or text that a decoder would take for an encoded word.
    static func needsEncoding(_ text: String) -> Bool {
        text.contains("=?") || text.unicodeScalars.contains { $0.value > 0x7E || ($0.value < 0x20 && $0 != "\t") }
    }

    /// RFC 2047 section 2 and 5: `=?UTF-8?B?...?=` words of at most 75 characters, each holding whole
    /// UTF-8 characters (a decoder must never see half a character in one word).
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        // 75 - len("=?UTF-8?B??=") = 63 characters of base64 -> 15 groups -> 45 bytes.
        let maxBytes = 45
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maxBytes, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Base64.encode(bytes) + "?="
    }

    private static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    /// Joins words with single spaces, starting a continuation line (CRLF SP) whenever the next word
    /// would pass 78 characters. A single longer word stays whole (the hard limit is 998).
    static func fold(_ name: String, words: [String]) -> String {
        var lines: [String] = []
        var current = name + ":"
        for word in words {
            if current.utf8.count + 1 + word.utf8.count > lineLimit, current != name + ":" {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }
}

/// Standard base64 (RFC 4648 section 4), for encoded words and base64 bodies.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var output = ""
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : "=")
            output.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : "=")
            index += 3
        }
        return output
    }

    /// Body lines of 76 characters joined by CRLF (RFC 2045 section 6.8).
    static func encodeLines(_ bytes: [UInt8]) -> String {
        let encoded = Array(encode(bytes))
        var lines: [String] = []
        var start = 0
        while start < encoded.count {
            let end = min(start + 76, encoded.count)
            lines.append(String(encoded[start..<end]))
            start = end
        }
        return lines.joined(separator: "\r\n")
    }
}
