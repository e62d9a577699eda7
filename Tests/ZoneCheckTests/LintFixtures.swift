import DNSKit
import Foundation
import ZoneCheck

/// The lint fixtures in `zones-fixtures/`, found from this file's path, and the manifest
/// that says what each invalid one must produce.
enum LintFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("zones-fixtures")
    static let valid = root.appendingPathComponent("valid")
    static let invalid = root.appendingPathComponent("invalid")

    /// The day the fixtures are judged on, so `serial-future` does not depend on the clock.
    static let today = DateSerial.Day(year: 2026, month: 11, day: 22)!

    /// One expected diagnostic: a row of `invalid/MANIFEST.tsv`.
    struct Row: Sendable, CustomStringConvertible, Hashable {
        var file: String
        var origin: String
        var severity: Diagnostic.Severity
        var rule: String
        /// The file the diagnostic names (the fixture, or a file it includes) and its line.
        var diagnosticFile: String
        var line: Int
        var previous: String?

        var description: String { "\(file): \(severity.rawValue) [\(rule)] \(diagnosticFile):\(line)" }
    }

    static let manifest: [Row] = {
        guard let text = try? String(contentsOf: invalid.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { line -> Row? in
            guard !line.hasPrefix("#") else { return nil }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 6, let severity = Diagnostic.Severity(rawValue: columns[2]) else {
                // A malformed row becomes an impossible expectation, so the test fails on it.
                return Row(
                    file: "malformed row: \(line)", origin: ".", severity: .error, rule: "?", diagnosticFile: "?",
                    line: 0, previous: nil)
            }
            var diagnosticFile = columns[0]
            var lineText = Substring(columns[4])
            if let colon = lineText.lastIndex(of: ":") {
                diagnosticFile = String(lineText[..<colon])
                lineText = lineText[lineText.index(after: colon)...]
            }
            return Row(
                file: columns[0], origin: columns[1], severity: severity, rule: columns[3],
                diagnosticFile: diagnosticFile, line: Int(lineText) ?? 0, previous: columns[5] == "-" ? nil : columns[5]
            )
        }
    }()

    static var manifestFiles: [String] { Array(Set(manifest.map(\.file))).sorted() }

    static func validZones() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: valid.path)) ?? []
        return names.filter { $0.hasSuffix(".zone") }.sorted()
    }

    /// Lints an invalid fixture the way its manifest rows say (origin, --previous).
    static func lint(invalid file: String) throws -> LintReport {
        let rows = manifest.filter { $0.file == file }
        let origin = try DomainName(presentation: rows.first?.origin ?? ".", origin: nil)
        var previous: PreviousZone? = nil
        if let name = rows.first?.previous {
            previous = try PreviousZone.read(path: invalid.appendingPathComponent(name).path, origin: origin)
        }
        return Linter.lint(
            path: invalid.appendingPathComponent(file).path, origin: origin, today: today, previous: previous)
    }

    /// (severity, rule, file name, line) of a diagnostic, the manifest's terms.
    static func key(_ diagnostic: Diagnostic) -> String {
        let file = URL(fileURLWithPath: diagnostic.location.file).lastPathComponent
        return "\(diagnostic.severity.rawValue) [\(diagnostic.rule)] \(file):\(diagnostic.location.line)"
    }

    static func key(_ row: Row) -> String {
        "\(row.severity.rawValue) [\(row.rule)] \(row.diagnosticFile):\(row.line)"
    }

    /// The reader's rule ids, as its doc comment lists them (`/// - \`id\` (severity): ...`).
    static func readerRuleIDs() -> [String] {
        let source = root.deletingLastPathComponent().appendingPathComponent(
            "Sources/DNSKit/ZoneFile/ZoneFileReader.swift")
        guard let text = try? String(contentsOf: source, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("/// - `"), trimmed.contains("` (error)") || trimmed.contains("` (warning)")
            else { return nil }
            return trimmed.dropFirst("/// - `".count).split(separator: "`").first.map(String.init)
        }
    }
}
