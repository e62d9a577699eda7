import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The audit log: JSON Lines, a SHA-256 chain, and `verify()` pointing at the first broken line.
@Suite("audit log")
struct AuditLogTests {
    static func entry(_ server: String, secretFree detail: String = "ok") -> AuditEntry {
        AuditEntry(
            zone: "example.com", server: server, action: "notify", serialBefore: 1, serialAfter: nil, outcome: "ok",
            detail: detail)
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-audit-\(UUID().uuidString)")
            .appendingPathComponent("state").path
    }

    @Test("three entries chain; the directory is created 0700; the first prev is zeros")
    func chain() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = AuditLog(directory: directory)
        for server in ["ns2", "ns3", "ns4"] { try log.append(Self.entry(server)) }
        let mode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let entries = try log.entries()
        #expect(entries.count == 3)
        #expect(entries.first?["prev"] as? String == AuditLog.firstPrev)
        #expect(entries.map { $0["server"] as? String } == ["ns2", "ns3", "ns4"])
        #expect(entries[1]["serial_before"] as? Int == 1)
        #expect(entries[1]["serial_after"] is NSNull)
        let time = try #require(entries[0]["time"] as? String)
        #expect(time.hasSuffix("Z"))
        #expect(try log.verify() == nil)
    }

    @Test("entries appended together chain like entries appended one by one; an empty list writes nothing")
    func appendTogether() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = AuditLog(directory: directory)
        try log.append(contentsOf: [])
        #expect(!FileManager.default.fileExists(atPath: log.path))
        try log.append(Self.entry("ns1"))
        try log.append(contentsOf: ["ns2", "ns3", "ns4"].map { Self.entry($0) })
        try log.append(Self.entry("ns5"))
        let entries = try log.entries()
        #expect(entries.map { $0["server"] as? String } == ["ns1", "ns2", "ns3", "ns4", "ns5"])
        #expect(try log.verify() == nil, "the chain holds across the lines written together")
    }

    @Test("the chain holds when the last line is longer than the 64 KiB an append reads back at a time")
    func longLastLine() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = AuditLog(directory: directory)
        try log.append(Self.entry("ns2"))
        try log.append(Self.entry("ns3", secretFree: String(repeating: "x", count: 150_000)))
        try log.append(Self.entry("ns4"))
        try log.append(Self.entry("ns5"))
        #expect(try log.entries().map { $0["server"] as? String } == ["ns2", "ns3", "ns4", "ns5"])
        #expect(try log.verify() == nil)
    }

    @Test("user is the real user from the uid; SUDO_USER is recorded beside it as a claim; USER is not believed")
    func realUser() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let saved = (getenv("USER").map { String(cString: $0) }, getenv("SUDO_USER").map { String(cString: $0) })
        setenv("USER", "alice", 1)
        setenv("SUDO_USER", "mallory", 1)
        let claimed = Self.entry("ns2")
        unsetenv("SUDO_USER")
        let plain = Self.entry("ns3")
        if let user = saved.0 { setenv("USER", user, 1) } else { unsetenv("USER") }
        if let sudo = saved.1 { setenv("SUDO_USER", sudo, 1) }
        let log = AuditLog(directory: directory)
        try log.append(claimed)
        try log.append(plain)
        let real = try #require(getpwuid(getuid())).pointee.pw_name.map { String(cString: $0) }
        let entries = try log.entries()
        #expect(entries.map { $0["user"] as? String } == [real, real], "\(entries)")
        #expect(entries.map { $0["real_user"] as? String } == [real, real])
        #expect(entries[0]["sudo_user"] as? String == "mallory")
        #expect(entries[1]["sudo_user"] is NSNull)
        let records = try log.records()
        #expect(records.map(\.sudoUser) == ["mallory", nil] && records.map(\.realUser) == [real!, real!])
        #expect(try log.verify() == nil)
    }

    @Test("an edited line breaks the chain at the line after it; a deleted line too")
    func tamper() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = AuditLog(directory: directory)
        for server in ["ns2", "ns3", "ns4", "ns5"] { try log.append(Self.entry(server)) }
        let original = try String(contentsOfFile: log.path, encoding: .utf8)
        try original.replacingOccurrences(of: "\"ns3\"", with: "\"nsX\"").write(
            toFile: log.path, atomically: true, encoding: .utf8)
        #expect(try log.verify() == 3)
        var lines = original.split(separator: "\n")
        lines.remove(at: 1)
        try (lines.joined(separator: "\n") + "\n").write(toFile: log.path, atomically: true, encoding: .utf8)
        #expect(try log.verify() == 2)
    }

    @Test("a last line cut off mid-write stays as the evidence verify names; the next entries start a new line")
    func cutOffLastLine() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = AuditLog(directory: directory)
        for server in ["ns2", "ns3", "ns4"] { try log.append(Self.entry(server)) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: log.path))
        try whole.dropLast(25).write(to: URL(fileURLWithPath: log.path))  // the machine stopped mid-write

        try log.append(contentsOf: [Self.entry("ns5"), Self.entry("ns6")])
        let lines = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(try log.verify() == 3, "the cut-off line, and only it")
        let entries = try log.entries()
        #expect(entries.count == 4, "the cut-off line is not an entry; the two new ones are whole")
        #expect(entries.suffix(2).map { $0["server"] as? String } == ["ns5", "ns6"])
    }

    @Test("SHA-256 known answers (FIPS 180-4 examples), as the chain uses it")
    func sha256() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
