import Foundation

/// The `--format json` document: every zone (not only problems), with stable keys.
///
/// ```
/// { "status": "CRITICAL", "deep": false, "deep_zones": 0, "servers": ["ns1", ...],
///   "summary": { "zones": 41, "ok": 39, "warning": 0, "critical": 2, "unknown": 0 },
///   "dropped_answers": { "ns3": 2 },
///   "zones": [ { "zone": "example.com", "status": "WARNING",
///                "servers": { "ns1": { "role": "primary", "serial": 2026112205, "state": "OK",
///                                      "rtt_ms": 0.4, "detail": null,
///                                      "rrsig_expiration": "2026-12-21T10:00:00Z",
///                                      "rrsig_inception": "2026-12-07T09:00:00Z", "rrsig_key_tag": 4242,
///                                      "nsid": "fra1" }, ... },
///                "findings": [ { "severity": "WARNING", "kind": "lagging", "servers": ["ns3"],
///                                "message": "...", "details": [] } ] } ] }
/// ```
/// `serial`, `rtt_ms` and `detail` are null when there is none (no verified answer, or OK). `rrsig_*` are the
/// server's RRSIG(SOA) (the earliest-ending if several; ISO 8601 UTC times), null for an unsigned zone or no
/// answer; `nsid` is the instance that answered (RFC 5001), null when the server names none. `dnssec` is the
/// server's transferred copy as the deep check read it, null when its transfer was not compared:
/// `{ "signed": true, "signatures": 24, "earliest_rrsig_expiration": "2026-12-09T15:08:16Z",
///    "earliest_rrsig": "www.signed.lab A (key 8720)", "dnskeys": ["8720 ZSK", "43996 KSK"],
///    "zonemd": "verified" }` (`earliest_*` null for an unsigned copy; `zonemd`: absent, verified, mismatch,
/// stale-serial, unsupported). `deep`: every
/// zone's content was compared; `deep_zones`: how many zones' content was (`run` compares some each run).
/// `dropped_answers` counts, per server, answers that did not verify and were dropped (forged answers:
/// an attack indicator); every server is listed, 0 for none.
public struct JSONRenderer: Sendable {
    public init() {}

    /// Written with `JSONText`, keys in ascending order (as `JSONEncoder`'s `.sortedKeys` wrote them).
    public func render(_ report: CheckReport) -> String {
        // About 1,800 octets a zone with five servers: reserved once, not grown by copying.
        var json = JSONText(reservingCapacity: 1024 + 400 * report.verdicts.count * max(1, report.servers.count))
        let times = ISO8601DateFormatter()
        json.beginObject()
        json.key("deep")
        json.bool(report.deep)
        json.key("deep_zones")
        json.integer(report.deepZones)
        json.key("dropped_answers")
        json.beginObject()
        let dropped = Dictionary(
            report.servers.map { ($0, report.droppedAnswers[$0] ?? 0) }, uniquingKeysWith: { first, _ in first })
        for (server, count) in JSONText.sortedByKey(dropped) {
            json.key(server)
            json.integer(count)
        }
        json.endObject()
        json.key("servers")
        json.strings(report.servers)
        json.key("status")
        json.string(report.status.description)
        json.key("summary")
        json.beginObject()
        json.key("critical")
        json.integer(report.count(.critical))
        json.key("ok")
        json.integer(report.count(.ok))
        json.key("unknown")
        json.integer(report.count(.unknown))
        json.key("warning")
        json.integer(report.count(.warning))
        json.key("zones")
        json.integer(report.verdicts.count)
        json.endObject()
        json.key("zones")
        json.beginArray()
        for verdict in report.verdicts { write(verdict, to: &json, times: times) }
        json.endArray()
        json.endObject()
        json.newline()
        return json.text
    }

    private func write(_ verdict: ZoneVerdict, to json: inout JSONText, times: ISO8601DateFormatter) {
        json.beginObject()
        json.key("findings")
        json.beginArray()
        for finding in verdict.findings {
            json.beginObject()
            json.key("details")
            json.strings(finding.details)
            json.key("kind")
            json.string(finding.kind.rawValue)
            json.key("message")
            json.string(finding.message)
            json.key("servers")
            json.strings(finding.servers)
            json.key("severity")
            json.string(finding.severity.description)
            json.endObject()
        }
        json.endArray()
        json.key("servers")
        json.beginObject()
        // A server named twice keeps its first cell.
        var cells: [String: ServerStatus] = [:]
        for cell in verdict.servers where cells[cell.server] == nil { cells[cell.server] = cell }
        for (server, cell) in JSONText.sortedByKey(cells) {
            json.key(server)
            write(cell, to: &json, times: times)
        }
        json.endObject()
        json.key("status")
        json.string(verdict.status.description)
        json.key("zone")
        json.string(verdict.zone)
        json.endObject()
    }

    /// Every key on every cell, null when there is no value: a consumer never meets a missing key.
    private func write(_ cell: ServerStatus, to json: inout JSONText, times: ISO8601DateFormatter) {
        json.beginObject()
        json.key("detail")
        json.string(cell.detail)
        json.key("dnssec")
        if let signatures = cell.signatures { write(signatures, to: &json, times: times) } else { json.null() }
        json.key("nsid")
        json.string(cell.nsid)
        json.key("role")
        json.string(cell.role.rawValue)
        json.key("rrsig_expiration")
        json.string(cell.soaRRSIG.map { times.string(from: $0.expiration) })
        json.key("rrsig_inception")
        json.string(cell.soaRRSIG.map { times.string(from: $0.inception) })
        json.key("rrsig_key_tag")
        json.integer(cell.soaRRSIG?.keyTag)
        json.key("rtt_ms")
        json.number(cell.rttMilliseconds.map { ($0 * 1000).rounded() / 1000 })
        json.key("serial")
        json.integer(cell.serial)
        json.key("state")
        json.string(cell.state.rawValue)
        json.endObject()
    }

    private func write(_ signatures: TransferSignatures, to json: inout JSONText, times: ISO8601DateFormatter) {
        json.beginObject()
        json.key("dnskeys")
        json.strings(signatures.keys.map(\.name))
        json.key("earliest_rrsig")
        json.string(signatures.earliest?.name)
        json.key("earliest_rrsig_expiration")
        json.string(signatures.earliest.map { times.string(from: $0.expiration) })
        json.key("signatures")
        json.integer(signatures.signatureCount)
        json.key("signed")
        json.bool(signatures.isSigned)
        let zonemd =
            switch signatures.zonemd {
            case .absent: "absent"
            case .verified: "verified"
            case .mismatch: "mismatch"
            case .staleSerial: "stale-serial"
            case .unsupported: "unsupported"
            }
        json.key("zonemd")
        json.string(zonemd)
        json.endObject()
    }
}
