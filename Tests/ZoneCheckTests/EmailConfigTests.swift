import Foundation
import Testing
import ZoneCheck

/// `alerts.email` beyond the basics: the sendmail command, the SMTP relay's CA file, and the credentials file
/// read and checked at load (mode and format), each error naming file, line and key.
@Suite struct EmailConfigTests {
    static let emailLine =
        "email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: sendmail }"

    /// The docs/configuration.md example with its email line replaced by `email` (block style, indented under alerts:).
    static func yaml(_ email: String) -> String {
        precondition(ConfigFixture.validYAML.contains(emailLine))
        return ConfigFixture.validYAML.replacingOccurrences(of: emailLine, with: email)
    }

    static func error(_ yaml: String, _ fixture: ConfigFixture) throws -> ConfigError {
        switch try fixture.load(yaml) {
        case .success: throw ExpectedError()
        case .failure(let error): return error
        }
    }

    struct ExpectedError: Error {}

    static func credentials(_ fixture: ConfigFixture, _ text: String, mode: Int) throws {
        let path = fixture.directory + "/smtp.cred"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static let smtp = """
        email:
            to: [hostmaster@example.com]
            from: zonecheck@example.com
            transport: smtp
            smtp: { host: mail.example.com, credentials: smtp.cred }
        """

    @Test("sendmail: default, a command line with quotes, never a shell")
    func sendmail() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let plain = try fixture.load(ConfigFixture.validYAML).get()
        #expect(plain.alerts.email?.sendmail == ["/usr/sbin/sendmail", "-t", "-oi"])
        let custom = try fixture.load(
            Self.yaml(
                """
                email:
                    to: [hostmaster@example.com]
                    from: zonecheck@example.com
                    sendmail: "/usr/bin/msmtp -C '/etc/zonecheck/my msmtprc' -t"
                """)
        ).get()
        #expect(custom.alerts.email?.sendmail == ["/usr/bin/msmtp", "-C", "/etc/zonecheck/my msmtprc", "-t"])
    }

    @Test(
        "sendmail errors name file, line and key",
        arguments: [
            ("sendmail: \"sendmail -t\"", "is not a program's full path"),
            ("sendmail: \"/usr/sbin/sendmail -t 'unclosed\"", "is not a program's full path"),
            (
                "transport: smtp\n    smtp: { host: mail.example.com }\n    sendmail: /usr/sbin/sendmail",
                "is given but transport is smtp"
            ),
        ])
    func sendmailErrors(setting: String, message: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = Self.yaml(
            "email:\n    to: [hostmaster@example.com]\n    from: zonecheck@example.com\n    \(setting)")
        let error = try Self.error(yaml, fixture)
        #expect(error.keyPath == "alerts.email.sendmail", "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.line == ConfigFixture.line(of: "sendmail", in: yaml))
        #expect(error.description.hasPrefix(fixture.configPath + ":"))
    }

    @Test("ca_file is resolved next to the configuration and must exist")
    func caFile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try Self.credentials(fixture, "alice:secret\n", mode: 0o600)
        let withCA = Self.smtp.replacingOccurrences(
            of: "credentials: smtp.cred }", with: "credentials: smtp.cred, ca_file: ca.pem }")
        let missing = try Self.error(Self.yaml(withCA), fixture)
        #expect(missing.keyPath == "alerts.email.smtp.ca_file")
        #expect(missing.message.contains(fixture.directory + "/ca.pem"))
        try "-----BEGIN CERTIFICATE-----\n".write(
            toFile: fixture.directory + "/ca.pem", atomically: true, encoding: .utf8)
        let config = try fixture.load(Self.yaml(withCA)).get()
        #expect(config.alerts.email?.smtp?.caFile == fixture.directory + "/ca.pem")
        #expect(config.alerts.email?.smtp?.credentialsPath == fixture.directory + "/smtp.cred")
    }

    @Test("credentials readable by the group are refused with the chmod fix", arguments: [0o640, 0o604])
    func credentialsMode(mode: Int) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try Self.credentials(fixture, "alice:Secr3tPassw0rd\n", mode: mode)
        let error = try Self.error(Self.yaml(Self.smtp), fixture)
        #expect(error.keyPath == "alerts.email.smtp.credentials")
        #expect(error.fix == "Run 'chmod 600 \(fixture.directory)/smtp.cred'", "\(error)")
        #expect(!error.description.contains("Secr3tPassw0rd"))
    }

    @Test("a credentials file without user:password is refused without quoting it")
    func credentialsFormat() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try Self.credentials(fixture, "Secr3tPassw0rd\n", mode: 0o600)
        let error = try Self.error(Self.yaml(Self.smtp), fixture)
        #expect(error.keyPath == "alerts.email.smtp.credentials")
        #expect(error.message.contains("user:password"), "\(error)")
        #expect(!error.description.contains("Secr3tPassw0rd"))
        #expect(error.line == ConfigFixture.line(of: "credentials: smtp.cred", in: Self.yaml(Self.smtp)))
    }

    @Test("credentials without STARTTLS are refused (they would cross the network in clear text)")
    func credentialsNeedTLS() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try Self.credentials(fixture, "alice:secret\n", mode: 0o600)
        let yaml = Self.yaml(
            Self.smtp.replacingOccurrences(
                of: "{ host: mail.example.com,", with: "{ host: mail.example.com, starttls: false,"))
        let error = try Self.error(yaml, fixture)
        #expect(error.keyPath == "alerts.email.smtp.starttls", "\(error)")
        #expect(error.fix.contains("starttls: true"))
    }
}
