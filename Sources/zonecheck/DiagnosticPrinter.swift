#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import DNSKit
import Foundation
import ZoneCheck

/// Writes `file:line: severity: [rule] message` lines and the per-file summary to stderr
/// (as swift-format's `StderrDiagnosticPrinter` does), in colour only when stderr is a
/// terminal, so cron mail and CI logs stay plain text. `NO_COLOR` turns colour off anyway.
/// Output is buffered and written in large blocks: a broken zone can have a million findings.
final class DiagnosticPrinter {
    let colour: Bool
    private var buffer = ""

    init(colour: Bool = DiagnosticPrinter.stderrIsColourTerminal) {
        self.colour = colour
    }

    static var stderrIsColourTerminal: Bool {
        guard isatty(STDERR_FILENO) != 0, getenv("NO_COLOR") == nil else { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
    }

    func print(_ diagnostic: Diagnostic) {
        let severity = diagnostic.severity.rawValue
        let line: String
        if colour {
            let tint = diagnostic.severity == .error ? "\u{1B}[1;31m" : "\u{1B}[1;33m"
            line =
                "\u{1B}[1m\(diagnostic.location):\u{1B}[0m \(tint)\(severity):\u{1B}[0m "
                + "\u{1B}[1m[\(diagnostic.rule)]\u{1B}[0m \(diagnostic.message)"
        } else {
            line = diagnostic.description
        }
        write(line)
    }

    /// Knot's kzonecheck style: totals, then one row per rule. Nothing for a clean file.
    func printSummary(_ report: LintReport) {
        guard !report.diagnostics.isEmpty else { return }
        var text = "\(report.file): zone \(report.origin), \(report.recordCount) records: "
        text += "\(count(report.errorCount, "error")), \(count(report.warningCount, "warning"))\n"
        text += "  count  severity  rule\n"
        for row in report.summary {
            let number = String(row.count)
            let padded = String(repeating: " ", count: max(0, 5 - number.count)) + number
            let severity = row.severity.rawValue.padding(7)
            text += "  \(padded)  \(severity)   \(row.rule)\n"
        }
        write(text, newline: false)
    }

    private func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    private func write(_ text: String, newline: Bool = true) {
        buffer += text
        if newline { buffer += "\n" }
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardError.write(Data(buffer.utf8))
        buffer = ""
    }

    deinit { flush() }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
