/// Who hears about incidents, and how often the digest goes out.
public struct AlertSettings: Sendable, Equatable {
    /// Email alerts; nil: none (incidents are still recorded and shown by `zonecheck status`).
    public var email: EmailSettings?
    /// Webhook alerts (`alerts.webhook`): the same alert as JSON; nil: none.
    public var webhook: WebhookSettings?
    /// How often the incident digest is sent.
    public var digestEvery: Duration
    /// How many clean runs in a row close an incident (`alerts.resolve_after`): one clean run may be luck.
    public var resolveAfter: Int

    public init(
        email: EmailSettings? = nil, digestEvery: Duration = .seconds(86_400), resolveAfter: Int = 2,
        webhook: WebhookSettings? = nil
    ) {
        self.email = email
        self.webhook = webhook
        self.digestEvery = digestEvery
        self.resolveAfter = resolveAfter
    }
}

/// How alert email is sent.
public struct EmailSettings: Sendable, Equatable {
    public enum Transport: String, Sendable, Equatable, CaseIterable {
        /// The local `sendmail` program (what cron mail uses).
        case sendmail
        /// An SMTP relay (`smtp:` settings).
        case smtp
    }

    public var to: [String]
    public var from: String
    public var transport: Transport
    /// Required when `transport` is `.smtp`, absent otherwise.
    public var smtp: SMTPSettings?
    /// The sendmail-compatible program and its arguments (`alerts.email.sendmail`), run without a shell.
    public var sendmail: [String]

    public static let defaultSendmail = ["/usr/sbin/sendmail", "-t", "-oi"]

    public init(
        to: [String], from: String, transport: Transport = .sendmail, smtp: SMTPSettings? = nil,
        sendmail: [String] = EmailSettings.defaultSendmail
    ) {
        self.to = to
        self.from = from
        self.transport = transport
        self.smtp = smtp
        self.sendmail = sendmail
    }
}

/// The SMTP relay for alert email. Credentials stay in their own file (like TSIG keys): the configuration
/// names it and never holds the password.
public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    public var starttls: Bool
    /// Absolute path of a file holding `user:password`, readable by its owner only; nil: no authentication.
    public var credentialsPath: String?
    /// Absolute path of a PEM file with the CA certificate(s) the relay's certificate is checked against
    /// (a private CA); nil: the system's trusted certificates.
    public var caFile: String?

    public init(
        host: String, port: UInt16 = 587, starttls: Bool = true, credentialsPath: String? = nil, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.starttls = starttls
        self.credentialsPath = credentialsPath
        self.caFile = caFile
    }
}
