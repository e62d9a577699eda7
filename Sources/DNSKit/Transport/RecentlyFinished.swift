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
struct RecentlyFinished<Key: Hashable> {
    let keep: Duration
    let limit: Int
    private var finishedAt: [Key: Duration] = [:]
    private var order = CircularBuffer<(key: Key, at: Duration)>()

    /// Ten seconds: longer than any request lives at the largest `check.timeout` the sweep uses with its
    /// retries and backoff (2 s: 0.35 + 0.7 + 1.4 + 2 s). 100,000 keys: 10 s of the fastest loopback sweep.
    init(keep: Duration = .seconds(10), limit: Int = 100_000) {
        self.keep = keep
        self.limit = max(1, limit)
    }

    var count: Int { finishedAt.count }

    /// `key` finished at `now` (a monotonic time).
    mutating func insert(_ key: Key, at now: Duration) {
        expire(before: now - keep)
        finishedAt[key] = now
        order.append((key, now))
        while order.count > limit, let oldest = order.popFirst() { forget(oldest) }
    }

    /// Whether `key` finished within `keep` before `now`.
    func contains(_ key: Key, at now: Duration) -> Bool {
        guard let at = finishedAt[key] else { return false }
        return now - at <= keep
    }

    private mutating func expire(before limit: Duration) {
        while let oldest = order.first, oldest.at < limit {
            _ = order.popFirst()
            forget(oldest)
        }
    }

    /// Removes an entry unless the key finished again since (a reused ID).
    private mutating func forget(_ entry: (key: Key, at: Duration)) {
        if finishedAt[entry.key] == entry.at { finishedAt[entry.key] = nil }
    }
}
