import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// `zonecheck repair` of many zones at once against the real BIND lab, one lab per test on its own prefix:
/// 50 zones lagging on ns5 repaired by `--lagging` (under a pseudo-terminal: the progress line shows) and by
/// `--incident N` after two runs (output captured: no progress line), and a batch where one zone's answers
/// fail TSIG (a relay in front of ns5 flips a bit in them): the others are repaired, exit 2 names it.
@Suite("batch repair on the lab", .serialized, .ownThreads)
struct BatchRepairLabTests {
    static let unavailable = Lab.unavailableReason()
    static let fifty = (1...50).map { String(format: "zone%05d.lab", $0) }
    /// Words only the progress line writes, and the erase-line sequence it starts with.
    static let progressMarks = ["zones repaired (", "SOA queries (", "\u{1B}[K"]

    /// `server` misses the NOTIFYs for `zones`: down while the primary loads the new serials (the other
    /// secondaries catch up), back without being told.
    static func lag(_ lab: Lab, on server: String, zones: [String]) throws {
        try lab.run(["stop-server", server, "--dir", lab.directory])
        for zone in zones { try lab.run(["bump", zone, "--no-reload", "--dir", lab.directory]) }
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload"])
        #expect(reload.status == 0, "\(reload.stderr)")
        try lab.run(["wait", "--dir", lab.directory, "--timeout", "30"])
        try lab.run(["start-server", server, "--dir", lab.directory])
    }

    /// The zones `server` lags on, from `zonecheck check --format json`.
    static func lagging(_ lab: Lab, on server: String, config: String? = nil) throws -> [String] {
        let json = try ZoneCheckBinary.run("check", ["--format", "json"], config: config ?? lab.configPath)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let zones = try #require(root["zones"] as? [[String: Any]])
        return zones.compactMap { entry in
            let cell = (entry["servers"] as? [String: [String: Any]])?[server]
            return cell?["state"] as? String == "LAGGING" ? entry["zone"] as? String : nil
        }.sorted()
    }

    static func auditRecords(_ lab: Lab) throws -> [AuditEntry] {
        try AuditLog(directory: lab.directory + "/state").records()
    }

    /// The binary under a pseudo-terminal (python3's pty module): stdout and stderr are the terminal, whose
    /// output (both) comes back as `stdout`. TERM is set, as in an operator's shell.
    static func inTerminal(_ arguments: [String]) throws -> ZoneCheckBinary.Run {
        let binary = try #require(ZoneCheckBinary.url)
        let script = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        var environment = ProcessInfo.processInfo.environment.filter { $0.key != "ZONECHECK_CONFIG" }
        environment["TERM"] = "xterm"
        let started = ContinuousClock.now
        let output = try Command.run(
            "/usr/bin/env", ["python3", "-c", script, binary.path] + arguments, environment: environment)
        return ZoneCheckBinary.Run(
            status: output.status, stdout: output.stdout, stderr: output.stderr,
            seconds: (ContinuousClock.now - started).timeInterval)
    }

    @Test(
        "50 zones lagging on ns5: --dry-run shows 50 plans; one 'repair --lagging' in a terminal repairs all, with progress",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func laggingInATerminal() throws {
        let lab = try Lab.started(prefix: "127.53.85", port: 5385, zones: 50)
        defer { lab.tearDown() }
        try Self.lag(lab, on: "ns5", zones: Self.fifty)
        #expect(try Self.lagging(lab, on: "ns5") == Self.fifty)

        let dry = try ZoneCheckBinary.run("repair", ["--lagging", "--dry-run"], config: lab.configPath)
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.components(separatedBy: "ns5      notify").count - 1 == 50, "\(dry.stdout)")
        #expect(dry.stdout.contains("zone00050.lab: freshest copy on ns1"), "\(dry.stdout)")
        #expect(dry.stdout.contains("dry run: nothing sent (50 zones, 0 refused)"), "\(dry.stdout)")
        #expect(try Self.auditRecords(lab).isEmpty, "a dry run writes no audit entry")
        #expect(try Self.lagging(lab, on: "ns5") == Self.fifty, "a dry run sends nothing")

        let run = try Self.inTerminal(
            ["repair", "--config", lab.configPath, "--lagging", "--server", "ns5", "--timeout", "20s"])
        print(
            String(
                format: "repair --lagging: 50 zones on ns5 repaired and verified in %.2f s (bound: 60 s)", run.seconds))
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("summary: 50 zones: 50 converged, 0 refused, 0 failed"), "\(run.stdout)")
        #expect(run.stdout.contains("zones repaired ("), "no progress line on the terminal: \(run.stdout)")
        #expect(run.stdout.contains("\r\u{1B}[K"), "the progress line is rewritten in place")
        #expect(run.seconds < 60)
        #expect(try Self.lagging(lab, on: "ns5").isEmpty)
        let check = try ZoneCheckBinary.run("check", [], config: lab.configPath)
        #expect(check.status == 0, "\(check.stdout)")
        let records = try Self.auditRecords(lab)
        let notified = records.filter { $0.action == "notify" && $0.server == "ns5" && $0.outcome == "ok" }
        #expect(Set(notified.map(\.zone)) == Set(Self.fifty) && notified.count == 50)
        let verified = records.filter { $0.action == "verify" && $0.outcome == "ok" }
        #expect(verified.count == 50 * 5, "one verify entry per zone and server")
        #expect(try AuditLog(directory: lab.directory + "/state").verify() == nil)
    }

    @Test(
        "after two runs, 'repair --incident N' (as status names it) repairs the 50 zones; captured output has no progress",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func incidentAfterARun() throws {
        let lab = try Lab.started(prefix: "127.53.86", port: 5386, zones: 50)
        defer { lab.tearDown() }
        try lab.configureForRun(grace: "2s") { $0.replacingOccurrences(of: "auto: true", with: "auto: false") }
        try Self.lag(lab, on: "ns5", zones: Self.fifty)
        #expect(try Self.lagging(lab, on: "ns5") == Self.fifty)
        // Run 1 dates the lags; run 2, past the 2 s grace, opens 50 incidents (no automatic repair here).
        let first = try lab.zonecheckRun()
        #expect(first.status == 0, "\(first.stderr)")
        Thread.sleep(forTimeInterval: 2.2)
        let second = try lab.zonecheckRun()
        #expect(second.status == 2 && second.stderr.contains("50 opened"), "\(second.stderr)")
        let status = try ZoneCheckBinary.run("status", [], config: lab.configPath)
        #expect(status.stdout.contains("ns5 is behind on 50 zones"), "\(status.stdout)")
        let command = try #require(
            status.stdout.firstMatch(of: /'zonecheck repair --incident (\d+)'/),
            "status names no command: \(status.stdout)")
        let number = String(command.1)
        #expect(!status.stdout.contains("'zonecheck repair zone0"), "\(status.stdout)")

        let database = lab.directory + "/state/state.sqlite"
        let before = try FileManager.default.attributesOfItem(atPath: database)[.modificationDate] as? Date
        let run = try ZoneCheckBinary.run("repair", ["--incident", number, "--timeout", "20s"], config: lab.configPath)
        print(
            String(
                format: "repair --incident %@: 50 zones repaired and verified in %.2f s (bound: 60 s)", number,
                run.seconds))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("summary: 50 zones: 50 converged, 0 refused, 0 failed"), "\(run.stdout)")
        for mark in Self.progressMarks {
            #expect(!run.stdout.contains(mark) && !run.stderr.contains(mark), "progress in captured output: \(mark)")
        }
        #expect(run.seconds < 60)
        #expect(try Self.lagging(lab, on: "ns5").isEmpty)
        #expect(
            try FileManager.default.attributesOfItem(atPath: database)[.modificationDate] as? Date == before,
            "the state database is only read")
        let unknown = try ZoneCheckBinary.run("repair", ["--incident", "999"], config: lab.configPath)
        #expect(unknown.status == 3 && unknown.stderr.contains("no open incident #999"), "\(unknown.stderr)")
    }

    @Test(
        "one zone's answers fail TSIG: the batch repairs the others and exits 2 naming the refused zone",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func oneZoneRefused() throws {
        let lab = try Lab.started(prefix: "127.53.87", port: 5387, zones: 5)
        defer { lab.tearDown() }
        let zones = (1...5).map { String(format: "zone%05d.lab", $0) }
        try Self.lag(lab, on: "ns5", zones: zones)
        let relay = try WANRelay(
            listen: "127.53.87.105", port: 5387, to: "\(lab.address("ns5")):5387", rtt: 0, loss: 0,
            tamperZone: "zone00003.lab")
        defer { relay.stop() }
        let config = try lab.configCopy([
            ("    address: \(lab.address("ns5"))\n", "    address: 127.53.87.105\n"),
            ("check:   { timeout: 2s, retries: 2,", "check:   { timeout: 500ms, retries: 1,"),
        ])
        let run = try ZoneCheckBinary.run("repair", zones + ["--timeout", "20s"], config: config)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("summary: 5 zones: 4 converged, 1 refused, 0 failed"), "\(run.stdout)")
        #expect(run.stdout.contains("zone00003.lab  REFUSED  ns5 failed TSIG authentication"), "\(run.stdout)")
        #expect(run.stderr.contains("not every zone agrees: refused zone00003.lab"), "\(run.stderr)")
        #expect((relay.stop()["udp_answers_tampered"] ?? 0) > 0, "the relay tampered with nothing")
        // Asked directly (not through the relay): ns5 caught up on the four, nothing was sent about the fifth.
        #expect(try Self.lagging(lab, on: "ns5") == ["zone00003.lab"])
        let records = try Self.auditRecords(lab)
        #expect(records.filter { $0.zone == "zone00003.lab" }.map(\.action) == ["plan-refused"])
        #expect(
            Set(records.filter { $0.action == "notify" }.map(\.zone)) == Set(zones.filter { $0 != "zone00003.lab" }))
    }
}
