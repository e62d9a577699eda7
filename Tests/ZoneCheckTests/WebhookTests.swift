import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// Webhook alerts posted to a real HTTP(S) server (`Scripts/webhook-sink`, Python's http.server) on
/// 127.0.0.1 ports 2540-2547: the JSON body, the HMAC-SHA256 signature recomputed by Python's hmac, a retry
/// after a 500, delivery over TLS with a private CA, and `zonecheck run` end to end (the alert pending until
/// the webhook takes it, and neither the secret nor the URL's token in any output). Ports 2548-2549 (UDP,
/// nothing listening) are the unreachable name servers of the end-to-end run.
@Suite("webhook alerts to a real HTTP server", .serialized, .ownThreads)
struct WebhookTests {
    static let unavailable: String? = {
        guard FileManager.default.isExecutableFile(atPath: SMTPSink.python) else { return "python3 is not installed" }
        if Lab.which("openssl") == nil { return "openssl is not installed" }
        return nil
    }()

    /// A made-up secret and URL token for these tests only; what must never leak.
    static let secret = "wh-test-9f3c1a7e5b2d4c6e8a0b1c3d5e7f9a2b"
    static let token = "tok-5d41402abc4b2a76b9719d911017c592"

    static func secretFile(in directory: String, mode: Int = 0o600) throws -> String {
        let path = directory + "/webhook.secret"
        try (secret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonecheck-webhook-test-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func url(_ text: String) throws -> WebhookURL {
        switch WebhookURL.parse(text) {
        case .success(let url): return url
        case .failure(let problem): throw problem
        }
    }

    /// The body as JSON objects (JSONSerialization: the field names as a receiver reads them, independent of
    /// the encoder's types).
    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object")
    }

    static func incidents(_ body: [String: Any], _ key: String) throws -> [[String: Any]] {
        try #require(body[key] as? [[String: Any]], "\(key) is not a list of objects")
    }

    @Test("the JSON body carries the email's grouped content: incidents, severity, servers, zones, since, next step")
    func payload() throws {
        let body = try Self.object(Data(WebhookPayload.render(MailFixtures.batch)))
        #expect(body["severity"] as? String == "CRITICAL")
        #expect(body["subject"] as? String == AlertMail.subject(MailFixtures.batch))
        #expect(body["text"] as? String == AlertMail.text(MailFixtures.batch))
        #expect(body["host"] as? String == "ns-admin" && body["time"] as? String == "2026-11-22T06:30:00Z")
        #expect(body["delivery"] as? String == "ns-admin-1795329000")
        let (opened, escalated, resolved) = (
            try Self.incidents(body, "opened"), try Self.incidents(body, "escalated"),
            try Self.incidents(body, "resolved")
        )
        #expect(opened.count == 1 && escalated.isEmpty && resolved.count == 2)
        let first = try #require(opened.first)
        #expect(first["id"] as? Int == 42 && first["severity"] as? String == "CRITICAL")
        #expect(
            first["problem"] as? String == "lagging" && first["headline"] as? String == "ns3 is behind on 300 zones")
        #expect(first["servers"] as? [String] == ["ns3"] && first["zones"] as? [String] == MailFixtures.zones300)
        #expect(first["zone_count"] as? Int == 300 && first["flapping"] as? Bool == false)
        #expect(first["since"] as? String == "2026-11-22T06:10:00Z" && first["duration_seconds"] as? Int == 1200)
        #expect(first["resolved_at"] == nil)
        #expect((first["next_step"] as? String)?.contains("zonecheck repair ZONE") == true)
        #expect(resolved[0]["resolved_at"] as? String == "2026-11-22T06:02:00Z")
        #expect(resolved[0]["duration_seconds"] as? Int == 840)
        // Pure: the same batch gives the same bytes (a retry signs and sends exactly these).
        #expect(WebhookPayload.render(MailFixtures.batch) == WebhookPayload.render(MailFixtures.batch))
    }

    @Test("URLs: https anywhere, http only on the loopback, no user info; printed without the query")
    func urls() throws {
        let https = try Self.url("https://tickets.example.com/hook/zonecheck?token=abc")
        #expect(https.tls && https.port == 443 && https.target == "/hook/zonecheck?token=abc")
        #expect(https.description == "https://tickets.example.com/hook/zonecheck")
        #expect(try Self.url("http://127.0.0.1:8080").description == "http://127.0.0.1:8080/")
        #expect(try Self.url("http://[::1]:8080/x").host == "::1")
        #expect(WebhookURL.parse("http://tickets.example.com/hook") == .failure(.plainHTTP("tickets.example.com")))
        #expect(WebhookURL.parse("http://127.evil.example.net/") == .failure(.plainHTTP("127.evil.example.net")))
        #expect(WebhookURL.parse("https://user:pw@tickets.example.com/") == .failure(.userInfo))
        #expect(WebhookURL.parse("ftp://tickets.example.com/") == .failure(.scheme("ftp")))
        #expect(WebhookURL.parse("tickets.example.com") == .failure(.notAURL))
    }

    @Test("configuration: alerts.webhook is read; a readable secret file or plain http elsewhere is refused at load")
    func configuration() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let base = ConfigFixture.validYAML.replacingOccurrences(of: "  digest_every: 24h\n", with: "")
        let secret = try Self.secretFile(in: fixture.directory)
        let good =
            base + """
                alerts:
                  webhook:
                    url: https://tickets.example.com/hook?token=\(Self.token)
                    secret: webhook.secret
                    timeout: 5s
                    retries: 2
                    backoff: 500ms

                """
        let yaml = good.replacingOccurrences(
            of:
                "alerts:\n  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: sendmail }\n",
            with: "")
        let loaded = try fixture.load(yaml).get()
        let webhook = try #require(loaded.alerts.webhook)
        #expect(webhook.secretPath == secret && webhook.retries == 2 && webhook.timeout == .seconds(5))
        #expect(webhook.backoff == .milliseconds(500) && webhook.url.host == "tickets.example.com")

        // The loaded secret shows only where it came from, whatever prints it.
        let loadedSecret = try WebhookSecret.load(path: secret)
        var dumped = ""
        dump(loadedSecret, to: &dumped)
        for shown in ["\(loadedSecret)", String(reflecting: loadedSecret), dumped] {
            #expect(shown.contains(secret) && !shown.contains(Self.secret), "\(shown)")
        }

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secret)
        guard case .failure(let readable) = try fixture.load(yaml) else {
            Issue.record("a secret file readable by all was accepted")
            return
        }
        #expect("\(readable)".contains("chmod 600") && "\(readable)".contains("alerts.webhook.secret"), "\(readable)")
        #expect(readable.line == ConfigFixture.line(of: "secret: webhook.secret", in: yaml))
        #expect(!"\(readable)".contains(Self.secret))

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        let plain = yaml.replacingOccurrences(of: "https://tickets.example.com", with: "http://tickets.example.com")
        guard case .failure(let http) = try fixture.load(plain) else {
            Issue.record("plain http to a remote host was accepted")
            return
        }
        #expect("\(http)".contains("alerts.webhook.url") && "\(http)".contains("https://"), "\(http)")
        #expect(!"\(http)".contains(Self.token), "the URL's token must not be quoted: \(http)")
    }

    @Test(
        "a 500 is retried; the body is the JSON alert, signed over its exact bytes",
        .enabled(if: unavailable == nil))
    func retryAndSignature() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secretPath = try Self.secretFile(in: directory)
        let sink = try WebhookSink.started(port: 2540, statuses: [500, 200])
        defer { sink.stop() }
        let settings = WebhookSettings(
            url: try Self.url("http://127.0.0.1:2540/hook/zonecheck?token=\(Self.token)"), secretPath: secretPath,
            timeout: .seconds(5), retries: 2, backoff: .milliseconds(100))
        let started = ContinuousClock.now
        let recipient = try await WebhookDelivery(settings: settings).send(MailFixtures.batch)
        #expect(recipient == "webhook http://127.0.0.1:2540/hook/zonecheck")
        #expect(ContinuousClock.now - started >= .milliseconds(100), "the retry waited for the backoff")
        let requests = try sink.requests()
        #expect(requests.count == 2, "one 500, one retry that got 200")
        for request in requests {
            #expect(request.path == "/hook/zonecheck?token=\(Self.token)")
            #expect(request.header("Content-Type") == "application/json; charset=utf-8")
            #expect(request.header("X-Zonecheck-Delivery") == "ns-admin-1795329000")
            #expect(request.body == Data(WebhookPayload.render(MailFixtures.batch)))
            let expected = try WebhookSink.signature(secretFile: secretPath, bodyPath: request.bodyPath)
            #expect(expected.count == 64)
            #expect(request.header(WebhookDelivery.signatureHeader) == "sha256=\(expected)")
            let body = try Self.object(request.body)
            #expect(try Self.incidents(body, "opened").map { $0["id"] as? Int } == [42])
            #expect(try Self.incidents(body, "resolved").map { $0["id"] as? Int } == [40, 40])
        }
    }

    @Test(
        "a 4xx is not retried; retries end after alerts.webhook.retries; errors name the URL, never the token",
        .enabled(if: unavailable == nil))
    func failures() async throws {
        let sink = try WebhookSink.started(port: 2541, statuses: [404, 503, 503])
        defer { sink.stop() }
        let url = try Self.url("http://127.0.0.1:2541/hook?token=\(Self.token)")
        let delivery = WebhookDelivery(
            settings: WebhookSettings(url: url, retries: 1, backoff: .milliseconds(50)))
        do {
            _ = try await delivery.send(MailFixtures.batch)
            Issue.record("a 404 was taken for delivery")
        } catch let error as WebhookError {
            #expect(error.attempts == 1 && "\(error)".contains("HTTP 404"), "\(error)")
            #expect("\(error)".contains("http://127.0.0.1:2541/hook") && !"\(error)".contains(Self.token))
        }
        do {
            _ = try await delivery.send(MailFixtures.batch)
            Issue.record("two 503s were taken for delivery")
        } catch let error as WebhookError {
            #expect(error.attempts == 2 && "\(error)".contains("HTTP 503"), "\(error)")
        }
        #expect(try sink.requests().count == 3)
        // Nothing listening: a connect error naming the server and the setting.
        let refused = WebhookDelivery(
            settings: WebhookSettings(url: try Self.url("http://127.0.0.1:2547/"), retries: 0))
        do {
            _ = try await refused.send(MailFixtures.batch)
            Issue.record("nothing listens on 2547, yet delivered")
        } catch let error as WebhookError {
            #expect("\(error)".contains("127.0.0.1:2547") && "\(error)".contains("alerts.webhook.url"), "\(error)")
        }
    }

    @Test(
        "https with a private CA (alerts.webhook.ca_file); without it the certificate is refused",
        .enabled(if: unavailable == nil))
    func https() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let sink = try WebhookSink.started(port: 2542, certificate: certificate)
        defer { sink.stop() }
        let url = try Self.url("https://127.0.0.1:2542/hook")
        do {
            _ = try await WebhookDelivery(settings: WebhookSettings(url: url, retries: 0)).send(MailFixtures.batch)
            Issue.record("an untrusted certificate was accepted")
        } catch let error as WebhookError {
            #expect("\(error)".contains("not trusted") && "\(error)".contains("alerts.webhook.ca_file"), "\(error)")
        }
        let trusted = WebhookSettings(url: url, retries: 0, caFile: certificate.caFile)
        #expect(
            try await WebhookDelivery(settings: trusted).send(MailFixtures.batch)
                == "webhook https://127.0.0.1:2542/hook")
        let requests = try sink.requests()
        #expect(requests.count == 1 && requests.first?.body == Data(WebhookPayload.render(MailFixtures.batch)))
    }

    /// `zonecheck run` on two name servers that do not answer (UDP 127.0.0.1:2548-2549, nothing listening):
    /// a CRITICAL incident, so an alert. The webhook answers 500 twice (retries: 1), so the first run fails
    /// to deliver and keeps the alert pending; the second run delivers it. The secret and the URL's token
    /// appear nowhere: stdout, stderr, the state database, the audit log, any file of the state directory.
    @Test(
        "zonecheck run: alert pending until the webhook takes it; no secret in any output",
        .enabled(if: unavailable == nil))
    func runEndToEnd() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let secretPath = try Self.secretFile(in: fixture.directory)
        let sink = try WebhookSink.started(port: 2543, statuses: [500, 500])
        defer { sink.stop() }
        try fixture.write(
            """
            servers:
              - { name: ns1, role: primary, address: 127.0.0.1, port: 2548, key: keys/ns1.key }
              - { name: ns2, role: secondary, address: 127.0.0.1, port: 2549, key: keys/ns2.key }
            zones:
              names: [example.com]
            check: { timeout: 1s, retries: 0 }
            alerts:
              webhook:
                url: http://127.0.0.1:2543/hook/zonecheck?token=\(Self.token)
                secret: webhook.secret
                timeout: 5s
                retries: 1
                backoff: 100ms
            state: { directory: state }

            """)
        let first = try ZoneCheckBinary.run("run", [], config: fixture.configPath)
        #expect(first.stderr.contains("could not be sent") && first.stderr.contains("HTTP 500"), "\(first.stderr)")
        #expect(try sink.requests().count == 2, "one attempt and one retry, both 500")
        let second = try ZoneCheckBinary.run("run", [], config: fixture.configPath)
        #expect(!second.stderr.contains("could not be sent"), "\(second.stderr)")
        #expect(second.status == 2, "CRITICAL: the primary does not answer\n\(second.stderr)")
        let requests = try sink.requests()
        #expect(requests.count == 3, "the pending alert went out at the second run")
        let delivered = try #require(requests.last)
        let body = try Self.object(delivered.body)
        let incident = try #require(
            try Self.incidents(body, "opened").first, "\(String(decoding: delivered.body, as: UTF8.self))")
        #expect(body["severity"] as? String == "CRITICAL" && incident["zones"] as? [String] == ["example.com"])
        #expect((incident["servers"] as? [String])?.contains("ns1") == true, "\(incident)")
        let signature = try WebhookSink.signature(secretFile: secretPath, bodyPath: delivered.bodyPath)
        #expect(delivered.header(WebhookDelivery.signatureHeader) == "sha256=\(signature)")
        let third = try ZoneCheckBinary.run("run", [], config: fixture.configPath)
        #expect(try sink.requests().count == 3, "told once: nothing new to send at the third run\n\(third.stderr)")

        var collected = SecretsSweepTests.Collected()
        collected.add("run 1", first)
        collected.add("run 2", second)
        collected.add("run 3", third)
        collected.addFiles(under: fixture.directory + "/state")
        #expect(collected.blobs.contains { $0.label.hasSuffix("state.sqlite") }, "the state database was searched")
        let audit = collected.blobs.filter { $0.label.contains("audit") }
        #expect(!audit.isEmpty, "the audit log was searched")
        #expect(
            audit.contains {
                String(decoding: $0.data, as: UTF8.self).contains("webhook http://127.0.0.1:2543/hook/zonecheck")
            },
            "the audit log names where the alert went")
        let forms = [Data(Self.secret.utf8), Data(Self.token.utf8)]
        for blob in collected.blobs {
            for form in forms {
                #expect(blob.data.range(of: form) == nil, "\(blob.label) holds the webhook secret or the URL's token")
            }
        }
    }
}
