import Foundation

/// The user name and password for SMTP AUTH, read from their own file (like TSIG keys, never from the
/// configuration). The file holds one line `user:password` (split at the first ":", so the password may
/// contain ":"; a trailing newline is ignored) and must not be readable by group or others.
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

    /// Reads and checks the credentials file at `path`.
    public static func load(path: String) throws(MailError) -> SMTPCredentials {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw MailError(
                .configuration,
                "SMTP credentials file \(path) does not exist; create it holding user:password and run 'chmod 600 \(path)'"
            )
        }
        let mode = Int(status.st_mode) & 0o777
        if mode & 0o044 != 0 {
            throw MailError(
                .configuration,
                "SMTP credentials file \(path) is readable by \(mode & 0o004 != 0 ? "every user" : "its group") "
                    + "(mode \(String(mode, radix: 8))); run 'chmod 600 \(path)'")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw MailError(
                .configuration,
                "SMTP credentials file \(path) cannot be read as UTF-8 text by this user; check its owner")
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
