import Testing

@testable import DNSKit

/// One broken entry after a valid header (so it sits on line 4), and what the reader must say.
struct Rejection: CustomStringConvertible, Sendable {
    var entry: String
    var rule: String
    var line: Int = 4
    var description: String { "\(rule): \(entry)" }
}

@Suite("Zone file reader: rejections")
struct ZoneFileRejectionTests {
    static let afterHeader: [Rejection] = [
        // parentheses and quotes
        Rejection(entry: "www IN MX ( 10\n    mail.example.com.\nnext A 192.0.2.1\n", rule: "unbalanced-parenthesis"),
        Rejection(entry: "www A 192.0.2.1 )\n", rule: "unbalanced-parenthesis"),
        Rejection(entry: "txt TXT \"no end\nnext A 192.0.2.1\n", rule: "unterminated-string"),
        // TTLs (RFC 2181 §8 and what ldns gets wrong)
        Rejection(entry: "www 6x0 IN A 192.0.2.1", rule: "ttl"),
        Rejection(entry: "$TTL 1h3x", rule: "ttl"),
        Rejection(entry: "$TTL abc", rule: "ttl"),
        Rejection(entry: "$TTL 1h30", rule: "ttl"),
        Rejection(entry: "www 2147483648 IN A 192.0.2.1", rule: "ttl"),
        Rejection(entry: "www IN 99999999999 A 192.0.2.1", rule: "ttl"),
        Rejection(entry: "www 60 IN 70 A 192.0.2.1", rule: "syntax"),
        // 16-bit and 8-bit fields out of range
        Rejection(entry: "@ MX 70000 mail.example.com.", rule: "range"),
        Rejection(entry: "_sip._tcp SRV 10 10 65536 sip.example.com.", rule: "range"),
        Rejection(entry: "@ CAA 256 issue \"ca.example.net\"", rule: "range"),
        Rejection(entry: "n NAPTR 65536 10 \"U\" \"E2U+sip\" \"\" .", rule: "range"),
        Rejection(entry: "_443._tcp TLSA 256 1 1 00", rule: "range"),
        Rejection(entry: "sub DS 65536 8 2 00", rule: "range"),
        Rejection(entry: "k SSHFP 1 256 00", rule: "range"),
        // the same for types libldns parses
        Rejection(entry: "u URI 70000 1 \"ftp://ftp.example.com/\"", rule: "range"),
        Rejection(entry: "i L32 65536 10.1.2.0", rule: "range"),
        Rejection(entry: "c CSYNC 4294967296 3 A NS", rule: "range"),
        Rejection(entry: "z ZONEMD 1 256 1 00", rule: "range"),
        // SOA
        Rejection(entry: "@ IN SOA ns1 hostmaster 2 7200 3600 1209600 300", rule: "soa-multiple"),
        Rejection(entry: "sub IN SOA ns1 hostmaster 2 7200 3600 1209600 300", rule: "soa-not-apex"),
        // names
        Rejection(entry: String(repeating: "a", count: 64) + " A 192.0.2.1", rule: "name"),
        Rejection(
            entry: Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".")
                + " A 192.0.2.1",
            rule: "name"),
        Rejection(entry: "a..b A 192.0.2.1", rule: "name"),
        Rejection(entry: "www CNAME bad..target.", rule: "name"),
        Rejection(entry: "a\\300b A 192.0.2.1", rule: "name"),
        // strings
        Rejection(entry: "t TXT \"" + String(repeating: "x", count: 256) + "\"", rule: "string-too-long"),
        Rejection(entry: "t TXT \"ok\" " + String(repeating: "y", count: 300), rule: "string-too-long"),
        // addresses, as inet_pton reads them
        Rejection(entry: "www A 256.1.1.1", rule: "address"),
        Rejection(entry: "www A 1.2.3", rule: "address"),
        Rejection(entry: "www A 01.2.3.4", rule: "address"),
        Rejection(entry: "www A 1.2.3.4.5", rule: "address"),
        Rejection(entry: "www AAAA 2001:db8::g", rule: "address"),
        Rejection(entry: "www AAAA 192.0.2.1", rule: "address"),
        // types and classes
        Rejection(entry: "www IN FOO 1", rule: "type"),
        Rejection(entry: "www IN ANY 192.0.2.1", rule: "type"),
        Rejection(entry: "www 300 IN", rule: "type"),
        Rejection(entry: "www IN2 A 192.0.2.1", rule: "class"),
        Rejection(entry: "www CH A 192.0.2.1", rule: "class"),
        Rejection(entry: "www CLASS3 TXT x", rule: "class"),
        // RDATA field counts and forms
        Rejection(entry: "@ MX 10", rule: "rdata"),
        Rejection(entry: "www A 192.0.2.1 192.0.2.2", rule: "rdata"),
        Rejection(entry: "www A", rule: "rdata"),
        Rejection(entry: "@ MX ten mail", rule: "rdata"),
        Rejection(entry: "_s._tcp SRV 1 2 sip", rule: "rdata"),
        Rejection(entry: "x TYPE65280 \\# 3 0102", rule: "rdata"),
        Rejection(entry: "x TYPE65280 \\# 1 0102", rule: "rdata"),
        Rejection(entry: "x A \\# 3 010203", rule: "rdata"),
        Rejection(entry: "x TYPE65280 0102", rule: "rdata"),
        Rejection(entry: "@ CAA 0 is-sue \"ca.example.net\"", rule: "rdata"),
        Rejection(entry: "@ CAA 0 issue", rule: "rdata"),
        Rejection(entry: "k SSHFP 1 1 0g", rule: "rdata"),
        Rejection(entry: "k DNSKEY 257 3 8 not*base64", rule: "rdata"),
        Rejection(entry: "k DNSKEY 257 3 NOSUCHALG AwEAAQ==", rule: "rdata"),
        Rejection(entry: "k DNSKEY 257 3 8 AwEAAQ", rule: "rdata"),
        Rejection(entry: "x LOC not a location", rule: "rdata"),
        Rejection(entry: "h HINFO \"only one\"", rule: "rdata"),
        Rejection(entry: "kx KX 10 \"kx-host\"", rule: "rdata"),
        Rejection(entry: "a AFSDB 1 \"afs\"", rule: "rdata"),
        Rejection(entry: "lp LP 10 \"host\"", rule: "rdata"),
        Rejection(entry: "u URI 10x 1 \"ftp://ftp.example.com/\"", rule: "rdata"),
        Rejection(entry: "sub DS 60485 8 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0", rule: "rdata"),
        Rejection(entry: "@ ZONEMD 1 1 1 00", rule: "rdata"),
        Rejection(entry: "s SSHFP 4 2 123456789abcdef67890123456789abcdef67890", rule: "rdata"),
        Rejection(entry: "n NSEC next.example.com. A RRSIG0", rule: "rdata"),
        Rejection(entry: "c CSYNC 66 66 3 A NS", rule: "rdata"),
        Rejection(entry: "n NSEC3 1 1 1 10 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A", rule: "rdata"),
        Rejection(entry: "n NSEC3PARAM 1 0 10 ABC", rule: "rdata"),
        Rejection(entry: "r RRSIG A 13 2 3600 20301331235959 20260101000000 1 example.com. AAAA", rule: "rdata"),
        Rejection(entry: "r RRSIG A 13 2 3600 20301231235959 20260101000000 1 ( AAAA )", rule: "rdata"),
        // directives and owners
        Rejection(entry: "$FOO bar", rule: "directive"),
        Rejection(entry: "$GENERATE 4-1 host$ A 192.0.2.$", rule: "directive"),
        Rejection(entry: "$GENERATE 1-4/0 host$ A 192.0.2.$", rule: "directive"),
        Rejection(entry: "$GENERATE 1-4 host${0,3,q} A 192.0.2.$", rule: "directive"),
        Rejection(entry: "$GENERATE 1-4 host${-2} A 192.0.2.$", rule: "directive"),
        Rejection(entry: "$GENERATE 0-2000000 host$ A 192.0.2.1", rule: "directive"),
        Rejection(entry: "$GENERATE 1-2 h${-9223372036854775808} A 192.0.2.1", rule: "directive"),
        Rejection(entry: "$GENERATE 1-4 host$ A", rule: "directive"),
        Rejection(entry: "$GENERATE 250-260 host$ A 192.0.2.$", rule: "address"),
        // RFC 9460, RFC 1706 and RFC 3597 rules both BIND and NSD hold records to
        Rejection(entry: "s SVCB 1 . mandatory=alpn port=443", rule: "rdata"),
        Rejection(entry: "s SVCB 1 . alpn=h2,,h3", rule: "rdata"),
        Rejection(entry: "s HTTPS 1 . alpn=\"\"", rule: "rdata"),
        Rejection(entry: "s HTTPS 1 . no-default-alpn", rule: "rdata"),
        Rejection(entry: "n NSAP 0x47000580ffff000000321099991111222233334444a", rule: "rdata"),
        Rejection(entry: "n NSAP 0x", rule: "rdata"),
        Rejection(entry: "n NSAP 47000580", rule: "rdata"),
        Rejection(entry: "a A \\# 0", rule: "rdata"),
        Rejection(entry: "t TXT \\# 0", rule: "rdata"),
        Rejection(entry: "m MX \\# 0", rule: "rdata"),
        Rejection(entry: "x NXT next.example.com. A TYPE200", rule: "rdata"),
        Rejection(entry: "$ORIGIN", rule: "directive"),
        Rejection(entry: "$TTL", rule: "directive"),
        Rejection(entry: "$INCLUDE", rule: "directive"),
        Rejection(entry: "$ORIGIN bad..name.", rule: "name"),
    ]

    @Test(arguments: afterHeader)
    func rejectedAfterHeader(_ rejection: Rejection) {
        let (_, result) = readZoneText(zoneHeader + rejection.entry + "\n")
        expectOne(result, rule: rejection.rule, line: rejection.line)
    }

    @Test func missingCloseParenthesisKeepsReadingAfterTheOpenOne() {
        let (records, result) = readZoneText(
            zoneHeader + """
                www IN MX ( 10
                        mail.example.com.
                next A 192.0.2.1
                bad A 1.2.3
                """)
        #expect(result.diagnostics.map(\.rule) == ["unbalanced-parenthesis", "address"])
        #expect(result.diagnostics.map(\.location.line) == [4, 7])
        #expect(records.map(\.record.owner.description).last == "next.example.com.")
    }

    @Test func noSOAAtAll() {
        let (_, result) = readZoneText("$TTL 60\nwww A 192.0.2.1\n")
        expectOne(result, rule: "soa-missing", line: 1)
    }

    @Test("a UTF-8 byte order mark is one error at line 1; the records after it are still read")
    func byteOrderMark() {
        let (records, result) = readZoneText("\u{FEFF}$ORIGIN example.com.\n" + zoneHeader + "www A 192.0.2.1\n")
        expectOne(result, rule: "syntax", line: 1)
        #expect(result.diagnostics.first?.message.contains("byte order mark") == true)
        #expect(records.count == 3)
        #expect(result.origin == name("example.com."))
    }

    @Test("a binary file (BIND's raw format) is one error saying so, not a page of syntax errors")
    func binaryFile() {
        // The start of `named-compilezone -F raw` output: a 32-bit format number (2), a version, then wire.
        let raw = "\u{0}\u{0}\u{0}\u{2}\u{0}\u{0}\u{0}\u{1}" + zoneHeader + "( ) \u{1}\u{2}\n"
        let (records, result) = readZoneText(raw)
        expectOne(result, rule: "file", line: 1)
        #expect(result.diagnostics.first?.message.contains("binary") == true)
        #expect(records.isEmpty)
    }

    @Test func blankOwnerBeforeAnyOwner() {
        let (_, result) = readZoneText("$TTL 60\n    IN A 192.0.2.1\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n")
        expectOne(result, rule: "no-owner", line: 2)
    }

    @Test func recordWithoutAnyTTLBeforeTheSOA() {
        let (_, result) = readZoneText("www IN A 192.0.2.1\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n")
        #expect(result.diagnostics.map(\.rule) == ["ttl", "no-ttl"])
        #expect(result.diagnostics.map(\.location.line) == [1, 2])
    }

    @Test func badOwnerSilencesTheBlankOwnerRecordsAfterIt() {
        let (records, result) = readZoneText(zoneHeader + "a..b A 192.0.2.1\n  TXT \"same owner\"\nok A 192.0.2.2\n")
        expectOne(result, rule: "name", line: 4)
        #expect(records.count == 3)
    }

    @Test func multilineErrorPointsAtTheBadField() {
        let (_, result) = readZoneText(
            """
            $TTL 1h
            @ IN SOA ns1 hostmaster (
                    2024010101
                    7200
                    3x
                    1209600
                    300 )
            """)
        // The SOA was there, only broken: one error, no "soa-missing" on top of it.
        #expect(result.diagnostics.map(\.rule) == ["rdata"])
        #expect(result.diagnostics.first?.location.line == 5)
    }

    /// Everything wrong in one file comes out of one pass, each at its own line, and every
    /// good record around the bad ones is still delivered.
    @Test func allErrorsInOnePass() {
        let (records, result) = readZoneText(
            zoneHeader + """
                a A 192.0.2.1
                b 6x0 A 192.0.2.2
                c A 192.0.2.3
                @ MX 70000 mail
                d TXT "unterminated
                e A 192.0.2.5
                f A 1.2.3
                g ) A 192.0.2.7
                h FOO bar
                i A 192.0.2.9
                @ IN SOA ns1 hostmaster 2 7200 3600 1209600 300
                $TTL abc
                j A 192.0.2.10
                """)
        #expect(
            result.diagnostics.map(\.rule) == [
                "ttl", "range", "unterminated-string", "address", "unbalanced-parenthesis", "type", "soa-multiple",
                "ttl",
            ])
        #expect(result.diagnostics.map(\.location.line) == [5, 7, 8, 10, 11, 12, 14, 15])
        #expect(
            records.map(\.record.owner.description).dropFirst(2) == [
                "a.example.com.", "c.example.com.", "e.example.com.", "i.example.com.", "j.example.com.",
            ])
        #expect(result.recordCount == records.count)
    }

    @Test func diagnosticsPrintFileLineSeverityRule() {
        let (_, result) = readZoneText(zoneHeader + "www 6x0 IN A 192.0.2.1\n")
        #expect(
            result.diagnostics.first?.description.hasPrefix("example.com.zone:4: error: [ttl] bad TTL '6x0'") == true)
    }
}
