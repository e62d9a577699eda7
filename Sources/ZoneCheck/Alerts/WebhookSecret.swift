import Foundation

/// The key the webhook's body is signed with, read from its own file (never from the configuration): the
/// first line, without its line end, at most `maxBytes`. The file must not be readable by group or others.
///
/// The secret never appears in `description`, `dump`, logs or errors.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let bytes: [UInt8]
    /// The file it came from (named in errors).
    public var path: String

    static let maxBytes = 4096

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    public var description: String { "webhook secret from \(path)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["path": path]) }

    /// Why the file cannot be used, and what to do.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var problem: String
        public var fix: String
        public var description: String { "\(problem); \(fix)" }
    }

    public static func load(path: String) throws(LoadError) -> WebhookSecret {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw LoadError(
                problem: "webhook secret file \(path) does not exist",
                fix: "Create it holding the secret on one line and run 'chmod 600 \(path)'")
        }
        let mode = Int(status.st_mode) & 0o777
        if mode & 0o044 != 0 {
            throw LoadError(
                problem: "webhook secret file \(path) is readable by "
                    + "\(mode & 0o004 != 0 ? "every user" : "its group") (mode \(String(mode, radix: 8)))",
                fix: "Run 'chmod 600 \(path)'")
        }
        guard Int(status.st_size) <= maxBytes, let data = FileManager.default.contents(atPath: path),
            data.count <= maxBytes
        else {
            throw LoadError(
                problem: "webhook secret file \(path) cannot be read by this user or is larger than \(maxBytes) bytes",
                fix: "Check its owner; it holds one line, the secret")
        }
        var line = Array(data.prefix { $0 != UInt8(ascii: "\n") })
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard !line.isEmpty else {
            throw LoadError(
                problem: "webhook secret file \(path) has an empty first line",
                fix: "Write the secret on its first line, e.g. from 'openssl rand -hex 32'")
        }
        return WebhookSecret(bytes: line, path: path)
    }
}
