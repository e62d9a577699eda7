public import DNSKit

/// The zones a check covers, as names only: `ZoneDiscovery.local` (the command line's, else
/// `zones.names`, `zones.directory` and `zones.named_conf`, merged without duplicates). The catalog
/// needs a transfer from the primary: callers that honour `zones.catalog` use `ZoneDiscovery.discover`.
public enum ZoneList {
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func resolve(arguments: [String], sources: ZoneSources) throws(Problem) -> [DomainName] {
        do {
            return try ZoneDiscovery.local(arguments: arguments, sources: sources).names
        } catch {
            throw Problem(description: error.description)
        }
    }
}
