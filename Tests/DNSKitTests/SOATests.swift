import Testing

@testable import DNSKit

@Suite("SOA RDATA (RFC 1035 §3.3.13)")
struct SOATests {
    /// `ns1.example. admin.example. 2018031900 1800 900 604800 86400`, written out octet by octet.
    static let wire: [UInt8] =
        [3] + Array("ns1".utf8) + [7] + Array("example".utf8) + [0]
        + [5] + Array("admin".utf8) + [7] + Array("example".utf8) + [0]
        + [0x78, 0x48, 0xB9, 0x1C]  // 2018031900
        + [0, 0, 0x07, 0x08]  // 1800
        + [0, 0, 0x03, 0x84]  // 900
        + [0, 0x09, 0x3A, 0x80]  // 604800
        + [0, 0x01, 0x51, 0x80]  // 86400

    @Test func parsesEveryField() throws {
        let soa = try #require(SOA(rdata: Self.wire))
        #expect(soa.mname == (try DomainName(zoneName: "ns1.example.")))
        #expect(soa.rname == (try DomainName(zoneName: "admin.example.")))
        #expect(soa.serial == Serial(2_018_031_900))
        #expect(soa.refresh == 1800)
        #expect(soa.retry == 900)
        #expect(soa.expire == 604_800)
        #expect(soa.minimum == 86400)
    }

    @Test func writesWhatItRead() throws {
        let soa = try #require(SOA(rdata: Self.wire))
        #expect(soa.rdata() == Self.wire)
    }

    @Test func withSerialChangesOnlyTheSerial() throws {
        let soa = try #require(SOA(rdata: Self.wire))
        let next = soa.with(serial: Serial(2_018_031_901))
        #expect(next.serial == Serial(2_018_031_901))
        #expect(next.with(serial: soa.serial) == soa)
        var expected = Self.wire
        expected[expected.count - 17] = 0x1D
        #expect(next.rdata() == expected)
    }

    @Test func fromARecordOnlyWhenItIsAnSOA() throws {
        let owner = try DomainName(zoneName: "example.")
        #expect(SOA(record: ResourceRecord(owner: owner, type: .soa, ttl: 3600, rdata: Self.wire)) != nil)
        #expect(SOA(record: ResourceRecord(owner: owner, type: .txt, ttl: 3600, rdata: Self.wire)) == nil)
    }

    static let malformed: [(String, [UInt8])] = {
        let pointer: [UInt8] = [3] + Array("ns1".utf8) + [0, 0xC0, 0x00]
        return [
            ("one timer octet missing", Array(wire.dropLast())),
            ("one octet too many", wire + [0]),
            ("no RNAME terminator", Array(wire.prefix(20))),
            ("empty", []),
            ("compression pointer for RNAME", pointer + [UInt8](repeating: 0, count: 20)),
        ]
    }()

    @Test(arguments: malformed)
    func rejectsMalformedRDATA(label: String, rdata: [UInt8]) {
        #expect(SOA(rdata: rdata) == nil, "\(label)")
    }
}
