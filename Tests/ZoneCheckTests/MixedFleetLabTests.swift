import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// The check and repair scenarios again, on a mixed fleet: a BIND primary with BIND (ns2), Knot (ns3), NSD
/// (ns4) and BIND (ns5) secondaries (Scripts/lab --secondaries bind,knot,nsd,bind on 127.53.25.x port 5325),
/// so every server-specific path is exercised for real: Knot's and NSD's NOTIFY handling and TSIG errors,
/// escalation through `knotc zone-retransfer` and `nsd-control force_transfer`, a Knot and an NSD copy edited
/// behind their backs.
@Suite("check and repair on a mixed BIND/Knot/NSD fleet", .serialized, .ownThreads)
struct MixedFleetLabTests {
    static let kinds = ["bind", "knot", "nsd", "bind"]
    static let unavailable = Lab.unavailableReason(secondaries: kinds)

    static func startLab() throws -> Lab {
        try Lab.started(prefix: "127.53.25", port: 5325, secondaries: kinds)
    }

    static func repair(_ arguments: [String], config: String) throws -> ZoneCheckBinary.Run {
        try ZoneCheckBinary.run("repair", arguments, config: config)
    }

    static func serials(_ lab: Lab, _ zone: String) throws -> [String] {
        try (1...5).map { try lab.serial("ns\($0)", zone) }
    }

    /// "server=action=outcome" for every audit entry of `servers`, in order.
    static func audit(_ lab: Lab, servers: Set<String>) throws -> [String] {
        try AuditLog(directory: lab.directory + "/state").entries().compactMap { entry in
            guard let server = entry["server"] as? String, servers.contains(server) else { return nil }
            return "\(server)=\(entry["action"] as? String ?? "?")=\(entry["outcome"] as? String ?? "?")"
        }
    }

    /// Makes `server` refuse zonecheck's NOTIFY (RFC 1996 §3.10: a secondary may ignore a NOTIFY from a
    /// source it does not trust) while still accepting the primary's, by editing its own configuration
    /// (Knot: the zonecheck ACL loses its `notify` action; NSD: the zonecheck `allow-notify` lines go) and
    /// restarting it. Only the retransfer command can then bring it up to date.
    static func refuseOurNotify(_ lab: Lab, _ server: String) throws {
        try lab.run(["stop-server", server, "--dir", lab.directory])
        let kind = kinds[Int(server.dropFirst(2))! - 2]
        let path: String
        let edits: [(String, String)]
        switch kind {
        case "knot":
            path = lab.directory + "/\(server)/knot.conf"
            edits = [("action: [transfer, notify]", "action: [transfer]")]
        case "nsd":
            path = lab.directory + "/\(server)/nsd.conf"
            edits = [
                ("    allow-notify: 0.0.0.0/0 zonecheck-\(server)\n", ""),
                ("    allow-notify: ::0/0 zonecheck-\(server)\n", ""),
            ]
        default:
            path = lab.directory + "/\(server)/named.conf"
            edits = [
                (
                    "allow-notify { key zonecheck-\(server); key xfr-\(server); };",
                    "allow-notify { key xfr-\(server); };"
                )
            ]
        }
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (old, new) in edits {
            #expect(text.contains(old), "\(path) no longer has '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test(
        "(a) lost NOTIFY on the Knot and the NSD secondary: LAGGING, repair converges by NOTIFY",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func lostNotify() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        for server in ["ns3", "ns4"] { try lab.run(["stop-server", server, "--dir", lab.directory]) }
        try lab.run(["bump", "zone00002.lab", "--dir", lab.directory])
        for server in ["ns3", "ns4"] { try lab.run(["start-server", server, "--dir", lab.directory]) }
        let check = try ZoneCheckBinary.check(["--format", "json", "zone00002.lab"], config: lab.configPath)
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        for server in ["ns3", "ns4"] {
            #expect(
                try ZoneCheckBinary.cell(check.stdout, zone: "zone00002.lab", server: server)["state"] as? String
                    == "LAGGING")
        }
        let run = try Self.repair(["zone00002.lab", "--timeout", "10s"], config: lab.configPath)
        print(String(format: "mixed fleet: repair by NOTIFY (Knot + NSD) converged in %.2f s", run.seconds))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let serials = try Self.serials(lab, "zone00002.lab")
        #expect(Set(serials).count == 1, "\(serials)")
        #expect(
            try Self.audit(lab, servers: ["ns3", "ns4"]) == [
                "ns3=notify=ok", "ns4=notify=ok", "ns3=verify=ok", "ns4=verify=ok",
            ])
    }

    @Test(
        "(b) Knot and NSD refuse our NOTIFY: repair escalates to knotc zone-retransfer and nsd-control force_transfer",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func escalation() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try Self.refuseOurNotify(lab, "ns3")
        try Self.refuseOurNotify(lab, "ns4")
        try lab.run(["bump", "zone00003.lab", "--dir", lab.directory])
        for server in ["ns3", "ns4"] { try lab.run(["start-server", server, "--dir", lab.directory]) }
        let before = try Self.serials(lab, "zone00003.lab")
        #expect(before[2] != before[0] && before[3] != before[0], "ns3/ns4 already caught up: \(before)")
        let run = try Self.repair(["zone00003.lab", "--timeout", "6s"], config: lab.configPath)
        print(String(format: "mixed fleet: repair with escalation (Knot + NSD) took %.2f s", run.seconds))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(Set(try Self.serials(lab, "zone00003.lab")) == [before[0]])
        let trail = try Self.audit(lab, servers: ["ns3", "ns4"])
        for server in ["ns3", "ns4"] {
            #expect(
                trail.filter { $0.hasPrefix(server + "=") } == [
                    "\(server)=notify=failed", "\(server)=retransfer=ok", "\(server)=verify=ok",
                ], "\(trail)")
        }
    }

    @Test(
        "(c) the primary reloaded an older file: AHEAD everywhere, repair --yes restores it, Knot and NSD agree",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func restoresPrimary() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let file = lab.directory + "/ns1/zones/zone00001.lab.db"
        let old = try String(contentsOfFile: file, encoding: .utf8)
        try lab.run(["bump", "zone00001.lab", "--dir", lab.directory])
        try lab.run(["wait", "--dir", lab.directory])
        let newer = try lab.serial("ns1", "zone00001.lab")
        try old.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: file)
        let rndc = try #require(Lab.which("rndc"))
        #expect(try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", "zone00001.lab"]).status == 0)
        let check = try ZoneCheckBinary.check(["--format", "json", "zone00001.lab"], config: lab.configPath)
        #expect(check.status == 2, "\(check.stdout)")
        for server in ["ns2", "ns3", "ns4", "ns5"] {
            #expect(
                try ZoneCheckBinary.cell(check.stdout, zone: "zone00001.lab", server: server)["state"] as? String
                    == "AHEAD")
        }
        let run = try Self.repair(["zone00001.lab", "--yes", "--timeout", "10s"], config: lab.configPath)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(try Self.serials(lab, "zone00001.lab") == Array(repeating: newer, count: 5))
        #expect(try FileManager.default.contentsOfDirectory(atPath: lab.directory + "/state/backups").count == 1)
        let deep = try ZoneCheckBinary.check(["--deep", "zone00001.lab"], config: lab.configPath)
        #expect(deep.status == 0, "the restored primary has the secondaries' content: \(deep.stdout)")
    }

    @Test(
        "(d) copies edited behind Knot's and NSD's backs: --deep sees DIVERGED, --source ns1 retransfers both",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func diverged() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["diverge", "ns3", "zone00004.lab", "--dir", lab.directory])
        try lab.run(["diverge", "ns4", "zone00004.lab", "--dir", lab.directory])
        let deep = try ZoneCheckBinary.check(["--deep", "zone00004.lab"], config: lab.configPath)
        #expect(deep.status == 2, "\(deep.stdout)")
        #expect(deep.stdout.contains("only on ns3: bump.zone00004.lab."), "\(deep.stdout)")
        #expect(deep.stdout.contains("only on ns4: bump.zone00004.lab."), "\(deep.stdout)")
        let run = try Self.repair(
            ["zone00004.lab", "--deep", "--source", "ns1", "--timeout", "10s"], config: lab.configPath)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("ns3      retransfer") && run.stdout.contains("ns4      retransfer"))
        let after = try ZoneCheckBinary.check(["--deep", "zone00004.lab"], config: lab.configPath)
        #expect(after.status == 0, "\(after.stdout)")
    }

    @Test(
        "(e) a wrong key for the Knot and the NSD server: AUTH-FAILED, repair refuses and sends nothing",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func wrongKey() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let keygen = try #require(Lab.which("tsig-keygen"))
        var replacements: [(String, String)] = []
        var secrets: [String] = []
        for server in ["ns3", "ns4"] {
            let generated = try Command.run(keygen, ["-a", "hmac-sha512", "zonecheck-\(server)"])
            let path = lab.directory + "/wrong-\(server).key"
            #expect(
                FileManager.default.createFile(
                    atPath: path, contents: Data(generated.stdout.utf8), attributes: [.posixPermissions: 0o600]))
            replacements.append((lab.keyPath(server), path))
            secrets.append(String(try #require(generated.stdout.split(separator: "\"").dropFirst(3).first)))
        }
        let config = try lab.configCopy(replacements)
        try lab.loseNotify(on: "ns5", zone: "zone00005.lab")
        let check = try ZoneCheckBinary.check(["--format", "json", "zone00005.lab"], config: config)
        #expect(check.status == 2)
        for server in ["ns3", "ns4"] {
            let cell = try ZoneCheckBinary.cell(check.stdout, zone: "zone00005.lab", server: server)
            #expect(cell["state"] as? String == "AUTH-FAILED", "\(cell)")
            #expect((cell["detail"] as? String)?.contains("BADSIG") == true, "\(cell)")
        }
        let lagging = try lab.serial("ns5", "zone00005.lab")
        let run = try Self.repair(["zone00005.lab", "--timeout", "5s"], config: config)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("failed TSIG authentication"), "\(run.stderr)")
        #expect(try lab.serial("ns5", "zone00005.lab") == lagging, "something was sent")
        #expect(try Self.audit(lab, servers: ["ns2", "ns3", "ns4", "ns5"]).isEmpty)
        for secret in secrets { #expect(!(check.stdout + check.stderr + run.stdout + run.stderr).contains(secret)) }
    }

    @Test(
        "(f) the NSD server down: check ends within timeout x attempts and reports it; (g) --dry-run changes nothing",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func serverDownAndDryRun() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.loseNotify(on: "ns3", zone: "zone00001.lab")
        let config = try lab.configCopy([("timeout: 2s, retries: 2", "timeout: 1s, retries: 1")])
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        let check = try ZoneCheckBinary.check(["--format", "json"], config: config)
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.seconds < 2 + 2.5, "took \(check.seconds) s")
        for zone in ["zone00001.lab", "zone00005.lab", "example.com"] {
            #expect(
                try ZoneCheckBinary.cell(check.stdout, zone: zone, server: "ns4")["state"] as? String == "UNREACHABLE")
        }
        #expect(
            try ZoneCheckBinary.cell(check.stdout, zone: "zone00001.lab", server: "ns3")["state"] as? String
                == "LAGGING")
        let running = ["ns1", "ns2", "ns3", "ns5"]
        let before = try running.map { try lab.serial($0, "zone00001.lab") }
        let knotFile = lab.directory + "/ns3/zones/zone00001.lab.db"
        let knotCopy = try? Data(contentsOf: URL(fileURLWithPath: knotFile))
        let dry = try Self.repair(["zone00001.lab", "--dry-run"], config: config)
        #expect(dry.status == 0 && dry.stdout.contains("ns3      notify"), "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("ns4      skip"), "\(dry.stdout)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try running.map { try lab.serial($0, "zone00001.lab") } == before)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: knotFile))) == knotCopy)
        #expect(try Self.audit(lab, servers: ["ns1", "ns2", "ns3", "ns4", "ns5"]).isEmpty)
    }
}
