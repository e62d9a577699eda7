import ZoneCheck

/// Where `run`'s alerts and the digest go: composed by the mail composers (AlertMail, DigestMail, DigestText)
/// and handed to the configured transport (sendmail or SMTP).
enum AlertDelivery {
    /// nil when no email is configured (incidents are still tracked and shown by `zonecheck status`).
    static func sender(for email: EmailSettings?) -> AlertSender? {
        guard let email else { return nil }
        return { batch in
            try await MailTransports.send(AlertMail.compose(batch, email: email), email: email)
            return email.to.joined(separator: ", ")
        }
    }
}

/// The digest, printed or mailed.
enum DigestDelivery {
    static func text(_ report: DigestReport) -> String { DigestText.render(report) }

    /// Mails `report` to alerts.email; returns the recipients.
    static func send(_ report: DigestReport, email: EmailSettings) async throws -> String {
        try await MailTransports.send(DigestMail.compose(report, email: email), email: email)
        return email.to.joined(separator: ", ")
    }
}
