import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The deep check's DNSSEC decisions from hand-made copies: no network, no clock (each copy carries the time
/// its transfer ended). The records read by `TransferSignatures.Reader` are built byte by byte.
@Suite struct DeepSignaturesTests {
    static let zone = try! DomainName(presentation: "signed.lab.", origin: nil)
    /// 2026-12-07 15:00:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_655_600)
    static let day: TimeInterval = 86_400

    /// A ZSK as ldns-keygen made it; ldns-signzone gave it key tag 8720.
    static let zsk = Data(
        base64Encoded: "rbZpkHdrvIb9u9SLlxnJDe1AyLZtaA+cmE5WW93ZwNR/9Eg9tqJoUI7CisOjskQEh2CdTXsjGMLkmXy1d0tmdQ==")!

    static func dnskey(flags: UInt16, key: Data) -> ResourceRecord {
        ResourceRecord(
            owner: zone, type: .dnskey, ttl: 3600, rdata: [UInt8(flags >> 8), UInt8(flags & 0xFF), 3, 13] + key)
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// An RRSIG over `covered` at `owner`, valid from `inception` to `expiration` (seconds since the epoch).
    static func rrsig(_ owner: String, _ covered: RecordType, tag: UInt16, inception: UInt32, expiration: UInt32)
        -> ResourceRecord
    {
        let name = try! DomainName(presentation: owner, origin: zone)
        var rdata: [UInt8] = [UInt8(covered.rawValue >> 8), UInt8(covered.rawValue & 0xFF), 13, 2, 0, 0, 14, 16]
        rdata += be32(expiration) + be32(inception) + [UInt8(tag >> 8), UInt8(tag & 0xFF)]
        rdata += zone.wire + [UInt8](repeating: 7, count: 64)
        return ResourceRecord(owner: name, type: .rrsig, ttl: 3600, rdata: rdata)
    }

    /// A copy whose earliest signature ends `ends` seconds after `now`.
    static func copy(
        _ server: String, serial: UInt32, ends: TimeInterval?, keys: [UInt16] = [8720, 43996],
        zonemd: ZONEMDCheck = .verified
    ) -> DeepSignatures.Copy {
        let earliest = ends.map {
            TransferSignatures.Signature(
                owner: "www.signed.lab", covered: .a, keyTag: 8720, inception: now - 7 * day, expiration: now + $0)
        }
        return DeepSignatures.Copy(
            server: server, serial: serial,
            signatures: TransferSignatures(
                observed: now, signatureCount: ends == nil ? 0 : 12, earliest: earliest, latestInception: earliest,
                keys: keys.map { TransferSignatures.Key(rdata: [1, $0 == 43996 ? 1 : 0, 3, 13] + be32(UInt32($0))) },
                zonemd: zonemd))
    }

    static func healthy(_ servers: [String] = ["ns1", "ns2", "ns3", "ns4", "ns5"], serial: UInt32 = 5)
        -> [DeepSignatures.Copy]
    {
        servers.map { copy($0, serial: serial, ends: 30 * day) }
    }

    static func findings(_ copies: [DeepSignatures.Copy]) -> [Finding] {
        DeepSignatures.findings(copies, zone: "signed.lab", primary: "ns1")
    }

    @Test func theReaderFindsTheEarliestEndTheLatestStartAndTheApexKeys() throws {
        let base = UInt32(Self.now.timeIntervalSince1970)
        var reader = TransferSignatures.Reader(origin: Self.zone, now: Self.now)
        let ksk = Self.dnskey(flags: 257, key: Data([1, 2, 3, 4]))
        let zsk = Self.dnskey(flags: 256, key: Self.zsk)
        let below = ResourceRecord(
            owner: try DomainName(presentation: "sub", origin: Self.zone), type: .dnskey, ttl: 3600,
            rdata: [1, 0, 3, 13, 9, 9])
        let records = [
            ksk, zsk, below,
            Self.rrsig("@", .soa, tag: 8720, inception: base - 3600, expiration: base + 30 * 86_400),
            // Same end as the SOA's: the tie goes to the first in canonical order (the apex SOA).
            Self.rrsig("www", .a, tag: 8720, inception: base - 3600, expiration: base + 30 * 86_400),
            Self.rrsig("mail", .a, tag: 8720, inception: base + 600, expiration: base + 40 * 86_400),
        ]
        for record in records { reader.add(record) }
        let read = reader.finish(observed: Self.now, zonemd: .verified)
        #expect(read.isSigned && read.signatureCount == 3)
        #expect(read.keys.count == 2, "the DNSKEY below the apex is not the zone's key")
        #expect(read.keys.contains { $0.name == "8720 ZSK" }, "RFC 4034 Appendix B, as ldns computes it")
        #expect(read.keys.contains { $0.flags == 257 && $0.name.hasSuffix(" KSK") })
        let earliest = try #require(read.earliest)
        #expect(earliest.name == "signed.lab SOA signed by key 8720")
        #expect(earliest.expiration == Self.now + 30 * Self.day)
        #expect(read.latestInception?.owner == "mail.signed.lab")
        #expect(read.latestInception?.inception == Self.now + 600)

        var reversed = TransferSignatures.Reader(origin: Self.zone, now: Self.now)
        for record in records.reversed() { reversed.add(record) }
        #expect(reversed.finish(observed: Self.now, zonemd: .verified) == read, "the order of the transfer is moot")
    }

    /// RFC 4034 §3.1.5: the times are serial numbers; in 2106 the 32-bit count wraps.
    @Test func signatureTimesAreReadNearTheTransferAcrossTheWrap() throws {
        let observed = Date(timeIntervalSince1970: 4_294_967_000)
        var reader = TransferSignatures.Reader(origin: Self.zone, now: observed)
        reader.add(Self.rrsig("@", .soa, tag: 1, inception: 4_294_966_000, expiration: 100))
        let read = reader.finish(observed: observed, zonemd: .absent)
        #expect(read.earliest?.expiration == Date(timeIntervalSince1970: 4_294_967_396))
        #expect(read.earliest?.inception == Date(timeIntervalSince1970: 4_294_966_000))
    }

    @Test func anUnsignedZoneSaysNothing() {
        let copies = ["ns1", "ns2", "ns3"].map { Self.copy($0, serial: 5, ends: nil, keys: [], zonemd: .absent) }
        #expect(Self.findings(copies).isEmpty)
        #expect(Self.findings(Self.healthy()).isEmpty, "signed for 30 days everywhere: nothing to say")
    }

    @Test func aLaggingSecondaryWhoseSignaturesEndInTwoDaysIsCriticalAndNamedWithTheDate() throws {
        var copies = Self.healthy()
        copies[2] = Self.copy("ns3", serial: 4, ends: 2 * Self.day - 60)
        let findings = Self.findings(copies)
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.kind == .signaturesExpiring && finding.severity == .critical && finding.servers == ["ns3"])
        #expect(
            finding.message
                == "ns3 holds signatures of signed.lab that end at 2026-12-09 14:59 UTC (in 1 d 23 h; first: "
                + "www.signed.lab A signed by key 8720); ns3 is stale (serial 4, ns1 5, whose signatures run until "
                + "2027-01-06 15:00 UTC): 'zonecheck repair signed.lab' brings it up to date")
    }

    @Test func fiveDaysLeftIsAWarningAndEightDaysNothing() throws {
        var copies = Self.healthy()
        copies[1] = Self.copy("ns2", serial: 4, ends: 5 * Self.day)
        copies[3] = Self.copy("ns4", serial: 3, ends: 8 * Self.day)
        let findings = Self.findings(copies)
        #expect(findings.map(\.severity) == [.warning] && findings.map(\.servers) == [["ns2"]])
        let narrow = DeepSignatures.findings(
            copies, zone: "signed.lab", primary: "ns1",
            thresholds: SignatureWindow(warning: .seconds(10 * 86_400), critical: .seconds(6 * 86_400)))
        #expect(narrow.map(\.severity) == [.critical, .warning] && narrow.map(\.servers) == [["ns2"], ["ns4"]])
    }

    @Test func anExpiredCopyIsCritical() throws {
        var copies = Self.healthy()
        copies[3] = Self.copy("ns4", serial: 4, ends: -3600)
        let finding = try #require(Self.findings(copies).first)
        #expect(finding.kind == .signaturesExpired && finding.severity == .critical && finding.servers == ["ns4"])
        #expect(
            finding.message.hasPrefix("ns4 holds signatures of signed.lab that ended at 2026-12-07 14:00 UTC (1 h ago;")
        )
        #expect(finding.message.contains("validating resolvers get SERVFAIL from ns4; ns4 is stale"))
    }

    @Test func theSignerStoppedWhenThePrimarysOwnCopyEnds() throws {
        let copies = ["ns1", "ns2", "ns3"].map { Self.copy($0, serial: 5, ends: Self.day) }
        let findings = Self.findings(copies)
        #expect(findings.count == 1, "one finding for the servers with the same copy")
        #expect(findings.first?.servers == ["ns1", "ns2", "ns3"])
        #expect(findings.first?.message.contains("ns1, ns2, ns3 hold signatures") == true)
        #expect(
            findings.first?.message.contains("the signer stopped re-signing signed.lab; sign it again on ns1") == true)
    }

    @Test func aSignatureThatBeginsAfterTheTransferIsCritical() throws {
        var copies = Self.healthy()
        copies[1].signatures.latestInception?.inception = Self.now + 3600
        let finding = try #require(Self.findings(copies).first)
        #expect(finding.kind == .signaturesNotYetValid && finding.severity == .critical && finding.servers == ["ns2"])
        #expect(finding.message.contains("begin only at 2026-12-07 16:00 UTC"))
    }

    @Test func anotherDNSKEYSetIsNamedCriticalWithNoKeyInCommon() throws {
        var copies = Self.healthy()
        copies[2] = Self.copy("ns3", serial: 5, ends: 30 * Self.day, keys: [8720, 43996, 11111])
        copies[4] = Self.copy("ns5", serial: 4, ends: 30 * Self.day, keys: [22222, 33333])
        let findings = Self.findings(copies)
        #expect(findings.map(\.kind) == [.dnskeyDiffers, .dnskeyDiffers])
        #expect(findings.map(\.servers) == [["ns3"], ["ns5"]])
        #expect(findings.map(\.severity) == [.warning, .critical])
        #expect(findings[0].message.contains("a key rollover seen at two stages"))
        #expect(findings[0].message.contains("'zonecheck repair signed.lab --deep --source ns1'"))
        let ns5 = copies[4].signatures.keys.map(\.name).joined(separator: ", ")
        let ns1 = copies[0].signatures.keys.map(\.name).joined(separator: ", ")
        #expect(
            findings[1].message.hasPrefix("ns5 serves the DNSKEY set of signed.lab {\(ns5)} where ns1 serves {\(ns1)}"))
        #expect(findings[1].message.contains("no key in common"))
        #expect(findings[1].message.contains("ns5 holds serial 4, ns1 5: it is stale"))
    }

    @Test func aZoneSignedOnSomeServersOnlyNamesTheOddOnes() throws {
        var copies = Self.healthy()
        copies[3] = Self.copy("ns4", serial: 5, ends: nil, keys: [], zonemd: .absent)
        let unsigned = Self.findings(copies)
        #expect(unsigned.map(\.kind) == [.partlySigned] && unsigned.map(\.servers) == [["ns4"]])
        #expect(unsigned.first?.severity == .critical)

        var old = ["ns1", "ns2"].map { Self.copy($0, serial: 6, ends: nil, keys: [], zonemd: .absent) }
        old.append(Self.copy("ns3", serial: 5, ends: 30 * Self.day))
        let stillSigned = Self.findings(old)
        #expect(stillSigned.map(\.kind) == [.partlySigned] && stillSigned.map(\.servers) == [["ns3"]])
        #expect(stillSigned.first?.severity == .warning)
    }

    @Test func aZONEMDMismatchNamesTheServerOrThePrimaryWhenEveryCopyFails() throws {
        var copies = Self.healthy()
        copies[1].signatures.zonemd = .mismatch(expected: String(repeating: "ab", count: 48), computed: "cd")
        let one = Self.findings(copies)
        #expect(one.map(\.kind) == [.zonemdMismatch] && one.map(\.servers) == [["ns2"]])
        #expect(
            one.first?.message.hasPrefix(
                "ns2's copy of signed.lab fails its ZONEMD (RFC 8976): its ZONEMD says abababababab...") == true)

        for i in copies.indices { copies[i].signatures.zonemd = .staleSerial(zonemd: Serial(4), soa: Serial(5)) }
        let all = Self.findings(copies)
        #expect(all.count == 1 && all.first?.servers == ["ns1", "ns2", "ns3", "ns4", "ns5"])
        #expect(all.first?.message.contains("ns1's included: its ZONEMD is for serial 4, the SOA says 5") == true)
    }

    @Test func theVerdictCarriesEachCopysSignaturesAndFindings() throws {
        let servers = ["ns1", "ns2"].map {
            ServerObservation(server: $0, role: $0 == "ns1" ? .primary : .secondary, answer: .serial(5, rtt: .zero))
        }
        let expired = Self.copy("ns2", serial: 5, ends: -60).signatures
        let transfers = [
            TransferObservation(
                server: "ns1", outcome: .transferred(serial: 5, digest: "aa", records: []),
                signatures: Self.copy("ns1", serial: 5, ends: 30 * Self.day).signatures),
            TransferObservation(
                server: "ns2", outcome: .transferred(serial: 5, digest: "aa", records: []), signatures: expired),
        ]
        let verdict = Compare.verdict(ZoneObservation(zone: Self.zone, servers: servers, transfers: transfers))
        #expect(verdict.status == .critical)
        #expect(verdict.findings.map(\.kind) == [.signaturesExpired])
        #expect(verdict.servers.first { $0.server == "ns2" }?.signatures == expired)
        let json = JSONRenderer().render(CheckReport(servers: ["ns1", "ns2"], verdicts: [verdict], deep: true))
        #expect(json.contains("\"earliest_rrsig_expiration\" : \"2026-12-07T14:59:00Z\""), "\(json)")
        #expect(json.contains("\"zonemd\" : \"verified\""))
    }
}
