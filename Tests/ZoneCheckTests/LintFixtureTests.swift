import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The fixtures in `zones-fixtures/` against the linter: every manifest row is produced, nothing
/// else is, every rule has a fixture, every valid zone is clean.
@Suite struct LintFixtureTests {
    @Test func manifestIsReadable() {
        #expect(LintFixtures.manifest.count >= 40, "zones-fixtures/invalid/MANIFEST.tsv is missing or nearly empty")
        for row in LintFixtures.manifest {
            #expect(!row.file.hasPrefix("malformed"), "\(row.file)")
        }
    }

    @Test("each manifest row is reported", arguments: LintFixtures.manifest)
    func rowIsReported(_ row: LintFixtures.Row) throws {
        let report = try LintFixtures.lint(invalid: row.file)
        let found = report.diagnostics.map(LintFixtures.key)
        #expect(found.contains(LintFixtures.key(row)), "\(row.file): expected \(row), got \(found)")
    }

    @Test("each invalid fixture reports exactly its manifest rows", arguments: LintFixtures.manifestFiles)
    func nothingElseIsReported(_ file: String) throws {
        let report = try LintFixtures.lint(invalid: file)
        let expected = Set(LintFixtures.manifest.filter { $0.file == file }.map(LintFixtures.key))
        let found = Set(report.diagnostics.map(LintFixtures.key))
        #expect(
            found == expected,
            "\(file): unexpected \(found.subtracting(expected).sorted()), missing \(expected.subtracting(found).sorted())"
        )
    }

    @Test("each fixture's '; expect:' comment agrees with the manifest", arguments: LintFixtures.manifestFiles)
    func commentMatchesManifest(_ file: String) throws {
        let url = LintFixtures.invalid.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { return }  // does-not-exist.zone
        let head = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").prefix(4).joined(separator: "\n")
        for row in LintFixtures.manifest where row.file == file {
            let line = row.diagnosticFile == file ? "\(row.line)" : "\(row.diagnosticFile):\(row.line)"
            #expect(
                head.contains("\(row.severity.rawValue) [\(row.rule)] line \(line)"),
                "\(file) should say '; expect: \(row.severity.rawValue) [\(row.rule)] line \(line)' at its top")
        }
    }

    @Test func everyLintRuleHasAFixture() {
        let covered = Set(LintFixtures.manifest.map(\.rule))
        for rule in LintRule.all {
            #expect(covered.contains(rule.id), "no fixture in zones-fixtures/invalid/MANIFEST.tsv for \(rule.id)")
            #expect(
                LintFixtures.manifest.filter { $0.rule == rule.id }.allSatisfy { $0.severity == rule.severity },
                "\(rule.id) is a \(rule.severity.rawValue) but a manifest row says otherwise")
        }
    }

    @Test func everyReaderRuleHasAFixture() {
        let ids = LintFixtures.readerRuleIDs()
        #expect(ids.count >= 15, "could not read the rule list from ZoneFileReader.swift's doc comment: \(ids)")
        let covered = Set(LintFixtures.manifest.map(\.rule))
        for id in ids {
            #expect(covered.contains(id), "no fixture in zones-fixtures/invalid/MANIFEST.tsv for reader rule \(id)")
        }
    }

    @Test func manifestNamesOnlyKnownRules() {
        let known = Set(LintFixtures.readerRuleIDs() + LintRule.all.map(\.id))
        for row in LintFixtures.manifest {
            #expect(known.contains(row.rule), "\(row): no rule has that id")
        }
    }

    @Test func everyInvalidFileIsInTheManifest() throws {
        let listed = Set(
            LintFixtures.manifest.flatMap { [$0.file, $0.diagnosticFile] + ($0.previous.map { [$0] } ?? []) })
        let files = try FileManager.default.contentsOfDirectory(atPath: LintFixtures.invalid.path)
        for file in files where file != "MANIFEST.tsv" {
            #expect(listed.contains(file), "\(file) is in zones-fixtures/invalid but no manifest row uses it")
        }
    }

    @Test func ruleIDsAreStableKebabCase() {
        let ids = LintRule.all.map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate rule ids")
        for id in ids {
            #expect(id.allSatisfy { $0.isLowercase || $0 == "-" } && !id.hasPrefix("-"), "\(id)")
        }
        #expect(Set(ids).isDisjoint(with: LintFixtures.readerRuleIDs()), "a lint rule reuses a reader rule id")
    }

    @Test func thereAreValidZones() {
        #expect(LintFixtures.validZones().count >= 3)
    }

    @Test("each valid zone lints clean", arguments: LintFixtures.validZones())
    func validZoneIsClean(_ file: String) {
        let path = LintFixtures.valid.appendingPathComponent(file).path
        let report = Linter.lint(path: path, today: LintFixtures.today)
        #expect(report.diagnostics.isEmpty, "\(file): \(report.diagnostics.map(\.description))")
        #expect(report.recordCount > 5)
        #expect(report.origin.description == String(file.dropLast(".zone".count)) + ".")
    }

    @Test("each previous version is itself clean", arguments: LintFixtures.manifest.compactMap(\.previous))
    func previousIsClean(_ file: String) {
        let report = Linter.lint(
            path: LintFixtures.invalid.appendingPathComponent(file).path, today: LintFixtures.today)
        #expect(report.diagnostics.isEmpty, "\(file): \(report.diagnostics.map(\.description))")
    }
}
