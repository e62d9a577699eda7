/// Spreads a server's window of queries over its round trip instead of sending them in one burst
/// (pacing, as TCP senders do): `window / SRTT` queries per second, with a small burst allowance.
///
/// A window of 2,304 sent at once reaches the server within a few milliseconds, as a burst its socket
/// buffer (208 KiB by default on Linux: a few hundred queries) cannot hold, and it drops the rest; the
/// same window spread over a 310 ms round trip is 7,400 queries per second, which any name server answers.
/// Pacing at window / SRTT costs no throughput: it is the rate at which the answers come back anyway.
/// Before the first round trip is measured, or when it is under `unpacedBelow` (loopback), nothing is
/// paced.
public struct SendPacer: Sendable, Hashable {
    /// Queries that may always leave at once.
    public static let burst = 16
    /// The tokens saved up may cover this long at the paced rate: the router's timer asks for a tick
    /// every millisecond, but a busy event loop runs it 5-20 ms late, and a late tick must not cost rate
    /// (with 4 ms, a sweep over the relays kept only 40 % of its window in flight).
    public static let horizon: Duration = .milliseconds(20)
    /// Round trips under this are not paced: the answers themselves clock the sends.
    public static let unpacedBelow: Duration = .milliseconds(2)

    public private(set) var tokens = Double(SendPacer.burst)
    private var last: Duration?

    public init() {}

    /// How many queries may leave at `now` (a monotonic time) for a window of `window` and a smoothed
    /// round trip `roundTrip`; `Int.max` when unpaced. Call `spend` for each one sent.
    public mutating func allowance(now: Duration, window: Int, roundTrip: Duration?) -> Int {
        defer { last = now }
        guard let roundTrip, roundTrip >= Self.unpacedBelow else {
            tokens = Double(Self.burst)
            return .max
        }
        let seconds = Double(roundTrip.components.seconds) + Double(roundTrip.components.attoseconds) / 1e18
        let rate = Double(max(1, window)) / seconds
        let horizon = Double(Self.horizon.components.attoseconds) / 1e18 + Double(Self.horizon.components.seconds)
        let cap = max(Double(Self.burst), rate * horizon)
        if let last, now > last {
            let elapsed = now - last
            let gap = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(cap, tokens + rate * gap)
        }
        return max(0, Int(tokens))
    }

    public mutating func spend(_ count: Int = 1) { tokens -= Double(count) }
}
