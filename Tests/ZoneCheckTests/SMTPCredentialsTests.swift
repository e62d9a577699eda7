import Foundation
import Testing
import ZoneCheck

@testable import Mail

/// The credentials file: format, permissions, and the password kept out of every text.
@Suite struct SMTPCredentialsTests {
    static let password = "s3cr:et-Pa55"

    static func file(_ text: String, mode: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-cred-\(UUID().uuidString)")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("user:password, split at the first colon, trailing newline ignored")
    func reads() throws {
        let path = try Self.file("alice:\(Self.password)\n", mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let credentials = try SMTPCredentials.load(path: path)
        #expect(credentials.user == "alice" && credentials.password == Self.password)
    }

    @Test(
        "group- or world-readable or -writable files are refused with the chmod fix",
        arguments: [0o640, 0o604, 0o644, 0o620, 0o602])
    func permissions(mode: Int) throws {
        let path = try Self.file("alice:\(Self.password)\n", mode: mode)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try SMTPCredentials.load(path: path)
            Issue.record("mode \(String(mode, radix: 8)) accepted")
        } catch {
            #expect(error.message.contains("chmod 600 \(path)"), "\(error)")
            #expect(!error.message.contains(Self.password))
        }
    }

    @Test("a file of another user is refused with the chown fix", .enabled(if: getuid() == 0))
    func owner() throws {
        let path = try Self.file("alice:\(Self.password)\n", mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(chown(path, 65534, 65534) == 0)
        #expect(throws: MailError.self) { try SMTPCredentials.load(path: path) }
        do {
            _ = try SMTPCredentials.load(path: path)
        } catch {
            #expect(error.message.contains("chown root \(path)"), "\(error)")
        }
    }

    @Test(
        "a malformed file is refused without quoting it", arguments: ["JustAPassword\n", ":\(password)", "alice:", ""])
    func malformed(text: String) throws {
        let path = try Self.file(text, mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try SMTPCredentials.load(path: path)
            Issue.record("'\(text)' accepted")
        } catch {
            #expect(error.message.contains(path) && error.message.contains("user:password"), "\(error)")
            #expect(!error.message.contains(Self.password) && !error.message.contains("JustAPassword"))
        }
    }

    @Test("the password appears in no description, dump or scrubbed server reply")
    func neverPrinted() {
        let credentials = SMTPCredentials(user: "alice", password: Self.password, path: "/etc/zonecheck/smtp")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [
            credentials.description, credentials.debugDescription, String(describing: credentials),
            String(reflecting: credentials), "\(credentials)", dumped,
        ] {
            #expect(!text.contains(Self.password), "\(text)")
            #expect(text.contains("alice"))
        }
        let plain = Data("\0alice\0\(Self.password)".utf8).base64EncodedString()
        let echoed =
            "535 5.7.8 bad credentials \(plain) \(Self.password) \(Data(Self.password.utf8).base64EncodedString())"
        let scrubbed = credentials.scrub(echoed)
        #expect(!scrubbed.contains(Self.password) && !scrubbed.contains(plain), "\(scrubbed)")
        #expect(!scrubbed.contains(Data(Self.password.utf8).base64EncodedString()))
    }
}
