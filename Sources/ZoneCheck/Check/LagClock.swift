public import Foundation

/// What a single sweep cannot know about a lag: since when each secondary has been behind on a zone. The
/// state database remembers the first run that saw it (`zonecheck run` always has it; `check` reads it when a
/// state database exists). With it, `Compare` says "since 06:31 UTC (12 min)" and a lag older than
/// `check.lag_grace` becomes CRITICAL: NOTIFY and the transfer it triggers take seconds, so a lag past the
/// grace means a NOTIFY was lost or a transfer fails.
public struct LagClock: Sendable, Equatable {
    /// Server name -> the first time it was seen behind the primary on this zone (this lag, not an older one).
    public var since: [String: Date]
    public var now: Date
    public var grace: Duration

    public init(since: [String: Date], now: Date, grace: Duration) {
        self.since = since
        self.now = now
        self.grace = grace
    }

    /// How long `server` has been lagging, or nil when nobody recorded the start.
    public func age(of server: String) -> TimeInterval? {
        since[server].map { max(0, now.timeIntervalSince($0)) }
    }

    /// Whether `server`'s lag has outlasted the grace (false when its start is unknown). `lag_grace: 0`
    /// means no grace: a lag is a problem from the run that first sees it.
    public func isBeyondGrace(_ server: String) -> Bool {
        guard let age = age(of: server) else { return false }
        return grace == .zero || age > grace.timeInterval
    }

    /// `since 06:31 UTC (12 min)`, with the date when it started another day.
    public func sinceText(_ server: String) -> String? {
        guard let start = since[server], let age = age(of: server) else { return nil }
        return "since \(TimeText.minute(start, now: now)) (\(TimeText.duration(age)))"
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
