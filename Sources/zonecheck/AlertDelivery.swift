import ZoneCheck

/// The seam between `run`/`digest` and the mail composers and transports (helper `mail`'s Sources/Mail).
enum AlertDelivery {
    /// nil when no email is configured.
    static func sender(for email: EmailSettings?) -> AlertSender? {
        guard email != nil else { return nil }
        return { _ in throw AlertDeliveryError(reason: "mail delivery is not built into this zonecheck yet") }
    }
}

struct AlertDeliveryError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// The seam for the digest: text rendering and mailing (helper `mail`'s DigestText / DigestMail).
enum DigestDelivery {
    static func text(_ report: DigestReport) -> String {
        "digest rendering is not built into this zonecheck yet: \(report.opened.count) opened, "
            + "\(report.resolved.count) resolved, \(report.stillOpen.count) still open\n"
    }

    static func send(_ report: DigestReport, email: EmailSettings) async throws -> String {
        throw AlertDeliveryError(reason: "mail delivery is not built into this zonecheck yet")
    }
}
