#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
public import Foundation

/// `<state.directory>/run.lock`: only one `zonecheck run` at a time. An exclusive, non-blocking `flock(2)`:
/// the kernel drops it when the holder exits in any way (`kill -9` included), so a lock left by a killed run
/// never blocks the next one; the file's content (PID and start time) only names the holder in the message.
public final class RunLock: Sendable {
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    public static func path(directory: String) -> String {
        (directory as NSString).appendingPathComponent("run.lock")
    }

    /// Takes the lock at once or throws `.held` naming the holder; never waits.
    public static func acquire(directory: String, now: Date = Date()) throws(RunLockError) -> RunLock {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotOpen(path: directory, reason: "cannot create the state directory: \(error)")
        }
        let path = Self.path(directory: directory)
        // O_CLOEXEC: a retransfer or reload command started by the run must not inherit (and keep) the lock.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            if reason == EWOULDBLOCK {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                throw .held(path: path, holder: RunLockHolder(text: text))
            }
            throw .cannotOpen(path: path, reason: "cannot lock: \(String(cString: strerror(reason)))")
        }
        let line = RunLockHolder(pid: getpid(), started: now).text
        // The holder's line replaces the previous holder's; the lock, not the text, is what protects the run.
        _ = ftruncate(descriptor, 0)
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return RunLock(path: path, descriptor: descriptor)
    }
}

/// Who holds the lock, as written in the file: `pid 1234 started 2026-11-22T06:31:05Z`.
public struct RunLockHolder: Sendable, Equatable {
    public var pid: Int32?
    public var started: Date?

    public init(pid: Int32?, started: Date?) {
        self.pid = pid
        self.started = started
    }

    init(text: String) {
        let words = text.split(whereSeparator: \.isWhitespace)
        pid = words.firstIndex(of: "pid").flatMap { $0 + 1 < words.count ? Int32(words[$0 + 1]) : nil }
        started = words.firstIndex(of: "started").flatMap {
            $0 + 1 < words.count ? ISO8601DateFormatter().date(from: String(words[$0 + 1])) : nil
        }
    }

    var text: String {
        "pid \(pid.map(String.init) ?? "?") started \(started.map { ISO8601DateFormatter().string(from: $0) } ?? "?")\n"
    }
}

public enum RunLockError: Error, Sendable, CustomStringConvertible {
    case held(path: String, holder: RunLockHolder)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .held(let path, let holder):
            let pid = holder.pid.map { "PID \($0)" } ?? "PID unknown"
            let started = holder.started.map { "started " + TimeText.second($0) } ?? "start time unknown"
            return "another zonecheck run (\(pid), \(started)) holds \(path)"
        case .cannotOpen(let path, let reason):
            return "\(path): \(reason): check the state.directory setting and its permissions"
        }
    }
}
