import Foundation

/// Where the webhook alert goes (`alerts.webhook`): the same grouped alert as the email, as JSON, POSTed to
/// `url`, signed with HMAC-SHA256 when a secret file is named. The secret stays in its own file (like TSIG
/// keys and SMTP credentials): the configuration names it and never holds it.
public struct WebhookSettings: Sendable, Equatable {
    public var url: WebhookURL
    /// Absolute path of a file holding the signing secret on its first line, readable by its owner only;
    /// nil: requests are not signed.
    public var secretPath: String?
    /// Bound on connecting and on each read and write of one attempt.
    public var timeout: Duration
    /// Attempts after the first one failed (connect error, timeout, 5xx, 408, 429), within one run.
    public var retries: Int
    /// Wait before the first retry; doubled before each next one.
    public var backoff: Duration
    /// PEM file of a private CA for an https:// URL; nil: the system's trusted certificates.
    public var caFile: String?

    public init(
        url: WebhookURL, secretPath: String? = nil, timeout: Duration = .seconds(10), retries: Int = 3,
        backoff: Duration = .seconds(2), caFile: String? = nil
    ) {
        self.url = url
        self.secretPath = secretPath
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.caFile = caFile
    }
}

/// An `http(s)://host[:port]/path[?query]` URL, split for the HTTP client. Plain http is only accepted on
/// the loopback (a local relay or a test): the alert names servers and zones and its signature would be
/// open to replay on the way.
public struct WebhookURL: Sendable, Equatable, CustomStringConvertible {
    public var tls: Bool
    public var host: String
    public var port: UInt16
    /// Path and query, starting with "/".
    public var target: String

    /// The URL, or why `text` is not a usable webhook URL.
    public static func parse(_ text: String) -> Result<WebhookURL, WebhookURLProblem> {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            let host = parts.host, !host.isEmpty
        else { return .failure(.notAURL) }
        guard scheme == "https" || scheme == "http" else { return .failure(.scheme(scheme)) }
        if parts.user != nil || parts.password != nil { return .failure(.userInfo) }
        if parts.fragment != nil { return .failure(.fragment) }
        let unbracketed = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if scheme == "http" && !isLoopback(unbracketed) { return .failure(.plainHTTP(unbracketed)) }
        let port = parts.port.map { UInt16(exactly: $0) ?? 0 } ?? (scheme == "https" ? 443 : 80)
        guard port > 0 else { return .failure(.notAURL) }
        var target = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let query = parts.percentEncodedQuery { target += "?" + query }
        guard target.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return .failure(.notAURL) }
        return .success(WebhookURL(tls: scheme == "https", host: unbracketed, port: port, target: target))
    }

    static func isLoopback(_ host: String) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return host == "localhost" || host == "::1"
            || (octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil })
    }

    /// `https://tickets.example.com/hook/zonecheck`: without the query, which may hold a token, so it can
    /// be printed and stored.
    public var description: String {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let defaultPort: UInt16 = tls ? 443 : 80
        return "\(tls ? "https" : "http")://\(shownHost)\(port == defaultPort ? "" : ":\(port)")\(path)"
    }
}

public enum WebhookURLProblem: Error, Sendable, Equatable {
    case notAURL
    case scheme(String)
    case userInfo
    case fragment
    case plainHTTP(String)

    var message: String {
        switch self {
        case .notAURL: "is not a URL"
        case .scheme(let scheme): "'\(scheme)' is not http or https"
        case .userInfo: "holds a user or password"
        case .fragment: "has a #fragment"
        case .plainHTTP(let host): "is plain http to \(host), which is not the loopback"
        }
    }

    var fix: String {
        switch self {
        case .notAURL, .fragment: "Write e.g. url: https://tickets.example.com/hook/zonecheck"
        case .scheme: "Write an https:// URL"
        case .userInfo:
            "Remove it from the URL; sign requests with secret: FILE (a file of mode 600) instead"
        case .plainHTTP: "Use https:// (http:// is accepted only for 127.0.0.1, ::1 or localhost, e.g. a local relay)"
        }
    }
}

extension Configuration {
    static func readWebhook(_ map: ConfigMapping) throws(ConfigError) -> WebhookSettings {
        let source = map.source
        try map.checkKeys(["url", "secret", "timeout", "retries", "backoff", "ca_file"])
        let text = try map.requiredString("url", fix: "Write e.g. url: https://tickets.example.com/hook/zonecheck")
        let url: WebhookURL
        switch WebhookURL.parse(text) {
        case .success(let parsed): url = parsed
        case .failure(let problem):
            // The URL is not quoted: its query may hold a token.
            throw source.error(at: map.value("url"), map.path("url"), problem.message, fix: problem.fix)
        }
        var settings = WebhookSettings(url: url)
        if let secret = try map.string("secret") {
            let path = source.resolve(secret)
            // Read as delivery will, so a problem shows at load; the error never quotes the content.
            do {
                _ = try WebhookSecret.load(path: path)
            } catch {
                throw source.error(at: map.value("secret"), map.path("secret"), error.problem, fix: error.fix)
            }
            settings.secretPath = path
        }
        if let timeout = try map.duration("timeout") { settings.timeout = timeout }
        if let retries = try map.int(
            "retries", in: 0...10, what: "a number of retries", fix: "Use 0 to 10, usually 3")
        {
            settings.retries = retries
        }
        if let backoff = try map.duration("backoff") { settings.backoff = backoff }
        if let caFile = try map.string("ca_file") {
            let path = source.resolve(caFile)
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw source.error(
                    at: map.value("ca_file"), map.path("ca_file"), "CA file \(path) cannot be read",
                    fix: "Name a PEM file holding the webhook server's CA certificate")
            }
            settings.caFile = path
        }
        return settings
    }
}
