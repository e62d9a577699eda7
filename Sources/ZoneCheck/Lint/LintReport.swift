public import DNSKit

/// Everything `zonecheck lint` found in one zone file.
public struct LintReport: Sendable {
    public var file: String
    public var origin: DomainName
    public var recordCount: Int
    /// The reader's diagnostics and the lint rules', by file (the zone file first) and line.
    public var diagnostics: [Diagnostic]

    public init(file: String, origin: DomainName, recordCount: Int, diagnostics: [Diagnostic]) {
        self.file = file
        self.origin = origin
        self.recordCount = recordCount
        self.diagnostics = diagnostics
    }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    /// How often each rule fired, errors first, then by count (Knot's kzonecheck summary).
    public var summary: [RuleCount] { RuleCount.tally(diagnostics) }

    /// 0 clean, 1 warnings only, 2 errors; `strict` turns warnings into errors.
    public func exitCode(strict: Bool) -> Int32 {
        if errorCount > 0 { return 2 }
        if warningCount > 0 { return strict ? 2 : 1 }
        return 0
    }
}

/// One line of the summary: a rule, its severity and how many times it fired.
public struct RuleCount: Sendable, Hashable, Codable {
    public var rule: String
    public var severity: Diagnostic.Severity
    public var count: Int

    public init(rule: String, severity: Diagnostic.Severity, count: Int) {
        self.rule = rule
        self.severity = severity
        self.count = count
    }

    public static func tally(_ diagnostics: [Diagnostic]) -> [RuleCount] {
        var counts: [String: RuleCount] = [:]
        for diagnostic in diagnostics {
            counts[diagnostic.rule, default: RuleCount(rule: diagnostic.rule, severity: diagnostic.severity, count: 0)]
                .count += 1
        }
        return counts.values.sorted {
            ($0.severity == .error ? 0 : 1, -$0.count, $0.rule) < ($1.severity == .error ? 0 : 1, -$1.count, $1.rule)
        }
    }
}

extension Linter {
    /// Reads and lints the zone file at `path`.
    ///
    /// - Parameters:
    ///   - origin: `--origin`; nil takes the file's first `$ORIGIN`, else its name (`ZoneOrigin`).
    ///   - today: for `serial-future`, normally `DateSerial.today()`.
    ///   - previous: the version before the edit, for the serial history rules.
    ///   - signer: the TSIG key transfers are signed with, for `record-too-large-to-transfer`.
    ///   - includeDirectory: where relative `$INCLUDE` names are read from (BIND's `directory`);
    ///     nil: the including file's directory.
    public static func lint(
        path: String, origin: DomainName? = nil, today: DateSerial.Day, previous: PreviousZone? = nil,
        signer: TransferFit.Signer = .assumed, includeDirectory: String? = nil
    ) -> LintReport {
        let origin = ZoneOrigin.resolve(path: path, explicit: origin)
        let reader = ZoneFileReader(path: path, origin: origin, includeDirectory: includeDirectory)
        return lint(reader, file: path, origin: origin, today, previous, signer)
    }

    /// Lints `text` as if it were the file `fileName` (tests, stdin).
    public static func lint(
        text: String, fileName: String, origin: DomainName? = nil, today: DateSerial.Day,
        previous: PreviousZone? = nil, signer: TransferFit.Signer = .assumed
    ) -> LintReport {
        lint(
            bytes: Array(text.utf8), fileName: fileName, origin: origin, today: today, previous: previous,
            signer: signer)
    }

    /// Lints `bytes` (standard input, a pipe) as if they were the file `fileName`.
    public static func lint(
        bytes: [UInt8], fileName: String, origin: DomainName? = nil, today: DateSerial.Day,
        previous: PreviousZone? = nil, signer: TransferFit.Signer = .assumed, includeDirectory: String? = nil
    ) -> LintReport {
        let head = String(decoding: bytes.prefix(ZoneOrigin.Lines.headLimit), as: UTF8.self)
        let origin = ZoneOrigin.resolve(text: head, fileName: fileName, explicit: origin)
        let reader = ZoneFileReader(
            bytes: bytes, fileName: fileName, origin: origin, includeDirectory: includeDirectory)
        return lint(reader, file: fileName, origin: origin, today, previous, signer)
    }

    private static func lint(
        _ reader: ZoneFileReader, file: String, origin: DomainName, _ today: DateSerial.Day, _ previous: PreviousZone?,
        _ signer: TransferFit.Signer
    ) -> LintReport {
        var linter = Linter(origin: origin, today: today, previous: previous, signer: signer)
        let result = reader.read { linter.check($0) }
        // A part that could not be read explains every finding about what is missing: it comes
        // first, and the whole-zone rules (and a missing SOA) are not run on the rest.
        let partial = result.diagnostics.contains { $0.rule == "include" }
        let all =
            result.diagnostics.filter { !partial || $0.rule != "soa-missing" } + linter.finish(wholeZone: !partial)
        // Include failures, then the zone file, then included files in the order they show up; lines ascending.
        var order: [String: Int] = [file: 0]
        for diagnostic in all where order[diagnostic.location.file] == nil {
            order[diagnostic.location.file] = order.count
        }
        func key(_ entry: (offset: Int, element: Diagnostic)) -> (Int, Int, Int, Int) {
            let diagnostic = entry.element
            return (
                diagnostic.rule == "include" ? 0 : 1, order[diagnostic.location.file] ?? 0, diagnostic.location.line,
                entry.offset
            )
        }
        let sorted = all.enumerated().sorted { key($0) < key($1) }.map(\.element)
        return LintReport(file: file, origin: origin, recordCount: result.recordCount, diagnostics: sorted)
    }
}
