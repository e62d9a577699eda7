public import Mail

/// The transport the configuration asks for: the sendmail program (`alerts.email.sendmail`), or the SMTP
/// relay with its credentials read (and checked) from their file now.
public enum MailTransports {
    public static func transport(for email: EmailSettings) throws -> any MailTransport {
        switch email.transport {
        case .sendmail:
            return SendmailTransport(command: email.sendmail)
        case .smtp:
            guard let smtp = email.smtp else {
                throw MailError(
                    .configuration, "alerts.email.transport is smtp but alerts.email.smtp is missing; add host and port"
                )
            }
            let credentials = try smtp.credentialsPath.map { (path: String) throws(MailError) in
                try SMTPCredentials.load(path: path)
            }
            return SMTPTransport(
                host: smtp.host, port: smtp.port, starttls: smtp.starttls, credentials: credentials, caFile: smtp.caFile
            )
        }
    }

    /// Sends `message` the way `email` says (for callers that need nothing else from the Mail module).
    public static func send(_ message: EmailMessage, email: EmailSettings) async throws {
        try await transport(for: email).send(message)
    }
}
