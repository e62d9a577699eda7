import Foundation

/// One HTTP/1.1 POST (RFC 9110, RFC 9112) of a small body to a webhook, over plain TCP or TLS, on the same
/// blocking connection (and the same certificate checks) as the SMTP transport. Only what a webhook needs:
/// `Connection: close`, a Content-Length body, the status line and headers of the answer read (bounded),
/// its body ignored. No redirects: a webhook that moved is a configuration to correct, not to follow.
public struct HTTPPost: Sendable {
    public var host: String
    public var port: UInt16
    public var tls: Bool
    /// Path and query, starting with "/".
    public var target: String
    /// Extra header fields (name, value); Host, Content-Length and Connection are set here.
    public var headers: [(String, String)]
    /// PEM file of the CA that signed the server's certificate; nil: the system store.
    public var caFile: String?
    /// Bound on connecting and on each read and write.
    public var timeout: Duration

    /// Header lines read from an answer at most (each at most 4096 bytes).
    static let maxHeaderLines = 100

    public init(
        host: String, port: UInt16, tls: Bool, target: String, headers: [(String, String)] = [],
        caFile: String? = nil, timeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.target = target
        self.headers = headers
        self.caFile = caFile
        self.timeout = timeout
    }

    /// Posts `body`; returns the answer's status code (any: the caller decides what a 4xx or 5xx means).
    /// Throws `MailError` when no answer came (connect, TLS, timeout, not HTTP).
    public func send(_ body: [UInt8]) async throws -> Int {
        BrokenPipe.ignore()
        let post = self
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            // Blocking sockets: keep them off the cooperative pool.
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try post.exchange(body))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    func exchange(_ body: [UInt8]) throws(MailError) -> Int {
        for (name, value) in headers
        where name.isEmpty || (name + value).contains(where: { $0 == "\r" || $0 == "\n" }) || name.contains(":") {
            throw MailError(.configuration, "header field '\(name)' cannot be sent (empty or with a line break)")
        }
        let connection = try SMTPConnection(host: host, port: port, timeout: timeout, peer: .webhook)
        if tls { try connection.startTLS(host: host, caFile: caFile) }
        let defaultPort: UInt16 = tls ? 443 : 80
        let hostField = (host.contains(":") ? "[\(host)]" : host) + (port == defaultPort ? "" : ":\(port)")
        var head = "POST \(target) HTTP/1.1\r\nHost: \(hostField)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try connection.write(head)
        try connection.write(String(decoding: body, as: UTF8.self))
        let server = connection.server
        guard let statusLine = try connection.readLine() else {
            throw MailError(
                .protocolViolation, "webhook server \(server) closed the connection without an answer; check its log")
        }
        // "HTTP/1.1 200 OK": version, three digits, optional reason.
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]),
            (100...599).contains(status)
        else {
            throw MailError(
                .protocolViolation,
                "webhook server \(server) did not answer HTTP (first line '\(statusLine.prefix(60))'); check the "
                    + "URL's scheme and port in alerts.webhook.url")
        }
        for _ in 0..<Self.maxHeaderLines {
            guard let line = try connection.readLine(), !line.isEmpty else { return status }
        }
        throw MailError(
            .protocolViolation, "webhook server \(server) sent more than \(Self.maxHeaderLines) header lines")
    }
}
