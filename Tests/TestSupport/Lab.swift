public import Foundation

/// Drives the project's DNS lab (`Scripts/lab`) from tests: five real servers on loopback under a temporary
/// directory. Each test lab uses its own address prefix and port, so labs of parallel suites and a
/// developer's own lab never collide.
public struct Lab: Sendable {
    public let directory: String
    public let prefix: String
    public let port: UInt16
    public let secondaries: [String]
    public let zones: Int
    /// Started with `--signed`: the lab also serves signed.lab. (DNSSEC, ZONEMD).
    public let signed: Bool

    public init(
        prefix: String, port: UInt16, secondaries: [String] = ["bind", "bind", "bind", "bind"], zones: Int = 5,
        signed: Bool = false
    ) {
        self.directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("zonecheck-lab-\(UUID().uuidString.prefix(8))").path
        self.prefix = prefix
        self.port = port
        self.secondaries = secondaries
        self.zones = zones
        self.signed = signed
    }

    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let script = repositoryRoot.appendingPathComponent("Scripts/lab").path

    /// Why a lab cannot run here, or nil. BIND needs root for the loopback aliases it listens on; CI runs as
    /// root with the Debian packages installed, a developer's laptop may not.
    public static func unavailableReason(secondaries: [String] = ["bind"], signed: Bool = false) -> String? {
        if getuid() != 0 {
            return "the DNS lab needs root (BIND listens on 127.53.x.y aliases added to lo): run as root"
        }
        var needed = [("named", "bind9"), ("rndc", "bind9-utils"), ("dig", "bind9-dnsutils")]
        if secondaries.contains("knot") { needed.append(("knotd", "knot")) }
        if secondaries.contains("nsd") { needed.append(("nsd", "nsd")) }
        if signed { needed.append(("ldns-signzone", "ldnsutils")) }
        for (tool, package) in needed where Lab.which(tool) == nil {
            return "\(tool) is not installed (apt-get install \(package)): the DNS lab cannot start"
        }
        return nil
    }

    public static func which(_ tool: String) -> String? {
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let path = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    public var configPath: String { directory + "/zonecheck.yaml" }
    public var servers: [String] { (1...5).map { "ns\($0)" } }
    public func address(_ server: String) -> String { "\(prefix).\(server.dropFirst(2))" }
    public func keyPath(_ server: String) -> String { directory + "/keys/\(server).key" }

    /// The options every command gets, so it acts on this lab only.
    public var options: [String] {
        [
            "--dir", directory, "--prefix", prefix, "--port", String(port), "--zones", String(zones),
            "--secondaries", secondaries.joined(separator: ","),
        ] + (signed ? ["--signed"] : [])
    }

    @discardableResult
    public func start() throws -> Command.Output { try run(["start"] + options) }

    @discardableResult
    public func stop() throws -> Command.Output { try run(["stop", "--dir", directory]) }

    /// Runs `Scripts/lab ARGS`; throws when it exits non-zero, with its output.
    @discardableResult
    public func run(_ arguments: [String]) throws -> Command.Output {
        let output = try Command.run(Lab.script, arguments)
        guard output.status == 0 else {
            throw Command.Failure(command: "Scripts/lab " + arguments.joined(separator: " "), output: output)
        }
        return output
    }

    /// PIDs from the lab's pid files (whatever their state).
    public func pidsFromFiles() -> [Int32] {
        let names = ["named.pid", "knot.pid", "nsd.pid"]
        return servers.compactMap { server in
            for name in names {
                if let text = try? String(contentsOfFile: "\(directory)/\(server)/\(name)", encoding: .utf8),
                    let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
                {
                    return pid
                }
            }
            return nil
        }
    }

    /// Whether `pid` is a live process. A zombie has exited: it only waits for its parent (here init, as the
    /// servers daemonize) to collect its status.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // The state follows the parenthesized command name, which may itself contain spaces or parentheses.
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Stops the lab (if it runs) and removes its directory.
    public func tearDown() {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A child process run to completion, its output captured.
public enum Command {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var command: String
        public var output: Output
        public var description: String { "\(command) exited \(output.status)\n\(output.stdout)\(output.stderr)" }

        public init(command: String, output: Output) {
            self.command = command
            self.output = output
        }
    }

    /// `PROGRAM ARGUMENTS...` found on the PATH, run to completion: its standard output; throws `Failure`
    /// (with both outputs) when it exits non-zero.
    @discardableResult
    public static func output(_ program: String, _ arguments: [String]) throws -> String {
        let output = try run("/usr/bin/env", [program] + arguments)
        guard output.status == 0 else {
            throw Failure(command: ([program] + arguments).joined(separator: " "), output: output)
        }
        return output.stdout
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> Output
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Output goes to temporary files rather than pipes: nothing to drain concurrently, no child blocked on
        // a full pipe.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-cmd-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out")
        let errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let stdout = (try? Data(contentsOf: outURL)) ?? Data()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension Lab {
    /// A started lab of `zones` zones (+ example.com) on its own prefix and port; torn down by the caller,
    /// or here when the start fails. `bigZone` gives zone00001.lab that many extra A records (written into
    /// the primary's zone folder before the start, which the lab script keeps). A start that fails half-way
    /// (another process racing on `ip addr add`, say) is stopped and tried once more.
    public static func started(
        prefix: String, port: UInt16, zones: Int = 5, secondaries: [String] = ["bind", "bind", "bind", "bind"],
        bigZone: Int? = nil, signed: Bool = false
    ) throws -> Lab {
        let lab = Lab(prefix: prefix, port: port, secondaries: secondaries, zones: zones, signed: signed)
        do {
            if let bigZone { try lab.writeBigZone(records: bigZone) }
            do {
                try lab.start()
            } catch {
                _ = try? lab.stop()
                try lab.start()
            }
        } catch {
            lab.tearDown()
            throw error
        }
        return lab
    }

    /// zone00001.lab with `records` extra A records (and a TXT on every tenth), big enough for many messages.
    func writeBigZone(records: Int) throws {
        let zonesDirectory = "\(directory)/ns1/zones"
        try FileManager.default.createDirectory(atPath: zonesDirectory, withIntermediateDirectories: true)
        var text = """
            $ORIGIN zone00001.lab.
            $TTL 3600
            @\tIN\tSOA\tns1.lab-ns.test. hostmaster.zone00001.lab. (
            \t\t\t2026112201 ; serial
            \t\t\t3600 ; refresh
            \t\t\t900 ; retry
            \t\t\t1209600 ; expire
            \t\t\t300 ) ; minimum

            """
        for n in 1...5 { text += "@\tIN\tNS\tns\(n).lab-ns.test.\n" }
        text += "bump\tIN\tTXT\t\"generation 1\"\n"
        for n in 0..<records {
            text += "host\(n)\tIN\tA\t10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)\n"
            if n % 10 == 0 { text += "host\(n)\tIN\tTXT\t\"record \(n) of a zone big enough for many messages\"\n" }
        }
        let file = zonesDirectory + "/zone00001.lab.db"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
    }

    /// The lost-NOTIFY situation: `server` is down while the primary's `zone` changes, then comes back
    /// without being told, so it keeps serving the older serial.
    public func loseNotify(on server: String, zone: String) throws {
        try run(["stop-server", server, "--dir", directory])
        try run(["bump", zone, "--dir", directory])
        try run(["start-server", server, "--dir", directory])
    }
}
