public import DNSKit

/// An RFC 9432 catalog zone read from its records: the member zones, each with the `<unique-N>` node
/// that lists it.
///
/// Implements RFC 9432 §4.2.1 (version property: exactly one TXT RR at `version.$CATZ`, value "2"; any
/// other value, several RRs or none: the catalog is not processed) and §4.1 (member zones: a PTR RR at
/// `<unique-N>.zones.$CATZ`, the only RR of its PTR RRset, else the catalog is broken and not
/// processed). Properties below a member node (`group`, `coo`, §4.4) are not members and are ignored.
/// A member listed under two unique names counts once (the first in canonical order).
public struct CatalogZone: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var zone: DomainName
        /// `<unique-N>.zones.$CATZ`, for messages.
        public var node: DomainName
    }

    public var name: DomainName
    public var members: [Member]

    /// The catalog's content, from the records of a (verified) transfer. `place` names where they came
    /// from, for errors (`catalog catalog.example. from ns1`).
    public init(name: DomainName, records: [ResourceRecord], place: String) throws(ConfigError) {
        self.name = name
        // version.$CATZ and zones.$CATZ must fit 255 octets (RFC 1035 §3.1): a catalog name over 247 octets
        // cannot hold either, so it cannot be a catalog (issue 11: this trapped).
        let version: DomainName
        let zonesNode: DomainName
        do {
            version = try DomainName(labels: [Array("version".utf8)]).appending(name)
            zonesNode = try DomainName(labels: [Array("zones".utf8)]).appending(name)
        } catch {
            throw ConfigError(
                path: place,
                message: "\(name) is \(name.wire.count) octets long: version.\(name) would exceed the 255 octets a "
                    + "name may have, so it cannot be an RFC 9432 catalog zone",
                fix: "Name a catalog of at most 247 octets in zones.catalog")
        }
        let versions = records.filter { $0.owner == version && $0.type == .txt }
        guard versions.count == 1, let versionRecord = versions.first else {
            throw ConfigError(
                path: place,
                message: versions.isEmpty
                    ? "\(name) has no version.\(name) TXT record: it is not an RFC 9432 catalog zone"
                    : "\(name) has \(versions.count) TXT records at version.\(name); RFC 9432 §4.2.1 allows exactly one",
                fix: "Serve version.\(name) TXT \"2\" (catalog zones schema version 2) on the primary")
        }
        let strings = Self.characterStrings(versionRecord.rdata)
        guard strings == ["2"] else {
            let shown = strings.map { "\"\($0)\"" }.joined(separator: " ")
            throw ConfigError(
                path: place,
                message: "\(name) is a catalog zone of schema version \(shown), zonecheck reads version \"2\" "
                    + "(RFC 9432 §4.2.1)",
                fix: "Convert the catalog to version 2 (its member PTRs under zones.\(name)) and set version TXT \"2\"")
        }
        var byNode: [DomainName: [ResourceRecord]] = [:]
        for record in records where record.type == .ptr && record.owner.labelCount == zonesNode.labelCount + 1 {
            guard record.owner.isSubdomain(of: zonesNode) else { continue }
            byNode[record.owner, default: []].append(record)
        }
        var seen = Set<DomainName>()
        var members: [Member] = []
        for node in byNode.keys.sorted() {
            let ptrs = byNode[node]!
            guard ptrs.count == 1, let target = ptrs[0].rdataNames.first else {
                throw ConfigError(
                    path: place,
                    message: "\(node) holds \(ptrs.count) PTR records; RFC 9432 §4.1 allows one member zone per node, "
                        + "so the catalog is broken",
                    fix: "Give each member zone its own unique name under zones.\(name)")
            }
            if seen.insert(target).inserted { members.append(Member(zone: target, node: node)) }
        }
        self.members = members
    }

    /// The <character-string>s of TXT RDATA (RFC 1035 §3.3.14).
    static func characterStrings(_ rdata: [UInt8]) -> [String] {
        var strings: [String] = []
        var index = 0
        while index < rdata.count {
            let length = Int(rdata[index])
            let end = min(rdata.count, index + 1 + length)
            strings.append(String(decoding: rdata[(index + 1)..<end], as: UTF8.self))
            index = end
        }
        return strings
    }

    /// Transfers the catalog from `server` (a verified AXFR: TSIG checked on every message) and reads it.
    public static func fetch(
        _ name: DomainName, from server: ServerEndpoint, limits: AXFRLimits = AXFRLimits(), client: DNSClient
    ) async throws(ConfigError) -> CatalogZone {
        let place = "zones.catalog \(name) from \(server.name)"
        // A connection that fails or a busy server (BIND answers SERVFAIL at its transfers-out quota) is asked
        // again, twice, before the whole run gives up: without the catalog there is no zone list at all.
        // Anything else (TSIG, verification, a refusal) is final at once.
        var attempt = 1
        while true {
            var records: [ResourceRecord] = []
            let outcome = await client.axfr(zone: name, from: server, limits: limits) { records.append($0) }
            switch outcome {
            case .complete:
                return try CatalogZone(name: name, records: records, place: place)
            case .failed(let error, _):
                let transient: Bool
                switch error.failure {
                case .timeout, .connectionRefused, .unreachable, .servfail: transient = true
                default: transient = false
                }
                if transient && attempt < 3 {
                    try? await Task.sleep(for: .milliseconds(500 * attempt))
                    attempt += 1
                    continue
                }
                throw ConfigError(
                    path: place,
                    message: "the catalog could not be transferred"
                        + (attempt > 1 ? " (\(attempt) attempts)" : "") + ": \(error)",
                    fix: "Check that \(server.name) serves \(name) and allows transfers with zonecheck's key")
            }
        }
    }
}
