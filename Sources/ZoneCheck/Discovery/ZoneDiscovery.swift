public import DNSKit

/// Where a zone to check was found, kept for messages ("listed at named.conf.local:12").
public enum ZoneOriginSource: Sendable, Equatable, CustomStringConvertible {
    case commandLine
    case names(index: Int)
    case directory(path: String)
    case namedConf(path: String, line: Int)
    case catalog(catalog: DomainName, node: DomainName)

    public var description: String {
        switch self {
        case .commandLine: "the command line"
        case .names(let index): "zones.names[\(index)]"
        case .directory(let path): path
        case .namedConf(let path, let line): "\(path):\(line)"
        case .catalog(let catalog, let node): "catalog \(catalog) (\(node))"
        }
    }
}

/// One zone to check and where it was found first.
public struct DiscoveredZone: Sendable, Equatable {
    public var name: DomainName
    public var source: ZoneOriginSource
}

/// The zones found, and the names a source gave that `ZoneNameRule` refused (reported, never used).
public struct DiscoveredZones: Sendable, Equatable {
    public var zones: [DiscoveredZone]
    public var refused: [RefusedZone]

    public var names: [DomainName] { zones.map(\.name) }
}

/// The zones a check covers, from every source the configuration names, merged in this order and
/// de-duplicated (case-insensitively; the first source that names a zone is kept): `zones.names`,
/// `zones.directory` (`ZoneDirectory`), `zones.named_conf` (`NamedConfReader`, primary zones only),
/// `zones.catalog` (`CatalogZone`, transferred from the primary). Zones named on the command line
/// replace all of them. Every name meets `ZoneNameRule` on the way in: a refused one is listed in `refused`
/// (on the command line, it is an error), so one odd catalog member does not stop the check of the others.
public enum ZoneDiscovery {
    /// The zones of the local sources (names, directory, named.conf); the catalog is left out.
    public static func local(arguments: [String], sources: ZoneSources) throws(ConfigError) -> DiscoveredZones {
        var merged = Merge()
        if !arguments.isEmpty {
            for text in arguments { try merged.add(text: text, source: .commandLine) }
            return merged.found
        }
        for (index, text) in sources.names.enumerated() { try merged.add(text: text, source: .names(index: index)) }
        if let directory = sources.directory {
            for entry in try ZoneDirectory.zones(in: directory) {
                merged.add(entry.name, source: .directory(path: entry.path))
            }
        }
        if let namedConf = sources.namedConf {
            for zone in try NamedConfReader.primaryZones(path: namedConf) {
                merged.add(zone.name, source: .namedConf(path: zone.path, line: zone.line))
            }
        }
        return merged.found
    }

    /// Every source, the catalog included: it is transferred from `primary` through `client`.
    public static func discover(
        arguments: [String], sources: ZoneSources, primary: ServerEndpoint, client: DNSClient,
        limits: AXFRLimits = AXFRLimits()
    ) async throws(ConfigError) -> DiscoveredZones {
        let local = try local(arguments: arguments, sources: sources)
        guard arguments.isEmpty, let catalogText = sources.catalog else { return local }
        var merged = Merge()
        for zone in local.zones { merged.add(zone.name, source: zone.source) }
        merged.refused = local.refused
        let catalogName: DomainName
        do {
            catalogName = try DomainName(zoneName: catalogText)
        } catch {
            throw ConfigError(
                path: "zones.catalog", message: "'\(catalogText)' is not a zone name", fix: "Name the catalog zone")
        }
        let catalog = try await CatalogZone.fetch(catalogName, from: primary, limits: limits, client: client)
        for member in catalog.members {
            merged.add(member.zone, source: .catalog(catalog: catalogName, node: member.node))
        }
        return merged.found
    }

    struct Merge {
        private var seen = Set<DomainName>()
        private(set) var zones: [DiscoveredZone] = []
        var refused: [RefusedZone] = []

        var found: DiscoveredZones { DiscoveredZones(zones: zones, refused: refused) }

        mutating func add(_ name: DomainName, source: ZoneOriginSource) {
            if let reason = ZoneNameRule.refusal(name) {
                refused.append(RefusedZone(name: name, source: source, reason: reason))
                return
            }
            if seen.insert(name).inserted { zones.append(DiscoveredZone(name: name, source: source)) }
        }

        mutating func add(text: String, source: ZoneOriginSource) throws(ConfigError) {
            let name: DomainName
            do {
                name = try DomainName(zoneName: text)
            } catch {
                throw ConfigError(
                    path: source.description, message: "'\(text)' is not a zone name: \(error)",
                    fix: "Write a domain name such as example.com")
            }
            if let reason = ZoneNameRule.refusal(name) {
                throw ConfigError(
                    path: source.description, message: "zone \(name) is refused: \(reason)",
                    fix: "Name a zone of letters, digits, '-', '_' and dots")
            }
            add(name, source: source)
        }
    }
}
