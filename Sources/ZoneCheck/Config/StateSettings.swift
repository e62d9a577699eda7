/// Where zonecheck keeps its state database, audit log, backups and lock.
public struct StateSettings: Sendable, Equatable {
    /// Absolute path; created when missing.
    public var directory: String

    public init(directory: String = "/var/lib/zonecheck") {
        self.directory = directory
    }
}
