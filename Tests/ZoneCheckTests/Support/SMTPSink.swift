import Foundation
import TestSupport
import Testing

/// A real SMTP server for mail tests: `Scripts/smtp-sink serve` (Debian's python3-aiosmtpd) on
/// 127.0.0.1:PORT, storing every message it accepts with its envelope. Mail tests own ports 2525-2535;
/// give each suite its own port, as suites run in parallel.
///
///     let sink = try SMTPSink.started(port: 2530)
///     defer { sink.stop() }
///     ... send ...
///     let mail = try sink.waitForMessages(1)[0]      // envelope + raw bytes
///     let parsed = try MailInspection.inspect(mail.path)   // Python's email parser's view
struct SMTPSink {
    let port: UInt16
    let directory: String
    private let process: Process

    static let python = "/usr/bin/python3"
    static let script = Lab.repositoryRoot.appendingPathComponent("Scripts/smtp-sink").path

    /// Why the sink cannot run here (python3-aiosmtpd missing), or nil.
    static func unavailableReason() -> String? {
        guard FileManager.default.isExecutableFile(atPath: python),
            (try? Command.run(python, ["-c", "import aiosmtpd"]))?.status == 0
        else {
            return
                "python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd): no SMTP server to test against"
        }
        return nil
    }

    /// Starts the sink and waits until it listens. `certificate` turns on STARTTLS (or, with `implicitTLS`,
    /// TLS from the first byte as on port 465); `user`/`password` make it require AUTH (over TLS) with
    /// exactly these.
    static func started(
        port: UInt16, certificate: TestCertificate? = nil, user: String? = nil, password: String? = nil,
        requireStartTLS: Bool = false, implicitTLS: Bool = false
    ) throws -> SMTPSink {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zonecheck-smtp-\(port)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = [script, "serve", "--port", String(port), "--dir", directory]
        if let certificate {
            arguments += ["--cert", certificate.serverCertificate, "--key", certificate.serverKey]
        }
        if let user, let password { arguments += ["--auth", "\(user):\(password)"] }
        if requireStartTLS { arguments.append("--require-starttls") }
        if implicitTLS { arguments.append("--implicit-tls") }
        let process = try ScriptServer.start(
            arguments, directory: directory, what: "SMTP sink on 127.0.0.1:\(port)")
        return SMTPSink(port: port, directory: directory, process: process)
    }

    /// The messages received so far, in order of arrival.
    func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map { name in
            let base = directory + "/" + name.dropLast(5)
            let envelope = try JSONDecoder().decode(
                Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: base + ".json")))
            let raw = try Data(contentsOf: URL(fileURLWithPath: base + ".eml"))
            return ReceivedMail(
                envelopeFrom: envelope.mail_from, recipients: envelope.rcpt_tos, helo: envelope.helo,
                overTLS: envelope.tls, authenticatedAs: envelope.auth_user, raw: raw, path: base + ".eml")
        }
    }

    /// Waits until at least `count` messages arrived (delivery through sendmail programs may be a little late).
    func waitForMessages(_ count: Int, timeout: Duration = .seconds(10)) throws -> [ReceivedMail] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let received = try messages()
            if received.count >= count || ContinuousClock.now >= deadline { return received }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// User names of refused AUTH attempts.
    func authFailures() -> [String] {
        let text = (try? String(contentsOfFile: directory + "/auth-failures", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Stops the server (SIGTERM, SIGKILL after 5 s) and removes what it stored.
    func stop() {
        ScriptServer.stop(process, directory: directory)
    }

    private struct Envelope: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var helo: String?
        var tls: Bool
        var auth_user: String?
    }

    struct SinkFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// One message as the SMTP server received it.
struct ReceivedMail {
    var envelopeFrom: String
    var recipients: [String]
    var helo: String?
    var overTLS: Bool
    var authenticatedAs: String?
    /// The DATA bytes, dot-unstuffed, line ends as sent.
    var raw: Data
    /// Where the sink stored them (for `MailInspection.inspect`).
    var path: String

    var text: String { String(decoding: raw, as: UTF8.self) }
}

extension ReceivedMail {
    /// The `Subject:` header line as received (empty when there is none).
    var subject: String {
        let line = text.split(separator: "\r\n", omittingEmptySubsequences: false).first { $0.hasPrefix("Subject:") }
        return String(line ?? "")
    }
}

/// What Python's email package (policy=default) and html.parser make of a stored message
/// (`Scripts/smtp-sink check`): an independent reader, so the tests do not grade the renderer with itself.
struct InspectedMail: Decodable {
    struct Part: Decodable {
        var content_type: String
        var boundary: String?
        var filename: String?
        var disposition: String?
        var transfer_encoding: String?
        var content: String?
        var html_problems: [String]?
        var html_unclosed: [String]?
        var html_tables: [[[String]]]?
    }

    var headers: [[String]]
    var raw_headers: [[String]]
    var defects: [String]
    var bare_lf_lines: Int
    var longest_line: Int
    var non_ascii_bytes: Int
    var content_type: String
    var parts: [Part]

    /// The decoded value of the first header named `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    func part(_ contentType: String) -> Part? { parts.first { $0.content_type == contentType && $0.boundary == nil } }
}

enum MailInspection {
    static func inspect(_ path: String) throws -> InspectedMail {
        let output = try Command.run(SMTPSink.python, [SMTPSink.script, "check", path])
        guard output.status == 0 else { throw Command.Failure(command: "smtp-sink check \(path)", output: output) }
        return try JSONDecoder().decode(InspectedMail.self, from: Data(output.stdout.utf8))
    }

    /// Writes `text` to a temporary file and inspects it.
    static func inspect(text: String) throws -> InspectedMail {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonecheck-mail-\(UUID().uuidString).eml"
        )
        .path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try inspect(path)
    }
}

/// A throwaway CA and a server certificate it signed, for 127.0.0.1 and localhost (openssl req), so the
/// STARTTLS test verifies a chain through `ca_file` exactly as a private CA would be used.
struct TestCertificate {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    /// `altNames`: the server certificate's subjectAltName (a wrong one tests the host name check).
    static func make(altNames: String = "DNS:localhost,IP:127.0.0.1") throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zonecheck-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = try #require(Lab.which("openssl"), "openssl is not installed")
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try TestCertificate.run(
            openssl,
            ["req", "-x509"] + ec + [
                "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "2", "-subj",
                "/CN=zonecheck test CA",
            ])
        try TestCertificate.run(
            openssl,
            ["req"] + ec + [
                "-keyout", directory + "/server.key", "-out", directory + "/server.csr", "-subj", "/CN=localhost",
            ])
        try "subjectAltName=\(altNames)\n".write(
            toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        try TestCertificate.run(
            openssl,
            [
                "x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem", "-CAkey",
                directory + "/ca.key", "-CAcreateserial", "-out", directory + "/server.pem", "-days", "2", "-extfile",
                directory + "/san.ext",
            ])
        return TestCertificate(directory: directory)
    }

    private static func run(_ program: String, _ arguments: [String]) throws {
        let output = try Command.run(program, arguments)
        guard output.status == 0 else { throw Command.Failure(command: "openssl \(arguments[0])", output: output) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
