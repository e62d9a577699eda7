/// Quoted-printable body encoding (RFC 2045 section 6.7), for the text and HTML parts: readable when ASCII,
/// safe for any UTF-8, and never a line longer than 76 characters on the wire.
public enum QuotedPrintable {
    /// Encodes `text` (lines separated by "\n"; a "\r" before it is dropped) into lines joined by CRLF.
    ///
    /// Rule 1 (general 8-bit) and rule 2 (literal printable ASCII except "="), rule 3 (space and tab kept,
    /// except at a line's end), rule 4 (line breaks as CRLF), rule 5 (soft line breaks "=" keep encoded lines
    /// at 76 characters). A line starting with "From " has its "F" encoded, so mbox readers along the way
    /// do not mangle it into ">From ".
    public static func encode(_ text: String) -> String {
        var lines: [String] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            lines.append(encodeLine(Array(line.utf8)))
        }
        return lines.joined(separator: "\r\n")
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        // Tokens are the encoded forms of each byte; a soft break never splits a token.
        var output = ""
        var column = 0
        let fromLine = bytes.starts(with: Array("From ".utf8))
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal: Bool
            switch byte {
            case 0x21...0x3C, 0x3E...0x7E: literal = !(fromLine && index == 0)
            case 0x20, 0x09: literal = !isLast
            default: literal = false
            }
            let token = literal ? String(UnicodeScalar(byte)) : hex(byte)
            // 75 leaves room for the "=" of a soft break; the final token may use column 76.
            let limit = isLast ? 76 : 75
            if column + token.count > limit {
                output += "=\r\n"
                column = 0
            }
            output += token
            column += token.count
        }
        return output
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}
