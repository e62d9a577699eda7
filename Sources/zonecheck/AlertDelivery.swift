import ZoneCheck

/// Where `run`'s alerts and the digest go: composed by the mail composers (AlertMail, DigestMail, DigestText)
/// and handed to the configured transport (sendmail or SMTP); the alert also to the webhook (WebhookDelivery).
enum AlertDelivery {
    /// nil when neither email nor webhook is configured (incidents are still tracked and shown by
    /// `zonecheck status`). With both, each gets the alert; if either fails, the alert stays pending and both
    /// get it again at the next run (at least once: a duplicate rather than a loss).
    static func sender(for alerts: AlertSettings) -> AlertSender? {
        let email = alerts.email
        let webhook = alerts.webhook.map(WebhookDelivery.init)
        guard email != nil || webhook != nil else { return nil }
        return { batch in
            var delivered: [String] = []
            var failures: [String] = []
            if let email {
                do {
                    try await MailTransports.send(AlertMail.compose(batch, email: email), email: email)
                    delivered.append(email.to.joined(separator: ", "))
                } catch {
                    failures.append("\(error)")
                }
            }
            if let webhook {
                do {
                    delivered.append(try await webhook.send(batch))
                } catch {
                    failures.append("\(error)")
                }
            }
            guard failures.isEmpty else {
                let sent = delivered.isEmpty ? "" : " (delivered to \(delivered.joined(separator: ", ")))"
                throw AlertDeliveryError(text: failures.joined(separator: "; ") + sent)
            }
            return delivered.joined(separator: ", ")
        }
    }
}

/// One or both alert channels failed; names each failure.
struct AlertDeliveryError: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}
