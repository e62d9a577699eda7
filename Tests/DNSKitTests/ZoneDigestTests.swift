import Foundation
import TestSupport
import Testing

@testable import DNSKit

#if canImport(Glibc)
    import Glibc
#endif

/// Zone digest (RFC 8976 SIMPLE scheme). The known answers are RFC 8976 Appendix A; the same
/// zones, in zone-file form with their expected results, are in Fixtures/rfc8976-*.zone.
@Suite("Zone digest (RFC 8976)")
struct ZoneDigestTests {
    static let a1Digest =
        "c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c"
    static let a2Digest =
        "a3b69bad980a3504e1cffcb0fd6397f93848071c93151f552ae2f6b1711d4bd2d8b39808226d7b9db71e34b72077f8fe"

    /// RFC 8976 A.1, as in Fixtures/rfc8976-a1-simple.zone.
    static var simpleZone: [ResourceRecord] {
        [
            rr("example.", 86400, .soa, RDATA.soa("ns1.example.", "admin.example.", 2_018_031_900)),
            rr("example.", 86400, .ns, RDATA.name("ns1.example.")),
            rr("example.", 86400, .ns, RDATA.name("ns2.example.")),
            rr("example.", 86400, .zonemd, RDATA.zonemd(2_018_031_900, 1, 1, a1Digest)),
            rr("ns1.example.", 3600, .a, RDATA.a("203.0.113.63")),
            rr("ns2.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::63")),
        ]
    }

    /// RFC 8976 A.2, as in Fixtures/rfc8976-a2-complex.zone.
    static var complexZone: [ResourceRecord] {
        [
            rr("example.", 86400, .soa, RDATA.soa("ns1.example.", "admin.example.", 2_018_031_900)),
            rr("example.", 86400, .ns, RDATA.name("ns1.example.")),
            rr("example.", 86400, .ns, RDATA.name("ns2.example.")),
            rr("example.", 86400, .zonemd, RDATA.zonemd(2_018_031_900, 1, 1, a2Digest)),
            rr("ns1.example.", 3600, .a, RDATA.a("203.0.113.63")),
            rr("NS2.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::63")),
            rr("occluded.sub.example.", 7200, .txt, RDATA.txt("I'm occluded but must be digested")),
            rr("sub.example.", 7200, .ns, RDATA.name("ns1.example.")),
            rr("duplicate.example.", 300, .txt, RDATA.txt("I must be digested just once")),
            rr("duplicate.example.", 300, .txt, RDATA.txt("I must be digested just once")),
            rr("foo.test.", 555, .txt, RDATA.txt("out-of-zone data must be excluded")),
            rr("UPPERCASE.example.", 3600, .txt, RDATA.txt("canonicalize uppercase owner names")),
            rr("*.example.", 777, .ptr, RDATA.name("dont-forget-about-wildcards.example.")),
            rr("mail.example.", 3600, .mx, RDATA.mx(20, "MAIL1.example.")),
            rr("mail.example.", 3600, .mx, RDATA.mx(10, "Mail2.Example.")),
            rr("sortme.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::5:61")),
            rr("sortme.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::3:62")),
            rr("sortme.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::4:63")),
            rr("sortme.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::1:65")),
            rr("sortme.example.", 3600, .aaaa, RDATA.aaaa("2001:db8::2:64")),
            rr(
                "non-apex.example.", 900, .zonemd,
                RDATA.zonemd(
                    2_018_031_900, 1, 1,
                    "616c6c6f77656420627574206967" + "6e6f7265642e20616c6c6f77656420627574"
                        + "2069676e6f7265642e20616c6c6f7765")),
        ]
    }

    /// RFC 8976 A.3, as in Fixtures/rfc8976-a3-multiple-digests.zone.
    static var multipleDigestsZone: [ResourceRecord] {
        [
            rr("example.", 86400, .soa, RDATA.soa("ns1.example.", "admin.example.", 2_018_031_900)),
            rr("example.", 86400, .ns, RDATA.name("ns1.example.")),
            rr("example.", 86400, .ns, RDATA.name("ns2.example.")),
            rr(
                "example.", 86400, .zonemd,
                RDATA.zonemd(
                    2_018_031_900, 1, 1,
                    "62e6cf51b02e54b9b5f967d547ce43136792901f9f88e637493daaf401c92c279dd10f0edb1c56f8080211f8480ee306")
            ),
            rr(
                "example.", 86400, .zonemd,
                RDATA.zonemd(
                    2_018_031_900, 1, 2,
                    "08cfa1115c7b948c4163a901270395ea226a930cd2cbcf2fa9a5e6eb85f37c8a"
                        + "4e114d884e66f176eab121cb02db7d652e0cc4827e7a3204f166b47e5613fd27")),
            rr("example.", 86400, .zonemd, RDATA.zonemd(2_018_031_900, 1, 240, "e2d523f654b9422a96c5a8f44607bbee")),
            rr(
                "example.", 86400, .zonemd,
                RDATA.zonemd(
                    2_018_031_900, 241, 1,
                    "e1846540e33a9e4189792d18d5d131f605fc283eaaaaaaaa"
                        + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")),
            rr("ns1.example.", 3600, .a, RDATA.a("203.0.113.63")),
            rr("ns2.example.", 86400, .txt, RDATA.txt("This example has multiple digests")),
            rr("NS2.EXAMPLE.", 3600, .aaaa, RDATA.aaaa("2001:db8::63")),
        ]
    }

    static func summary(_ records: [ResourceRecord], origin: String = "example.") -> ZoneSummary {
        let builder = ZoneDigestBuilder(origin: name(origin))
        for record in records { builder.add(record) }
        return builder.finish()
    }

    // MARK: known answers

    @Test func rfc8976SimpleZone() {
        let summary = Self.summary(Self.simpleZone)
        #expect(summary.digestHex == Self.a1Digest)
        #expect(summary.zonemd == .verified)
        #expect(summary.recordCount == 6)
        #expect(summary.countsByType == [.soa: 1, .ns: 2, .zonemd: 1, .a: 1, .aaaa: 1])
        #expect(summary.soa?.serial == Serial(2_018_031_900))
        #expect(summary.soa?.mname == Self.name("ns1.example."))
    }

    @Test func rfc8976ComplexZone() {
        let summary = Self.summary(Self.complexZone)
        #expect(summary.digestHex == Self.a2Digest)
        #expect(summary.zonemd == .verified)
        #expect(summary.recordCount == 19, "one duplicate removed, foo.test. left out")
        #expect(
            summary.countsByType == [.soa: 1, .ns: 3, .zonemd: 2, .a: 1, .aaaa: 6, .txt: 3, .ptr: 1, .mx: 2])
    }

    @Test("types above 255 (CAA 257, private 65280) and the highest (65535) are counted as the common ones")
    func countsOfEveryTypeRange() {
        let soa = Self.simpleZone.first { $0.type == .soa }!
        let caa: [UInt8] = [0, 5] + Array("issue".utf8) + Array("ca.example".utf8)
        let records = [
            soa, Self.rr("example.", 86400, RecordType(rawValue: 257), caa),
            Self.rr("example.", 86400, RecordType(rawValue: 257), caa + [0x2E]),
            Self.rr("a.example.", 86400, RecordType(rawValue: 65280), [1, 2, 3]),
            Self.rr("b.example.", 86400, RecordType(rawValue: 65535), []),
            Self.rr("b.example.", 86400, .a, [192, 0, 2, 1]),
        ]
        let summary = Self.summary(records)
        #expect(
            summary.countsByType == [
                .soa: 1, RecordType(rawValue: 257): 2, RecordType(rawValue: 65280): 1, RecordType(rawValue: 65535): 1,
                .a: 1,
            ])
        #expect(summary.recordCount == 6)
    }

    @Test func rfc8976MultipleDigests() {
        let summary = Self.summary(Self.multipleDigestsZone)
        #expect(summary.zonemd == .verified, "SHA-384 and SHA-512 records both match; unknown ones are skipped")
        #expect(summary.digestHex.hasPrefix("62e6cf51b02e54b9"))
        #expect(summary.recordCount == 10)
        #expect(summary.countsByType[.zonemd] == 4)
    }

    @Test func theApexZONEMDIsNotPartOfTheDigest() {
        let withoutZONEMD = Self.simpleZone.filter { $0.type != .zonemd }
        let summary = Self.summary(withoutZONEMD)
        #expect(summary.digestHex == Self.a1Digest)
        #expect(summary.zonemd == .absent)
        #expect(summary.recordCount == 5)
    }

    @Test func anApexRRSIGCoveringZONEMDIsLeftOutButOthersCount() {
        // RRSIG RDATA starts with the type covered: 63 is ZONEMD, 6 is SOA.
        let coveringZONEMD = Self.rr(
            "example.", 86400, .rrsig, [0, 63] + [UInt8](repeating: 7, count: 16) + [0] + [1, 2])
        let coveringSOA = Self.rr("example.", 86400, .rrsig, [0, 6] + [UInt8](repeating: 7, count: 16) + [0] + [1, 2])
        let base = Self.summary(Self.simpleZone)
        let excluded = Self.summary(Self.simpleZone + [coveringZONEMD])
        #expect(excluded.digest == base.digest)
        #expect(excluded.zonemd == .verified)
        #expect(excluded.countsByType[.rrsig] == 1)
        let included = Self.summary(Self.simpleZone + [coveringSOA])
        #expect(included.digest != base.digest)
        #expect(included.zonemd != .verified)
    }

    // MARK: what the digest must not depend on

    @Test(arguments: [1, 2, 3, 42, 1234])
    func recordOrderDoesNotMatter(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        let shuffled = Self.complexZone.shuffled(using: &generator)
        let summary = Self.summary(shuffled)
        #expect(summary.digestHex == Self.a2Digest)
        #expect(summary.zonemd == .verified)
        #expect(summary.recordCount == 19)
    }

    @Test func duplicatesAreDigestedOnce() {
        let twice = Self.complexZone + Self.complexZone.reversed()
        let summary = Self.summary(twice)
        #expect(summary.digestHex == Self.a2Digest)
        #expect(summary.recordCount == 19)
    }

    @Test func anAXFRStreamWithTheSOATwiceGivesTheFileDigest() {
        // AXFR (RFC 5936 §2.2) starts and ends with the SOA.
        let stream = Self.simpleZone + [Self.simpleZone[0]]
        let summary = Self.summary(stream)
        #expect(summary.digestHex == Self.a1Digest)
        #expect(summary.recordCount == 6)
    }

    @Test func caseOfOwnersAndTargetsDoesNotMatter() {
        let shouted = Self.simpleZone.map { record in
            var copy = record
            copy.owner = Self.name(record.owner.description.uppercased())
            if record.type == .ns { copy.rdata = RDATA.name(Self.text(record.rdata).uppercased()) }
            return copy
        }
        #expect(shouted[1].owner.wire != Self.simpleZone[1].owner.wire, "the test really changed the case")
        #expect(Self.summary(shouted).digestHex == Self.a1Digest)
    }

    @Test func outOfZoneRecordsAreIgnored() {
        let extra = [
            Self.rr("foo.test.", 555, .txt, RDATA.txt("outside")),
            Self.rr("example.net.", 3600, .a, RDATA.a("192.0.2.1")),
            Self.rr("notexample.", 3600, .a, RDATA.a("192.0.2.2")),
        ]
        let summary = Self.summary(extra + Self.simpleZone + extra)
        #expect(summary.digestHex == Self.a1Digest)
        #expect(summary.recordCount == 6)
        #expect(summary.countsByType[.txt] == nil)
    }

    @Test func anEmptyZoneIsTheDigestOfNothing() {
        // SHA-384 of zero octets (FIPS 180-4 test vector): nothing in the zone, nothing hashed.
        let empty = "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
        let nothing = Self.summary([])
        #expect(nothing.digestHex == empty)
        #expect(nothing.recordCount == 0 && nothing.countsByType.isEmpty && nothing.soa == nil)
        #expect(nothing.zonemd == .absent)
        let onlyOutside = Self.summary([Self.rr("foo.test.", 555, .txt, RDATA.txt("outside"))])
        #expect(onlyOutside.digestHex == empty)
        #expect(onlyOutside.recordCount == 0)
    }

    // MARK: what the digest must depend on

    @Test func oneChangedTTLChangesTheDigest() {
        var zone = Self.simpleZone
        zone[4].ttl = 3601
        let summary = Self.summary(zone)
        #expect(summary.digestHex != Self.a1Digest)
        #expect(summary.zonemd == .mismatch(expected: Self.a1Digest, computed: summary.digestHex))
    }

    @Test func oneChangedRDATAByteChangesTheDigest() {
        var zone = Self.simpleZone
        zone[5].rdata[15] ^= 1
        let summary = Self.summary(zone)
        #expect(summary.digestHex != Self.a1Digest)
        #expect(summary.zonemd == .mismatch(expected: Self.a1Digest, computed: summary.digestHex))
    }

    @Test func aNewSerialWithoutANewZONEMDIsStale() {
        var zone = Self.simpleZone
        zone[0].rdata = RDATA.soa("ns1.example.", "admin.example.", 2_018_031_901)
        let summary = Self.summary(zone)
        #expect(summary.zonemd == .staleSerial(zonemd: Serial(2_018_031_900), soa: Serial(2_018_031_901)))
        #expect(summary.digestHex != Self.a1Digest, "the SOA serial is part of the digest")
    }

    @Test func unknownSchemesAndAlgorithmsAreUnsupported() {
        var zone = Self.simpleZone
        zone[3].rdata = RDATA.zonemd(2_018_031_900, 241, 1, Self.a1Digest)
        #expect(Self.summary(zone).zonemd == .unsupported(scheme: 241, algorithm: 1))
        zone[3].rdata = RDATA.zonemd(2_018_031_900, 1, 240, "e2d523f654b9422a96c5a8f44607bbee")
        #expect(Self.summary(zone).zonemd == .unsupported(scheme: 1, algorithm: 240))
    }

    @Test func tooSmallAZONEMDDigestIsAMismatch() {
        var zone = Self.simpleZone
        zone[3].rdata = RDATA.zonemd(2_018_031_900, 1, 1, "c68090d90a7aed716bc459f9")
        guard case .mismatch(let expected, _) = Self.summary(zone).zonemd else {
            Issue.record("a truncated SHA-384 digest must not verify")
            return
        }
        #expect(expected == "c68090d90a7aed716bc459f9")
    }

    // MARK: against a straightforward implementation of RFC 8976 §3.3

    /// Owners repeat in random order, so one owner's records range from a few to over a hundred
    /// (both the insertion sort and the general sort of one owner's records run). Zones without
    /// zero octets in their names take the prefix path of the owner sort, the others the
    /// comparison path; below 8,192 records the prefixes are sorted by comparison, from there by radix.
    @Test(arguments: [
        (UInt64(7), 400, true), (8, 2000, true), (9, 60, true), (10, 400, false), (11, 3000, false),
        (12, 12_000, false),
    ])
    func matchesAReferenceImplementationOnRandomZones(seed: UInt64, count: Int, zeroOctets: Bool) {
        var generator = SeededRandom(seed: seed)
        let origin = Self.name("example.")
        var records: [ResourceRecord] = []
        // RFC 4034 §6.1's own ordering example, plus names that stress label comparison.
        let owners: [[[UInt8]]] =
            [
                [], [Array("a".utf8)], [Array("yljkjljk".utf8), Array("a".utf8)], [Array("Z".utf8), Array("a".utf8)],
                [Array("zABC".utf8), Array("a".utf8)], [Array("z".utf8)], [[1], Array("z".utf8)],
                [Array("*".utf8), Array("z".utf8)], [[200], Array("z".utf8)], [Array("a-b".utf8)],
                [Array("ab".utf8)], [Array("a".utf8), Array("b".utf8)], [[0], Array("a".utf8)],
                [Array("www".utf8), Array("sub".utf8)], [Array("sub".utf8)], [Array("x".utf8), Array("www".utf8)],
                // Labels just below the origin that tie on their first 8 octets, or end with a zero octet.
                [Array("abcdefghij".utf8)], [Array("abcdefgh".utf8)], [Array("abcdefgh".utf8) + [0]],
                [Array("abcdefghi".utf8)], [[0]], [[0, 0]], [Array("x".utf8), Array("abcdefgh".utf8)],
                // Names that tie on the first 16 octets below the origin, or put a zero octet there.
                [Array("sel1".utf8), Array("_domainkey".utf8)], [Array("sel12".utf8), Array("_domainkey".utf8)],
                [Array("sel1".utf8) + [0], Array("_domainkey".utf8)],
                [Array("x".utf8), Array("abcdefghijklmnop".utf8)],
                [Array("abcdefghijklmnop".utf8)], [Array("abcdefghijklmno".utf8)],
                [[1], Array("abcdefghijklmno".utf8)],
                [[0x61, 0]], [[1], [0x61]], [[0x61]],
            ].filter { zeroOctets || !$0.joined().contains(0) }
            + (0..<40).map { [Array("h\($0)".utf8)] }
            + (0..<20).map { [Array("s\($0)".utf8), Array("_domainkey".utf8)] }
        for _ in 0..<count {
            var labels = owners[Int.random(in: 0..<owners.count, using: &generator)]
            labels = labels.map { label in
                label.map { Bool.random(using: &generator) ? DomainName.lower($0) : Self.upper($0) }
            }
            let owner = try! DomainName(labels: labels + [Array("example".utf8)])
            let ttl = UInt32.random(in: 299...301, using: &generator)
            let record: ResourceRecord
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: record = Self.rr(owner, ttl, .a, (0..<4).map { _ in UInt8.random(in: 0...3, using: &generator) })
            case 1:
                record = Self.rr(owner, ttl, .aaaa, (0..<16).map { _ in UInt8.random(in: 0...1, using: &generator) })
            case 2:
                let target = Bool.random(using: &generator) ? "Mail.Example." : "mail.example."
                record = Self.rr(owner, ttl, .mx, RDATA.mx(UInt16.random(in: 0...2, using: &generator), target))
            case 3:
                let length = Int.random(in: 0...3, using: &generator)
                record = Self.rr(owner, ttl, .txt, [UInt8(length)] + [UInt8](repeating: 0x61, count: length))
            case 4:
                record = Self.rr(
                    owner, ttl, .ns, RDATA.name(Bool.random(using: &generator) ? "NS1.example." : "ns1.example."))
            default: record = Self.rr(Self.name("outside.test."), ttl, .a, [1, 2, 3, 4])
            }
            records.append(record)
        }
        records.append(contentsOf: Self.simpleZone.filter { $0.type == .soa })
        let summary = Self.summary(records)
        let reference = Self.referenceDigest(records, origin: origin)
        #expect(summary.digest == reference.digest)
        #expect(summary.recordCount == reference.count)
    }

    /// RFC 8976 §3.3 step by step, over ResourceRecord values, with no attention to speed.
    static func referenceDigest(_ records: [ResourceRecord], origin: DomainName) -> (digest: [UInt8], count: Int) {
        let inZone = records.filter { $0.owner.isSubdomain(of: origin) }
        let sorted = inZone.sorted { x, y in
            let c = DomainName.compareCanonical(x.owner, y.owner)
            if c != 0 { return c < 0 }
            if x.type != y.type { return x.type < y.type }
            let xd = RDATALayout.canonicalRDATA(type: x.type, x.rdata)
            let yd = RDATALayout.canonicalRDATA(type: y.type, y.rdata)
            if xd != yd { return xd.lexicographicallyPrecedes(yd) }
            return x.ttl < y.ttl
        }
        var kept: [ResourceRecord] = []
        for record in sorted where !(kept.last.map { $0.sameData(as: record) } ?? false) {
            kept.append(record)
        }
        let hash = HashContext(.sha384)
        for record in kept { hash.update(record.canonicalWire()) }
        return (hash.finish(), kept.count)
    }

    static func upper(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }
}

// MARK: building records by hand

extension ZoneDigestTests {
    /// A name from plain dotted text (no escapes), for tests.
    static func name(_ text: String) -> DomainName {
        try! DomainName(labels: text.split(separator: ".").map { Array($0.utf8) })
    }

    static func rr(_ owner: String, _ ttl: UInt32, _ type: RecordType, _ rdata: [UInt8]) -> ResourceRecord {
        ResourceRecord(owner: name(owner), type: type, ttl: ttl, rdata: rdata)
    }

    static func rr(_ owner: DomainName, _ ttl: UInt32, _ type: RecordType, _ rdata: [UInt8]) -> ResourceRecord {
        ResourceRecord(owner: owner, type: type, ttl: ttl, rdata: rdata)
    }

    enum RDATA {
        static func a(_ text: String) -> [UInt8] { text.split(separator: ".").map { UInt8($0)! } }

        static func aaaa(_ text: String) -> [UInt8] {
            var address = in6_addr()
            precondition(inet_pton(AF_INET6, text, &address) == 1, "bad IPv6 address in a test: \(text)")
            return withUnsafeBytes(of: address) { Array($0) }
        }

        static func name(_ text: String) -> [UInt8] { ZoneDigestTests.name(text).wire }

        static func mx(_ preference: UInt16, _ exchange: String) -> [UInt8] {
            [UInt8(preference >> 8), UInt8(preference & 0xFF)] + name(exchange)
        }

        static func txt(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }

        static func soa(_ mname: String, _ rname: String, _ serial: UInt32) -> [UInt8] {
            SOA(
                mname: ZoneDigestTests.name(mname), rname: ZoneDigestTests.name(rname), serial: Serial(serial),
                refresh: 1800,
                retry: 900, expire: 604_800, minimum: 86400
            ).rdata()
        }

        static func zonemd(_ serial: UInt32, _ scheme: UInt8, _ algorithm: UInt8, _ hex: String) -> [UInt8] {
            let bytes = Array(hex.utf8)
            let digest = stride(from: 0, to: bytes.count, by: 2).map {
                UInt8(String(decoding: bytes[$0..<$0 + 2], as: UTF8.self), radix: 16)!
            }
            return [
                UInt8(serial >> 24), UInt8(serial >> 16 & 0xFF), UInt8(serial >> 8 & 0xFF), UInt8(serial & 0xFF),
                scheme, algorithm,
            ]
                + digest
        }
    }

    /// The dotted text of a name in wire form, for tests that rewrite targets.
    static func text(_ wire: [UInt8]) -> String { (try! DomainName(wire: wire)).description }
}
