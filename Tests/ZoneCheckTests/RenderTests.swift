import Foundation
import DNSKit
import Testing
import ZoneCheck

/// The four outputs of `zonecheck check` from a report built by hand: JSON that parses with the documented
/// keys, the Nagios status line and perfdata, Prometheus exposition lines, and the text matrix.
@Suite struct RenderTests {
    static func cell(_ server: String, _ serial: UInt32?, _ state: ServerState, detail: String? = nil) -> ServerStatus {
        ServerStatus(
            server: server, role: server == "ns1" ? .primary : .secondary, serial: serial, state: state,
            rtt: serial == nil ? nil : .microseconds(1500), detail: detail)
    }

    static let lagging = Finding(
        severity: .warning, kind: .lagging, zone: "example.com", servers: ["ns3"],
        message: "ns3 is 2 serials behind ns1 on example.com (serial 2026112203 < 2026112205): ...")
    static let down = Finding(
        severity: .critical, kind: .unreachable, zone: "example.net", servers: ["ns1"],
        message: "ns1 did not answer the SOA query for example.net.")

    /// Three zones: one OK, one WARNING (ns3 lagging), one CRITICAL (the primary down).
    static let report = CheckReport(
        servers: ["ns1", "ns2", "ns3"],
        verdicts: [
            ZoneVerdict(
                name: try! DomainName(zoneName: "example.org"),
                servers: [cell("ns1", 7, .ok), cell("ns2", 7, .ok), cell("ns3", 7, .ok)], findings: []),
            ZoneVerdict(
                name: try! DomainName(zoneName: "example.com"),
                servers: [
                    cell("ns1", 2_026_112_205, .ok), cell("ns2", 2_026_112_205, .ok),
                    cell("ns3", 2_026_112_203, .lagging, detail: lagging.message),
                ], findings: [lagging]),
            ZoneVerdict(
                name: try! DomainName(zoneName: "example.net"),
                servers: [
                    cell("ns1", nil, .unreachable, detail: down.message), cell("ns2", 3, .unchecked),
                    cell("ns3", 3, .unchecked),
                ], findings: [down]),
        ], deep: false)

    static let allOK = CheckReport(
        servers: ["ns1", "ns2"],
        verdicts: [
            ZoneVerdict(
                name: try! DomainName(zoneName: "example.org"), servers: [cell("ns1", 7, .ok), cell("ns2", 7, .ok)],
                findings: [])
        ],
        deep: false)

    @Test func reportStatusIsTheWorstZone() {
        #expect(Self.report.status == .critical)
        #expect(Self.report.count(.ok) == 1 && Self.report.count(.warning) == 1 && Self.report.count(.critical) == 1)
        #expect(Self.allOK.status == .ok && Self.allOK.status.exitCode == 0)
    }

    @Test func jsonParsesWithTheDocumentedKeys() throws {
        let text = JSONRenderer().render(Self.report)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["status"] as? String == "CRITICAL")
        #expect(root["servers"] as? [String] == ["ns1", "ns2", "ns3"])
        let summary = try #require(root["summary"] as? [String: Int])
        #expect(summary == ["zones": 3, "ok": 1, "warning": 1, "critical": 1, "unknown": 0])
        let zones = try #require(root["zones"] as? [[String: Any]])
        #expect(zones.map { $0["zone"] as? String } == ["example.org", "example.com", "example.net"])
        #expect(zones.map { $0["status"] as? String } == ["OK", "WARNING", "CRITICAL"])

        let com = zones[1]
        let servers = try #require(com["servers"] as? [String: [String: Any]])
        #expect(Set(servers.keys) == ["ns1", "ns2", "ns3"])
        let ns3 = try #require(servers["ns3"])
        #expect(
            Set(ns3.keys)
                == [
                    "role", "serial", "state", "rtt_ms", "detail", "dnssec", "rrsig_expiration", "rrsig_inception",
                    "rrsig_key_tag", "nsid",
                ])
        #expect(ns3["dnssec"] is NSNull, "no deep check: dnssec null, not a missing key")
        #expect(ns3["serial"] as? Int == 2_026_112_203)
        #expect(ns3["state"] as? String == "LAGGING")
        #expect(ns3["rtt_ms"] as? Double == 1.5)
        #expect(ns3["detail"] as? String == Self.lagging.message)
        #expect(servers["ns1"]?["detail"] is NSNull, "an OK cell has detail null, not a missing key")

        let findings = try #require(com["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(Set(findings[0].keys) == ["severity", "kind", "servers", "message", "details"])
        #expect(findings[0]["severity"] as? String == "WARNING")
        #expect(findings[0]["kind"] as? String == "lagging")
        #expect(findings[0]["servers"] as? [String] == ["ns3"])

        let net = try #require(zones[2]["servers"] as? [String: [String: Any]])
        #expect(net["ns1"]?["serial"] is NSNull, "no verified answer: serial null")
    }

    @Test func nagiosStatusLineAndPerfdata() throws {
        let text = NagiosRenderer().render(Self.report)
        let first = try #require(text.split(separator: "\n").first.map(String.init))
        #expect(
            first
                == "ZONECHECK CRITICAL - 2 of 3 zones: example.net (ns1 UNREACHABLE, ns2 UNCHECKED, ns3 UNCHECKED), "
                + "example.com (ns3 LAGGING) | zones=3;;;0 ok=1;;;0 warning=1;;;0 critical=1;;;0 unknown=0;;;0")
        // Long output: one line per finding, none with a `|` (that would start perfdata).
        let rest = text.split(separator: "\n").dropFirst()
        #expect(rest.count == 2 && rest.allSatisfy { !$0.contains("|") })
        let ok = NagiosRenderer().render(Self.allOK)
        #expect(
            ok
                == "ZONECHECK OK - 1 zone in sync on 2 servers | zones=1;;;0 ok=1;;;0 warning=0;;;0 critical=0;;;0 unknown=0;;;0\n"
        )
    }

    @Test func nagiosNamesFiveZonesThenCounts() throws {
        let verdicts = (1...8).map { i in
            ZoneVerdict(
                name: try! DomainName(zoneName: "z\(i).example"),
                servers: [Self.cell("ns1", 1, .ok), Self.cell("ns2", 0, .lagging)],
                findings: [
                    Finding(severity: .warning, kind: .lagging, zone: "z\(i).example", servers: ["ns2"], message: "m")
                ])
        }
        let text = NagiosRenderer().render(CheckReport(servers: ["ns1", "ns2"], verdicts: verdicts, deep: false))
        #expect(text.hasPrefix("ZONECHECK WARNING - 8 of 8 zones: z1.example (ns2 LAGGING), "))
        #expect(text.contains("z5.example (ns2 LAGGING) and 3 more | zones=8;;;0"))
        let capped = NagiosRenderer(longOutputLimit: 6).render(
            CheckReport(servers: ["ns1", "ns2"], verdicts: verdicts, deep: false))
        let lines = capped.split(separator: "\n")
        #expect(lines.count == 1 + 6 + 1)
        #expect(lines.last == "... and 2 more findings (zonecheck check --format json: all)")
    }

    @Test("dropped (unverified) answers per server: a text line, a JSON object, a Prometheus gauge")
    func droppedAnswersAreShownEverywhere() throws {
        var report = Self.allOK
        report.droppedAnswers = ["ns2": 3]
        let text = TextRenderer(all: false, colour: false).render(report)
        #expect(text.contains("ns2: 3 answers that did not verify"), "\(text)")
        #expect(!text.contains("ns1: "), "a server with none is not named: \(text)")
        #expect(!TextRenderer(all: false, colour: false).render(Self.allOK).contains("did not verify"))
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(JSONRenderer().render(report).utf8)) as? [String: Any])
        #expect(document["dropped_answers"] as? [String: Int] == ["ns1": 0, "ns2": 3])
        let lines = PrometheusRenderer().render(report).split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE zonecheck_dropped_answers gauge"))
        #expect(lines.contains("zonecheck_dropped_answers{server=\"ns1\"} 0"))
        #expect(lines.contains("zonecheck_dropped_answers{server=\"ns2\"} 3"))
    }

    @Test func prometheusExpositionLines() {
        let lines = PrometheusRenderer().render(Self.report).split(separator: "\n").map(String.init)
        for metric in ["zonecheck_zone_serial", "zonecheck_zone_up", "zonecheck_zone_status"] {
            #expect(lines.contains { $0.hasPrefix("# HELP \(metric) ") })
            #expect(lines.contains("# TYPE \(metric) gauge"))
        }
        #expect(lines.contains("zonecheck_zone_serial{zone=\"example.com\",server=\"ns3\"} 2026112203"))
        #expect(!lines.contains { $0.hasPrefix("zonecheck_zone_serial{zone=\"example.net\",server=\"ns1\"}") })
        #expect(lines.contains("zonecheck_zone_up{zone=\"example.net\",server=\"ns1\"} 0"))
        #expect(lines.contains("zonecheck_zone_up{zone=\"example.net\",server=\"ns2\"} 1"))
        #expect(lines.contains("zonecheck_zone_status{zone=\"example.org\"} 0"))
        #expect(lines.contains("zonecheck_zone_status{zone=\"example.com\"} 1"))
        #expect(lines.contains("zonecheck_zone_status{zone=\"example.net\"} 2"))
        // Every sample line: name{labels} value.
        let sample = /^[a-z_]+\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\} [0-9]+$/
        #expect(lines.filter { !$0.hasPrefix("#") }.allSatisfy { $0.wholeMatch(of: sample) != nil })
    }

    @Test func textIsOneLineWhenAllIsWell() {
        #expect(TextRenderer().render(Self.allOK) == "zonecheck: OK - 1 zone in sync on 2 servers\n")
        let one = CheckReport(
            servers: ["ns1"],
            verdicts: [
                ZoneVerdict(
                    name: try! DomainName(zoneName: "example.org"), servers: [Self.cell("ns1", 7, .ok)], findings: [])
            ],
            deep: false)
        #expect(TextRenderer().render(one) == "zonecheck: OK - 1 zone in sync on 1 server\n")
        #expect(NagiosRenderer().render(one).hasPrefix("ZONECHECK OK - 1 zone in sync on 1 server | "))
    }

    @Test func textShowsOnlyProblemZonesUnlessAll() {
        let text = TextRenderer().render(Self.report)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("ZONE") && lines[0].contains("ns1") && lines[0].contains("ns3"))
        #expect(lines.contains { $0.hasPrefix("example.com") && $0.contains("2026112203 LAGGING") })
        #expect(lines.contains { $0.hasPrefix("example.net") && $0.contains("- UNREACHABLE") })
        #expect(!lines.contains { $0.hasPrefix("example.org") })
        #expect(text.contains("  WARNING " + Self.lagging.message))
        #expect(lines.dropLast().last == "zonecheck: CRITICAL - 2 of 3 zones with problems (1 critical, 1 warning)")
        #expect(!text.contains("\u{1B}["), "no colour unless asked for")
        let all = TextRenderer(all: true).render(Self.report)
        #expect(all.split(separator: "\n").contains { $0.hasPrefix("example.org") && $0.contains("7 OK") })
        #expect(TextRenderer(colour: true).render(Self.report).contains("\u{1B}[1;31mCRITICAL\u{1B}[0m"))
    }

    @Test("signatures and NSID per server: JSON rrsig_* and nsid (null when unsigned), the Prometheus timestamp")
    func signaturesAndNSIDAreRendered() throws {
        let signature = SOASignature(
            expiration: Date(timeIntervalSince1970: 1_797_000_000),
            inception: Date(timeIntervalSince1970: 1_795_000_000),
            keyTag: 4242)
        var signed = Self.cell("ns1", 7, .ok)
        signed.soaSignature = .signed(signature)
        signed.nsid = "fra1"
        var unsigned = Self.cell("ns2", 7, .ok)
        unsigned.soaSignature = .unsigned
        let report = CheckReport(
            servers: ["ns1", "ns2"],
            verdicts: [
                ZoneVerdict(name: try DomainName(zoneName: "example.org"), servers: [signed, unsigned], findings: [])
            ],
            deep: false)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(JSONRenderer().render(report).utf8)) as? [String: Any])
        let zone = try #require((document["zones"] as? [[String: Any]])?.first)
        let servers = try #require(zone["servers"] as? [String: [String: Any]])
        #expect(servers["ns1"]?["rrsig_expiration"] as? String == "2026-12-11T14:40:00Z")
        #expect(servers["ns1"]?["rrsig_inception"] as? String == "2026-11-18T11:06:40Z")
        #expect(servers["ns1"]?["rrsig_key_tag"] as? Int == 4242)
        #expect(servers["ns1"]?["nsid"] as? String == "fra1")
        for key in ["rrsig_expiration", "rrsig_inception", "rrsig_key_tag", "nsid"] {
            #expect(servers["ns2"]?[key] is NSNull, "\(key) is null for an unsigned zone and no NSID")
        }
        let lines = PrometheusRenderer().render(report).split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE zonecheck_rrsig_expiration_timestamp_seconds gauge"))
        #expect(
            lines.contains(
                "zonecheck_rrsig_expiration_timestamp_seconds{zone=\"example.org\",server=\"ns1\"} 1797000000"))
        #expect(
            !lines.contains {
                $0.hasPrefix("zonecheck_rrsig_expiration_timestamp_seconds{zone=\"example.org\",server=\"ns2\"}")
            })
        let textfile = RunMetrics(
            verdicts: report.verdicts, servers: ServerRunStats.make(report.verdicts, servers: ["ns1", "ns2"]), lag: [:],
            checkedAt: Date(), openIncidents: [], runSeconds: 1, vantage: nil
        ).render()
        #expect(
            textfile.contains(
                "zonecheck_rrsig_expiration_timestamp_seconds{zone=\"example.org\",server=\"ns1\"} 1797000000\n"))
    }

    /// Any JSON value, decoded and encoded again by Foundation: the reference `JSONText` must match.
    enum AnyJSON: Codable, Equatable {
        case null, bool(Bool), integer(Int), number(Double), string(String), array([AnyJSON])
        case object([String: AnyJSON])

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() {
                self = .null
            } else if let bool = try? value.decode(Bool.self) {
                self = .bool(bool)
            } else if let integer = try? value.decode(Int.self) {
                self = .integer(integer)
            } else if let number = try? value.decode(Double.self) {
                self = .number(number)
            } else if let string = try? value.decode(String.self) {
                self = .string(string)
            } else if let array = try? value.decode([AnyJSON].self) {
                self = .array(array)
            } else {
                self = .object(try value.decode([String: AnyJSON].self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var value = encoder.singleValueContainer()
            switch self {
            case .null: try value.encodeNil()
            case .bool(let bool): try value.encode(bool)
            case .integer(let integer): try value.encode(integer)
            case .number(let number): try value.encode(number)
            case .string(let string): try value.encode(string)
            case .array(let array): try value.encode(array)
            case .object(let object): try value.encode(object)
            }
        }
    }

    @Test("--format json is laid out byte for byte as JSONEncoder lays out sorted, pretty JSON")
    func jsonLayoutIsFoundationsSortedPrettyLayout() throws {
        let signature = SOASignature(
            expiration: Date(timeIntervalSince1970: 1_797_000_000),
            inception: Date(timeIntervalSince1970: 1_795_000_000),
            keyTag: 4242)
        let earliest = TransferSignatures.Signature(
            owner: "www.signed.lab", covered: .a, keyTag: 8720, inception: Date(timeIntervalSince1970: 1_795_000_000),
            expiration: Date(timeIntervalSince1970: 1_797_000_000))
        var signed = Self.cell("ns10", 7, .ok)
        signed.soaSignature = .signed(signature)
        signed.nsid = "fra1 \"quoted\" back\\slash/\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f} é 🛰"
        signed.rtt = .nanoseconds(123_456_789)
        signed.signatures = TransferSignatures(
            observed: Date(timeIntervalSince1970: 1_796_000_000), signatureCount: 12, earliest: earliest,
            latestInception: earliest, keys: [TransferSignatures.Key(rdata: [1, 1, 3, 13, 0, 0, 0x22, 0x10])],
            zonemd: .staleSerial(zonemd: Serial(6), soa: Serial(7)))
        var bare = Self.cell("ns2", nil, .unreachable, detail: "ns2: no answer\n(twice)")
        bare.soaSignature = .unsigned
        let finding = Finding(
            severity: .warning, kind: .lagging, zone: "example.org", servers: ["ns2", "ns10"],
            message: "tab\there", details: ["one", "", "{\"json\": [1]}"])
        let report = CheckReport(
            servers: ["ns2", "ns10", "Ns3"],
            verdicts: [
                ZoneVerdict(
                    name: try DomainName(zoneName: "example.org"),
                    servers: [bare, signed, Self.cell("Ns3", 4_294_967_295, .ok)], findings: [finding]),
                ZoneVerdict(name: try DomainName(zoneName: "empty.example"), servers: [], findings: []),
            ] + Self.report.verdicts,
            deep: true)
        let text = JSONRenderer().render(report)
        let decoded = try JSONDecoder().decode(AnyJSON.self, from: Data(text.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let reference = String(decoding: try encoder.encode(decoded), as: UTF8.self) + "\n"
        #expect(text == reference)
        #expect(text.contains(#""rtt_ms" : 123.457"#) && text.contains(#""serial" : 4294967295"#))
        #expect(text.contains(#"\"quoted\" back\\slash/\u0001\b\f\n\r\t\u001f"#))
    }
}
