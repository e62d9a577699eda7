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

    struct Document: Encodable {
        var status: String
        var deep: Bool
        var deepZones: Int
        var servers: [String]
        var summary: Summary
        var droppedAnswers: [String: Int]
        var zones: [Zone]

        enum CodingKeys: String, CodingKey {
            case status, deep
            case deepZones = "deep_zones"
            case servers, summary
            case droppedAnswers = "dropped_answers"
            case zones
        }
    }

    struct Summary: Encodable {
        var zones: Int
        var ok: Int
        var warning: Int
        var critical: Int
        var unknown: Int
    }

    struct Zone: Encodable {
        var zone: String
        var status: String
        var servers: [String: Cell]
        var findings: [Entry]
    }

    struct Cell: Encodable {
        var role: String
        var serial: UInt32?
        var state: String
        var rttMs: Double?
        var detail: String?
        var dnssec: DNSSEC?
        var signature: SOASignature?
        var nsid: String?

        enum CodingKeys: String, CodingKey {
            case role, serial, state
            case rttMs = "rtt_ms"
            case detail, dnssec
            case rrsigExpiration = "rrsig_expiration"
            case rrsigInception = "rrsig_inception"
            case rrsigKeyTag = "rrsig_key_tag"
            case nsid
        }

        // Explicit nulls: a consumer sees every key on every cell.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(serial, forKey: .serial)
            try container.encode(state, forKey: .state)
            try container.encode(rttMs, forKey: .rttMs)
            try container.encode(detail, forKey: .detail)
            let times = ISO8601DateFormatter()
            try container.encode(signature.map { times.string(from: $0.expiration) }, forKey: .rrsigExpiration)
            try container.encode(signature.map { times.string(from: $0.inception) }, forKey: .rrsigInception)
            try container.encode(signature?.keyTag, forKey: .rrsigKeyTag)
            try container.encode(nsid, forKey: .nsid)
            try container.encode(dnssec, forKey: .dnssec)
        }
    }

    struct DNSSEC: Encodable {
        var signed: Bool
        var signatures: Int
        var earliestExpiration: String?
        var earliest: String?
        var dnskeys: [String]
        var zonemd: String

        enum CodingKeys: String, CodingKey {
            case signed, signatures
            case earliestExpiration = "earliest_rrsig_expiration"
            case earliest = "earliest_rrsig"
            case dnskeys, zonemd
        }

        init(_ signatures: TransferSignatures) {
            signed = signatures.isSigned
            self.signatures = signatures.signatureCount
            earliestExpiration = signatures.earliest.map { $0.expiration.ISO8601Format() }
            earliest = signatures.earliest?.name
            dnskeys = signatures.keys.map(\.name)
            zonemd =
                switch signatures.zonemd {
                case .absent: "absent"
                case .verified: "verified"
                case .mismatch: "mismatch"
                case .staleSerial: "stale-serial"
                case .unsupported: "unsupported"
                }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(signed, forKey: .signed)
            try container.encode(signatures, forKey: .signatures)
            try container.encode(earliestExpiration, forKey: .earliestExpiration)
            try container.encode(earliest, forKey: .earliest)
            try container.encode(dnskeys, forKey: .dnskeys)
            try container.encode(zonemd, forKey: .zonemd)
        }
    }

    struct Entry: Encodable {
        var severity: String
        var kind: String
        var servers: [String]
        var message: String
        var details: [String]
    }

    public func render(_ report: CheckReport) -> String {
        let document = Document(
            status: report.status.description, deep: report.deep, deepZones: report.deepZones, servers: report.servers,
            summary: Summary(
                zones: report.verdicts.count, ok: report.count(.ok), warning: report.count(.warning),
                critical: report.count(.critical), unknown: report.count(.unknown)),
            droppedAnswers: Dictionary(
                uniqueKeysWithValues: report.servers.map { ($0, report.droppedAnswers[$0] ?? 0) }),
            zones: report.verdicts.map { verdict in
                Zone(
                    zone: verdict.zone, status: verdict.status.description,
                    servers: Dictionary(
                        verdict.servers.map {
                            (
                                $0.server,
                                Cell(
                                    role: $0.role.rawValue, serial: $0.serial, state: $0.state.rawValue,
                                    rttMs: $0.rttMilliseconds.map { ($0 * 1000).rounded() / 1000 }, detail: $0.detail,
                                    dnssec: $0.signatures.map(DNSSEC.init),
                                    signature: $0.soaRRSIG, nsid: $0.nsid)
                            )
                        }, uniquingKeysWith: { first, _ in first }),
                    findings: verdict.findings.map {
                        Entry(
                            severity: $0.severity.description, kind: $0.kind.rawValue, servers: $0.servers,
                            message: $0.message, details: $0.details)
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Plain values with no failing custom encoding: encoding cannot fail.
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
