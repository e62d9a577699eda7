import DNSKit
import Foundation
import Testing
import ZoneCheck

/// `zonecheck run` (the real binary, as cron runs it) against the real BIND lab on 127.53.8.x port 5308, with a
/// real SQLite state database: the lock, a kill -9 in the middle, a lag that clears within the grace, and a
/// lost NOTIFY on 50 zones of one secondary told as one grouped alert, repaired, then resolved.
@Suite("run on the lab", .serialized)
struct RunLabTests {
    static let unavailable = Lab.unavailableReason()

    static func startLab(zones: Int = 5) throws -> Lab { try Lab.started(prefix: "127.53.8", port: 5308, zones: zones) }

    /// Rewrites the lab's zonecheck.yaml for a test: short timeouts, `grace`, no periodic deep check,
    /// `resolveAfter`, and the email settings given (nil: no email).
    static func configure(
        _ lab: Lab, grace: String, resolveAfter: Int = 1, timeout: String = "1s", retries: Int = 1,
        email: String? = nil, edit: (String) -> String = { $0 }
    ) throws {
        var text = try String(contentsOfFile: lab.configPath, encoding: .utf8)
        let check = "check:   { timeout: 2s, retries: 2, concurrency: 64, lag_grace: 10m, deep: 1h }"
        let mail = "  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: sendmail }"
        #expect(text.contains(check) && text.contains(mail), "Scripts/lab writes zonecheck.yaml differently now")
        text = text.replacingOccurrences(
            of: check,
            with:
                "check:   { timeout: \(timeout), retries: \(retries), concurrency: 64, lag_grace: \(grace), deep: never }"
        )
        text = text.replacingOccurrences(of: mail, with: email ?? "")
        text = text.replacingOccurrences(
            of: "  digest_every: 24h", with: "  digest_every: 24h\n  resolve_after: \(resolveAfter)")
        try edit(text).write(toFile: lab.configPath, atomically: true, encoding: .utf8)
    }

    static func run(_ lab: Lab, _ arguments: [String] = []) throws -> ZoneCheckBinary.Run {
        try ZoneCheckBinary.run("run", ["--log", "stderr"] + arguments, config: lab.configPath)
    }

    static func state(_ lab: Lab) throws -> StateDatabase {
        try #require(try StateDatabase.openExisting(directory: lab.directory + "/state"))
    }

    static func audit(_ lab: Lab) -> AuditLog { AuditLog(directory: lab.directory + "/state") }

    static func actions(_ lab: Lab, _ action: String, zone: String? = nil) throws -> [AuditEntry] {
        try audit(lab).records().filter { $0.action == action && (zone == nil || $0.zone == zone) }
    }

    /// The binary started in the background (output discarded), for the lock and kill tests.
    static func launch(_ lab: Lab, _ arguments: [String] = []) throws -> Process {
        let binary = try #require(ZoneCheckBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["run", "--config", lab.configPath, "--log", "stderr"] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "ZONECHECK_CONFIG" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (up to `seconds`) until `condition` holds.
    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    @Test(
        "two runs at once: the second exits 3 at once naming the first's PID; the first finishes",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(2)))
    func concurrentRuns() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        // ns5 down and slow timeouts make the first run last a few seconds.
        try Self.configure(lab, grace: "10m", timeout: "2s", retries: 1)
        try lab.run(["stop-server", "ns5", "--dir", lab.directory])
        let first = try Self.launch(lab)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let lockPath = lab.directory + "/state/run.lock"
        let holds = try Self.waitUntil(10) {
            ((try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? "").contains("pid \(first.processIdentifier) ")
        }
        #expect(holds, "the first run never wrote its PID into \(lockPath)")
        let second = try Self.run(lab)
        print(String(format: "second run refused in %.3f s", second.seconds))
        #expect(second.status == 3, "\(second.stdout)\(second.stderr)")
        let lines = second.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(second.stderr)")
        #expect(
            second.stderr.contains("another zonecheck run (PID \(first.processIdentifier), started ")
                && second.stderr.contains("holds \(lockPath)"), "\(second.stderr)")
        #expect(second.seconds < 1.5, "the second run waited \(second.seconds) s")
        #expect(first.isRunning, "the first run ended before the second was refused: the test proves nothing")
        first.waitUntilExit()
        #expect(first.terminationStatus == 1, "ns5 down is a WARNING; got \(first.terminationStatus)")
    }

    @Test(
        "kill -9 while repairing: the next run takes the lock, the database is intact, nothing is repaired twice",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(2)))
    func killedRun() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let zone = "zone00002.lab"
        // ns4 refuses zonecheck's NOTIFY (only the primary's transfer key may notify), so the repair goes on to
        // ns4's retransfer command, here a slow one: the run is killed while it runs.
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        try lab.run(["bump", zone, "--dir", lab.directory])
        let conf = lab.directory + "/ns4/named.conf"
        let named = try String(contentsOfFile: conf, encoding: .utf8)
        let allow = "allow-notify { key zonecheck-ns4; key xfr-ns4; };"
        #expect(named.contains(allow), "the lab's ns4 named.conf no longer has '\(allow)'")
        try named.replacingOccurrences(of: allow, with: "allow-notify { key xfr-ns4; };").write(
            toFile: conf, atomically: true, encoding: .utf8)
        try lab.run(["start-server", "ns4", "--dir", lab.directory])
        try Self.configure(lab, grace: "1s") { text in
            var lines = text.components(separatedBy: "\n")
            // ns4's retransfer command (the line after its key_name) becomes a slow one.
            if let index = lines.firstIndex(of: "    key_name: zonecheck-ns4"), lines[index + 1].contains("retransfer:")
            {
                lines[index + 1] = "    retransfer: \"sleep 5 && echo {zone}\""
            }
            return lines.joined(separator: "\n")
        }
        let warm = try Self.run(lab)
        #expect(warm.status == 0, "a lag within the grace is not a problem: \(warm.stdout)\(warm.stderr)")
        Thread.sleep(forTimeInterval: 1.2)
        let doomed = try Self.launch(lab)
        let notified = try Self.waitUntil(15) { try !Self.actions(lab, "notify", zone: zone).isEmpty }
        #expect(notified, "the run never sent its NOTIFY")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(doomed.isRunning, "the run finished before it could be killed")
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        #expect(doomed.terminationReason == .uncaughtSignal)

        let next = try Self.run(lab)
        #expect(next.status == 2, "still lagging: CRITICAL, not UNKNOWN (the lock is free): \(next.stderr)")
        #expect(!next.stderr.contains("holds"), "\(next.stderr)")
        let state = try Self.state(lab)
        #expect(try state.integrityProblems().isEmpty)
        let attempts = try state.repairAttempts(zone: zone, since: .distantPast, until: Date())
        #expect(attempts.map(\.status) == ["interrupted"], "\(attempts)")
        #expect(try Self.actions(lab, "notify", zone: zone).count == 1, "the NOTIFY was repeated")
        #expect(try Self.actions(lab, "repair-interrupted", zone: zone).count == 1)
        #expect(try Self.audit(lab).check().firstBreak == nil)
        let runs = try state.runs(since: .distantPast, until: Date())
        #expect(runs.count == 3 && runs.filter { $0.summary == "killed before it finished" }.count == 1)
        #expect(try state.openIncidents().map(\.zone) == [zone], "one incident, not two")
    }

    @Test(
        "a lag that clears within the grace opens nothing and sends nothing",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(2)))
    func lagWithinGrace() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try Self.configure(lab, grace: "30s")
        try lab.loseNotify(on: "ns4", zone: "zone00001.lab")
        let first = try Self.run(lab)
        #expect(first.status == 0 && first.stdout.isEmpty && first.stderr.contains("OK"), "\(first.stderr)")
        let state = try Self.state(lab)
        #expect(try state.problemStarts().contains { $0.zone == "zone00001.lab" && $0.server == "ns4" })
        // ns4 catches up by itself (its own refresh), as propagation normally does.
        let rndc = try #require(Lab.which("rndc"))
        _ = try Command.run(rndc, ["-c", lab.directory + "/ns4/rndc.conf", "refresh", "zone00001.lab"])
        try lab.run(["wait", "--dir", lab.directory, "--timeout", "15"])
        let second = try Self.run(lab)
        #expect(second.status == 0 && second.stdout.isEmpty, "\(second.stderr)")
        #expect(try state.incidents(since: .distantPast, until: Date()).isEmpty, "an incident was opened")
        #expect(try Self.actions(lab, "alert-sent").isEmpty)
        #expect(try Self.actions(lab, "notify").isEmpty, "nothing to repair within the grace")
        #expect(try state.problemStarts().isEmpty)
    }
}
