extension Duration {
    /// The longest duration a setting may name: 100 years (of 365 days).
    static let longestConfigMilliseconds: Int64 = 100 * 365 * 86_400_000

    /// Reads a configuration duration: one or more number-unit pairs, units `ms`, `s`, `m`, `h`, `d`, `w`
    /// (`2s`, `10m`, `1h`, `24h`, `1d`, `1w`, `1h30m`), at most 100 years. A bare number is refused: `timeout: 2` could mean
    /// seconds or minutes, and guessing wrong makes a cron job hang or give up.
    init?(configText text: String) {
        let units: [(String, Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
        ]
        var milliseconds: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 9, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix(while: { $0.isASCII && $0.isLetter })
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            // Nine digits of weeks fit an Int64 of milliseconds, a few such pairs do not: refuse rather than
            // trap (issue 11), and refuse anything past a century, which no setting means.
            let (part, overflow) = number.multipliedReportingOverflow(by: unit.1)
            guard !overflow, part <= Self.longestConfigMilliseconds - milliseconds else { return nil }
            milliseconds += part
        }
        self = .milliseconds(milliseconds)
    }
}
