import Foundation
import TestSupport
import Testing

/// config/systemd's OnFailure= path: zonecheck-run.service and zonecheck-digest.service name
/// zonecheck-failure@.service, which runs config/systemd/zonecheck-failure; the script (run here as systemd
/// would run it) prints a crit line and mails through a real sendmail-compatible program (msmtp) to the SMTP
/// sink on 127.0.0.1:5342.
@Suite("failure notice (systemd OnFailure=)", .serialized, .ownThreads)
struct FailureNoticeTests {
    static let systemd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/systemd")
    static let script = systemd.appendingPathComponent("zonecheck-failure").path
    static let sinkPort: UInt16 = 5342

    static func unit(_ name: String) throws -> [String] {
        try String(contentsOf: systemd.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            .map(String.init)
    }

    @Test("the run and digest units call zonecheck-failure@ on failure; it runs the installed script at crit")
    func unitsAreWired() throws {
        for name in ["zonecheck-run.service", "zonecheck-digest.service"] {
            #expect(try Self.unit(name).contains("OnFailure=zonecheck-failure@%n.service"), "\(name)")
        }
        let failure = try Self.unit("zonecheck-failure@.service")
        #expect(failure.contains("ExecStart=/usr/local/libexec/zonecheck-failure %i"))
        #expect(failure.contains("# Install: install -m 0755 zonecheck-failure /usr/local/libexec/zonecheck-failure"))
        #expect(failure.contains("SyslogLevel=crit") && failure.contains("Environment=MAILTO=root"))
        #expect(FileManager.default.isExecutableFile(atPath: Self.script))
    }

    @Test(
        "the script prints a crit line and mails the unit's status to MAILTO through sendmail",
        .enabled(if: SMTPSink.unavailableReason() == nil && Lab.which("msmtp") != nil), .timeLimit(.minutes(10)))
    func mailsAHuman() throws {
        let sink = try SMTPSink.started(port: Self.sinkPort)
        defer { sink.stop() }
        let msmtp = try #require(Lab.which("msmtp"))
        var environment = ProcessInfo.processInfo.environment
        environment["MAILTO"] = "hostmaster@example.com"
        environment["SENDMAIL"] =
            "\(msmtp) --host=127.0.0.1 --port=\(Self.sinkPort) --auth=off --tls=off --from=zonecheck@example.com -t"
        let output = try Command.run(Self.script, ["zonecheck-run.service"], environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("<2>zonecheck-run.service failed on "), "\(output.stdout)")
        let mails = try sink.waitForMessages(1)
        let mail = try #require(mails.first)
        #expect(mail.recipients == ["hostmaster@example.com"])
        #expect(mail.text.contains("Subject: [zonecheck] CRITICAL: zonecheck-run.service failed on "), "\(mail.text)")
        #expect(mail.text.contains("see journalctl -u zonecheck-run.service"))
        #expect(mail.text.contains("systemctl status zonecheck-run.service:"))
    }

    @Test("without MAILTO the crit line alone, and no mail")
    func lineOnly() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["MAILTO"] = nil
        environment["SENDMAIL"] = "/bin/false"
        let output = try Command.run(Self.script, ["zonecheck-digest.service"], environment: environment)
        #expect(output.status == 0, "sendmail was called: \(output.stderr)")
        #expect(output.stdout.hasPrefix("<2>zonecheck-digest.service failed on "))
    }
}
