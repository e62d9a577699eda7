import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A directory under /tmp removed when the test is done with it.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "dnskit") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` with the given mode and returns the full path.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let file = "\(path)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}

/// Runs a command and returns its standard output and error; throws when it exits non-zero.
///
/// Spawned with posix_spawn and reaped with waitpid, output through a file: the lab's name
/// servers, started by the command, inherit its descriptors and daemonize, which kept both a
/// pipe and Foundation's `Process.waitUntilExit` waiting for ever.
@discardableResult
public func run(_ arguments: [String]) throws -> String {
    let outputPath = FileManager.default.temporaryDirectory.path + "/dnskit-run-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    // The test runs on a thread that blocks signals, and the mask is inherited: a name server
    // started from here (NSD) would then ignore the SIGTERM that stops it. Start children
    // with an empty mask and default handlers.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, environ)
    guard spawned == 0 else {
        throw CommandFailed(command: arguments.joined(separator: " "), status: spawned, output: "posix_spawn failed")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    guard exitCode == 0 else {
        throw CommandFailed(command: arguments.joined(separator: " "), status: exitCode, output: text)
    }
    return text
}

public struct CommandFailed: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var output: String
    public var description: String { "`\(command)` exited \(status): \(output)" }

    public init(command: String, status: Int32, output: String) {
        self.command = command
        self.status = status
        self.output = output
    }
}
