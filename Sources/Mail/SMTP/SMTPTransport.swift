import Foundation

/// Delivery to an SMTP relay (RFC 5321): EHLO, STARTTLS (RFC 3207), AUTH PLAIN (RFC 4616) or LOGIN,
/// MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. One connection per message.
///
/// Deviations, on purpose: credentials are only ever sent over TLS (a relay that offers AUTH in the clear
/// is refused, not obliged), and when `starttls` is on, a relay that does not offer STARTTLS is an error
/// rather than a silent fallback to plain text.
public struct SMTPTransport: MailTransport {
    public var host: String
    public var port: UInt16
    public var starttls: Bool
    /// TLS from the first byte (RFC 8314 section 3.3, "submissions"), as on port 465; STARTTLS is then moot.
    public var implicitTLS: Bool
    public var credentials: SMTPCredentials?
    /// PEM file of the CA that signed the relay's certificate; nil: the system store.
    public var caFile: String?
    /// The name this host gives in EHLO (RFC 5321 section 4.1.1.1): its host name unless told.
    public var heloName: String
    /// Bound on connecting and on each reply.
    public var timeout: Duration

    public init(
        host: String, port: UInt16 = 587, starttls: Bool = true, implicitTLS: Bool? = nil,
        credentials: SMTPCredentials? = nil,
        caFile: String? = nil, heloName: String? = nil, timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.starttls = starttls
        self.implicitTLS = implicitTLS ?? (port == 465)
        self.credentials = credentials
        self.caFile = caFile
        self.heloName = MessageHost.dotAtom(heloName ?? ProcessInfo.processInfo.hostName)
        self.timeout = timeout
    }

    public func send(_ message: EmailMessage) async throws {
        BrokenPipe.ignore()
        let transport = self
        let wire = message.rendered()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // The dialogue uses blocking sockets: keep it off the cooperative pool.
            Thread.detachNewThread {
                do {
                    try transport.deliver(wire, from: message.envelopeSender, to: message.to)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// The whole dialogue, blocking. `wire` is the rendered message (CRLF line ends).
    func deliver(_ wire: String, from sender: String, to recipients: [String]) throws(MailError) {
        // An address goes inside "<...>" on a command line: one with a line break or brackets could smuggle
        // in commands of its own.
        for address in [sender] + recipients
        where address.isEmpty || address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) {
            throw MailError(
                .configuration,
                "'\(address)' is not a plain email address; check alerts.email.from and alerts.email.to")
        }
        guard !recipients.isEmpty else {
            throw MailError(.configuration, "no recipient; list at least one address in alerts.email.to")
        }
        let connection = try SMTPConnection(host: host, port: port, timeout: timeout)
        let server = connection.server
        if implicitTLS {
            try connection.startTLS(host: host, caFile: caFile)
        }
        let greeting = try connection.readReply()
        guard greeting.code == 220 else {
            throw refusal(greeting, server: server, to: "the connection", fix: "check the relay's log")
        }
        var capabilities = try hello(connection)
        if starttls && !implicitTLS {
            guard capabilities["STARTTLS"] != nil else {
                throw MailError(
                    .tls,
                    "SMTP relay \(server) does not offer STARTTLS; enable TLS on the relay, or set "
                        + "alerts.email.smtp.starttls: false only if the path to it is trusted (and no credentials "
                        + "are used)")
            }
            try connection.write("STARTTLS\r\n")
            let reply = try connection.readReply()
            guard reply.code == 220 else {
                throw refusal(reply, server: server, to: "STARTTLS", fix: "check the relay's TLS configuration")
            }
            try connection.startTLS(host: host, caFile: caFile)
            // RFC 3207 section 4.2: forget what was learnt before TLS and ask again.
            capabilities = try hello(connection)
        }
        if let credentials {
            try authenticate(connection, credentials, capabilities)
        }
        try command(
            connection, "MAIL FROM:<\(sender)>", expect: 250, what: "the sender \(sender)",
            fix: "check alerts.email.from: the relay may only accept its own domain's addresses")
        var refused: [String] = []
        var lastRefusal: SMTPReply?
        for recipient in recipients {
            try connection.write("RCPT TO:<\(recipient)>\r\n")
            let reply = try connection.readReply()
            if reply.code != 250 && reply.code != 251 {
                refused.append(recipient)
                lastRefusal = reply
            }
        }
        // All or nothing: a partial delivery would be reported as a failure and then sent again to the rest.
        if let lastRefusal {
            try? connection.write("QUIT\r\n")
            throw MailError(
                .rejected,
                "SMTP relay \(server) refused recipient\(refused.count == 1 ? "" : "s") "
                    + "\(refused.joined(separator: ", ")) (\(scrub(lastRefusal.description))); no message was sent. "
                    + "Check alerts.email.to, and that the relay lets this host send to them")
        }
        try command(connection, "DATA", expect: 354, what: "DATA", fix: "check the relay's log")
        try connection.write(DotStuffing.stuff(wire))
        let accepted = try connection.readReply()
        guard accepted.code == 250 else {
            throw refusal(
                accepted, server: server, to: "the message",
                fix: "check the relay's log and limits (message size, content filters)")
        }
        // The message is accepted; a failing QUIT changes nothing.
        try? connection.write("QUIT\r\n")
        _ = try? connection.readReply()
    }

    private func hello(_ connection: SMTPConnection) throws(MailError) -> [String: [String]] {
        try connection.write("EHLO \(heloName)\r\n")
        let reply = try connection.readReply()
        guard reply.code == 250 else {
            throw refusal(reply, server: connection.server, to: "EHLO \(heloName)", fix: "check the relay's log")
        }
        return reply.extensions
    }

    private func authenticate(
        _ connection: SMTPConnection, _ credentials: SMTPCredentials, _ capabilities: [String: [String]]
    ) throws(MailError) {
        let server = connection.server
        guard connection.isEncrypted else {
            throw MailError(
                .configuration,
                "not sending the credentials from \(credentials.path) to \(server) over an unencrypted connection; "
                    + "set alerts.email.smtp.starttls: true")
        }
        let mechanisms = capabilities["AUTH"] ?? []
        let reply: SMTPReply
        if mechanisms.contains("PLAIN") {
            let token = Base64.encode(Array("\0\(credentials.user)\0\(credentials.password)".utf8))
            try connection.write("AUTH PLAIN \(token)\r\n")
            reply = try connection.readReply()
        } else if mechanisms.contains("LOGIN") {
            try connection.write("AUTH LOGIN\r\n")
            var step = try connection.readReply()
            for answer in [credentials.user, credentials.password] where step.code == 334 {
                try connection.write(Base64.encode(Array(answer.utf8)) + "\r\n")
                step = try connection.readReply()
            }
            reply = step
        } else {
            throw MailError(
                .authentication,
                "SMTP relay \(server) offers no AUTH PLAIN or LOGIN (it offers: "
                    + "\(mechanisms.isEmpty ? "none" : mechanisms.joined(separator: " "))); remove "
                    + "alerts.email.smtp.credentials if it needs none, or enable PLAIN/LOGIN on the relay")
        }
        guard reply.code == 235 else {
            throw MailError(
                .authentication,
                "SMTP relay \(server) refused the credentials for user \(credentials.user) from \(credentials.path) "
                    + "(\(scrub(reply.description))); correct the user or password in that file")
        }
    }

    private func command(
        _ connection: SMTPConnection, _ line: String, expect code: Int, what: String, fix: String
    ) throws(MailError) {
        try connection.write(line + "\r\n")
        let reply = try connection.readReply()
        guard reply.code == code else {
            throw refusal(reply, server: connection.server, to: what, fix: fix)
        }
    }

    private func refusal(_ reply: SMTPReply, server: String, to what: String, fix: String) -> MailError {
        MailError(
            .rejected, "SMTP relay \(server) refused \(what): \(scrub(reply.description)); \(fix)")
    }

    private func scrub(_ text: String) -> String { credentials?.scrub(text) ?? text }
}
