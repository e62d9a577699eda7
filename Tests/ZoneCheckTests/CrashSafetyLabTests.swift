import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` in the middle of `zonecheck repair --yes` restoring the primary (the rollback case), at points
/// spread over a whole repair, on the real lab (127.53.26.x port 5326). After every kill: the primary's zone
/// file is the old one or the complete new one, never partial; when it is the new one, the old one is kept
/// in the backups; the audit chain verifies. At the end an ordinary repair completes.
@Suite("crash safety of repair on the lab", .serialized, .ownThreads)
struct CrashSafetyLabTests {
    static let unavailable = Lab.unavailableReason()
    static let zone = "zone00003.lab"

    /// Puts the older file back on the primary and reloads it, so the secondaries are ahead again.
    static func rollBack(_ lab: Lab, file: String, old: String) throws {
        try old.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: file)
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", zone])
        #expect(reload.status == 0, "\(reload.stderr)")
    }

    /// Starts `zonecheck repair ZONE --yes`, sends SIGKILL after `delay`, waits for it to die.
    static func repairKilled(after delay: Duration, config: String) throws -> Int32 {
        let binary = try #require(ZoneCheckBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["repair", "--config", config, zone, "--yes", "--timeout", "10s"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "ZONECHECK_CONFIG" }
        try process.run()
        Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The file's SOA serial and record count when it reads without a single error, else nil.
    static func completeZone(_ text: String, path: String) throws -> (serial: UInt32, records: Int)? {
        let origin = try DomainName(presentation: zone + ".", origin: nil)
        let result = ZoneFileReader(text: text, fileName: path, origin: origin).read { _ in }
        guard result.diagnostics.allSatisfy({ $0.severity != .error }), let serial = result.soa?.soaSerial else {
            return nil
        }
        return (serial, result.recordCount)
    }

    @Test(
        "kill -9 at 12 points of a primary restore: old or new file, never partial; backup kept; audit intact",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func killDuringPrimaryRestore() throws {
        let lab = try Lab.started(prefix: "127.53.26", port: 5326)
        defer { lab.tearDown() }
        let file = lab.directory + "/ns1/zones/\(Self.zone).db"
        let old = try String(contentsOfFile: file, encoding: .utf8)
        try lab.run(["bump", Self.zone, "--dir", lab.directory])
        try lab.run(["wait", "--dir", lab.directory])
        let newer = try #require(UInt32(try lab.serial("ns1", Self.zone)))
        let state = lab.directory + "/state"
        let audit = AuditLog(directory: state)

        // One complete restore first: what the new file looks like, and how long a repair takes end to end.
        try Self.rollBack(lab, file: file, old: old)
        let reference = try ZoneCheckBinary.run(
            "repair", [Self.zone, "--yes", "--timeout", "10s"], config: lab.configPath)
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")
        let restored = try #require(
            try Self.completeZone(try String(contentsOfFile: file, encoding: .utf8), path: file), "restored file")
        #expect(restored.serial == newer)
        let full = max(reference.seconds, 0.05)

        var outcomes: [String] = []
        for point in 0..<12 {
            try Self.rollBack(lab, file: file, old: old)
            let backupsBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: state + "/backups")) ?? [])
            // Spread over the whole repair, from process start to its last verification, with some jitter.
            let delay = Duration.milliseconds(Int(full * 1000 * Double(point) / 11) + Int.random(in: 0...5))
            let auditedRestores = try audit.entries().filter { $0["action"] as? String == "restore-primary" }.count
            let status = try Self.repairKilled(after: delay, config: lab.configPath)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            if text == old {
                outcomes.append("\(delay): old (exit \(status))")
            } else {
                let zone = try Self.completeZone(text, path: file)
                #expect(
                    zone?.serial == newer && zone?.records == restored.records, "partial file after kill at \(delay)")
                // The new file is only ever there with the old one kept first.
                let backups = Set((try? FileManager.default.contentsOfDirectory(atPath: state + "/backups")) ?? [])
                let added = backups.subtracting(backupsBefore).filter { $0.hasPrefix(Self.zone + ".") }
                let kept = try added.map { try String(contentsOfFile: state + "/backups/" + $0, encoding: .utf8) }
                #expect(kept.contains(old), "new file at \(delay) but no backup of the old one (\(added))")
                // And the audit log said so before it happened.
                let restores = try audit.entries().filter { $0["action"] as? String == "restore-primary" }
                #expect(restores.count > auditedRestores, "new file at \(delay) but no restore-primary entry")
                outcomes.append("\(delay): new (exit \(status))")
            }
            #expect(try audit.verify() == nil, "audit chain broken after kill at \(delay)")
        }
        print("kill -9 during restore: " + outcomes.joined(separator: "; "))

        // Whatever state the kills left, an ordinary repair completes and every server agrees.
        try Self.rollBack(lab, file: file, old: old)
        let final = try ZoneCheckBinary.run("repair", [Self.zone, "--yes", "--timeout", "10s"], config: lab.configPath)
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        for server in ["ns1", "ns2", "ns3", "ns4", "ns5"] {
            #expect(try lab.serial(server, Self.zone) == "\(newer)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: lab.directory + "/ns1/zones").filter {
            $0.hasSuffix(".zonecheck-tmp")
        }
        #expect(leftovers.isEmpty, "temporary files left next to the zone file: \(leftovers)")
        #expect(try audit.verify() == nil)
    }
}
