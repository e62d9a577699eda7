/// The digest, printed or mailed to alerts.email; a sending, or its failure, is recorded in the audit log
/// (user `digest`).
public enum DigestDelivery {
    public static func text(_ report: DigestReport) -> String { DigestText.render(report) }

    /// Mails `report` (`DigestMail`) through the configured transport; returns the recipients. Not sent:
    /// `CommandFailure.unknown`, after the failure is recorded.
    @discardableResult
    public static func send(_ report: DigestReport, email: EmailSettings, audit: AuditLog) async throws -> String {
        var audit = audit
        audit.actor = "digest"
        do {
            try await MailTransports.send(DigestMail.compose(report, email: email), email: email)
        } catch {
            try? audit.append(entry(outcome: "failed", detail: "\(error)"))
            throw CommandFailure.unknown("the digest could not be sent: \(error)")
        }
        let recipient = email.to.joined(separator: ", ")
        try? audit.append(
            entry(
                outcome: "ok",
                detail: "\(recipient): \(report.opened.count) opened, \(report.resolved.count) resolved, "
                    + "\(report.stillOpen.count) still open, \(report.repairs.count) repairs"))
        return recipient
    }

    static func entry(outcome: String, detail: String) -> AuditEntry {
        AuditEntry(
            zone: "-", server: "-", action: "digest-sent", serialBefore: nil, serialAfter: nil, outcome: outcome,
            detail: detail)
    }
}
