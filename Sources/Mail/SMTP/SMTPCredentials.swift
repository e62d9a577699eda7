import Foundation

/// The user name and password for SMTP AUTH, read from their own file (like TSIG keys, never from the
/// configuration). The file holds one line `user:password` (split at the first ":", so the password may
/// contain ":"; a trailing newline is ignored); ZoneCheck reads it only when no one else may read or change it.
///
/// The password never appears in `description`, `dump`, logs or errors.
public struct SMTPCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var user: String
    let password: String
    /// The file they came from (named in errors).
    public var path: String

    public init(user: String, password: String, path: String = "(given)") {
        self.user = user
        self.password = password
        self.path = path
    }

    public var description: String { "user \(user) (password from \(path))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["user": user, "path": path]) }

    /// The credentials from the bytes of their file (read by ZoneCheck's `SMTPCredentials.load`, which
    /// checks the file's mode and owner on the descriptor it reads).
    public static func parse(_ bytes: [UInt8], path: String) throws(MailError) -> SMTPCredentials {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MailError(
                .configuration,
                "SMTP credentials file \(path) is not UTF-8 text; write it as 'user:password' (one line)")
        }
        return try parse(text, path: path)
    }

    /// `user:password` on the first line; the error never quotes the line (it holds the password).
    static func parse(_ text: String, path: String) throws(MailError) -> SMTPCredentials {
        var line = Substring(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if line.hasSuffix("\r") { line = line.dropLast() }
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, line.index(after: colon) != line.endIndex
        else {
            throw MailError(
                .configuration,
                "SMTP credentials file \(path) does not hold user:password on its first line; write it as "
                    + "'user:password' (one line)")
        }
        return SMTPCredentials(
            user: String(line[..<colon]), password: String(line[line.index(after: colon)...]), path: path)
    }

    /// `text` with the password, and its base64 forms as AUTH sends them, replaced by "********": for
    /// anything a server echoes back that ends up in an error.
    func scrub(_ text: String) -> String {
        var result = text
        let forms = [
            password, Base64.encode(Array(password.utf8)),
            Base64.encode(Array("\0\(user)\0\(password)".utf8)),
        ]
        for form in forms where !form.isEmpty {
            result = result.replacingOccurrences(of: form, with: "********")
        }
        return result
    }
}
