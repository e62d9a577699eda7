import Foundation

/// Drives the project's DNS lab (`Scripts/lab`) from tests: five real servers on loopback under a temporary
/// directory. Each test lab uses its own address prefix and port, so labs of parallel suites and a
/// developer's own lab never collide.
struct Lab {
    let directory: String
    let prefix: String
    let port: UInt16
    let secondaries: [String]
    let zones: Int
    /// Started with `--signed`: the lab also serves signed.lab. (DNSSEC, ZONEMD).
    let signed: Bool

    init(
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

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let script = repositoryRoot.appendingPathComponent("Scripts/lab").path

    /// Why a lab cannot run here, or nil. BIND needs root for the loopback aliases it listens on; CI runs as
    /// root with the Debian packages installed, a developer's laptop may not.
    static func unavailableReason(secondaries: [String] = ["bind"], signed: Bool = false) -> String? {
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

    static func which(_ tool: String) -> String? {
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let path = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    var configPath: String { directory + "/zonecheck.yaml" }
    var servers: [String] { (1...5).map { "ns\($0)" } }
    func address(_ server: String) -> String { "\(prefix).\(server.dropFirst(2))" }
    func keyPath(_ server: String) -> String { directory + "/keys/\(server).key" }

    /// The options every command gets, so it acts on this lab only.
    var options: [String] {
        [
            "--dir", directory, "--prefix", prefix, "--port", String(port), "--zones", String(zones),
            "--secondaries", secondaries.joined(separator: ","),
        ] + (signed ? ["--signed"] : [])
    }

    @discardableResult
    func start() throws -> Command.Output { try run(["start"] + options) }

    @discardableResult
    func stop() throws -> Command.Output { try run(["stop", "--dir", directory]) }

    /// Runs `Scripts/lab ARGS`; throws when it exits non-zero, with its output.
    @discardableResult
    func run(_ arguments: [String]) throws -> Command.Output {
        let output = try Command.run(Lab.script, arguments)
        guard output.status == 0 else {
            throw Command.Failure(command: "Scripts/lab " + arguments.joined(separator: " "), output: output)
        }
        return output
    }

    /// PIDs from the lab's pid files (whatever their state).
    func pidsFromFiles() -> [Int32] {
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
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // The state follows the parenthesized command name, which may itself contain spaces or parentheses.
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Stops the lab (if it runs) and removes its directory.
    func tearDown() {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A child process run to completion, its output captured.
enum Command {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        var command: String
        var output: Output
        var description: String { "\(command) exited \(output.status)\n\(output.stdout)\(output.stderr)" }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output
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
    /// or here when the start fails half-way.
    static func started(
        prefix: String, port: UInt16, zones: Int = 5, secondaries: [String] = ["bind", "bind", "bind", "bind"],
        signed: Bool = false
    ) throws -> Lab {
        let lab = Lab(prefix: prefix, port: port, secondaries: secondaries, zones: zones, signed: signed)
        do {
            try lab.start()
        } catch {
            lab.tearDown()
            throw error
        }
        return lab
    }

    /// The lost-NOTIFY situation: `server` is down while the primary's `zone` changes, then comes back
    /// without being told, so it keeps serving the older serial.
    func loseNotify(on server: String, zone: String) throws {
        try run(["stop-server", server, "--dir", directory])
        try run(["bump", zone, "--dir", directory])
        try run(["start-server", server, "--dir", directory])
    }
}
