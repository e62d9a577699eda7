/// Where the list of zones to check comes from; all sources given are merged.
public struct ZoneSources: Sendable, Equatable {
    /// Zones listed by name, without trailing dot, as written.
    public var names: [String]
    /// A directory of zone files (absolute path).
    public var directory: String?
    /// A named.conf whose zone statements (includes followed) list the zones (absolute path).
    public var namedConf: String?
    /// An RFC 9432 catalog zone, transferred from the primary.
    public var catalog: String?

    public init(names: [String] = [], directory: String? = nil, namedConf: String? = nil, catalog: String? = nil) {
        self.names = names
        self.directory = directory
        self.namedConf = namedConf
        self.catalog = catalog
    }

    public var isEmpty: Bool { names.isEmpty && directory == nil && namedConf == nil && catalog == nil }
}
