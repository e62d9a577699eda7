import Foundation
import TestSupport
import Testing

import DNSKit

/// The reader against BIND's own zone loader: for every valid fixture zone, the records the
/// reader delivers and the records `named-compilezone` writes out must be the same set, in
/// canonical form (RFC 4034 §6.2: owner and embedded names lower-cased, type, class, TTL,
/// RDATA wire). BIND's output is a plain zone file, read back with the reader itself.
@Suite("Zone file reader: cross-check with BIND", .ownThreads)
struct BINDCrossCheckTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    /// `zones-fixtures/valid/*.zone` (the lint fixtures) and the reader's own fixtures.
    static let zones: [String] = {
        let directories = [
            repository.appendingPathComponent("zones-fixtures/valid"),
            testsDirectory.appendingPathComponent("Fixtures/ZoneFile"),
        ]
        return directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { $0.hasSuffix(".zone") }
                .map { directory.appendingPathComponent($0).path }
        }.sorted()
    }()

    @Test func fixturesExist() {
        #expect(Self.zones.contains { $0.hasSuffix("Fixtures/ZoneFile/example.org.zone") })
        #expect(Self.zones.contains { $0.hasSuffix("Fixtures/ZoneFile/types.example.zone") })
    }

    @Test(arguments: zones)
    func sameRecordsAsBIND(_ path: String) throws {
        let file = URL(fileURLWithPath: path)
        let originText = String(file.lastPathComponent.dropLast(".zone".count)) + "."
        let origin = try DomainName(presentation: originText, origin: nil)

        let (records, result) = ZoneFileReader(path: path, origin: origin).readAll()
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "reader errors on a valid fixture: \(errors)")

        let bindText = try compileWithBIND(origin: originText, file: file)
        let (bindRecords, bindResult) = ZoneFileReader(
            text: bindText, fileName: "named-compilezone output", origin: origin
        )
        .readAll()
        #expect(!bindResult.hasErrors, "reader errors on BIND's output: \(bindResult.diagnostics)")
        #expect(!bindRecords.isEmpty, "BIND wrote no records for \(path)")

        let ours = Self.canonicalSet(records.map(\.record))
        let bind = Self.canonicalSet(bindRecords.map(\.record))
        let onlyOurs = ours.subtracting(bind.keys).values.map(\.presentation).sorted()
        let onlyBIND = bind.subtracting(ours.keys).values.map(\.presentation).sorted()
        #expect(
            onlyOurs.isEmpty && onlyBIND.isEmpty,
            """
            \(path): the reader and BIND disagree.
            only in the reader:
              \(onlyOurs.joined(separator: "\n  "))
            only in BIND:
              \(onlyBIND.joined(separator: "\n  "))
            """)
    }

    /// Canonical wire -> one record with that form (for the message).
    static func canonicalSet(_ records: [ResourceRecord]) -> [[UInt8]: ResourceRecord] {
        var set: [[UInt8]: ResourceRecord] = [:]
        for record in records { set[record.canonicalWire()] = record }
        return set
    }

    /// `named-compilezone` with every policy check off (those are lint's business): only the
    /// loading itself is compared. Run from the zone's folder, since BIND resolves `$INCLUDE`
    /// paths from its working directory.
    func compileWithBIND(origin: String, file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/named-compilezone")
        process.currentDirectoryURL = file.deletingLastPathComponent()
        process.arguments = [
            "-q", "-i", "none", "-k", "ignore", "-n", "ignore", "-m", "ignore", "-M", "ignore", "-S", "ignore",
            "-r", "ignore", "-W", "ignore", "-s", "full", "-o", "-", origin, file.lastPathComponent,
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        try #require(
            process.terminationStatus == 0,
            "named-compilezone failed on \(file.path): \(String(decoding: errorData, as: UTF8.self))\(text)")
        return text
    }
}

extension Dictionary where Key == [UInt8] {
    fileprivate func subtracting(_ other: Keys) -> [Key: Value] {
        filter { !other.contains($0.key) }
    }
}

/// The servers' own checkers beside lint, on the fixtures of the fidelity classes: what BIND
/// (`named-checkzone`) and NSD (`nsd-checkzone`) say is pinned here, so the table in
/// zones-fixtures/README.md stays true. Lint calls each of these an error or a warning as its
/// manifest row says (LintFixtureTests); where a server loads a zone lint refuses, the README
/// says why (a zone that loads but cannot be transferred or resolved).
@Suite("Lint fixtures: side by side with named-checkzone and nsd-checkzone", .ownThreads)
struct ServerCheckerSideBySideTests {
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var bindLoads: Bool
        var nsdLoads: Bool
        var description: String { file }
    }

    static let invalid = BINDCrossCheckTests.repository.appendingPathComponent("zones-fixtures/invalid")
    static let valid = BINDCrossCheckTests.repository.appendingPathComponent("zones-fixtures/valid")

    static let cases: [Case] = [
        Case(file: "txt-rdata-over-65535.zone", bindLoads: false, nsdLoads: false),
        Case(file: "spf-rdata-over-65535.zone", bindLoads: false, nsdLoads: false),
        Case(file: "txt-too-large-to-transfer.zone", bindLoads: true, nsdLoads: true),
        Case(file: "multiple-dname.zone", bindLoads: false, nsdLoads: false),
        Case(file: "data-below-dname.zone", bindLoads: true, nsdLoads: false),
        Case(file: "ds-at-apex.zone", bindLoads: false, nsdLoads: true),
        Case(file: "svcb-mandatory-missing.zone", bindLoads: false, nsdLoads: false),
        Case(file: "https-alpn-empty.zone", bindLoads: false, nsdLoads: true),
        Case(file: "nsap-odd-digits.zone", bindLoads: false, nsdLoads: false),
        Case(file: "loc-latitude-91.zone", bindLoads: false, nsdLoads: true),
        Case(file: "rfc3597-empty-a.zone", bindLoads: false, nsdLoads: false),
        Case(file: "generate-bad-range.zone", bindLoads: false, nsdLoads: false),
        Case(file: "ns-target-without-address.zone", bindLoads: false, nsdLoads: true),
        Case(file: "missing-glue.zone", bindLoads: true, nsdLoads: true),
        Case(file: "incomplete-glue.zone", bindLoads: true, nsdLoads: true),
        Case(file: "include-knock-on.zone", bindLoads: false, nsdLoads: false),
    ]

    /// Exit status 0 of a checker run in `directory` (where BIND and NSD look for includes).
    static func loads(_ tool: String, _ arguments: [String], in directory: URL) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test(arguments: cases)
    func serversSayWhatTheREADMESays(_ entry: Case) throws {
        let bind = try Self.loads(
            "/usr/bin/named-checkzone", ["-i", "local", "example.com", entry.file], in: Self.invalid)
        let nsd = try Self.loads("/usr/sbin/nsd-checkzone", ["example.com", entry.file], in: Self.invalid)
        #expect(bind == entry.bindLoads, "named-checkzone \(bind ? "loads" : "refuses") \(entry.file)")
        #expect(nsd == entry.nsdLoads, "nsd-checkzone \(nsd ? "loads" : "refuses") \(entry.file)")
    }

    @Test func bothServersLoadTheLegacyZoneLintCallsClean() throws {
        let file = "legacy.example.org.zone"
        #expect(
            try Self.loads("/usr/bin/named-checkzone", ["-i", "local", "legacy.example.org", file], in: Self.valid))
        #expect(try Self.loads("/usr/sbin/nsd-checkzone", ["legacy.example.org", file], in: Self.valid))
    }
}
