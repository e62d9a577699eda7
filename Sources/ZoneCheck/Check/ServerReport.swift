import Foundation

/// What one server said about one zone when asked why (its `status` and `log` commands from the
/// configuration): lines already bounded in number and length by whoever ran the commands. Evidence for
/// `LagDiagnosis`, and shown under the finding, in the alert and in the digest.
public struct ServerReport: Sendable, Equatable {
    public var server: String
    /// The status command's output (e.g. `rndc zonestatus`), every line: it is about the zone.
    public var status: [String]
    /// The log command's lines that name the zone, oldest first.
    public var log: [String]
    /// Why a command gave nothing or less (timed out and was killed, exited non-zero, could not start).
    public var problems: [String]

    public init(server: String, status: [String] = [], log: [String] = [], problems: [String] = []) {
        self.server = server
        self.status = status
        self.log = log
        self.problems = problems
    }

    /// Status then log lines: the evidence the diagnosis reads.
    public var lines: [String] { status + log }

    /// The lines as a finding shows them: `ns2 status: ...`, `ns2 log: ...`, `ns2: the log command timed out`.
    public var findingLines: [String] {
        status.map { "\(server) status: \($0)" } + log.map { "\(server) log: \($0)" }
            + problems.map { "\(server): \($0)" }
    }
}

extension ServerReport {
    /// Status lines kept (BIND's `rndc zonestatus` prints 11).
    public static let maxStatusLines = 12
    /// Log lines kept: the most recent about the zone.
    public static let maxLines = 10
    /// Octets kept per line: a longer line is cut and marked.
    public static let maxLineOctets = 300

    /// Output's lines as kept: control characters shown as `?` (a log line must not rewrite the operator's
    /// terminal), each cut at `maxLineOctets`, blank lines dropped.
    public static func lines(of output: String) -> [String] {
        output.split(whereSeparator: \.isNewline).compactMap { raw in
            let clean = String(
                String.UnicodeScalarView(
                    raw.unicodeScalars.map { scalar in
                        scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7f ? "?" : scalar
                    })
            ).trimmingCharacters(in: .whitespaces)
            guard !clean.isEmpty else { return nil }
            guard clean.utf8.count > maxLineOctets else { return clean }
            var cut = Substring(clean)
            while cut.utf8.count > maxLineOctets - 3 { cut = cut.dropLast() }
            return cut + "..."
        }
    }

    /// The status command's lines: the first `maxStatusLines` (its output is about the zone, most important first).
    public static func statusLines(_ output: String) -> [String] {
        let all = lines(of: output)
        return all.count > maxStatusLines
            ? Array(all.prefix(maxStatusLines)) + ["... \(all.count - maxStatusLines) more lines"] : all
    }

    /// The log command's lines that name `zone` (a whole name: `a.example.com` does not count for
    /// `example.com`, nor `example.com.au`), the last `maxLines` of them: the most recent.
    public static func logLines(_ output: String, zone: String) -> [String] {
        Array(lines(of: output).filter { names(zone, in: $0) }.suffix(maxLines))
    }

    /// Whether `line` names `zone` as a whole name, case-insensitively (logs write `example.com`,
    /// `example.com.`, `'example.com/IN'`, `[example.com.]`).
    static func names(_ zone: String, in line: String) -> Bool {
        let name = Array((zone.hasSuffix(".") ? String(zone.dropLast()) : zone).lowercased().utf8)
        let text = Array(line.lowercased().utf8)
        guard !name.isEmpty, text.count >= name.count else { return false }
        func partOfName(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2d || byte == 0x5f
        }
        var start = 0
        while start + name.count <= text.count {
            if text[start..<(start + name.count)].elementsEqual(name) {
                let before = start == 0 ? nil : text[start - 1]
                let after = start + name.count < text.count ? text[start + name.count] : nil
                // Not inside a longer label or name: `a.example.com` or `example.com.au` are other names.
                let leftClean = before.map { !partOfName($0) && $0 != 0x2e } ?? true
                let next = start + name.count + 1 < text.count ? text[start + name.count + 1] : nil
                let continues = after == 0x2e && next.map(partOfName) == true
                let rightClean = after.map { !partOfName($0) } ?? true && !continues
                if leftClean && rightClean { return true }
            }
            start += 1
        }
        return false
    }
}
