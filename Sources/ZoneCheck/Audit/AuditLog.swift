#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import DNSKit
public import Foundation

/// One thing repair did (or refused to do), as one JSON line. Never holds a secret: only names, serials
/// and outcomes.
public struct AuditEntry: Sendable, Equatable {
    public var time: Date
    /// Who acted: `run` or `digest` for zonecheck's own cycles (`AuditLog.actor`), else `realUser`.
    public var user: String
    /// The real user of the process, from getuid (a fact; not from the environment).
    public var realUser: String
    /// The user sudo says started it (SUDO_USER: a claim, recorded beside the fact), nil without sudo.
    public var sudoUser: String?
    public var host: String
    public var zone: String
    public var server: String
    /// notify, retransfer, verify, plan-refused...
    public var action: String
    public var serialBefore: UInt32?
    public var serialAfter: UInt32?
    /// ok, failed, refused, timeout...
    public var outcome: String
    public var detail: String

    public init(
        time: Date = Date(), user: String = AuditLog.currentUser, realUser: String = AuditLog.currentUser,
        sudoUser: String? = AuditLog.claimedUser, host: String = AuditLog.currentHost, zone: String,
        server: String, action: String, serialBefore: UInt32?, serialAfter: UInt32?, outcome: String, detail: String
    ) {
        self.time = time
        self.user = user
        self.realUser = realUser
        self.sudoUser = sudoUser
        self.host = host
        self.zone = zone
        self.server = server
        self.action = action
        self.serialBefore = serialBefore
        self.serialAfter = serialAfter
        self.outcome = outcome
        self.detail = detail
    }
}

/// The append-only record of repairs: JSON Lines at `<state.directory>/audit.jsonl`. Each line carries
/// `prev`, the SHA-256 of the previous line's bytes (64 zeros for the first), so an edited or deleted line
/// breaks the chain and `verify()` points at it.
public struct AuditLog: Sendable {
    public var path: String
    /// Who every entry names as `user` instead of the login name: `run` for what `zonecheck run` does by
    /// itself, so the digest tells automatic repairs from a person's.
    public var actor: String?
    public static let firstPrev = String(repeating: "0", count: 64)

    public init(directory: String) {
        self.path = (directory as NSString).appendingPathComponent("audit.jsonl")
    }

    /// The real user, from getuid through the password database (getpwuid_r); `uid N` without an entry.
    /// USER and LOGNAME are not read: anyone can set them.
    public static var currentUser: String { SystemUser.real }

    /// SUDO_USER when set: who sudo says ran the command. Recorded as a claim beside the real user.
    public static var claimedUser: String? {
        guard let name = getenv("SUDO_USER") else { return nil }
        let text = String(cString: name)
        return text.isEmpty ? nil : text
    }

    public static var currentHost: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Appends `entry`: the directory is created (mode 0700: the log says who repaired what), the file is
    /// opened O_APPEND so no write lands in the middle of another's, and the line is fsynced before returning.
    public func append(_ entry: AuditEntry) throws(AuditError) { try append(contentsOf: [entry]) }

    /// Appends `entries` in order, each chained to the one before, under one lock, in one write and with one
    /// fsync: a batch repair's verification records every zone and server at once, and an fsync (and a
    /// read of the log for the last line) per entry made 250 entries take seconds.
    public func append(contentsOf entries: [AuditEntry]) throws(AuditError) {
        guard !entries.isEmpty else { return }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AuditError(path: directory, reason: "cannot create the state directory: \(error)")
        }
        // O_CLOEXEC: repairs run side by side, and a command started by one must not inherit this descriptor
        // (nor, through it, the lock below, which would then outlive our close).
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link; give the real file" : String(cString: strerror(errno))
            throw AuditError(path: path, reason: reason)
        }
        defer { close(descriptor) }
        // The chain needs the last line; a lock keeps two repairs from chaining to the same line.
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw AuditError(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))")
        }
        var previous = Self.lastLine(of: path).map { SHA256.hex(of: $0) } ?? Self.firstPrev
        var bytes: [UInt8] = []
        // A last line without its newline was cut off (the machine stopped mid-write): it stays, as evidence
        // `verify` points at, and the new entries start on a line of their own instead of being glued to it.
        if !Self.endsWithNewline(path) { bytes.append(UInt8(ascii: "\n")) }
        for var entry in entries {
            if let actor { entry.user = actor }
            let line = Array(Self.encode(entry, prev: previous).utf8)
            previous = SHA256.hex(of: line)
            bytes += line
            bytes.append(UInt8(ascii: "\n"))
        }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw AuditError(path: path, reason: "short write: \(String(cString: strerror(errno)))")
        }
        guard fsync(descriptor) == 0 else {
            throw AuditError(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// The line number (1-based) of the first line whose `prev` does not match the previous line's hash
    /// (or that is not an entry at all), or nil when the whole chain holds.
    public func verify() throws(AuditError) -> Int? {
        let lines: [[UInt8]]
        do {
            lines = try Self.lines(of: path)
        } catch {
            throw AuditError(path: path, reason: "cannot read: \(error)")
        }
        var expected = Self.firstPrev
        for (index, line) in lines.enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                object["prev"] as? String == expected
            else { return index + 1 }
            expected = SHA256.hex(of: line)
        }
        return nil
    }

    /// The entries' JSON objects, for tests and tools; a line that is not one (cut off, edited) is left out:
    /// saying where the chain breaks is `verify`'s.
    public func entries() throws -> [[String: Any]] {
        try Self.lines(of: path).compactMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
    }

    /// True when the file is empty, missing, or its last byte is a newline.
    static func endsWithNewline(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return true }
        guard (try? handle.seek(toOffset: size - 1)) != nil, let last = try? handle.read(upToCount: 1) else {
            return true
        }
        return last.first == UInt8(ascii: "\n")
    }

    /// The last non-empty line, as `lines(of:).last` would give it, read from the end of the file in
    /// 64 KiB steps: an append must not read months of log (300 appends to a log of a few thousand lines
    /// took seconds that way).
    static func lastLine(of path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard var offset = try? handle.seekToEnd() else { return nil }
        let newline = UInt8(ascii: "\n")
        var tail: [UInt8] = []
        while offset > 0 {
            let step = min(UInt64(65_536), offset)
            offset -= step
            guard (try? handle.seek(toOffset: offset)) != nil, let chunk = try? handle.read(upToCount: Int(step))
            else { return nil }
            tail = Array(chunk) + tail
            var end = tail.count
            while end > 0 && tail[end - 1] == newline { end -= 1 }
            if let start = tail[..<end].lastIndex(of: newline) { return Array(tail[(start + 1)..<end]) }
            if offset == 0 { return end > 0 ? Array(tail[..<end]) : nil }
        }
        return nil
    }

    static func lines(of path: String) throws -> [[UInt8]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
    }

    /// One line, keys in a fixed order so the bytes (and so the chain) are reproducible.
    static func encode(_ entry: AuditEntry, prev: String) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        func string(_ text: String) -> String {
            let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
            let array = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
            return String(array.dropFirst().dropLast())
        }
        func number(_ value: UInt32?) -> String { value.map(String.init) ?? "null" }
        let fields: [(String, String)] = [
            ("time", string(formatter.string(from: entry.time))), ("user", string(entry.user)),
            ("real_user", string(entry.realUser)), ("sudo_user", entry.sudoUser.map(string) ?? "null"),
            ("host", string(entry.host)), ("zone", string(entry.zone)), ("server", string(entry.server)),
            ("action", string(entry.action)), ("serial_before", number(entry.serialBefore)),
            ("serial_after", number(entry.serialAfter)), ("outcome", string(entry.outcome)),
            ("detail", string(entry.detail)), ("prev", string(prev)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

public struct AuditError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason): check the state.directory setting and its permissions" }
}
