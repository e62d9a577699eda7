import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The signature findings from hand-made observations (no network, a fixed clock): each test states the
/// situation an operator would see and what zonecheck must say.
@Suite struct SignatureCheckTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-29 ...
    static let day: TimeInterval = 86_400

    static func signature(endsIn days: Double, began: Double = -7, keyTag: UInt16 = 4242) -> SignatureState {
        .signed(
            SOASignature(
                expiration: now.addingTimeInterval(days * day), inception: now.addingTimeInterval(began * day),
                keyTag: keyTag))
    }

    static func server(
        _ name: String, _ serial: UInt32, _ signature: SignatureState?, role: ServerRole = .secondary,
        nsid: String? = nil
    ) -> ServerObservation {
        ServerObservation(
            server: name, role: role, answer: .serial(serial, rtt: .milliseconds(2)), soaSignature: signature,
            nsid: nsid)
    }

    static func verdict(_ servers: [ServerObservation], thresholds: SignatureWindow = .init()) -> ZoneVerdict {
        Compare.verdict(
            ZoneObservation(zone: CompareTests.zone, servers: servers, observedAt: now), lag: nil,
            signatures: thresholds)
    }

    static let fresh = signature(endsIn: 20)

    @Test("an unsigned zone says nothing of DNSSEC")
    func unsignedZoneIsSilent() {
        let v = Self.verdict(
            [Self.server("ns1", 5, .unsigned, role: .primary)] + (2...5).map { Self.server("ns\($0)", 5, .unsigned) })
        #expect(v.status == .ok && v.findings.isEmpty)
        let noEDNS = Self.verdict(
            [Self.server("ns1", 5, nil, role: .primary)] + (2...5).map { Self.server("ns\($0)", 5, nil) })
        #expect(noEDNS.findings.isEmpty)
        let lagging = Self.verdict([Self.server("ns1", 5, .unsigned, role: .primary), Self.server("ns3", 4, .unsigned)])
        #expect(lagging.findings.map(\.kind) == [.lagging])
        #expect(!lagging.findings[0].message.lowercased().contains("sign"), "\(lagging.findings[0].message)")
    }

    @Test("a signed zone whose signatures all end far ahead is OK")
    func freshSignaturesAreOK() {
        let v = Self.verdict(
            [Self.server("ns1", 5, Self.fresh, role: .primary)] + (2...5).map { Self.server("ns\($0)", 5, Self.fresh) })
        #expect(v.status == .ok && v.findings.isEmpty)
    }

    @Test("a lagging secondary whose old copy's signatures end in 1 day: CRITICAL, named with date and repair")
    func staleSecondaryEndingSoonIsCritical() throws {
        let v = Self.verdict([
            Self.server("ns1", 6, Self.fresh, role: .primary), Self.server("ns2", 6, Self.fresh),
            Self.server("ns3", 5, Self.signature(endsIn: 1.5), nsid: "fra1"),
        ])
        #expect(v.status == .critical)
        let finding = try #require(v.findings.first { $0.kind == .signaturesExpiring })
        #expect(finding.severity == .critical && finding.servers == ["ns3"])
        let ends = SignatureCheck.dateText(Self.now.addingTimeInterval(1.5 * Self.day))
        let primaryEnds = SignatureCheck.dateText(Self.now.addingTimeInterval(20 * Self.day))
        #expect(
            finding.message
                == "ns3 (instance fra1) serves example.com with signatures that end at \(ends) (in 1 d 12 h, "
                + "RRSIG(SOA) key tag 4242): ns1 serves signatures valid until \(primaryEnds): ns3's copy is stale "
                + "(serial 5, ns1 has 6); run 'zonecheck repair example.com'")
        let lag = try #require(v.findings.first { $0.kind == .lagging })
        #expect(lag.message.hasPrefix("ns3 (instance fra1) is 1 serial behind ns1"), "\(lag.message)")
        #expect(lag.servers == ["ns3"], "the finding's servers stay plain names")
    }

    @Test("within check.signatures.warning but not critical: a WARNING; the thresholds are the settings'")
    func warningWindow() throws {
        let servers = [
            Self.server("ns1", 6, Self.fresh, role: .primary), Self.server("ns3", 5, Self.signature(endsIn: 5)),
        ]
        let v = Self.verdict(servers)
        let finding = try #require(v.findings.first { $0.kind == .signaturesExpiring })
        #expect(finding.severity == .warning)
        let tight = Self.verdict(
            servers, thresholds: SignatureWindow(warning: .seconds(4 * 86_400), critical: .seconds(86_400)))
        #expect(!tight.findings.contains { $0.kind == .signaturesExpiring }, "5 days left is outside a 4-day warning")
        let wide = Self.verdict(
            servers, thresholds: SignatureWindow(warning: .seconds(30 * 86_400), critical: .seconds(6 * 86_400)))
        #expect(wide.findings.first { $0.kind == .signaturesExpiring && $0.servers == ["ns3"] }?.severity == .critical)
        #expect(
            wide.findings.first { $0.servers == ["ns1"] }?.severity == .warning,
            "the primary's 20 days are inside a 30-day warning")
    }

    @Test("expired signatures on a secondary: CRITICAL signatures-expired, how long ago")
    func expiredIsCritical() throws {
        let v = Self.verdict([
            Self.server("ns1", 6, Self.fresh, role: .primary),
            Self.server("ns4", 5, Self.signature(endsIn: -0.5, began: -30, keyTag: 777)),
        ])
        let finding = try #require(v.findings.first { $0.kind == .signaturesExpired })
        #expect(finding.severity == .critical && finding.servers == ["ns4"])
        #expect(finding.message.contains("expired at "), "\(finding.message)")
        #expect(finding.message.contains("(12 h ago, RRSIG(SOA) key tag 777)"), "\(finding.message)")
        #expect(finding.message.hasSuffix("run 'zonecheck repair example.com'"), "\(finding.message)")
        let noPrimary = Self.verdict([
            CompareTests.failed("ns1", .timeout(attempts: 4, waited: .seconds(8)), role: .primary),
            Self.server("ns4", 5, Self.signature(endsIn: -0.5, began: -30, keyTag: 777)),
        ])
        let unknown = try #require(noPrimary.findings.first { $0.kind == .signaturesExpired })
        #expect(unknown.message.contains("nothing is known of the primary's signatures"), "\(unknown.message)")
    }

    @Test("signatures whose inception is ahead: CRITICAL signatures-not-yet-valid, the clocks to check")
    func notYetValidIsCritical() throws {
        let v = Self.verdict([Self.server("ns1", 6, Self.signature(endsIn: 30, began: 0.25), role: .primary)])
        let finding = try #require(v.findings.first)
        #expect(finding.kind == .signaturesNotYetValid && finding.severity == .critical)
        #expect(finding.message.contains("are not valid before"), "\(finding.message)")
        #expect(finding.message.contains("(in 6 h, RRSIG(SOA) key tag 4242)"), "\(finding.message)")
        #expect(finding.message.contains("NTP"), "\(finding.message)")
    }

    @Test("the primary's own signatures ending: one finding, the signer stopped, with the secondaries that follow")
    func signerStoppedOnThePrimary() throws {
        let ending = Self.signature(endsIn: 1)
        let v = Self.verdict([
            Self.server("ns1", 6, ending, role: .primary), Self.server("ns2", 6, ending), Self.server("ns3", 6, ending),
        ])
        #expect(v.findings.count == 1)
        let finding = try #require(v.findings.first)
        #expect(finding.kind == .signaturesExpiring && finding.severity == .critical)
        #expect(finding.servers == ["ns1", "ns2", "ns3"])
        #expect(finding.message.hasPrefix("ns1 (and ns2 and ns3, which serve the same) serves example.com"))
        #expect(finding.message.contains("the signer stopped on ns1: re-sign example.com there"), "\(finding.message)")
    }

    @Test("signed on some servers, unsigned on others: CRITICAL partly-signed naming both sides")
    func partlySigned() throws {
        let v = Self.verdict([
            Self.server("ns1", 6, Self.fresh, role: .primary), Self.server("ns2", 6, Self.fresh),
            Self.server("ns5", 4, .unsigned, nsid: "ams2"), Self.server("ns4", 6, nil),
        ])
        let finding = try #require(v.findings.first { $0.kind == .partlySigned })
        #expect(finding.severity == .critical)
        #expect(finding.servers == ["ns5", "ns1", "ns2"], "ns4 answered without EDNS: nothing known of its copy")
        #expect(
            finding.message.hasPrefix(
                "example.com is signed on ns1 and ns2 and unsigned on ns5 (instance ams2): validating resolvers"),
            "\(finding.message)")
        #expect(finding.message.hasSuffix("run 'zonecheck repair example.com'"))
    }

    @Test("RRSIG times resolve near now and the earliest of several signatures is kept")
    func earliestSignature() throws {
        func rrsig(expiration: UInt32, keyTag: UInt16) throws -> RRSIG {
            var rdata: [UInt8] = [0, 6, 13, 2, 0, 0, 0x0E, 0x10]
            for value in [expiration, expiration - 1_000_000] {
                rdata += [
                    UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
                ]
            }
            rdata += [UInt8(keyTag >> 8), UInt8(keyTag & 0xFF)] + [7] + Array("example".utf8) + [3] + Array("com".utf8)
            rdata += [0] + [UInt8](repeating: 1, count: 64)
            return try #require(RRSIG(rdata: rdata))
        }
        let base = UInt32(Self.now.timeIntervalSince1970)
        let earliest = try #require(
            SOASignature.earliest(
                [try rrsig(expiration: base + 900_000, keyTag: 1), try rrsig(expiration: base + 300_000, keyTag: 2)],
                near: Self.now))
        #expect(earliest.keyTag == 2)
        #expect(earliest.expiration == Date(timeIntervalSince1970: TimeInterval(base + 300_000)))
        #expect(earliest.inception == Date(timeIntervalSince1970: TimeInterval(base + 300_000 - 1_000_000)))
        #expect(SOASignature.earliest([], near: Self.now) == nil)
    }
}

/// Anycast instances told apart by NSID: which answers are asked again, and the finding when instances disagree.
@Suite struct AnycastCheckTests {
    static func row(_ primary: UInt32, _ ns3: UInt32, nsid: String?) -> [ServerObservation] {
        [
            SignatureCheckTests.server("ns1", primary, nil, role: .primary),
            SignatureCheckTests.server("ns2", primary, nil, nsid: "only"),
            SignatureCheckTests.server("ns3", ns3, nil, nsid: nsid),
        ]
    }

    @Test("instances that gave different serials for a zone: a WARNING naming each instance and its serial")
    func disagreeingInstancesAreNamed() throws {
        var servers = Self.row(6, 5, nsid: "fra1")
        servers[2].instanceSerials = ["fra1": 5, "ams1": 6]
        let v = Compare.verdict(ZoneObservation(zone: CompareTests.zone, servers: servers))
        let finding = try #require(v.findings.first { $0.kind == .anycastDisagrees })
        #expect(finding.severity == .warning && finding.servers == ["ns3"])
        #expect(
            finding.message.hasPrefix(
                "ns3 is an anycast address whose instances disagree on example.com (ams1 serial 6 and fra1 serial 5): "
                    + "a NOTIFY to the address reaches one instance only"), "\(finding.message)")
        servers[2].instanceSerials = ["fra1": 5, "ams1": 5]
        #expect(
            !Compare.verdict(ZoneObservation(zone: CompareTests.zone, servers: servers)).findings.contains {
                $0.kind == .anycastDisagrees
            }, "instances that agree are not a finding")
    }

    @Test("only a server seen as several instances is asked again, and only where it differs from the primary")
    func whatIsAskedAgain() {
        let sweep = [
            Self.row(6, 6, nsid: "fra1"), Self.row(6, 5, nsid: "ams1"), Self.row(7, 7, nsid: "fra1"),
            Self.row(7, 6, nsid: nil),
        ]
        #expect(AnycastCheck.anycastServers(sweep) == [2], "ns2 names one instance, ns3 two")
        #expect(AnycastCheck.toAskAgain(sweep).map { [$0.zone, $0.server] } == [[1, 2], [3, 2]])
        let many = (0..<200).map { Self.row(9, 8, nsid: $0 % 2 == 0 ? "a" : "b") }
        #expect(AnycastCheck.toAskAgain(many).count == AnycastCheck.maxZonesAskedAgain)
        #expect(AnycastCheck.toAskAgain([Self.row(6, 5, nsid: "fra1")]).isEmpty, "one instance: not anycast")
    }
}
