/// One SMTP reply (RFC 5321 section 4.2): a three-digit code and one or more text lines. A multi-line reply
/// has "-" after the code on every line but the last, which has a space (or nothing).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2yz: done. 3yz: go on (after DATA, after an AUTH step).
    public var isPositive: Bool { (200..<400).contains(code) }

    /// `250 2.1.0 Ok` as the server wrote it, lines joined by " / ".
    public var description: String { lines.map { "\(code) \($0)" }.joined(separator: " / ") }

    /// Reads one reply from `nextLine` (a line without its CRLF). Nil from `nextLine` means the connection
    /// closed. Throws `.protocolViolation` on a line that does not start with a 3-digit code, or whose code
    /// differs from the first line's.
    static func read(server: String, _ nextLine: () throws(MailError) -> String?) throws(MailError) -> SMTPReply {
        var lines: [String] = []
        var code: Int?
        while true {
            guard let line = try nextLine() else {
                throw MailError(
                    .protocolViolation,
                    "\(server) closed the connection\(lines.isEmpty ? "" : " in the middle of a reply")"
                        + "; check the relay's log for why")
            }
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (0x30...0x39).contains($0) }),
                bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-"),
                let lineCode = Int(String(decoding: bytes[0..<3], as: UTF8.self))
            else {
                throw MailError(
                    .protocolViolation,
                    "\(server) answered '\(line.prefix(120))', which is not an SMTP reply; check that host and port "
                        + "name an SMTP relay (587 submission, 25 smtp)")
            }
            if let code, code != lineCode {
                throw MailError(
                    .protocolViolation, "\(server) mixed reply codes \(code) and \(lineCode) in one reply")
            }
            code = lineCode
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                return SMTPReply(code: lineCode, lines: lines)
            }
        }
    }

    /// The EHLO keywords (RFC 5321 section 4.1.1.1): every line after the greeting, upper-cased keyword
    /// first, e.g. ["STARTTLS": [], "AUTH": ["PLAIN", "LOGIN"], "SIZE": ["10240000"]].
    var extensions: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let words = line.split(separator: " ").map { String($0) }
            guard let keyword = words.first else { continue }
            result[keyword.uppercased()] = words.dropFirst().map { $0.uppercased() }
        }
        return result
    }
}

/// RFC 5321 section 4.5.2: a line of the message that starts with "." gets one more, so the end-of-data
/// line "." can never occur inside it. `text` has CRLF line ends; the result ends with the terminating
/// CRLF "." CRLF.
public enum DotStuffing {
    public static func stuff(_ text: String) -> String {
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        let stuffed = lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return stuffed.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
