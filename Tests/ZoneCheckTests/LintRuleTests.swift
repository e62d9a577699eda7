import DNSKit
import Testing
import ZoneCheck

/// The lint rules on small zones written inline: the allowed cases next to the forbidden ones,
/// so a rule that fires too often fails here and one that never fires fails in the fixtures.
@Suite struct LintRuleTests {
    static let head = """
        $ORIGIN example.com.
        $TTL 3600
        @       IN SOA  ns1 hostmaster 2026112201 7200 1800 1209600 3600
                IN NS   ns1
                IN NS   ns2
        ns1     IN A    192.0.2.1
        ns2     IN A    192.0.2.2

        """

    /// `rule line` of every diagnostic of the zone `head + body` (body starts at line 8).
    func findings(_ body: String, file: String = "example.com.zone") -> [String] {
        let report = Linter.lint(text: Self.head + body, fileName: file, today: LintFixtures.today)
        return report.diagnostics.map { "\($0.rule) \($0.location.line)" }
    }

    @Test func cleanZoneHasNoFindings() {
        #expect(findings("www IN A 192.0.2.10\n") == [])
    }

    @Test func dnssecRecordsMayStandBesideACNAME() {
        let body = """
            www IN CNAME web.example.org.
            www IN RRSIG CNAME 13 3 3600 20261201000000 20261101000000 12345 example.com. AAAA
            www IN NSEC zz.example.com. CNAME RRSIG NSEC

            """
        #expect(findings(body) == [])
    }

    @Test func otherDataBesideACNAMEIsReportedOnEachRecord() {
        #expect(
            findings("www IN CNAME a.example.org.\nwww IN TXT \"x\"\nwww IN MX 10 mail.example.org.\n")
                == ["cname-and-other-data 9", "cname-and-other-data 10"])
    }

    @Test func aRepeatedCNAMEIsADuplicateNotASecondCNAME() {
        #expect(findings("www IN CNAME a.example.org.\nwww IN CNAME A.example.org.\n") == ["duplicate-record 9"])
    }

    @Test func duplicateWithAnotherTTLIsOnlyADuplicate() {
        #expect(findings("www 300 IN A 192.0.2.10\nwww 600 IN A 192.0.2.10\n") == ["duplicate-record 9"])
    }

    @Test func aNameThatComesBackLaterIsStillCheckedAgainstItsFirstRecords() {
        let body = "www 300 IN A 192.0.2.10\nmail IN A 192.0.2.25\nwww 600 IN A 192.0.2.11\nwww IN A 192.0.2.10\n"
        #expect(findings(body) == ["ttl-mismatch 10", "duplicate-record 11"])
    }

    @Test func aLargeRRsetIsCheckedToTheEnd() {
        var body = ""
        for i in 1...100 { body += "www IN A 192.0.2.\(i)\n" }
        body += "www 60 IN A 192.0.2.101\nwww IN A 192.0.2.7\nwww IN A 192.0.2.99\n"
        #expect(findings(body) == ["ttl-mismatch 108", "duplicate-record 109", "duplicate-record 110"])
    }

    @Test func sameDataAtAnotherNameIsNoDuplicate() {
        #expect(findings("a IN A 192.0.2.10\nb IN A 192.0.2.10\nA IN AAAA 2001:db8::1\n") == [])
    }

    @Test func glueBelowADelegationIsNotOccluded() {
        let body = """
            sub     IN NS   ns1.sub
                    IN NS   ns2.sub
                    IN DS   12345 13 2 2CA311451DED0A305F9C162AA3DCA3B2112AB20979D7C05DBB59F74B4394F566
            ns1.sub IN A    192.0.2.100
            ns2.sub IN AAAA 2001:db8::100

            """
        #expect(findings(body) == [])
    }

    @Test func nonAddressDataAtAGlueNameIsOccluded() {
        let body = "sub IN NS ns1.sub\nns1.sub IN A 192.0.2.100\nns1.sub IN TXT \"x\"\n"
        #expect(findings(body) == ["occluded 9"])
    }

    @Test func dataAtADelegationPointIsOccluded() {
        #expect(findings("sub IN NS ns.example.net.\nsub IN TXT \"x\"\n") == ["occluded 8"])
    }

    @Test func dataBelowADNAMEIsAnError() {
        // RFC 6672 §2.3; NSD refuses such a zone.
        #expect(findings("old IN DNAME new.example.net.\nwww.old IN A 192.0.2.1\n") == ["data-below-dname 9"])
        #expect(findings("old IN DNAME new.example.net.\nold IN TXT \"beside is fine\"\n") == [])
    }

    @Test func twoDNAMEsAtOneNameAreAnErrorTheSameOneTwiceADuplicate() {
        #expect(findings("old IN DNAME a.example.net.\nold IN DNAME b.example.net.\n") == ["multiple-dname 9"])
        #expect(findings("old IN DNAME a.example.net.\nold IN DNAME A.example.net.\n") == ["duplicate-record 9"])
    }

    @Test func dsAtTheApexIsAnErrorAtADelegationFine() {
        let digest = "2BB183AF5F22588179A53B0A98631FAD1A292118BA8E5CE1BC6A3CA1E5F1D2A4"
        #expect(findings("@ IN DS 12345 13 2 \(digest)\n") == ["ds-at-apex 8"])
        #expect(findings("sub IN NS ns.example.net.\nsub IN DS 12345 13 2 \(digest)\n") == [])
    }

    @Test func delegationAppearingAfterTheDataBelowItStillOccludes() {
        #expect(findings("www.sub IN A 192.0.2.1\nsub IN NS ns.example.net.\n") == ["occluded 8"])
    }

    @Test func targetsBelowADelegationAreTheChildsBusiness() {
        #expect(findings("@ IN MX 10 mail.sub\nsub IN NS ns.example.net.\n") == [])
    }

    @Test func nullMXAndNoServiceSRVHaveNoTarget() {
        #expect(findings("nomail IN MX 0 .\n_ldap._tcp IN SRV 0 0 0 .\n") == [])
    }

    @Test func apexNameServerWithoutAddressIsAnError() {
        // BIND: "NS 'ns3.example.com' has no address records", zone not loaded.
        #expect(findings("@ IN NS ns3\nns3 IN TXT \"soon\"\n") == ["ns-target-without-address 8"])
        // MX and SRV targets stay warnings.
        #expect(findings("@ IN MX 10 mx\nmx IN TXT \"soon\"\n") == ["target-without-address 8"])
    }

    @Test func delegationToAnInZoneServerOutsideTheCutNeedsAnAddressNotGlue() {
        #expect(findings("sub IN NS ns3\n") == ["ns-target-without-address 8"])
    }

    @Test func missingGlueIsAWarningWhenAnotherNameServerIsReachable() {
        // Reachable: outside the zone, glue of its own, an in-zone address, a sibling delegation.
        #expect(findings("sub IN NS ns1.sub\nsub IN NS ns.example.net.\n") == ["incomplete-glue 8"])
        #expect(findings("sub IN NS ns1.sub\nsub IN NS ns2.sub\nns2.sub IN A 192.0.2.9\n") == ["incomplete-glue 8"])
        #expect(findings("sub IN NS ns1.sub\nsub IN NS ns1\n") == ["incomplete-glue 8"])
        #expect(
            findings("sub IN NS ns1.sub\nsub IN NS ns.other\nother IN NS ns.example.net.\n") == ["incomplete-glue 8"])
        // None reachable: an error on each.
        #expect(findings("sub IN NS ns1.sub\nsub IN NS ns2.sub\n") == ["missing-glue 8", "missing-glue 9"])
    }

    @Test func nameServerAtTheDelegationPointItselfNeedsGlue() {
        #expect(findings("sub IN NS sub\n") == ["missing-glue 8"])
        #expect(findings("sub IN NS sub\nsub IN A 192.0.2.9\n") == [])
    }

    @Test func relativeNameEndingInATLDIsFineWhenTheZoneHasIt() {
        #expect(findings("www IN CNAME shop.de\nshop.de IN A 192.0.2.7\n") == [])
        #expect(findings("www IN CNAME shop.de\n") == ["missing-trailing-dot 8"])
    }

    @Test func relativeNameBelowADelegationIsNotASuspect() {
        // "shop" is a TLD too, but here it is a delegated subzone and www.shop lives there.
        #expect(findings("store IN CNAME www.shop\nshop IN NS ns.example.net.\n") == [])
    }

    @Test func oneLabelRelativeTargetsAreNotSuspects() {
        #expect(findings("www IN CNAME com\ncom IN A 192.0.2.1\nftp IN CNAME www\n") == [])
    }

    @Test func forgottenDotIsReportedOnceNotAlsoAsMissingAddress() {
        #expect(findings("@ IN MX 10 mail.example.com\n") == ["missing-trailing-dot 8"])
        #expect(findings("@ IN NS ns9.example.net\n") == ["missing-trailing-dot 8"])
    }

    @Test func rrsigsOfDifferentTypesMayHaveDifferentTTLs() {
        let body = """
            www 300 IN RRSIG A 13 3 300 20261201000000 20261101000000 12345 example.com. AAAA
            www 600 IN RRSIG TXT 13 3 600 20261201000000 20261101000000 12345 example.com. AAAA

            """
        #expect(findings(body) == [])
    }

    @Test func recordsOutsideTheZoneAreNotIndexed() {
        // The MX target in another zone is not checked, and the outside record is only out-of-zone.
        #expect(findings("mail.example.org. IN A 192.0.2.1\n@ IN MX 10 mail.example.org.\n") == ["out-of-zone 8"])
    }

    @Test func originComesFromTheFileNameWithoutDollarOrigin() {
        let text = """
            $TTL 3600
            @   IN SOA ns1 hostmaster 2026112201 7200 1800 1209600 3600
                IN NS  ns1
            ns1 IN A   192.0.2.1
            """
        let report = Linter.lint(text: text, fileName: "zones/shop.example.net.zone", today: LintFixtures.today)
        #expect(report.origin.description == "shop.example.net.")
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
    }

    @Test func explicitOriginWins() throws {
        let origin = try DomainName(presentation: "example.org.", origin: nil)
        let report = Linter.lint(
            text: Self.head, fileName: "example.com.zone", origin: origin, today: LintFixtures.today)
        #expect(report.origin == origin)
        #expect(report.diagnostics.contains { $0.rule == "out-of-zone" })
    }

    @Test func serialOfTodayIsNotInTheFuture() {
        let tomorrow = LintRuleTests.head.replacingOccurrences(of: "2026112201", with: "2026112301")
        let today = Linter.lint(text: Self.head, fileName: "example.com.zone", today: LintFixtures.today)
        let ahead = Linter.lint(text: tomorrow, fileName: "example.com.zone", today: LintFixtures.today)
        #expect(today.diagnostics.isEmpty)
        #expect(ahead.diagnostics.map(\.rule) == ["serial-future"])
    }

    @Test func plainCounterSerialsAreNotDates() {
        let counter = LintRuleTests.head.replacingOccurrences(of: "2026112201", with: "42")
        #expect(Linter.lint(text: counter, fileName: "example.com.zone", today: LintFixtures.today).diagnostics.isEmpty)
    }

    @Test func serialIncrementedWithChangedContentIsFine() throws {
        let origin = try DomainName(presentation: "example.com.", origin: nil)
        let previous = LintFixtures.invalid.appendingPathComponent("serial-not-incremented.previous.zone").path
        let old = try PreviousZone.read(path: previous, origin: origin)
        let edited = Self.head.replacingOccurrences(of: "2026112201", with: "2026112202") + "www IN A 192.0.2.11\n"
        let report = Linter.lint(text: edited, fileName: "example.com.zone", today: LintFixtures.today, previous: old)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
    }

    @Test func sameContentInAnotherOrderAndCaseWithTheSameSerialIsFine() throws {
        let origin = try DomainName(presentation: "example.com.", origin: nil)
        let previous = LintFixtures.invalid.appendingPathComponent("serial-not-incremented.previous.zone").path
        let old = try PreviousZone.read(path: previous, origin: origin)
        let reordered = """
            $ORIGIN example.com.
            $TTL 3600
            WWW     IN A    192.0.2.10
            @       IN SOA  NS1 hostmaster 2026112201 7200 1800 1209600 3600
            ns2     IN A    192.0.2.2
            ns1     IN A    192.0.2.1
            @       IN NS   ns2
            @       IN NS   ns1

            """
        let report = Linter.lint(
            text: reordered, fileName: "example.com.zone", today: LintFixtures.today, previous: old)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
    }

    @Test func exitCodes() {
        let clean = LintReport(file: "f", origin: .root, recordCount: 1, diagnostics: [])
        let warning = Diagnostic(.warning, "ttl-mismatch", at: SourceLocation(file: "f", line: 1), "m")
        let error = Diagnostic(.error, "ttl", at: SourceLocation(file: "f", line: 2), "m")
        let warned = LintReport(file: "f", origin: .root, recordCount: 1, diagnostics: [warning])
        let failed = LintReport(file: "f", origin: .root, recordCount: 1, diagnostics: [warning, error])
        #expect(clean.exitCode(strict: true) == 0)
        #expect(warned.exitCode(strict: false) == 1)
        #expect(warned.exitCode(strict: true) == 2)
        #expect(failed.exitCode(strict: false) == 2)
        #expect(failed.summary.map(\.rule) == ["ttl", "ttl-mismatch"])
    }

    @Test func aGeneratedZoneOfTwentyThousandRecordsIsClean() {
        var text = Self.head
        for i in 0..<5000 {
            text += "h\(i) IN A 192.0.\(i / 250).\(i % 250 + 1)\n   IN AAAA 2001:db8::\(String(i, radix: 16))\n"
            text += "   IN MX 10 h\(i)\nw\(i) IN CNAME h\(i)\n"
        }
        let report = Linter.lint(text: text, fileName: "example.com.zone", today: LintFixtures.today)
        #expect(report.recordCount == 20_005)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics.prefix(3))")
    }

    // MARK: transfer fit

    @Test func transferFitMatchesBINDsMeasurement() throws {
        // BIND 9.18: a TXT of 65,481 octets of RDATA at big-txt.example.com. (21 octets) is
        // "RR too large for zone transfer (65512 bytes)": owner + 10 + RDATA.
        let zone = try DomainName(presentation: "example.com.", origin: nil)
        let key = try DomainName(presentation: "zonecheck-ns1.", origin: nil)
        let signer = TransferFit.Signer(algorithm: .hmacSHA512, keyName: key)
        // TSIG: name 15 + 10 + "hmac-sha512." 13 + 16 + MAC 64.
        #expect(signer.recordLength == 118)
        #expect(TransferFit.Signer.assumed.recordLength == 255 + 10 + 13 + 16 + 64)
        let size = TransferFit.messageSize(ownerLength: 21, rdataLength: 65_481, zone: zone, signer: signer)
        #expect(size == 12 + 17 + 65_512 + 118)
        #expect(TransferFit.verdict(size: size) == .tooLarge(size: 65_659))
        #expect(TransferFit.verdict(size: 65_535) == .close(size: 65_535))
        #expect(TransferFit.verdict(size: 65_536) == .tooLarge(size: 65_536))
        #expect(TransferFit.verdict(size: 65_535 - 1_024) == .fits)
        #expect(TransferFit.verdict(size: 65_535 - 1_023) == .close(size: 64_512))
    }

    @Test func theWorstKeyOfTheFleetCounts() throws {
        let short = try #require(
            TSIGKey(name: DomainName(presentation: "k.", origin: nil), algorithm: .hmacSHA512, secret: [1, 2, 3]))
        let long = try #require(
            TSIGKey(
                name: DomainName(presentation: "a-much-longer-key-name.for-transfers.example.", origin: nil),
                algorithm: .hmacSHA256,
                secret: [1, 2, 3]))
        let worst = TransferFit.Signer.worst(of: [short, long])
        // hmac-sha512's 32 extra MAC octets lose to a key name 43 octets longer.
        #expect(worst == TransferFit.Signer(algorithm: .hmacSHA256, keyName: long.name))
        #expect(worst.recordLength == 46 + 10 + 13 + 16 + 32)
        #expect(TransferFit.Signer.worst(of: []) == .assumed)
    }

    @Test func aRecordNearTheTransferLimitIsAWarningAndOverItAnError() {
        func txt(_ octets: Int) -> String {
            var strings: [String] = []
            var left = octets
            while left > 0 {
                let n = min(255, left - 1)
                strings.append("\"" + String(repeating: "x", count: n) + "\"")
                left -= n + 1
            }
            return "big IN TXT " + strings.joined(separator: " ") + "\n"
        }
        // Overhead for big.example.com. with the assumed signer: 12 + 17 + 17 + 10 + 358 = 414.
        #expect(findings(txt(65_535 - 414)) == ["record-close-to-transfer-limit 8"])
        #expect(findings(txt(65_535 - 414 + 2)) == ["record-too-large-to-transfer 8"])
        #expect(findings(txt(65_535 - 414 - 1_024)) == [])
    }

    @Test func aGiantRecordFedFromElsewhereIsReportedNotTrapped() throws {
        // The reader never delivers one (rdata-too-long); the linter must survive one anyway,
        // upper-case owner and all (the canonical form it would need cannot hold the length).
        let origin = try DomainName(presentation: "example.com.", origin: nil)
        var linter = Linter(origin: origin, today: LintFixtures.today)
        let giant = ResourceRecord(
            owner: try DomainName(presentation: "Big.example.com.", origin: nil), type: RecordType(rawValue: 99),
            ttl: 60, rdata: Array(repeating: 0x41, count: 70_000))
        linter.check(ParsedRecord(record: giant, location: SourceLocation(file: "feed", line: 7)))
        #expect(
            linter.finish(wholeZone: false).map { "\($0.rule) \($0.location.line)" } == [
                "record-too-large-to-transfer 7"
            ])
    }
}
