#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Runs a program with its arguments, never through a shell: the arguments reach the program exactly as given.
///
/// - The program is found by us: an absolute path is used as it is; a bare name is looked up in the absolute
///   directories of `PATH` (relative entries such as `.` are skipped; without `PATH`, the usual system
///   directories), and must be an executable regular file there.
/// - It is started with `posix_spawn` (the resolved path, the arguments, zonecheck's environment) in its own
///   process group. Standard input is `/dev/null`. zonecheck's descriptors are opened with `O_CLOEXEC`, and
///   every descriptor above 2 is closed in the child anyway (`closefrom`), so the program inherits only 0, 1
///   and 2 (no lock, no audit log, no socket).
/// - Output: to zonecheck's standard error (the operator sees the tool's own words, as for `rndc`), or
///   captured, at most `limit` bytes of each stream (the rest is read and dropped, so the program never blocks
///   on a full pipe).
/// - With a timeout, a program still running at the deadline gets SIGTERM, then SIGKILL two seconds later,
///   sent to its process group (its children too).
///   Output a grandchild keeps writing after the program ended is read for one more second at most.
///
/// Blocking: call it from a thread that may wait (the repair's steps are sequential anyway).
public struct CommandRunner: Sendable {
    public enum Output: Sendable, Equatable {
        /// Standard output and standard error both go to zonecheck's standard error.
        case toStandardError
        /// Both streams are kept in the outcome, each cut at `limit` bytes.
        case capture(limit: Int)
    }

    public var output: Output
    /// How long the program may run; nil waits for it however long it takes.
    public var timeout: Duration?
    /// The search path for bare program names; nil: the environment's `PATH`.
    public var searchPath: String?

    public init(output: Output = .toStandardError, timeout: Duration? = nil, searchPath: String? = nil) {
        self.output = output
        self.timeout = timeout
        self.searchPath = searchPath
    }

    /// The directories searched when `PATH` is not set.
    public static let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Runs `command` for `zone` (`{zone}` replaced).
    public func run(_ command: ServerCommand, zone: String) -> CommandOutcome {
        run(command.arguments(zone: zone))
    }

    /// Runs `arguments[0]` with the rest as its arguments.
    public func run(_ arguments: [String]) -> CommandOutcome {
        guard let program = arguments.first else { return CommandOutcome(end: .notStarted("no program given")) }
        let search = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? Self.defaultSearchPath
        guard let executable = Self.resolve(program, searchPath: search) else {
            let where_ = program.hasPrefix("/") ? "" : " in PATH (\(search))"
            return CommandOutcome(end: .notStarted("\(program) is not an executable file\(where_)"))
        }
        var descriptors: [Int32] = []  // captured: stdout read, stdout write, stderr read, stderr write
        defer { for descriptor in descriptors where descriptor >= 0 { close(descriptor) } }
        if case .capture = output {
            for _ in 0..<2 {
                var pair: [Int32] = [-1, -1]
                guard pipe(&pair) == 0, fcntl(pair[0], F_SETFD, FD_CLOEXEC) == 0,
                    fcntl(pair[1], F_SETFD, FD_CLOEXEC) == 0
                else {
                    return CommandOutcome(
                        end: .notStarted("no pipe for its output: \(String(cString: strerror(errno)))"))
                }
                descriptors += pair
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if descriptors.count == 4 {
            posix_spawn_file_actions_adddup2(&actions, descriptors[1], 1)
            posix_spawn_file_actions_adddup2(&actions, descriptors[3], 2)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 2, 1)
        }
        // Whatever was opened without O_CLOEXEC (by us or a library) stays with zonecheck.
        Self.closeAbove2(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a time limit stops the program's children too; signals as after a login
        // (the Swift runtime ignores SIGPIPE, and an ignored signal would be inherited).
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard spawned == 0 else {
            return CommandOutcome(
                end: .notStarted("\(executable) could not be started: \(String(cString: strerror(spawned)))"))
        }
        var streams: [Capture] = []
        if descriptors.count == 4, case .capture(let limit) = output {
            // Our copies of the write ends go, so a read ends when the program (and its children) close theirs.
            close(descriptors[1])
            close(descriptors[3])
            descriptors[1] = -1
            descriptors[3] = -1
            streams = [
                Capture(descriptor: descriptors[0], limit: limit), Capture(descriptor: descriptors[2], limit: limit),
            ]
        }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var timedOut = false
        var killAt: ContinuousClock.Instant? = nil
        var exitedAt: ContinuousClock.Instant? = nil
        var status: Int32 = 0
        while true {
            if exitedAt == nil {
                let waited = waitpid(pid, &status, WNOHANG)
                if waited == pid || (waited < 0 && errno != EINTR) { exitedAt = .now }
            }
            if let exitedAt {
                if streams.allSatisfy(\.ended) || ContinuousClock.now > exitedAt + .seconds(1) { break }
            } else if let deadline, ContinuousClock.now >= deadline {
                if !timedOut {
                    timedOut = true
                    kill(-pid, SIGTERM)
                    killAt = .now + .seconds(2)
                } else if let at = killAt, ContinuousClock.now >= at {
                    kill(-pid, SIGKILL)
                    killAt = nil
                }
            }
            Capture.readAvailable(&streams, waitingAtMost: 20)
        }
        var outcome = CommandOutcome(end: .exited((status >> 8) & 0xFF))
        if let timeout, timedOut {
            outcome.end = .timedOut(timeout)
        } else if status & 0x7F != 0 {
            outcome.end = .signalled(status & 0x7F)
        }
        if streams.count == 2 {
            outcome.standardOutput = String(decoding: streams[0].bytes, as: UTF8.self)
            outcome.standardError = String(decoding: streams[1].bytes, as: UTF8.self)
            outcome.truncated = streams.contains { $0.dropped > 0 }
        }
        return outcome
    }

    /// The absolute path of `program`: as given when absolute, else the first executable regular file of that
    /// name in an absolute directory of `searchPath`. Nil when there is none (or the name has a `/` but is not
    /// absolute: a path relative to wherever zonecheck was started is not a program to trust).
    public static func resolve(_ program: String, searchPath: String) -> String? {
        if program.hasPrefix("/") { return isExecutableFile(program) ? program : nil }
        if program.isEmpty || program.contains("/") { return nil }
        for directory in searchPath.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(program)" : "\(directory)/\(program)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), looked up at run time: the Swift Glibc
    /// module does not declare it.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"
    ).map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Closes every descriptor above 2 in the child: `closefrom` where glibc has it, else each descriptor
    /// listed in /proc/self/fd that is not close-on-exec already.
    private static func closeAbove2(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in listed.compactMap({ Int32($0) }) where descriptor > 2 {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { posix_spawn_file_actions_addclose(&actions, descriptor) }
        }
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// One captured stream: what was read (up to the limit) and how much was dropped.
    private struct Capture {
        let descriptor: Int32
        let limit: Int
        var bytes: [UInt8] = []
        var dropped = 0
        var ended = false

        init(descriptor: Int32, limit: Int) {
            self.descriptor = descriptor
            self.limit = max(0, limit)
        }

        /// Waits up to `milliseconds` for output on any open stream and reads what is there.
        static func readAvailable(_ streams: inout [Capture], waitingAtMost milliseconds: Int32) {
            let open = streams.indices.filter { !streams[$0].ended }
            guard !open.isEmpty else {
                usleep(UInt32(milliseconds) * 1000)
                return
            }
            var polled = open.map { pollfd(fd: streams[$0].descriptor, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), milliseconds) > 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 65536)
            for (slot, index) in open.enumerated() where polled[slot].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(streams[index].descriptor, $0.baseAddress, $0.count) }
                if count <= 0 {
                    if count == 0 || (errno != EINTR && errno != EAGAIN) { streams[index].ended = true }
                    continue
                }
                let room = streams[index].limit - streams[index].bytes.count
                let kept = min(room, count)
                streams[index].bytes.append(contentsOf: buffer[0..<kept])
                streams[index].dropped += count - kept
            }
        }
    }
}

/// How a command ended, and what it said when its output was captured.
public struct CommandOutcome: Sendable, Equatable, CustomStringConvertible {
    public enum End: Sendable, Equatable {
        case exited(Int32)
        /// Ended by a signal that zonecheck did not send.
        case signalled(Int32)
        /// Still running at the deadline: stopped (SIGTERM, then SIGKILL).
        case timedOut(Duration)
        /// Never ran: the program was not found or could not be started.
        case notStarted(String)
    }

    public var end: End
    public var standardOutput = ""
    public var standardError = ""
    /// Some output was beyond the capture limit and was dropped.
    public var truncated = false

    public init(end: End) { self.end = end }

    public var succeeded: Bool { end == .exited(0) }

    public var description: String {
        switch end {
        case .exited(let status): "exited \(status)"
        case .signalled(let signal): "was killed by signal \(signal)"
        case .timedOut(let timeout): "was stopped after running for \(timeout) (the time limit)"
        case .notStarted(let reason): "did not start: \(reason)"
        }
    }
}
