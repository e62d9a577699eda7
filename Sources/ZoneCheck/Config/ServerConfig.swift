public import DNSKit
import Foundation

/// Whether a server is the one where changes are made or one that copies from it.
public enum ServerRole: String, Sendable, Equatable, CaseIterable {
    case primary
    case secondary
}

/// One name server of the fleet: where to ask it, with which TSIG key, and how to act on it.
///
/// Holds the key file's path and the key's name, never the secret: DNSKit's TSIG code reads the file when
/// it signs, so the secret is in memory only where it is used.
public struct ServerConfig: Sendable, Equatable {
    /// The operator's name for it (`ns1`), used in every message.
    public var name: String
    public var role: ServerRole
    /// IPv4 or IPv6 address, as written.
    public var address: String
    public var port: UInt16
    /// Absolute path of the key file (BIND key-file syntax, as `tsig-keygen -a hmac-sha512` writes it).
    public var keyPath: String
    /// The key to use when the file holds several.
    public var keyName: String?
    /// Primary only: where its zone files are, with `{zone}` for the zone name (absolute path).
    public var zoneFile: String?
    /// Primary only: command run after a zone file is rewritten, `{zone}` replaced (run without a shell).
    public var reload: ServerCommand?
    /// Secondary only: command that forces a new transfer, `{zone}` replaced (run without a shell).
    public var retransfer: ServerCommand?
    /// Optional: prints the server's view of one zone (`rndc zonestatus {zone}`); asked when the zone has a
    /// problem, its lines shown under the finding.
    public var status: ServerCommand?
    /// Optional: prints the server's recent log lines (`journalctl -u named -n 500 --grep {zone}`); the lines
    /// naming the zone are shown under the finding.
    public var log: ServerCommand?

    public init(
        name: String, role: ServerRole, address: String, port: UInt16 = 53, keyPath: String, keyName: String? = nil,
        zoneFile: String? = nil, reload: ServerCommand? = nil,
        retransfer: ServerCommand? = nil, status: ServerCommand? = nil, log: ServerCommand? = nil
    ) {
        self.status = status
        self.log = log
        self.name = name
        self.role = role
        self.address = address
        self.port = port
        self.keyPath = keyPath
        self.keyName = keyName
        self.zoneFile = zoneFile
        self.reload = reload
        self.retransfer = retransfer
    }

    /// The zone file of `zone` on this server (the `zone_file` template with `{zone}` replaced by the name
    /// without its trailing dot), or nil when the server has no `zone_file`.
    public func zoneFile(for zone: String) -> String? {
        zoneFile.map { ServerConfig.substitute(zone: zone, in: $0) }
    }

    public func zoneFile(for zone: DomainName) -> String? {
        zoneFile(for: zone.description)
    }

    /// The reload command's arguments for `zone`, `{zone}` replaced; nil when none is configured.
    public func reloadCommand(for zone: String) -> [String]? {
        reload?.arguments(zone: zone)
    }

    /// The retransfer command's arguments for `zone`, `{zone}` replaced; nil when none is configured.
    public func retransferCommand(for zone: String) -> [String]? {
        retransfer?.arguments(zone: zone)
    }

    static func substitute(zone: String, in template: String) -> String {
        var name = zone
        if name.count > 1 && name.hasSuffix(".") { name.removeLast() }
        // Joined to its exact length: each zone's file path is kept in its observation (100,000 of them at
        // registrar scale), and Foundation's replacing left a buffer half as long again (measured: 144 octets
        // a path of 51).
        return template.components(separatedBy: "{zone}").joined(separator: name)
    }
}
