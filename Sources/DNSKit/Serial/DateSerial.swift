#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A serial in the `YYYYMMDDnn` convention (RFC 1912 §2.2: "the recommended syntax is
/// YYYYMMDDnn (YYYY=year, MM=month (01-12), DD=day (01-31), nn=revision number)").
///
/// Only years 1990 through 2199 count: earlier values are far more likely plain counters that
/// happen to have ten digits, and 2199123199 is still below 2^32.
public struct DateSerial: Sendable, Hashable {
    public var day: Day
    /// The `nn` part, 0 through 99.
    public var revision: Int

    public static let years = 1990...2199

    /// - Parameter revision: 0 through 99; anything else is held to that range (the `nn` part has two
    ///   digits, and a larger value would make `serial` name another day or overflow).
    public init(day: Day, revision: Int) {
        self.day = day
        self.revision = min(99, max(0, revision))
    }

    /// The date-style reading of `serial`, or nil when its digits are not a real date.
    public init?(serial: Serial) {
        let value = Int(serial.rawValue)
        let revision = value % 100
        let date = value / 100
        guard let day = Day(year: date / 10_000, month: date / 100 % 100, day: date % 100) else { return nil }
        self.day = day
        self.revision = revision
    }

    /// The serial `YYYYMMDDnn`.
    public var serial: Serial {
        let value = ((day.year * 100 + day.month) * 100 + day.day) * 100 + revision
        return Serial(UInt32(value))
    }

    /// A calendar day (proleptic Gregorian), as the date part of a serial names it.
    public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let year: Int
        public let month: Int
        public let day: Int

        /// Nil unless the date exists and its year is in `DateSerial.years`.
        public init?(year: Int, month: Int, day: Int) {
            guard DateSerial.years.contains(year), (1...12).contains(month),
                (1...Self.daysIn(month: month, year: year)).contains(day)
            else { return nil }
            self.year = year
            self.month = month
            self.day = day
        }

        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// The civil date `daysSinceEpoch` days after 1970-01-01 (H. Hinnant's civil_from_days).
        init?(daysSinceEpoch: Int) {
            let z = daysSinceEpoch + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let shiftedMonth = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
            let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            self.init(year: year, month: month, day: day)
        }

        public static func < (lhs: Day, rhs: Day) -> Bool {
            (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
        }

        /// `YYYY-MM-DD`.
        public var description: String {
            func pad(_ n: Int, _ width: Int) -> String {
                let digits = String(n)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }
    }

    /// Today's date in UTC, the day zone serials conventionally use.
    public static func today() -> Day { day(atUnixTime: Int(time(nil))) }

    /// The UTC day of a Unix time, held to `years`: a clock before 1990 (a machine whose battery died boots at
    /// 1970) reads as 1990-01-01 and one after 2199 as 2199-12-31, the nearest days a date-style serial can
    /// name. Such a clock is wrong, and the serials it judges may look "in the future": that is the truth
    /// about the clock, where a trap would stop every check (issue 11).
    public static func day(atUnixTime seconds: Int) -> Day {
        let first = Day(year: years.lowerBound, month: 1, day: 1)!
        let last = Day(year: years.upperBound, month: 12, day: 31)!
        // 1990-01-01 is day 7305 after 1970-01-01, 2199-12-31 is day 84005: anything outside is clamped
        // before any arithmetic, so no value of `seconds` can overflow.
        let days = seconds / 86_400 - (seconds % 86_400 < 0 ? 1 : 0)
        guard days >= 7305 else { return first }
        guard days <= 84_005 else { return last }
        return Day(daysSinceEpoch: days) ?? first
    }
}
