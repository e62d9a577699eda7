/// What `run` may repair by itself, and how hard it tries.
public struct RepairSettings: Sendable, Equatable {
    /// Repair what is safe to repair without asking.
    public var auto: Bool
    /// Allow restoring the primary from the freshest verified secondary copy (off: a human decides).
    public var primaryFromSecondary: Bool
    /// At most this many repairs of one zone per hour, so a repair that does not hold does not loop.
    public var maxPerZonePerHour: Int
    /// How long to wait for the servers to agree after a repair before calling it failed.
    public var convergeTimeout: Duration
    /// `run` restores the primary from secondaries only when at least this many serve the fresher serial with
    /// the same verified content (RFC 8976 SIMPLE digest of a verified AXFR): one broken or compromised
    /// secondary cannot rewrite the master copy. `repair --yes` (a person) is not bound by it.
    public var restoreQuorum: Int

    public init(
        auto: Bool = true, primaryFromSecondary: Bool = false, maxPerZonePerHour: Int = 3,
        convergeTimeout: Duration = .seconds(60), restoreQuorum: Int = 2
    ) {
        self.auto = auto
        self.primaryFromSecondary = primaryFromSecondary
        self.maxPerZonePerHour = maxPerZonePerHour
        self.convergeTimeout = convergeTimeout
        self.restoreQuorum = restoreQuorum
    }
}
