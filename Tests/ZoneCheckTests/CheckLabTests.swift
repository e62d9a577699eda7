import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// `zonecheck check` against the real BIND lab (Scripts/lab) on 127.53.5.x port 5305, one fresh lab per
/// test: the operator's situations (a lost NOTIFY, a wrong key, a server down, a hand-edited secondary, a
/// primary that did not reload) made for real, and the binary's output and exit code checked.
@Suite("check on the lab", .serialized, .ownThreads)
struct CheckLabTests {
    static let unavailable = Lab.unavailableReason()

    /// A started lab of 5 zones (+ example.com); torn down by the caller.
    static func startLab() throws -> Lab { try Lab.started(prefix: "127.53.5", port: 5305) }

    @Test(
        "all in sync: exit 0 and one line; json and prometheus agree", .enabled(if: unavailable == nil),
        .timeLimit(.minutes(10)))
    func allClean() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let run = try ZoneCheckBinary.check([], config: lab.configPath)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout == "zonecheck: OK - 6 zones in sync on 5 servers\n")
        let json = try ZoneCheckBinary.check(["--format", "json"], config: lab.configPath)
        #expect(json.status == 0)
        let cell = try ZoneCheckBinary.cell(json.stdout, zone: "zone00001.lab", server: "ns4")
        #expect(cell["state"] as? String == "OK")
        #expect((cell["serial"] as? Int ?? 0) > 0)
        let prometheus = try ZoneCheckBinary.check(["--format", "prometheus"], config: lab.configPath)
        #expect(prometheus.stdout.contains("zonecheck_zone_status{zone=\"example.com\"} 0\n"))
        #expect(prometheus.stdout.contains("zonecheck_zone_up{zone=\"zone00005.lab\",server=\"ns5\"} 1\n"))
        let nagios = try ZoneCheckBinary.check(["--format", "nagios", "zone00001.lab"], config: lab.configPath)
        #expect(nagios.stdout.hasPrefix("ZONECHECK OK - 1 zone in sync on 5 servers | zones=1;;;0 ok=1;;;0"))
    }

    @Test(
        "a secondary that missed the NOTIFY of a bump is LAGGING", .enabled(if: unavailable == nil),
        .timeLimit(.minutes(10)))
    func missedNotifyIsLagging() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.loseNotify(on: "ns4", zone: "zone00002.lab")
        let run = try ZoneCheckBinary.check([], config: lab.configPath)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns4 (instance ns4.iad1) is 1 serial behind ns1 on zone00002.lab"), "\(run.stdout)")
        #expect(run.stdout.contains("run 'zonecheck repair zone00002.lab'"))
        #expect(run.stdout.hasSuffix("zonecheck: WARNING - 1 of 6 zones with problems (1 warning)\n"))
        let json = try ZoneCheckBinary.check(["--format", "json", "zone00002.lab"], config: lab.configPath)
        let ns4 = try ZoneCheckBinary.cell(json.stdout, zone: "zone00002.lab", server: "ns4")
        let ns1 = try ZoneCheckBinary.cell(json.stdout, zone: "zone00002.lab", server: "ns1")
        #expect(ns4["state"] as? String == "LAGGING")
        #expect((ns1["serial"] as? Int).map { $0 - 1 } == ns4["serial"] as? Int)
    }

    @Test(
        "a wrong key for one server: AUTH-FAILED on every zone, never a serial", .enabled(if: unavailable == nil),
        .timeLimit(.minutes(10)))
    func wrongKeyIsAuthFailed() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let keygen = try #require(Lab.which("tsig-keygen"), "tsig-keygen (bind9-utils) is needed")
        let generated = try Command.run(keygen, ["-a", "hmac-sha512", "zonecheck-ns2"])
        #expect(generated.status == 0)
        let keyPath = lab.directory + "/wrong-ns2.key"
        #expect(
            FileManager.default.createFile(
                atPath: keyPath, contents: Data(generated.stdout.utf8), attributes: [.posixPermissions: 0o600]))
        let config = try lab.configCopy([(lab.keyPath("ns2"), keyPath)])
        let run = try ZoneCheckBinary.check(["--format", "json"], config: config)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        for zone in ["zone00001.lab", "example.com"] {
            let ns2 = try ZoneCheckBinary.cell(run.stdout, zone: zone, server: "ns2")
            #expect(ns2["state"] as? String == "AUTH-FAILED")
            #expect(ns2["serial"] is NSNull)
            #expect((ns2["detail"] as? String)?.contains("BADSIG") == true, "\(ns2)")
            #expect(try ZoneCheckBinary.cell(run.stdout, zone: zone, server: "ns3")["state"] as? String == "OK")
        }
        // The secret never shows.
        let secret = try #require(generated.stdout.split(separator: "\"").dropFirst(3).first)
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
    }

    @Test(
        "one server down: UNREACHABLE within timeout x (retries + 1) + margin", .enabled(if: unavailable == nil),
        .timeLimit(.minutes(10)))
    func serverDownIsUnreachableInBoundedTime() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let config = try lab.configCopy([("timeout: 2s, retries: 2", "timeout: 1s, retries: 1")])
        try lab.run(["stop-server", "ns3", "--dir", lab.directory])
        let run = try ZoneCheckBinary.check(["--all"], config: config)
        #expect(run.status == 1, "one secondary down is a WARNING: \(run.stdout)\(run.stderr)")
        // 1 s x 2 attempts for every zone at once, plus start-up: well under 1 s x 2 x 6 zones.
        #expect(run.seconds < 2 + 2.5, "took \(run.seconds) s")
        #expect(run.seconds >= 1.9, "a timeout cannot be seen in less than timeout x attempts: \(run.seconds) s")
        let rows = run.stdout.split(separator: "\n").filter { $0.hasPrefix("zone0") || $0.hasPrefix("example.com") }
        #expect(rows.count == 6 && rows.allSatisfy { $0.contains("- UNREACHABLE") }, "\(run.stdout)")
        #expect(run.stdout.contains("is ns3 up and reachable at 127.53.5.3 port 5305?"))

        try lab.run(["stop-server", "ns1", "--dir", lab.directory])
        let primaryDown = try ZoneCheckBinary.check(["--format", "nagios"], config: config)
        #expect(primaryDown.status == 2, "the primary down is CRITICAL: \(primaryDown.stdout)")
        #expect(primaryDown.stdout.hasPrefix("ZONECHECK CRITICAL - 6 of 6 zones: "))
    }

    @Test(
        "a hand-edited secondary with the same serial: only --deep sees it, as DIVERGED with the records",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func divergedSecondaryNeedsDeep() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["diverge", "ns3", "zone00003.lab", "--dir", lab.directory])
        let shallow = try ZoneCheckBinary.check([], config: lab.configPath)
        #expect(shallow.status == 0, "same serials: a SOA sweep cannot tell: \(shallow.stdout)")
        let deep = try ZoneCheckBinary.check(["--deep"], config: lab.configPath)
        #expect(deep.status == 2, "\(deep.stdout)\(deep.stderr)")
        #expect(deep.stdout.contains("zone00003.lab") && deep.stdout.contains("DIVERGED"))
        #expect(deep.stdout.contains("ns3 serves zone00003.lab with the same serial as ns1"))
        #expect(deep.stdout.contains("only on ns3: bump.zone00003.lab."), "\(deep.stdout)")
        #expect(deep.stdout.contains("only on ns1: bump.zone00003.lab."))
        #expect(
            deep.stdout.hasSuffix(
                "zonecheck: CRITICAL - 1 of 6 zones with problems (1 critical) (deep: contents compared)\n"))
    }

    @Test(
        "a zone file edited but not reloaded on the primary is reported", .enabled(if: unavailable == nil),
        .timeLimit(.minutes(10)))
    func primaryFileNotLoaded() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["bump", "zone00004.lab", "--no-reload", "--dir", lab.directory])
        let run = try ZoneCheckBinary.check(["zone00004.lab", "zone00005.lab"], config: lab.configPath)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns1 has not loaded the file: check its log or reload"), "\(run.stdout)")
        #expect(!run.stdout.contains("zone00005.lab"))
    }

    @Test(
        "the forgotten serial increment: --deep sees the file differ from what the primary serves, then all secondaries differ",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func serialNotIncremented() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let zone = "zone00003.lab"
        let path = lab.directory + "/ns1/zones/\(zone).db"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let record = "mail\tIN\tA\t192.0.2.25"
        #expect(text.contains(record), "the lab's zone files no longer have '\(record)'")
        try text.replacingOccurrences(of: record, with: "mail\tIN\tA\t192.0.2.26").write(
            toFile: path, atomically: true, encoding: .utf8)
        // Edited, not reloaded: a serial check sees nothing; --deep compares the file with ns1's copy.
        let plain = try ZoneCheckBinary.check([zone], config: lab.configPath)
        #expect(plain.status == 0, "\(plain.stdout)")
        let deep = try ZoneCheckBinary.check([zone, "--deep", "--format", "json"], config: lab.configPath)
        #expect(deep.status == 2, "\(deep.stdout)\(deep.stderr)")
        #expect(deep.stdout.contains("\"file-serial-not-incremented\""), "\(deep.stdout)")
        #expect(deep.stdout.contains("increment the serial in the file, then reload"))
        // Reloaded anyway: BIND serves the new content under the old serial, the secondaries keep theirs.
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", zone])
        #expect(reload.status == 0, "\(reload.stderr)")
        var after = try ZoneCheckBinary.check([zone, "--deep"], config: lab.configPath)
        for _ in 0..<20 where !after.stdout.contains("DIVERGED") {
            Thread.sleep(forTimeInterval: 0.25)
            after = try ZoneCheckBinary.check([zone, "--deep"], config: lab.configPath)
        }
        #expect(after.status == 2, "\(after.stdout)")
        #expect(
            after.stdout.contains("ns1's content probably changed without a new serial; increment the serial on ns1"),
            "\(after.stdout)")
        #expect(!after.stdout.contains("file-serial-not-incremented") && !after.stdout.contains("by hand"))
    }

    // MARK: without the lab

    @Test("bad configuration or bad --format: exit 3 (UNKNOWN) and nothing checked")
    func unknownExitsThree() throws {
        let missing = try ZoneCheckBinary.check([], config: "/nonexistent/zonecheck.yaml")
        #expect(missing.status == 3 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("/nonexistent/zonecheck.yaml"), "\(missing.stderr)")
        let format = try ZoneCheckBinary.check(["--format", "xml"], config: "/nonexistent/zonecheck.yaml")
        #expect(format.status == 3 && format.stdout.isEmpty)
        #expect(
            ["'xml'", "'text'", "'json'", "'nagios'", "'prometheus'"].allSatisfy(format.stderr.contains),
            "\(format.stderr)")
    }

    @Test("bad --log: exit 3 with the accepted values, before the configuration is read")
    func badLogExitsThree() throws {
        let run = try ZoneCheckBinary.run("run", ["--log", "journal"], config: "/nonexistent/zonecheck.yaml")
        #expect(run.status == 3 && run.stdout.isEmpty)
        #expect(["'journal'", "'syslog'", "'stderr'"].allSatisfy(run.stderr.contains), "\(run.stderr)")
        #expect(!run.stderr.contains("/nonexistent/zonecheck.yaml"), "\(run.stderr)")
    }

    @Test("zones: the arguments, else zones.names then the origins of zones.directory's *.db and *.zone files")
    func zoneList() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonelist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "$ORIGIN a.example.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n".write(
            to: directory.appendingPathComponent("first.zone"), atomically: true, encoding: .utf8)
        try "@ 3600 IN SOA ns1 h 1 2 3 4 5\n".write(
            to: directory.appendingPathComponent("b.example.db"), atomically: true, encoding: .utf8)
        try "not a zone".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let sources = ZoneSources(names: ["x.example", "a.example."], directory: directory.path)
        let listed = try ZoneList.resolve(arguments: [], sources: sources).map(\.displayName)
        #expect(listed == ["x.example", "a.example", "b.example"])
        let given = try ZoneList.resolve(arguments: ["c.example", "C.example."], sources: sources)
        #expect(given.map(\.displayName) == ["c.example"])
        #expect(throws: ZoneList.Problem.self) { try ZoneList.resolve(arguments: ["bad..name"], sources: sources) }
    }
}
