import Foundation
import Testing

@testable import DNSKit

/// Reads an inline zone as `file` with the given origin.
func readZoneText(
    _ text: String, origin: String? = "example.com.", file: String = "example.com.zone"
) -> (records: [ParsedRecord], result: ZoneFileResult) {
    let originName = origin.map { try! DomainName(presentation: $0, origin: nil) }
    return ZoneFileReader(text: text, fileName: file, origin: originName).readAll()
}

/// The zone header most tests start with (SOA on line 2, NS on line 3).
let zoneHeader = """
    $TTL 3600
    @ IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300
    @ IN NS ns1.example.com.

    """

func name(_ text: String) -> DomainName { try! DomainName(presentation: text, origin: nil) }

extension ParsedRecord {
    var line: String { record.presentation }
}

@Suite("Zone file reader: syntax")
struct ZoneFileSyntaxTests {
    @Test func simpleZoneReadsWithoutDiagnostics() throws {
        let (records, result) = readZoneText(
            zoneHeader + """
                www IN A 192.0.2.1
                mail.example.com. 300 IN AAAA 2001:db8::25
                @ MX 10 mail
                """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records.count == 5)
        #expect(result.recordCount == 5)
        #expect(result.soa?.type == .soa)
        #expect(records[2].line == "www.example.com. 3600 IN A 192.0.2.1")
        #expect(records[2].location.line == 4)
        #expect(records[3].line == "mail.example.com. 300 IN AAAA 2001:db8::25")
        #expect(records[4].line == "example.com. 3600 IN MX 10 mail.example.com.")
        #expect(!result.hasErrors)
    }

    @Test(arguments: [
        ("1h30m", UInt32(5400)), ("2w", 1_209_600), ("1D", 86400), ("30", 30), ("1W2d3H4M5S", 788645), ("0", 0),
        ("2147483647", 2_147_483_647),
    ])
    func ttlUnits(text: String, seconds: UInt32) {
        let (records, result) = readZoneText(
            "$TTL \(text)\n" + zoneHeader.split(separator: "\n").dropFirst().joined(separator: "\n"))
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(records.first?.record.ttl == seconds)
    }

    @Test func parenthesesCommentsAndBlankOwner() {
        let (records, result) = readZoneText(
            """
            $TTL 1h
            @   IN  SOA ns1 hostmaster (   ; primary, mailbox
                    2024010101 ; serial
                    2h         ; refresh
                    1h         ; retry
                    2w         ; expire
                    5m )       ; minimum
                NS  ns1
                NS  ns2.example.net.
            ns1 A   192.0.2.53
                AAAA 2001:db8::53
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records.map(\.location.line) == [2, 8, 9, 10, 11])
        #expect(
            records[0].line
                == "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300")
        #expect(records[2].line == "example.com. 3600 IN NS ns2.example.net.")
        #expect(records[4].line == "ns1.example.com. 3600 IN AAAA 2001:db8::53")
    }

    @Test func quotedStringsAndEscapes() {
        let (records, result) = readZoneText(
            zoneHeader + """
                txt TXT "say \\"hi\\"; not a comment" plain \\065\\066 "tab\\009end"
                """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let rdata = records.last!.record.rdata
        let first = Array("say \"hi\"; not a comment".utf8)
        #expect(
            rdata == [UInt8(first.count)] + first + [5] + Array("plain".utf8) + [2, 65, 66] + [7]
                + Array("tab\tend".utf8))
    }

    @Test func ttlAndClassInEitherOrder() {
        let (records, result) = readZoneText(
            zoneHeader + """
                a 300 IN A 192.0.2.1
                b IN 300 A 192.0.2.2
                c IN A 192.0.2.3
                d 60 A 192.0.2.4
                """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records.suffix(4).map(\.record.ttl) == [300, 300, 3600, 60])
        #expect(records.suffix(4).allSatisfy { $0.record.dnsClass == .in })
    }

    @Test func lastExplicitTTLWithoutDollarTTL() {
        let (records, result) = readZoneText(
            """
            @ 600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            @ NS ns1
            ns1 A 192.0.2.1
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records.map(\.record.ttl) == [600, 600, 600])
    }

    @Test func noTTLAnywhereUsesSOAMinimumWithWarning() {
        let (records, result) = readZoneText(
            """
            @ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            @ NS ns1
            """)
        #expect(records.map(\.record.ttl) == [300, 300])
        #expect(result.diagnostics.count == 1)
        let warning = result.diagnostics.first
        #expect(warning?.rule == "no-ttl")
        #expect(warning?.severity == .warning)
        #expect(warning?.location.line == 1)
        #expect(!result.hasErrors)
    }

    @Test func rfc3597GenericForms() {
        let (records, result) = readZoneText(
            zoneHeader + """
                a CLASS1 TYPE1 \\# 4 C0000201
                b IN A \\# 4 c0 00 02 01
                c IN TYPE65280 \\# 3 010203
                d IN TYPE65281 \\# 0
                e IN TXT \\# 4 03616263
                """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let last = records.suffix(5).map(\.record)
        #expect(last[0].type == .a && last[0].rdata == [192, 0, 2, 1])
        #expect(last[1].rdata == [192, 0, 2, 1])
        #expect(last[2].type.rawValue == 65280 && last[2].rdata == [1, 2, 3])
        #expect(last[3].rdata.isEmpty)
        #expect(last[4].rdata == [3, 0x61, 0x62, 0x63])
        #expect(records[records.count - 3].line == "c.example.com. 3600 IN TYPE65280 \\# 3 010203")
    }

    @Test func escapedHashIsTextNotRFC3597() {
        // BIND and NSD: RFC 3597 applies only to `\# <length>`; otherwise `\#` is an escaped `#`.
        let (records, result) = readZoneText(
            zoneHeader + "a TXT \\# text\nb TXT \\#\nc NULL \\# 0\nd APL \\# 0\n")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let last = records.suffix(4).map(\.record.rdata)
        #expect(last[0] == [1, 0x23, 4, 0x74, 0x65, 0x78, 0x74])
        #expect(last[1] == [1, 0x23])
        #expect(last[2].isEmpty && last[3].isEmpty)
    }

    @Test func obsoleteNXTAndNSAPHaveTheirTextForms() {
        let (records, result) = readZoneText(
            zoneHeader + "x NXT next.example.com. A NS NXT\nn NSAP 0x47.0005.80.FFFF\n")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let last = records.suffix(2).map(\.record.rdata)
        // RFC 2535 §5.2: bits 1 (A), 2 (NS) and 30 (NXT).
        #expect(last[0] == name("next.example.com.").wire + [0x60, 0, 0, 0x02])
        #expect(last[1] == [0x47, 0x00, 0x05, 0x80, 0xFF, 0xFF])
    }

    @Test func generateExpandsAsBINDDoes() {
        let (records, result) = readZoneText(
            zoneHeader + #"""
                $GENERATE 1-3 host-$ A 192.0.2.$
                $GENERATE 10-14/2 ${100,4,d} 300 IN PTR h${-10,2,x}.example.com.
                $GENERATE 255-255 n${0,0,X} CNAME ${0,0,o}.x.
                $GENERATE 18-18 ${0,3,n} PTR ${0,0,N}.nib.
                $GENERATE 1-1 a\$$$$ TXT "\"v$\" \"w\""
                after A 192.0.2.99
                """#)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(
            records.suffix(10).map(\.line) == [
                "host-1.example.com. 3600 IN A 192.0.2.1",
                "host-2.example.com. 3600 IN A 192.0.2.2",
                "host-3.example.com. 3600 IN A 192.0.2.3",
                "0110.example.com. 300 IN PTR h00.example.com.",
                "0112.example.com. 300 IN PTR h02.example.com.",
                "0114.example.com. 300 IN PTR h04.example.com.",
                "nFF.example.com. 3600 IN CNAME 377.x.",
                "2.1.example.com. 3600 IN PTR 2.1.nib.",
                "a$$1.example.com. 3600 IN TXT \"v1\" \"w\"",
                "after.example.com. 3600 IN A 192.0.2.99",
            ])
        #expect(records.suffix(10).map(\.location.line) == [4, 4, 4, 5, 5, 5, 6, 7, 8, 9])
    }

    @Test func oversizedRDATAIsRejectedBeforeARecordExists() {
        let strings = Array(repeating: "\"" + String(repeating: "v", count: 255) + "\"", count: 258)
        let (records, result) = readZoneText(zoneHeader + "Big SPF " + strings.joined(separator: " ") + "\n")
        #expect(result.diagnostics.map(\.rule) == ["rdata-too-long"])
        #expect(result.diagnostics.first?.location.line == 4)
        #expect(!records.contains { $0.record.type.rawValue == 99 })
    }

    @Test func originDirectiveAndRelativeNames() {
        let (records, result) = readZoneText(
            zoneHeader + """
                $ORIGIN sub.example.com.
                www A 192.0.2.1
                $ORIGIN deeper
                x CNAME www.sub.example.com.
                y CNAME @
                """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records[2].record.owner == name("www.sub.example.com."))
        #expect(records[3].record.owner == name("x.deeper.sub.example.com."))
        #expect(records[4].record.rdataNames == [name("deeper.sub.example.com.")])
        #expect(result.origin == name("example.com."))
    }

    @Test func writtenCaseIsKept() {
        let (records, _) = readZoneText(zoneHeader + "WwW.Example.COM. IN CNAME Target.EXAMPLE.com.\n")
        let record = records.last!.record
        #expect(record.owner.wire == [3, 87, 119, 87, 7] + Array("Example".utf8) + [3] + Array("COM".utf8) + [0])
        #expect(
            record.rdata == [6] + Array("Target".utf8) + [7] + Array("EXAMPLE".utf8) + [3] + Array("com".utf8) + [0])
    }

    @Test func firstDollarOriginBeforeRecordsIsTheOrigin() {
        let (records, result) = readZoneText(
            """
            $TTL 300
            $ORIGIN example.org.
            @ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            """, origin: nil, file: "whatever.zone")
        #expect(result.origin == name("example.org."))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records.count == 1)
    }

    @Test(arguments: [
        ("zones/example.com.zone", "example.com."), ("example.com.db", "example.com."),
        ("/var/db.example.com", "example.com."),
        ("example.com", "example.com."), ("example.com.", "example.com."),
    ])
    func originFromFileName(file: String, origin: String) {
        #expect(ZoneFileReader.origin(fromFileName: file) == name(origin))
    }

    @Test func originFromFileNameIsUsed() {
        let (_, result) = readZoneText(
            "@ 60 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n", origin: nil, file: "dir/db.example.net")
        #expect(result.origin == name("example.net."))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    }

    @Test func crlfLineEndings() {
        let (records, result) = readZoneText(
            zoneHeader.replacingOccurrences(of: "\n", with: "\r\n") + "www A 192.0.2.1\r\n")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(records.count == 3)
    }

    @Test func recordsOutsideTheOriginArePassedThrough() {
        let (records, result) = readZoneText(zoneHeader + "www.example.net. A 192.0.2.1\n")
        #expect(result.diagnostics.isEmpty)
        #expect(records.last?.record.owner == name("www.example.net."))
    }

    /// One sample per type ldns knows beyond the native parsers: every one must be accepted.
    @Test(arguments: [
        "AFSDB 1 afs.example.com.", "RP mbox.example.com. txt.example.com.",
        "LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
        "NAPTR 100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
        "CERT 1 0 0 MIIBszCCARygAwIBAgIBADA=", "DNAME example.net.", "APL 1:192.168.32.0/21 !1:192.168.38.0/28",
        "DS 60485 RSASHA1 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        "DS 60485 8 SHA-256 ( D4B7D520E7BB5F0F67674A0CCEB1E3E0 614B93C4F9E99B8383F6A1E4469DA50A )",
        "SSHFP 2 1 123456789abcdef67890123456789abcdef67890",
        "IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        "RRSIG A 8 3 3600 20300101000000 20200101000000 12345 example.com. dGVzdA==",
        "NSEC host.example.com. A MX RRSIG NSEC TYPE1234", "DNSKEY 257 3 RSASHA256 AwEAAQ==",
        "DHCID AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
        "NSEC3 1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG",
        "NSEC3PARAM 1 0 12 aabbccdd", "TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
        "SMIMEA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
        "HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D",
        "CDS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", "CDNSKEY 257 3 8 AwEAAQ==", "OPENPGPKEY AQID",
        "CSYNC 66 3 A NS AAAA",
        "ZONEMD 2018031900 1 1 c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a51f1bd8b0b1b0ce6ad28ecda8a7357e",
        "SVCB 1 svc.example.com. alpn=h2,h3 port=8443", "SVCB 1 . alpn=\"h2,h3\" port=\"8443\"",
        "HTTPS 1 . alpn=h2 ipv4hint=192.0.2.1",
        "EUI48 00-00-5e-00-53-2a", "EUI64 00-00-5e-ef-10-00-00-2a", "URI 10 1 \"ftp://ftp1.example.com/public\"",
        "CAA 0 issue \"ca.example.net\"", "SPF \"v=spf1 -all\"", "KX 10 kx.example.com.",
        "MINFO a.example.com. b.example.com.",
        "HINFO \"PC\" \"Linux\"", "NULL \\# 2 0102", "L32 10 10.1.2.0", "L64 10 2001:0DB8:1140:1000",
        "LP 10 l64-subnet.example.com.",
        "NID 10 0014:4fff:ff20:ee64", "TXT a b c",
    ])
    func everyTypeLdnsKnowsIsAccepted(rdata: String) {
        let (records, result) = readZoneText(zoneHeader + "x IN \(rdata)\n")
        #expect(!result.hasErrors, "\(rdata): \(result.diagnostics)")
        #expect(records.count == 3, "\(rdata)")
        #expect(records.last.map { !$0.record.rdata.isEmpty } ?? false)
    }

    @Test func relativeNamesInLdnsParsedTypesGetTheOriginOnce() {
        let (records, result) = readZoneText(zoneHeader + "x IN AFSDB 1 afs\ny IN LP 10 host\n")
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(records[2].line == "x.example.com. 3600 IN AFSDB 1 afs.example.com.")
        #expect(records[3].line == "y.example.com. 3600 IN LP 10 host.example.com.")
    }

    @Test func presentationOfUnreadableRDATAIsGeneric() {
        let record = ResourceRecord(owner: name("x.example."), type: .a, ttl: 5, rdata: [1, 2, 3])
        #expect(record.presentation == "x.example. 5 IN A \\# 3 010203")
    }
}

@Suite("Zone file reader: includes")
struct ZoneFileIncludeTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonefile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(_ text: String, to name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func includeDirectoryIsWhereRelativeNamesAreRead() throws {
        _ = try write("host A 192.0.2.7\n", to: "zones/host.inc")
        let main = try write(zoneHeader + "$INCLUDE host.inc\n", to: "zones/example.com.zone")
        let base = ZoneFileReader(path: main, origin: name("example.com.")).readAll()
        #expect(base.result.diagnostics.isEmpty, "\(base.result.diagnostics)")
        // BIND's `directory`: the name is looked up there, not beside the including file.
        let elsewhere = ZoneFileReader(path: main, origin: name("example.com."), includeDirectory: directory.path)
            .readAll()
        #expect(elsewhere.result.diagnostics.map(\.rule) == ["include"])
        #expect(elsewhere.result.diagnostics.first?.message.contains("like BIND's 'directory'") == true)
        let there = ZoneFileReader(
            path: main, origin: name("example.com."), includeDirectory: directory.appendingPathComponent("zones").path
        ).readAll()
        #expect(there.result.diagnostics.isEmpty && there.records.count == 3)
    }

    @Test func tooManyIncludedFilesStopWithOneError() throws {
        var text = zoneHeader
        for i in 0...ZoneFileReader.maxIncludedFiles {
            _ = try write("h\(i) A 192.0.2.1\n", to: "many/\(i).inc")
            text += "$INCLUDE many/\(i).inc\n"
        }
        let main = try write(text, to: "many.zone")
        let (records, result) = ZoneFileReader(path: main, origin: name("example.com.")).readAll()
        #expect(result.diagnostics.map(\.rule) == ["include"])
        #expect(result.diagnostics.first?.location.line == 4 + ZoneFileReader.maxIncludedFiles)
        #expect(records.count == 2 + ZoneFileReader.maxIncludedFiles)
    }

    @Test func includeWithOriginRestoresOriginAndOwner() throws {
        _ = try write("host A 192.0.2.7\n  AAAA 2001:db8::7\n", to: "parts/hosts.inc")
        let main = try write(
            zoneHeader + """
                www A 192.0.2.1
                $INCLUDE parts/hosts.inc lab
                  TXT "owner is www again"
                after A 192.0.2.2
                """, to: "example.com.zone")
        let (records, result) = ZoneFileReader(path: main).readAll()
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.origin == name("example.com."))
        let owners = records.map { $0.record.owner.description }
        #expect(
            owners == [
                "example.com.", "example.com.", "www.example.com.", "host.lab.example.com.", "host.lab.example.com.",
                "www.example.com.", "after.example.com.",
            ])
        #expect(records[3].location == DNSKit.SourceLocation(file: directory.path + "/parts/hosts.inc", line: 1))
        #expect(records[4].location.line == 2)
        #expect(records[5].location == DNSKit.SourceLocation(file: main, line: 6))
    }

    @Test func errorsInsideAnIncludeNameTheIncludedFile() throws {
        _ = try write("ok A 192.0.2.1\nbad A 300.0.0.1\n", to: "bad.inc")
        let main = try write(zoneHeader + "$INCLUDE bad.inc\n", to: "example.com.zone")
        let (_, result) = ZoneFileReader(path: main).readAll()
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.location == DNSKit.SourceLocation(file: directory.path + "/bad.inc", line: 2))
        #expect(result.diagnostics.first?.rule == "address")
    }

    @Test func missingIncludeIsAnError() throws {
        let main = try write(zoneHeader + "$INCLUDE nowhere.inc\nwww A 192.0.2.1\n", to: "example.com.zone")
        let (records, result) = ZoneFileReader(path: main).readAll()
        expectOne(result, rule: "include", line: 4, file: main)
        #expect(result.diagnostics.first?.message.contains("nowhere.inc") == true)
        #expect(records.count == 3)
    }

    @Test func cyclicIncludeIsAnError() throws {
        _ = try write("$INCLUDE b.inc\n", to: "a.inc")
        _ = try write("x A 192.0.2.1\n$INCLUDE a.inc\n", to: "b.inc")
        let main = try write(zoneHeader + "$INCLUDE a.inc\n", to: "example.com.zone")
        let (records, result) = ZoneFileReader(path: main).readAll()
        expectOne(result, rule: "include", line: 2, file: directory.path + "/b.inc")
        #expect(result.diagnostics.first?.message.contains("cycle") == true)
        #expect(records.count == 3)
    }

    @Test func tooDeepIncludeIsAnError() throws {
        for depth in 0..<20 { _ = try write("$INCLUDE d\(depth + 1).inc\n", to: "d\(depth).inc") }
        _ = try write("x A 192.0.2.1\n", to: "d20.inc")
        let main = try write(zoneHeader + "$INCLUDE d0.inc\n", to: "example.com.zone")
        let (records, result) = ZoneFileReader(path: main).readAll()
        #expect(result.diagnostics.count == 1, "\(result.diagnostics)")
        #expect(result.diagnostics.first?.rule == "include")
        #expect(result.diagnostics.first?.message.contains("deep") == true)
        // 16 levels below the zone file are read: d0 ... d15; d15's include of d16 is refused.
        #expect(result.diagnostics.first?.location == DNSKit.SourceLocation(file: directory.path + "/d15.inc", line: 1))
        #expect(records.count == 2)
    }

    @Test func unreadableZoneFileIsOneDiagnostic() {
        let path = directory.path + "/missing.zone"
        let (records, result) = ZoneFileReader(path: path).readAll()
        #expect(records.isEmpty)
        expectOne(result, rule: "file", line: 1, file: path)
        #expect(result.diagnostics.first?.message.contains(path) == true)
    }
}

/// Exactly one diagnostic, an error with this rule at this line.
func expectOne(
    _ result: ZoneFileResult, rule: String, line: Int, file: String = "example.com.zone",
    severity: Diagnostic.Severity = .error, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(result.diagnostics.count == 1, "\(result.diagnostics)", sourceLocation: sourceLocation)
    guard let diagnostic = result.diagnostics.first else { return }
    #expect(diagnostic.rule == rule, "\(diagnostic)", sourceLocation: sourceLocation)
    #expect(diagnostic.severity == severity, "\(diagnostic)", sourceLocation: sourceLocation)
    #expect(diagnostic.location.line == line, "\(diagnostic)", sourceLocation: sourceLocation)
    #expect(diagnostic.location.file == file, "\(diagnostic)", sourceLocation: sourceLocation)
}
