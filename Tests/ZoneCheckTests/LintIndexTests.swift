import DNSKit
import Testing

@testable import ZoneCheck

/// The compact structures behind the linter against the plain `DomainName` operations they
/// stand in for.
@Suite struct LintIndexTests {
    static let names = [
        "example.com.", "EXAMPLE.com.", "www.example.com.", "WWW.Example.COM.", "xexample.com.", "example.com.net.",
        "com.", ".", "a.b.c.example.com.", "example.org.", "wwwexample.com.", "mail.example.com.example.com.",
        "example.co.", "\\.example.com.", "ex\\046ample.com.",
    ]

    func name(_ text: String) throws -> DomainName { try DomainName(presentation: text, origin: nil) }

    @Test(arguments: ["example.com.", "COM.", ".", "b.c.example.com."])
    func zoneSuffixAgreesWithIsSubdomain(_ origin: String) throws {
        let apex = try name(origin)
        let suffix = ZoneSuffix(apex)
        for text in Self.names {
            let candidate = try name(text)
            #expect(suffix.contains(candidate) == candidate.isSubdomain(of: apex), "\(text) under \(origin)")
        }
    }

    @Test func ownerIndexInternsEachNameOnceIgnoringCase() throws {
        var index = OwnerIndex(apex: try name("example.com."))
        let www = index.intern(try name("www.example.com."))
        #expect(index.intern(try name("WWW.Example.Com.")) == www)
        #expect(index.find(try name("www.EXAMPLE.com.")) == www)
        #expect(index.find(try name("ftp.example.com.")) == nil)
        let deep = index.intern(try name("a.b.c.example.com."))
        // Empty non-terminals are interned on the way: b.c and c.
        let c = try #require(index.find(try name("c.example.com.")))
        let bc = try #require(index.find(try name("b.c.example.com.")))
        #expect(index[deep].parent == bc)
        #expect(index[bc].parent == c)
        #expect(index[c].parent == OwnerIndex.apex)
        #expect(index.isAncestor(c, ofOrSelf: deep))
        #expect(!index.isAncestor(www, ofOrSelf: deep))
        #expect(index.name(deep) == (try name("a.b.c.example.com.")))
        #expect(index.count == 5)
    }

    @Test func ownerIndexSurvivesGrowth() throws {
        var index = OwnerIndex(apex: try name("example.com."))
        var ids: [UInt32] = []
        for i in 0..<5000 { ids.append(index.intern(try name("h\(i).example.com."))) }
        for i in stride(from: 0, to: 5000, by: 7) {
            #expect(index.find(try name("H\(i).example.com.")) == ids[i])
            #expect(index.name(ids[i]).description == "h\(i).example.com.")
        }
        #expect(Set(ids).count == 5000)
    }

    @Test func fingerprintIgnoresCaseOfNamesButNotOfOtherBytes() throws {
        func record(_ type: RecordType, _ rdata: [UInt8]) throws -> ResourceRecord {
            ResourceRecord(owner: try name("www.example.com."), type: type, ttl: 300, rdata: rdata)
        }
        let lower = try record(.mx, [0, 10] + (try name("mail.example.com.")).wire)
        let upper = try record(.mx, [0, 10] + (try name("MAIL.example.com.")).wire)
        #expect(RecordSets.fingerprint(lower, owner: 1) == RecordSets.fingerprint(upper, owner: 1))
        // Preference 65 ("A") and 97 ("a") are different records.
        let p65 = try record(.mx, [0, 65] + (try name("mail.example.com.")).wire)
        let p97 = try record(.mx, [0, 97] + (try name("mail.example.com.")).wire)
        #expect(RecordSets.fingerprint(p65, owner: 1) != RecordSets.fingerprint(p97, owner: 1))
        // TXT keeps its case.
        let txtLower = try record(.txt, [1, UInt8(ascii: "a")])
        let txtUpper = try record(.txt, [1, UInt8(ascii: "A")])
        #expect(RecordSets.fingerprint(txtLower, owner: 1) != RecordSets.fingerprint(txtUpper, owner: 1))
        #expect(RecordSets.fingerprint(lower, owner: 1) != RecordSets.fingerprint(lower, owner: 2))
    }
}
