import Foundation
import DNSKit
import Mail

/// Posts the alert to `alerts.webhook`: the JSON of WebhookPayload, signed with HMAC-SHA256 over the exact
/// body when a secret file is configured (`X-Zonecheck-Signature: sha256=<hex>`), retried with doubling
/// waits on what may pass (no answer, 5xx, 408, 429). A 2xx is delivery; anything else fails the attempt,
/// and `run` keeps the alert pending and sends it again at the next run (at least once, like mail).
public struct WebhookDelivery: Sendable {
    public var settings: WebhookSettings

    public static let signatureHeader = "X-Zonecheck-Signature"

    public init(settings: WebhookSettings) { self.settings = settings }

    /// What happened to one attempt.
    enum Attempt: Equatable {
        case delivered
        /// Worth another attempt.
        case retry(String)
        /// Another attempt would get the same answer.
        case fail(String)
    }

    /// Delivers `batch`; returns where it went (for the audit log). Throws `WebhookError` once the last
    /// attempt failed.
    public func send(_ batch: AlertBatch) async throws -> String {
        let body = WebhookPayload.render(batch)
        var headers = [
            ("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "zonecheck"),
            ("X-Zonecheck-Host", batch.host), ("X-Zonecheck-Delivery", WebhookPayload.deliveryID(batch)),
        ]
        if let path = settings.secretPath {
            let secret: WebhookSecret
            do {
                secret = try WebhookSecret.load(path: path)
            } catch {
                throw WebhookError(url: settings.url, attempts: 0, reason: "\(error.problem); \(error.fix)")
            }
            guard let mac = HMACSHA256.hex(key: secret.bytes, message: body) else {
                throw WebhookError(
                    url: settings.url, attempts: 0, reason: "libcrypto has no HMAC-SHA256; check the OpenSSL install")
            }
            headers.append((Self.signatureHeader, "sha256=" + mac))
        }
        let post = HTTPPost(
            host: settings.url.host, port: settings.url.port, tls: settings.url.tls, target: settings.url.target,
            headers: headers, caFile: settings.caFile, timeout: settings.timeout)
        var wait = settings.backoff
        var attempts = 0
        while true {
            attempts += 1
            let outcome: Attempt
            do {
                outcome = Self.judge(status: try await post.send(body))
            } catch let error as MailError {
                outcome = error.code == .configuration ? .fail(error.message) : .retry(error.message)
            }
            switch outcome {
            case .delivered:
                return "webhook \(settings.url)"
            case .fail(let reason):
                throw WebhookError(url: settings.url, attempts: attempts, reason: reason)
            case .retry(let reason):
                guard attempts <= settings.retries else {
                    throw WebhookError(url: settings.url, attempts: attempts, reason: reason)
                }
                try await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(60))
            }
        }
    }

    /// 2xx delivered; 408, 429 and 5xx may pass; the rest (redirects, 4xx) need the configuration or the
    /// receiver corrected.
    static func judge(status: Int) -> Attempt {
        switch status {
        case 200...299: .delivered
        case 408, 429, 500...599: .retry("answered HTTP \(status)")
        case 300...399:
            .fail("answered HTTP \(status) (a redirect, not followed); put the final URL in alerts.webhook.url")
        case 401, 403:
            .fail(
                "answered HTTP \(status) (refused); check that the receiver knows the secret in alerts.webhook.secret")
        default: .fail("answered HTTP \(status); check alerts.webhook.url and the receiver's log")
        }
    }
}

/// The webhook alert was not delivered: where, after how many attempts, the last reason. Never holds the
/// secret, nor the URL's query (which may hold a token).
public struct WebhookError: Error, Sendable, CustomStringConvertible {
    public var url: WebhookURL
    public var attempts: Int
    public var reason: String

    public var description: String {
        let tries = attempts == 0 ? "" : " after \(attempts) attempt\(attempts == 1 ? "" : "s")"
        return "webhook \(url) failed\(tries): \(reason)"
    }
}
