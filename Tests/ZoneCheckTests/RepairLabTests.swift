import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// `zonecheck repair` against the real BIND lab (Scripts/lab) on 127.53.6.x port 5306, one fresh lab per
/// test: a lost NOTIFY repaired and timed, a dry run that changes nothing, a wrong key that refuses.
@Suite("repair on the lab", .serialized, .ownThreads)
struct RepairLabTests {
    static let unavailable = Lab.unavailableReason()

    static func startLab() throws -> Lab { try Lab.started(prefix: "127.53.6", port: 5306) }

    @Test(
        "a lost NOTIFY: repair notifies ns4, verifies, exits 0, logs it; timed",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func lostNotify() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.loseNotify(on: "ns4", zone: "zone00002.lab")
        let primary = try lab.serial("ns1", "zone00002.lab")
        #expect(try lab.serial("ns4", "zone00002.lab") != primary, "ns4 already caught up: no lost NOTIFY")
        let run = try ZoneCheckBinary.repair(["zone00002.lab", "--timeout", "10s"], config: lab.configPath)
        print(String(format: "repair zone00002.lab: converged and verified in %.2f s (goal < 3 s)", run.seconds))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns4      notify"), "\(run.stdout)")
        #expect(run.stdout.contains("all servers serve serial \(primary)"), "\(run.stdout)")
        #expect(try lab.serial("ns4", "zone00002.lab") == primary)
        let log = AuditLog(directory: lab.directory + "/state")
        let notify = try log.entries().first { $0["action"] as? String == "notify" }
        #expect(notify?["server"] as? String == "ns4")
        #expect(notify?["outcome"] as? String == "ok")
        #expect(try log.verify() == nil)
        #expect(run.seconds < 3, "convergence took \(run.seconds) s")
    }

    @Test(
        "a secondary that refuses NOTIFY: repair escalates to its retransfer command and converges",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func escalatesToRetransfer() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        try lab.run(["bump", "zone00002.lab", "--dir", lab.directory])
        // ns4 now accepts NOTIFY only from the primary's transfer key, so zonecheck's NOTIFY is refused
        // (RFC 1996 §3.10) and only the retransfer command (rndc retransfer) can bring it up to date.
        let conf = lab.directory + "/ns4/named.conf"
        let text = try String(contentsOfFile: conf, encoding: .utf8)
        let allow = "allow-notify { key zonecheck-ns4; key xfr-ns4; };"
        #expect(text.contains(allow), "the lab's ns4 named.conf no longer has '\(allow)'")
        try text.replacingOccurrences(of: allow, with: "allow-notify { key xfr-ns4; };").write(
            toFile: conf, atomically: true, encoding: .utf8)
        try lab.run(["start-server", "ns4", "--dir", lab.directory])
        let primary = try lab.serial("ns1", "zone00002.lab")
        #expect(try lab.serial("ns4", "zone00002.lab") != primary, "ns4 already caught up")
        let run = try ZoneCheckBinary.repair(["zone00002.lab", "--timeout", "10s"], config: lab.configPath)
        print(String(format: "repair zone00002.lab with escalation: %.2f s", run.seconds))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("all servers serve serial \(primary)"), "\(run.stdout)")
        #expect(try lab.serial("ns4", "zone00002.lab") == primary)
        let entries = try AuditLog(directory: lab.directory + "/state").entries()
        let ns4 = entries.filter { $0["server"] as? String == "ns4" }.map {
            "\($0["action"] as? String ?? "?")=\($0["outcome"] as? String ?? "?")"
        }
        #expect(ns4 == ["notify=failed", "retransfer=ok", "verify=ok"], "\(ns4)")
    }

    @Test(
        "the primary went back to an older file: --yes restores it from a secondary's copy, all converge",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func restoresPrimary() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let file = lab.directory + "/ns1/zones/zone00003.lab.db"
        let old = try String(contentsOfFile: file, encoding: .utf8)
        try lab.run(["bump", "zone00003.lab", "--dir", lab.directory])
        let newer = try lab.serial("ns1", "zone00003.lab")
        for _ in 0..<30 where try lab.serial("ns5", "zone00003.lab") != newer {
            Thread.sleep(forTimeInterval: 0.1)
        }
        // The operator restores yesterday's file on the primary by mistake: the secondaries keep the newer copy.
        try old.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: file)
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", "zone00003.lab"])
        #expect(reload.status == 0, "\(reload.stderr)")
        let older = try lab.serial("ns1", "zone00003.lab")
        #expect(older != newer, "the primary did not load the older file")
        let refused = try ZoneCheckBinary.repair(["zone00003.lab"], config: lab.configPath)
        #expect(refused.status == 2 && refused.stderr.contains("--yes"), "\(refused.stdout)\(refused.stderr)")
        let run = try ZoneCheckBinary.repair(["zone00003.lab", "--yes", "--timeout", "10s"], config: lab.configPath)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns1      restore"), "\(run.stdout)")
        #expect(try lab.serial("ns1", "zone00003.lab") == newer)
        #expect(try lab.auditActions().contains("restore-primary"))
        // The file the repair replaced is kept, byte for byte, under the state directory.
        let backups = lab.directory + "/state/backups"
        let kept = try FileManager.default.contentsOfDirectory(atPath: backups).filter {
            $0.hasPrefix("zone00003.lab.")
        }
        #expect(kept.count == 1, "backups: \(kept)")
        if let name = kept.first {
            #expect(try String(contentsOfFile: backups + "/" + name, encoding: .utf8) == old)
            #expect(run.stdout.contains("previous file kept as \(backups)/\(name)"), "\(run.stdout)")
        }
    }

    @Test(
        "a hand-edited secondary (DIVERGED, --deep): refused without --source; --source ns1 transfers it again",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func divergedNeedsSource() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["diverge", "ns3", "zone00004.lab", "--dir", lab.directory])
        let refused = try ZoneCheckBinary.repair(["zone00004.lab", "--deep"], config: lab.configPath)
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("--source"), "\(refused.stderr)")
        let run = try ZoneCheckBinary.repair(
            ["zone00004.lab", "--deep", "--source", "ns1", "--timeout", "10s"], config: lab.configPath)
        #expect(run.stdout.contains("ns3      retransfer"), "\(run.stdout)")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // Same serial before and after: only the deep comparison can say the content is right again.
        let check = try ZoneCheckBinary.check(["--deep", "zone00004.lab"], config: lab.configPath)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test(
        "a hand-edited secondary chosen with --source ns3 --yes: the primary takes its copy with the next serial, all converge",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func divergedSourceRestoresPrimary() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["diverge", "ns3", "zone00004.lab", "--dir", lab.directory])
        let before = try #require(UInt32(try lab.serial("ns1", "zone00004.lab")))
        let zoneFile = lab.directory + "/ns1/zones/zone00004.lab.db"
        let original = try Data(contentsOf: URL(fileURLWithPath: zoneFile))
        // Rewriting the master copy needs --yes: refused without it, nothing touched.
        let refused = try ZoneCheckBinary.repair(
            ["zone00004.lab", "--deep", "--source", "ns3"], config: lab.configPath)
        #expect(refused.status == 2 && refused.stderr.contains("--yes"), "\(refused.stdout)\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: zoneFile)) == original)
        let run = try ZoneCheckBinary.repair(
            ["zone00004.lab", "--deep", "--source", "ns3", "--yes", "--timeout", "10s"], config: lab.configPath)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns1      restore"), "\(run.stdout)")
        // The primary now serves ns3's content under a greater serial, and every server has it.
        let after = try #require(UInt32(try lab.serial("ns1", "zone00004.lab")))
        #expect(Serial(after).compare(to: Serial(before)) == .greater, "\(before) -> \(after)")
        for server in ["ns2", "ns3", "ns4", "ns5"] {
            #expect(try lab.serial(server, "zone00004.lab") == "\(after)")
        }
        let written = try String(contentsOfFile: zoneFile, encoding: .utf8)
        #expect(written.contains("diverged on ns3"), "\(written)")
        let check = try ZoneCheckBinary.check(["--deep", "zone00004.lab"], config: lab.configPath)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // The old file is kept, byte for byte, and the audit entry says where and which serial.
        let backups = try FileManager.default.contentsOfDirectory(atPath: lab.directory + "/state/backups")
        let backup = try #require(backups.first { $0.hasPrefix("zone00004.lab.") })
        #expect(try Data(contentsOf: URL(fileURLWithPath: lab.directory + "/state/backups/" + backup)) == original)
        let restore = try AuditLog(directory: lab.directory + "/state").entries().first {
            $0["action"] as? String == "restore-primary" && $0["outcome"] as? String == "ok"
        }
        #expect(
            (restore?["detail"] as? String)?.contains("as serial \(after)") == true, "\(String(describing: restore))")
    }

    @Test(
        "--dry-run prints the plan, changes no serial, writes no audit entry", .enabled(if: unavailable == nil),
        .timeLimit(.minutes(10)))
    func dryRun() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.loseNotify(on: "ns4", zone: "zone00002.lab")
        let behind = try lab.serial("ns4", "zone00002.lab")
        let primarySerial = try lab.serial("ns1", "zone00002.lab")
        let zoneFiles = try FileManager.default.contentsOfDirectory(atPath: lab.directory + "/ns1/zones").sorted()
        let fileBefore = try Data(contentsOf: URL(fileURLWithPath: lab.directory + "/ns1/zones/zone00002.lab.db"))
        let run = try ZoneCheckBinary.repair(["zone00002.lab", "--dry-run"], config: lab.configPath)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns4      notify"), "\(run.stdout)")
        #expect(run.stdout.contains("dry run: nothing sent"))
        // Longer than a NOTIFY-triggered transfer takes in the lab (the repair test converges well within it).
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try lab.serial("ns4", "zone00002.lab") == behind)
        #expect(try lab.serial("ns1", "zone00002.lab") == primarySerial)
        #expect(try lab.auditActions().isEmpty)
        // No file written or left behind on the primary.
        #expect(try FileManager.default.contentsOfDirectory(atPath: lab.directory + "/ns1/zones").sorted() == zoneFiles)
        #expect(try Data(contentsOf: URL(fileURLWithPath: lab.directory + "/ns1/zones/zone00002.lab.db")) == fileBefore)
    }

    @Test(
        "a wrong key for ns2: repair refuses (exit 2), nothing sent, the refusal logged",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func wrongKeyRefuses() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.loseNotify(on: "ns4", zone: "zone00002.lab")
        let behind = try lab.serial("ns4", "zone00002.lab")
        let keygen = try #require(Lab.which("tsig-keygen"), "tsig-keygen (bind9-utils) is needed")
        let generated = try Command.run(keygen, ["-a", "hmac-sha512", "zonecheck-ns2"])
        let keyPath = lab.directory + "/wrong-ns2.key"
        #expect(
            FileManager.default.createFile(
                atPath: keyPath, contents: Data(generated.stdout.utf8), attributes: [.posixPermissions: 0o600]))
        let config = try lab.configCopy([(lab.keyPath("ns2"), keyPath)])
        let run = try ZoneCheckBinary.repair(["zone00002.lab"], config: config)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("ns2 failed TSIG authentication"), "\(run.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try lab.serial("ns4", "zone00002.lab") == behind)
        #expect(try lab.auditActions() == ["plan-refused"])
        let secret = try #require(generated.stdout.split(separator: "\"").dropFirst(3).first)
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
    }
}
