public import Foundation

/// The `--format json` document: files, diagnostics and summary, stable key order.
public enum LintJSON {
    struct Document: Encodable {
        var files: [File]
        var diagnostics: [Entry]
        var summary: Summary
    }
    struct File: Encodable {
        var file: String
        var origin: String
        var records: Int
        var errors: Int
        var warnings: Int
        var exitCode: Int32
    }
    struct Entry: Encodable {
        var file: String
        var line: Int
        var severity: String
        var rule: String
        var message: String
    }
    struct Summary: Encodable {
        var errors: Int
        var warnings: Int
        var exitCode: Int32
        var rules: [RuleCount]
    }

    public static func document(_ reports: [LintReport], strict: Bool) -> Data {
        let all = reports.flatMap(\.diagnostics)
        let document = Document(
            files: reports.map {
                File(
                    file: $0.file, origin: $0.origin.description, records: $0.recordCount, errors: $0.errorCount,
                    warnings: $0.warningCount, exitCode: $0.exitCode(strict: strict))
            },
            diagnostics: all.map {
                Entry(
                    file: $0.location.file, line: $0.location.line, severity: $0.severity.rawValue, rule: $0.rule,
                    message: $0.message)
            },
            summary: Summary(
                errors: reports.reduce(0) { $0 + $1.errorCount }, warnings: reports.reduce(0) { $0 + $1.warningCount },
                exitCode: reports.map { $0.exitCode(strict: strict) }.max() ?? 0, rules: RuleCount.tally(all)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Plain value types with no custom encoding: encoding cannot fail.
        var data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
