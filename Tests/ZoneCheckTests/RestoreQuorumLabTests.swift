import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

#if canImport(Glibc)
    import Glibc
#endif

/// `zonecheck run` with `repair.auto` and `repair.primary_from_secondary` on the real BIND lab (127.53.70.x port
/// 5370): the primary went back to an older file. One secondary's word is not enough to rewrite the master copy
/// (`repair.restore_quorum`, default 2); two secondaries serving the same verified copy are, and the restore
/// through a link to a root:bind 0640 file keeps the link, the owner, the group and the mode.
@Suite("restore quorum on the lab", .serialized, .ownThreads)
struct RestoreQuorumLabTests {
    static let unavailable = Lab.unavailableReason()
    static let zone = "zone00003.lab"

    /// The lab with `ahead` secondaries at the primary's serial + 1 and the others at the primary's serial:
    /// the others are stopped while the primary is bumped (so they miss it), then the primary's older file is
    /// put back and they are started again. Returns the lab and the older and newer serials.
    static func labWithAhead(_ ahead: [String]) throws -> (Lab, older: String, newer: String) {
        let lab = try Lab.started(prefix: "127.53.70", port: 5370)
        let behind = ["ns2", "ns3", "ns4", "ns5"].filter { !ahead.contains($0) }
        let file = lab.directory + "/ns1/zones/\(zone).db"
        let old = try String(contentsOfFile: file, encoding: .utf8)
        let older = try lab.serial("ns1", zone)
        for server in behind { try lab.run(["stop-server", server, "--dir", lab.directory]) }
        try lab.run(["bump", zone, "--dir", lab.directory])
        let newer = try lab.serial("ns1", zone)
        for server in ahead {
            for _ in 0..<50 where try lab.serial(server, zone) != newer {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        try old.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: file)
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", zone])
        #expect(reload.status == 0, "\(reload.stderr)")
        for server in behind { try lab.run(["start-server", server, "--dir", lab.directory]) }
        #expect(try lab.serial("ns1", zone) == older, "the primary did not load the older file")
        for server in ahead { #expect(try lab.serial(server, zone) == newer, "\(server)") }
        for server in behind { #expect(try lab.serial(server, zone) == older, "\(server)") }
        // No email (no sendmail here: the alert would fail the run), no periodic deep check; unattended restores
        // allowed; the default quorum (2) left as it is.
        try lab.configureForRun(grace: "10m")
        var text = try String(contentsOfFile: lab.configPath, encoding: .utf8)
        let repair = "repair:  { auto: true, primary_from_secondary: false,"
        #expect(text.contains(repair), "Scripts/lab writes the repair settings differently now")
        text = text.replacingOccurrences(of: repair, with: "repair:  { auto: true, primary_from_secondary: true,")
        try text.write(toFile: lab.configPath, atomically: true, encoding: .utf8)
        return (lab, older, newer)
    }

    @Test(
        "one secondary at serial+1: no restore, a CRITICAL incident, the evidence in the audit log",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func oneSecondaryIsNotEnough() throws {
        let (lab, older, newer) = try Self.labWithAhead(["ns5"])
        defer { lab.tearDown() }
        let run = try lab.zonecheckRun()
        #expect(run.status == 2, "CRITICAL: \(run.stdout)\(run.stderr)")
        #expect(try lab.serial("ns1", Self.zone) == older, "the primary was rewritten")
        let actions = try lab.audit().records().filter { $0.zone == Self.zone }
        #expect(!actions.contains { $0.action == "restore-primary" }, "\(actions.map(\.action))")
        let refused = try #require(actions.first { $0.action == "restore-refused" }, "\(actions.map(\.action))")
        #expect(refused.outcome == "refused")
        #expect(refused.detail.contains("needs 2 secondaries serving serial \(newer)"), "\(refused.detail)")
        #expect(refused.detail.contains("ns5 serial \(newer) digest "), "\(refused.detail)")
        #expect(refused.detail.contains("ns2 serial \(older)"), "\(refused.detail)")
        let state = try lab.state()
        let incident = try #require(try state.openIncidents().first { $0.zone == Self.zone })
        #expect(incident.severity == .critical)
    }

    @Test(
        "two agreeing secondaries: the run restores the primary, through its link, keeping root:bind 0640",
        .enabled(if: unavailable == nil && getuid() == 0 && getgrnam("bind") != nil), .timeLimit(.minutes(10)))
    func twoAgreeingSecondaries() throws {
        let (lab, _, newer) = try Self.labWithAhead(["ns4", "ns5"])
        defer { lab.tearDown() }
        // The primary's zone file becomes a link to the real file, root:bind 0640, as a packaged BIND has it.
        let link = lab.directory + "/ns1/zones/\(Self.zone).db"
        let realDirectory = lab.directory + "/ns1/master"
        let real = realDirectory + "/\(Self.zone).db"
        try FileManager.default.createDirectory(atPath: realDirectory, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: link, toPath: real)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let bind = getgrnam("bind")!.pointee.gr_gid
        #expect(chown(real, 0, bind) == 0 && chmod(real, 0o640) == 0)

        let run = try lab.zonecheckRun()
        let actions = try lab.audit().records().filter { $0.zone == Self.zone }
        #expect(!actions.contains { $0.action == "restore-refused" }, "\(actions.map(\.detail))")
        let restored = actions.filter { $0.action == "restore-primary" }
        #expect(restored.map(\.outcome) == ["started", "ok"], "\(restored.map(\.detail)) \(run.stderr)")
        #expect(try lab.serial("ns1", Self.zone) == newer)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real, "the link stays a link")
        var status = stat()
        #expect(stat(real, &status) == 0)
        #expect(status.st_uid == 0 && status.st_gid == bind, "owner \(status.st_uid):\(status.st_gid)")
        #expect(status.st_mode & 0o7777 == 0o640, "mode \(String(status.st_mode & 0o7777, radix: 8))")
        #expect(try String(contentsOfFile: real, encoding: .utf8).contains("restored by zonecheck repair from"))
        let left = try FileManager.default.contentsOfDirectory(atPath: realDirectory)
        #expect(left == ["\(Self.zone).db"], "no temporary file left beside it: \(left)")
    }
}
