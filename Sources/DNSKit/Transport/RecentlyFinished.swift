import NIOCore

/// The requests that finished lately, remembered for `keep` (at most `limit` of them): a datagram that
/// matches one of them is a late duplicate (the answer to an earlier attempt of a retransmitted query, or a
/// second answer), not a sign that the server sends answers that match nothing.
///
/// Why by time and not by count: the router used to keep the last 4,096 keys. A sweep through the relays
/// finishes 5,000-10,000 requests a second, so a duplicate arriving half a second after its request
/// finished (a spurious retransmission on a loaded host) had been forgotten already; it was counted as an
/// answer that matched nothing, and a query that then timed out on the same server was reported
/// BAD-ANSWER ("sent 8 answers ... that matched no request") instead of a plain loss: the false alarm of
/// the soak runs.
///
/// Kept small, as up to `limit` entries live at once (a 100,000-zone sweep reaches it): each key is
/// remembered by its 64-bit hash and its time in nanoseconds, 16 octets in the table and 16 in the order,
/// not the router's key (socket address, ID, socket: 32 octets) and a 16-octet `Duration` twice (from the
/// layouts, about 19 MB at the limit before, 6 MB now). Two keys of the same hash among 100,000 (about one
/// sweep in 3 x 10^9) would make one unmatched datagram count as a late duplicate: it is then not held
/// against its server, which is harmless.
struct RecentlyFinished<Key: Hashable> {
    let keep: Duration
    let limit: Int
    private let keepNanoseconds: Int64
    private var finishedAt: [Int: Int64] = [:]
    private var order = CircularBuffer<Entry>()

    private struct Entry {
        var hash: Int
        var at: Int64
    }

    /// Ten seconds: longer than any request lives at the largest `check.timeout` the sweep uses with its
    /// retries and backoff (2 s: 0.35 + 0.7 + 1.4 + 2 s). 100,000 keys: 10 s of the fastest loopback sweep.
    init(keep: Duration = .seconds(10), limit: Int = 100_000) {
        self.keep = keep
        self.limit = max(1, limit)
        self.keepNanoseconds = Self.nanoseconds(keep)
    }

    var count: Int { finishedAt.count }

    /// `key` finished at `now` (a monotonic time).
    mutating func insert(_ key: Key, at now: Duration) {
        let at = Self.nanoseconds(now)
        expire(before: at &- keepNanoseconds)
        let hash = key.hashValue
        finishedAt[hash] = at
        order.append(Entry(hash: hash, at: at))
        while order.count > limit, let oldest = order.popFirst() { forget(oldest) }
    }

    /// Whether `key` finished within `keep` before `now`.
    func contains(_ key: Key, at now: Duration) -> Bool {
        guard let at = finishedAt[key.hashValue] else { return false }
        return Self.nanoseconds(now) &- at <= keepNanoseconds
    }

    private mutating func expire(before limit: Int64) {
        while let oldest = order.first, oldest.at < limit {
            _ = order.popFirst()
            forget(oldest)
        }
    }

    /// Removes an entry unless the key finished again since (a reused ID).
    private mutating func forget(_ entry: Entry) {
        if finishedAt[entry.hash] == entry.at { finishedAt[entry.hash] = nil }
    }

    /// A monotonic time or a span in nanoseconds, saturated to 64 bits (292 years).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowSum) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowSum { return seconds < 0 ? .min : .max }
        return sum
    }
}
