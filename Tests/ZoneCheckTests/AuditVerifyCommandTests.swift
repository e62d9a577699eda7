import Foundation
import TestSupport
import Testing
import ZoneCheck

/// `zonecheck audit verify` on a real audit log: intact, then one line edited, then one line deleted. And the
/// run lock, taken twice in one process (flock conflicts between two opens of the file, as between processes).
@Suite(.ownThreads) struct AuditVerifyCommandTests {
    static func fixture(entries: Int) throws -> (ConfigFixture, AuditLog) {
        let fixture = try ConfigFixture()
        try fixture.write(ConfigFixture.validYAML)
        let audit = AuditLog(directory: fixture.directory + "/state")
        for index in 1...entries {
            try audit.append(
                AuditEntry(
                    zone: "zone\(index).example", server: "ns3", action: "notify", serialBefore: UInt32(index),
                    serialAfter: nil, outcome: "ok", detail: "ns3 acknowledged the NOTIFY"))
        }
        return (fixture, audit)
    }

    /// `zonecheck audit verify --config FILE` (the option belongs to `verify`, after it).
    static func verify(_ fixture: ConfigFixture) throws -> Command.Output {
        let binary = try #require(ZoneCheckBinary.url, "zonecheck binary not found next to the test bundle")
        return try Command.run(
            binary.path, ["audit", "verify", "--config", fixture.configPath],
            environment: ProcessInfo.processInfo.environment.filter { $0.key != "ZONECHECK_CONFIG" })
    }

    static func lines(_ audit: AuditLog) throws -> [String] {
        try String(contentsOfFile: audit.path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func intactThenEditedLineIsNamedAndExitsTwo() throws {
        let (fixture, audit) = try Self.fixture(entries: 5)
        defer { fixture.remove() }
        let intact = try Self.verify(fixture)
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("intact, 5 entries"), "\(intact.stdout)")

        // Someone changes the serial recorded on line 3 after the fact.
        var lines = try Self.lines(audit)
        #expect(lines[2].contains("\"outcome\":\"ok\""))
        lines[2] = lines[2].replacingOccurrences(of: "\"serial_before\":3", with: "\"serial_before\":4")
        try (lines.joined(separator: "\n") + "\n").write(toFile: audit.path, atomically: true, encoding: .utf8)
        let edited = try Self.verify(fixture)
        #expect(edited.status == 2, "\(edited.stdout)\(edited.stderr)")
        #expect(edited.stderr.contains("chain broken at line 4 of 5"), "\(edited.stderr)")
        #expect(edited.stderr.contains("line 3 was edited"), "\(edited.stderr)")
    }

    @Test func deletedLineIsNamed() throws {
        let (fixture, audit) = try Self.fixture(entries: 5)
        defer { fixture.remove() }
        var lines = try Self.lines(audit)
        lines.remove(at: 1)
        try (lines.joined(separator: "\n") + "\n").write(toFile: audit.path, atomically: true, encoding: .utf8)
        let run = try Self.verify(fixture)
        #expect(run.status == 2)
        #expect(run.stderr.contains("chain broken at line 2 of 4"), "\(run.stderr)")
        #expect(run.stderr.contains("its prev is the hash of") || run.stderr.contains("deleted"), "\(run.stderr)")
        // The chain check the library gives the digest agrees.
        #expect(try audit.check().firstBreak?.line == 2)
        #expect(try audit.verify() == 2)
    }

    /// The chain cannot see its own last line edited or the end cut off; the head `run` stores can.
    @Test func editedOrCutEndIsCaughtByTheRecordedHead() throws {
        let (fixture, audit) = try Self.fixture(entries: 5)
        defer { fixture.remove() }
        let state = try StateDatabase.open(directory: fixture.directory + "/state")
        try state.recordAuditHead(try #require(try audit.head()))
        let original = try Self.lines(audit)
        var lines = original
        lines[4] = lines[4].replacingOccurrences(of: "\"outcome\":\"ok\"", with: "\"outcome\":\"failed\"")
        #expect(lines[4] != original[4])
        try (lines.joined(separator: "\n") + "\n").write(toFile: audit.path, atomically: true, encoding: .utf8)
        #expect(try audit.check().firstBreak == nil, "the chain alone cannot see this")
        let edited = try Self.verify(fixture)
        #expect(edited.status == 2, "\(edited.stdout)\(edited.stderr)")
        #expect(edited.stderr.contains("line 5") && edited.stderr.contains("edited"), "\(edited.stderr)")

        try (original.prefix(4).joined(separator: "\n") + "\n").write(
            toFile: audit.path, atomically: true, encoding: .utf8)
        let cut = try Self.verify(fixture)
        #expect(cut.status == 2)
        #expect(cut.stderr.contains("cut off its end"), "\(cut.stderr)")

        // Entries appended after the run (a later 'zonecheck repair') are fine.
        try (original.joined(separator: "\n") + "\n").write(toFile: audit.path, atomically: true, encoding: .utf8)
        try audit.append(
            AuditEntry(
                zone: "later.example", server: "ns2", action: "notify", serialBefore: 1, serialAfter: nil,
                outcome: "ok", detail: ""))
        let later = try Self.verify(fixture)
        #expect(later.status == 0, "\(later.stderr)")
        #expect(later.stdout.contains("intact, 6 entries"))
    }

    @Test func theRunLockIsExclusiveAndNamesItsHolder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-lock-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let started = Date(timeIntervalSince1970: 1_795_329_065)
        var first: RunLock? = try RunLock.acquire(directory: directory, now: started)
        #expect(first != nil)
        do {
            _ = try RunLock.acquire(directory: directory)
            Issue.record("a second lock was granted while the first is held")
        } catch {
            #expect(
                error.description
                    == "another zonecheck run (PID \(getpid()), started 2026-11-22 06:31:05 UTC) holds "
                    + "\(directory)/run.lock")
        }
        first = nil
        // Released (as the kernel does for a killed holder): the next one gets it.
        #expect(throws: Never.self) { _ = try RunLock.acquire(directory: directory) }
    }
}
