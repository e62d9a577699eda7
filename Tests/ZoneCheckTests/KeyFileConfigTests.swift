import Foundation
import TestSupport
import Testing
import ZoneCheck

#if canImport(Glibc)
    import Glibc
#endif

/// The configuration's check of key files is DNSKit's reader itself: strict modes and owner, links judged
/// by the file they point to, and no part of the file's text in any message.
@Suite("Key files in the configuration", .ownThreads)
struct KeyFileConfigTests {
    @Test("a group-writable key is refused with the chmod to run", arguments: [0o620, 0o660, 0o622])
    func groupWritable(mode: Int) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeKey("keys/ns2.key", names: ["zonecheck-ns2"], mode: mode)
        guard case .failure(let error) = try fixture.load(ConfigFixture.validYAML) else {
            Issue.record("a key of mode \(String(mode, radix: 8)) was accepted")
            return
        }
        let path = fixture.directory + "/keys/ns2.key"
        #expect(error.keyPath == "servers[1].key")
        #expect(error.message.contains("can be changed by"), "\(error)")
        #expect(error.fix.contains("Run 'chmod 600 \(path)'"), "\(error)")
    }

    @Test("a link to a key others may read is refused, a link to a private key accepted")
    func links() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeKey("keys/open.key", names: ["zonecheck-ns2"], mode: 0o644)
        try FileManager.default.removeItem(atPath: fixture.directory + "/keys/ns2.key")
        try FileManager.default.createSymbolicLink(
            atPath: fixture.directory + "/keys/ns2.key", withDestinationPath: fixture.directory + "/keys/open.key")
        guard case .failure(let error) = try fixture.load(ConfigFixture.validYAML) else {
            Issue.record("a link to a world-readable key was accepted")
            return
        }
        #expect(error.message.contains("readable by every user"), "\(error)")
        #expect(chmod(fixture.directory + "/keys/open.key", 0o600) == 0)
        #expect(throws: Never.self) { try fixture.load(ConfigFixture.validYAML).get() }
    }

    @Test("a key file with the secret on its own line is refused, and no part of the secret appears in any output")
    func secretOnItsOwnLine() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        // A fresh secret, as tsig-keygen writes it, then the typo: the clause name lost.
        let secret = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let path = fixture.directory + "/keys/ns2.key"
        try "key \"zonecheck-ns2\" {\n\talgorithm hmac-sha512;\n\t\"\(secret)\";\n};\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o600) == 0)
        guard case .failure(let error) = try fixture.load(ConfigFixture.validYAML) else {
            Issue.record("the key file was accepted")
            return
        }
        #expect(error.description.contains("\(path):3:2"), "line and column: \(error)")
        #expect(error.description.contains("expected algorithm or secret"), "\(error)")
        var outputs = [error.description, String(reflecting: error)]
        // The real binary, as cron would run it: stdout and stderr.
        for command in ["check", "run"] {
            let run = try ZoneCheckBinary.run(command, [], config: fixture.configPath)
            #expect(run.status == 3, "\(command): a configuration error is UNKNOWN: \(run.stderr)")
            #expect(run.stderr.contains("\(path):3:2"), "\(run.stderr)")
            outputs += [run.stdout, run.stderr]
        }
        let parts = stride(from: 0, to: secret.count - 8, by: 4).map {
            String(secret.dropFirst($0).prefix(8))
        }
        for output in outputs {
            for part in parts {
                #expect(!output.contains(part), "a part of the secret in: \(output)")
            }
        }
    }
}
