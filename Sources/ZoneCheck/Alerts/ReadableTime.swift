public import Foundation

/// Times and durations as the people reading alert mail and the digest want them: UTC, to the minute, and
/// "2 h 5 min" rather than seconds.
public enum ReadableTime {
    /// `2026-11-22 06:10 UTC`.
    static func clock(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute)) UTC"
    }

    /// `06:10` when `date` is on the same UTC day as `reference`, else the full `clock` form.
    static func clock(_ date: Date, near reference: Date) -> String {
        if utc.isDate(date, inSameDayAs: reference) {
            let parts = utc.dateComponents([.hour, .minute], from: date)
            return "\(two(parts.hour)):\(two(parts.minute))"
        }
        return clock(date)
    }

    /// `2026-11-22 06:10:05 UTC`: to the second, for the state commands (`status`, `history`), the same on
    /// every machine.
    public static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// `11-22 06:10`: for table columns, where the year and "UTC" would repeat on every row.
    static func short(_ date: Date) -> String {
        let parts = utc.dateComponents([.month, .day, .hour, .minute], from: date)
        return "\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute))"
    }

    /// `45 s`, `14 min`, `5 h 50 min`, `2 d 3 h`: two units at most, rounded down.
    static func duration(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        if seconds < 60 { return "\(seconds) s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 24 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        let days = hours / 24
        return hours % 24 == 0 ? "\(days) d" : "\(days) d \(hours % 24) h"
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func two(_ value: Int?) -> String {
        let number = value ?? 0
        return number < 10 ? "0\(number)" : "\(number)"
    }
}
