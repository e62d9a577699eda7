import Foundation
import Testing

@testable import DNSKit

/// The rarer types the reader parses itself (`RDATAText+Rare.swift`), against BIND 9.18: the wire of every
/// record it accepts is the wire BIND serves for it, and every record it refuses BIND refuses too.
@Suite("Zone file reader: the rarer types, against BIND", .ownThreads)
struct RareTypesTests {
    static let fixtures = BINDCrossCheckTests.testsDirectory.appendingPathComponent("Fixtures/ZoneFile")

    /// Each fixture zone with BIND's AXFR of it beside it (`ZONE.bind-axfr`, how it was made at its top).
    static let servedByBIND = ["rare.example", "types.example", "example.org"]

    @Test("every record has the RDATA BIND serves for it (its AXFR in RFC 3597 form)", arguments: servedByBIND)
    func wireAsBINDServesIt(_ zone: String) throws {
        let origin = name(zone + ".")
        let (records, result) = ZoneFileReader(
            path: Self.fixtures.appendingPathComponent(zone + ".zone").path, origin: origin
        ).readAll()
        #expect(!result.hasErrors, "\(result.diagnostics)")
        let axfr = try String(contentsOf: Self.fixtures.appendingPathComponent(zone + ".bind-axfr"), encoding: .utf8)
        let (served, servedResult) = ZoneFileReader(text: axfr, fileName: zone + ".bind-axfr", origin: origin)
            .readAll()
        #expect(!servedResult.hasErrors, "\(servedResult.diagnostics)")
        #expect(records.count >= 30 && served.count == records.count, "\(records.count) read, \(served.count) served")

        let ours = BINDCrossCheckTests.canonicalSet(records.map(\.record))
        let bind = BINDCrossCheckTests.canonicalSet(served.map(\.record))
        for (wire, record) in ours where bind[wire] == nil {
            let hex = record.rdata.map { String(format: "%02X", $0) }.joined()
            Issue.record("only the reader has \(record.owner) \(record.type) \\# \(record.rdata.count) \(hex)")
        }
        for (wire, record) in bind where ours[wire] == nil {
            Issue.record("only BIND serves \(record.presentation)")
        }
    }

    /// What libldns accepted or did not know, and BIND refuses.
    static let refused: [Rejection] = [
        Rejection(entry: "x LOC 91 0 0 N 0 0 0 E 0m", rule: "range"),
        Rejection(entry: "x LOC 90 1 0 N 0 0 0 E 0m", rule: "range"),
        Rejection(entry: "x LOC 0 60 0 N 0 0 0 E 0m", rule: "range"),
        Rejection(entry: "x LOC 0 0 60 N 0 0 0 E 0m", rule: "range"),
        Rejection(entry: "x LOC 0 0 59.9999 N 0 0 0 E 0m", rule: "rdata"),
        Rejection(entry: "x LOC 0 0 0 N 181 0 0 E 0m", rule: "range"),
        Rejection(entry: "x LOC 0 0 0 n 0 0 0 e 0m", rule: "rdata"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E -100001m", rule: "range"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E 42849673m", rule: "range"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E 0m 90000001m", rule: "range"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E 0m 1.234m", rule: "rdata"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E 0M", rule: "rdata"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E 0m 1m 1m 1m extra", rule: "rdata"),
        Rejection(entry: "x LOC 0 0 0 N 0 0 0 E", rule: "rdata"),
        Rejection(entry: "x CERT 70000 0 0 AAAA", rule: "range"),
        Rejection(entry: "x CERT PGP 0 300 AAAA", rule: "range"),
        Rejection(entry: "x CERT FOO 0 0 AAAA", rule: "rdata"),
        Rejection(entry: "x APL 1:192.168.32.0/33", rule: "range"),
        Rejection(entry: "x APL 2:2001:db8::/129", rule: "range"),
        Rejection(entry: "x APL 3:192.168.32.0/21", rule: "rdata"),
        Rejection(entry: "x APL 1:192.168.32.0", rule: "rdata"),
        Rejection(entry: "x APL 2:10.0.0.0/8", rule: "rdata"),
        Rejection(entry: "x WKS 192.0.2.1 FOO 25", rule: "rdata"),
        Rejection(entry: "x WKS 192.0.2.1 TCP 70000", rule: "range"),
        Rejection(entry: "x WKS 192.0.2.1 tcp no-such-service", rule: "rdata"),
        Rejection(entry: "x X25 \"abc\"", rule: "rdata"),
        Rejection(entry: "x X25 \"123\"", rule: "rdata"),
        Rejection(entry: "x ATMA 39246f00e7c9fffffff00000000000000000000", rule: "rdata"),
        Rejection(entry: "x ATMA +12a", rule: "rdata"),
        Rejection(entry: "x DSYNC FOO 1 53 ds.example.com.", rule: "rdata"),
        Rejection(entry: "x DSYNC CDS 1 70000 ds.example.com.", rule: "range"),
        Rejection(entry: "x HHIT !!!", rule: "rdata"),
        Rejection(entry: "x BRID", rule: "rdata"),
        Rejection(entry: "x DOA 0 1 2 \"\"", rule: "rdata"),
        Rejection(entry: "x DOA 4294967296 1 2 \"\" -", rule: "range"),
        Rejection(entry: "x AMTRELAY 10 0 0 foo.", rule: "rdata"),
        Rejection(entry: "x AMTRELAY 10 2 1 192.0.2.1", rule: "range"),
        Rejection(entry: "x AMTRELAY 10 0 1 2001:db8::1", rule: "address"),
        Rejection(entry: "x AMTRELAY 10 0 4", rule: "rdata"),
        Rejection(entry: "x NINFO", rule: "rdata"),
        // SVCB parameters libldns reads differently from RFC 9460 (SVCBParameters)
        Rejection(entry: "x SVCB 1 . port=70000", rule: "range"),
        Rejection(entry: "x SVCB 1 . port=-1", rule: "range"),
        Rejection(entry: "x HTTPS 1 . alpn=h2 port=\"443x\"", rule: "range"),
        Rejection(entry: "x SVCB 1 . port", rule: "rdata"),
        Rejection(entry: "x SVCB 1 . key3=443", rule: "rdata"),
        Rejection(entry: "x SVCB 1 . key1=h2", rule: "rdata"),
        Rejection(entry: "x SVCB 1 . dohpath", rule: "rdata"),
    ]

    @Test(arguments: refused)
    func refusedAsBINDRefusesIt(_ refusal: Rejection) throws {
        let (_, result) = readZoneText(zoneHeader + refusal.entry + "\n")
        expectOne(result, rule: refusal.rule, line: refusal.line)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rare-\(UUID().uuidString).zone")
        try (zoneHeader + refusal.entry + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let bindLoads = try ServerCheckerSideBySideTests.loads(
            "/usr/bin/named-checkzone", ["-i", "none", "example.com", file.lastPathComponent],
            in: file.deletingLastPathComponent())
        #expect(!bindLoads, "named-checkzone loads \(refusal.entry)")
    }

    @Test(
        "every record's presentation (diffs, messages) reads back to the same record, in its type's own form",
        arguments: BINDCrossCheckTests.zones)
    func presentationReadsBack(_ path: String) throws {
        let file = URL(fileURLWithPath: path)
        let origin = name(String(file.lastPathComponent.dropLast(".zone".count)) + ".")
        let (records, result) = ZoneFileReader(path: path, origin: origin).readAll()
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(records.count >= 5)
        for parsed in records {
            let line = parsed.record.presentation
            let (again, againResult) = ZoneFileReader(text: line + "\n", fileName: "presentation", origin: origin)
                .readAll()
            #expect(
                againResult.diagnostics.allSatisfy { $0.rule == "soa-missing" },
                "\(line): \(againResult.diagnostics)")
            #expect(
                again.map { $0.record.canonicalWire() } == [parsed.record.canonicalWire()],
                "\(line) does not read back as the record it shows")
            // The generic form only where there is no other: a type without a mnemonic, an APL of no items.
            let generic = parsed.record.type.description.hasPrefix("TYPE") || parsed.record.rdata.isEmpty
            #expect(generic || !line.contains("\\# "), "\(line) is in the generic form, not its type's own")
        }
    }

    @Test("RDATA that does not hold a newer type's fields falls back to RFC 3597's generic form")
    func malformedNewerTypesAreGeneric() {
        for (type, rdata): (UInt16, [UInt8]) in [
            (66, [0, 59, 1]), (66, [0, 59, 1, 0, 53, 5, 0x61]), (260, [10, 0x04]), (260, [10, 0x01, 192, 0, 2]),
            (260, [10, 0x00, 0]), (259, [0, 0, 0, 0]), (261, []), (261, [5, 0x61]), (67, []),
        ] {
            let record = ResourceRecord(
                owner: name("x.example."), type: RecordType(rawValue: type), ttl: 60, rdata: rdata)
            #expect(record.presentation.contains("\\# \(rdata.count)"), "\(record.presentation)")
        }
    }

    @Test("LOC sizes are a digit times a power of ten centimetres, truncated as RFC 1876's code does")
    func precisionOctet() {
        #expect(RDATAText.precision(0) == 0x00)
        #expect(RDATAText.precision(100) == 0x12)  // 1m
        #expect(RDATAText.precision(1_500) == 0x13)  // 15m is stored as 10m
        #expect(RDATAText.precision(9_000_000_000) == 0x99)  // 90,000 km, the largest
    }
}
