public import Foundation

/// Every time and duration zonecheck prints, in one place: UTC (the same on every machine, in cron mail and
/// on a terminal), and durations as people say them ("2 h 5 min", not 7500 seconds). Outputs, terminal
/// reports, alert mail, the digest and error messages all take their times from here.
public enum TimeText {
    /// `2026-11-22 06:10:05 UTC`: the state commands' rows and a lock holder's start, to the second.
    public static func second(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return day(parts) + " \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) UTC"
    }

    /// `2026-11-22 06:10 UTC`: alert mail, the digest, unfinished runs.
    public static func minute(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return day(parts) + " \(two(parts.hour)):\(two(parts.minute)) UTC"
    }

    /// `06:31 UTC` when `date` is on the same UTC day as `now`, else the full `minute` form: "since 06:31 UTC".
    public static func minute(_ date: Date, now: Date) -> String {
        guard utc.isDate(date, inSameDayAs: now) else { return minute(date) }
        let parts = utc.dateComponents([.hour, .minute], from: date)
        return "\(two(parts.hour)):\(two(parts.minute)) UTC"
    }

    /// The start of a range whose end is printed with `minute`: `06:10` when on the same UTC day as `end`
    /// (the end carries the zone), else the full `minute` form.
    public static func rangeStart(_ date: Date, end: Date) -> String {
        guard utc.isDate(date, inSameDayAs: end) else { return minute(date) }
        let parts = utc.dateComponents([.hour, .minute], from: date)
        return "\(two(parts.hour)):\(two(parts.minute))"
    }

    /// `11-22 06:10`: for table columns, where the year and "UTC" would repeat on every row.
    public static func column(_ date: Date) -> String {
        let parts = utc.dateComponents([.month, .day, .hour, .minute], from: date)
        return "\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute))"
    }

    /// `45 s`, `14 min`, `5 h 50 min`, `2 d 3 h`: two units at most, rounded down; a negative or
    /// non-finite interval (a clock stepped back) reads `0 s`.
    public static func duration(_ interval: TimeInterval) -> String {
        let seconds = interval.isFinite ? Int(min(max(0, interval), 1e15)) : 0
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

    /// `2026-11-22`.
    private static func day(_ parts: DateComponents) -> String {
        let year = parts.year ?? 0
        let padded = year < 10 ? "000\(year)" : year < 100 ? "00\(year)" : year < 1000 ? "0\(year)" : "\(year)"
        return "\(padded)-\(two(parts.month))-\(two(parts.day))"
    }

    private static func two(_ value: Int?) -> String {
        let number = value ?? 0
        return number < 10 ? "0\(number)" : "\(number)"
    }
}
