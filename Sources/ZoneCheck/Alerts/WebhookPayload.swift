import Foundation

/// The webhook alert: the same grouped content as the email (AlertMail), as one JSON object. Pure: the
/// same batch gives the same bytes, so a receiver can check the signature over exactly what it got.
///
/// ```
/// {"delivery": "ns-admin.example-1796649600", "host": "ns-admin.example", "time": "2026-12-07T13:00:00Z",
///  "severity": "CRITICAL", "subject": "[zonecheck] CRITICAL: 1 opened (ns3 is behind on 300 zones)",
///  "opened": [INCIDENT], "escalated": [], "resolved": [], "text": "the email's plain-text body"}
/// INCIDENT: {"id": 42, "severity": "CRITICAL", "problem": "lagging", "headline": "...", "servers": ["ns3"],
///  "zones": [...every zone...], "zone_count": 300, "since": "...", "resolved_at": "..." (resolved only),
///  "duration_seconds": 840, "flapping": false, "next_step": "what was seen and what to do"}
/// ```
/// `delivery` is the same for every attempt at one run's alert (deduplicate on it: delivery is at least
/// once); `id` is the incident's, stable across runs (one ticket per incident).
public enum WebhookPayload {
    struct Body: Encodable {
        var delivery: String
        var host: String
        var time: Date
        var severity: String
        var subject: String
        var opened: [Incident]
        var escalated: [Incident]
        var resolved: [Incident]
        var text: String
    }

    struct Incident: Encodable {
        var id: Int64
        var severity: String
        var problem: String
        var headline: String
        var servers: [String]
        var zones: [String]
        var zoneCount: Int
        var since: Date
        var resolvedAt: Date?
        var durationSeconds: Int
        var flapping: Bool
        var nextStep: String

        enum CodingKeys: String, CodingKey {
            case id, severity, problem, headline, servers, zones, since, flapping
            case zoneCount = "zone_count"
            case resolvedAt = "resolved_at"
            case durationSeconds = "duration_seconds"
            case nextStep = "next_step"
        }
    }

    /// The body's bytes (UTF-8 JSON, keys sorted).
    public static func render(_ batch: AlertBatch) -> [UInt8] {
        let worst = (batch.opened + batch.escalated).map(\.severity).max()
        let body = Body(
            delivery: deliveryID(batch), host: batch.host, time: batch.time,
            severity: worst?.description ?? "RESOLVED", subject: AlertMail.subject(batch),
            opened: batch.opened.map { incident($0, now: batch.time) },
            escalated: batch.escalated.map { incident($0, now: batch.time) },
            resolved: batch.resolved.map { incident($0, now: batch.time) }, text: AlertMail.text(batch))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Strings, numbers, booleans and dates only: encoding cannot fail.
        return Array((try? encoder.encode(body)) ?? Data("{}".utf8))
    }

    /// `HOST-EPOCHSECONDS` of the run's start: the same on every retry within the run (a resend at a later
    /// run carries that run's id; the incident ids tell it is the same news).
    public static func deliveryID(_ batch: AlertBatch) -> String {
        "\(batch.host)-\(Int(batch.time.timeIntervalSince1970))"
    }

    static func incident(_ note: IncidentNote, now: Date) -> Incident {
        Incident(
            id: note.id, severity: note.severity.description, problem: note.problem.rawValue, headline: note.headline,
            servers: note.servers, zones: note.zones, zoneCount: note.zones.count, since: note.openedAt,
            resolvedAt: note.resolvedAt, durationSeconds: Int(note.duration(now: now).rounded()),
            flapping: note.flapping, nextStep: note.detail)
    }
}
