import Foundation
import ZoneCheck

/// How the state commands print times: UTC, to the second, the same on every machine.
enum TimeText {
    static func utc(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// `--since 24h` as the configuration reads durations.
    static func since(_ text: String, option: String = "--since") throws -> TimeInterval {
        guard let duration = RepairExecutor.duration(text), duration > .zero else {
            throw Failure.unknown("\(option) '\(text)': give a duration such as 24h, 7d or 90m")
        }
        return duration.timeInterval
    }

    /// The state database for reading, or nil when no run has happened yet.
    static func state(_ configuration: Configuration) throws -> StateDatabase? {
        do {
            return try StateDatabase.openExisting(directory: configuration.state.directory)
        } catch {
            throw Failure.unknown(error.description)
        }
    }
}
