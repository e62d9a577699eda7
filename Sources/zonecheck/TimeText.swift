import Foundation
import ZoneCheck

/// How the state commands read durations (`--since`).
enum TimeText {
    /// `--since 24h` as the configuration reads durations.
    static func since(_ text: String, option: String = "--since") throws -> TimeInterval {
        guard let duration = RepairExecutor.duration(text), duration > .zero else {
            throw Failure.unknown("\(option) '\(text)': give a duration such as 24h, 7d or 90m")
        }
        return duration.timeInterval
    }
}
