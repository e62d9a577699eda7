import Foundation
import Testing

import DNSKit

/// The reader against BIND's own zone loader: for every valid fixture zone, the records the
/// reader delivers and the records `named-compilezone` writes out must be the same set, in
/// canonical form (RFC 4034 §6.2: owner and embedded names lower-cased, type, class, TTL,
/// RDATA wire). BIND's output is a plain zone file, read back with the reader itself.
@Suite("Zone file reader: cross-check with BIND")
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
