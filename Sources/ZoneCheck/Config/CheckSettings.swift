/// How a sweep asks the servers.
public struct CheckSettings: Sendable, Equatable {
    /// How long to wait for one answer.
    public var timeout: Duration
    /// How many times to ask again after a timeout.
    public var retries: Int
    /// Queries in flight at once.
    public var concurrency: Int
    /// How long a secondary may be behind the primary before it is a problem (NOTIFY and transfer take time).
    public var lagGrace: Duration
    /// How often `run` makes a deep check (verified AXFR from every server); nil: never.
    public var deep: Duration?

    public init(
        timeout: Duration = .seconds(2), retries: Int = 2, concurrency: Int = 64, lagGrace: Duration = .seconds(600),
        deep: Duration? = .seconds(3600)
    ) {
        self.timeout = timeout
        self.retries = retries
        self.concurrency = concurrency
        self.lagGrace = lagGrace
        self.deep = deep
    }
}
