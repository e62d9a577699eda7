public import DNSKit

/// The configured servers with their TSIG keys read: what every sweep, query and repair talks to.
///
/// Keys are read here, once, by DNSKit's key-file reader; the configuration only holds their paths,
/// so a secret never passes through the configuration or its errors.
public struct Fleet: Sendable {
    public struct Member: Sendable {
        public var config: ServerConfig
        public var endpoint: ServerEndpoint
        public var name: String { config.name }
        public var role: ServerRole { config.role }
    }

    public var members: [Member]

    /// Keys that work but should be replaced (hmac-md5, hmac-sha1): one sentence per key, for stderr.
    public var warnings: [String] {
        members.compactMap { member in
            guard let key = member.endpoint.key, key.isWeak else { return nil }
            return "server \(member.name): key \(key.name) uses \(key.algorithm), which is weak; "
                + "make a new one with 'tsig-keygen -a hmac-sha512 \(key.name)' and install it on \(member.name)"
        }
    }

    public var primary: Member { members.first { $0.role == .primary }! }
    public var secondaries: [Member] { members.filter { $0.role == .secondary } }

    public func member(named name: String) -> Member? {
        members.first { $0.name == name }
    }

    /// Reads every server's key. A key that cannot be read is a configuration error naming the
    /// server and the key file.
    public init(configuration: Configuration) throws(FleetError) {
        var members: [Member] = []
        for server in configuration.servers {
            let key: TSIGKey
            do {
                key = try TSIGKey.load(path: server.keyPath, name: server.keyName)
            } catch {
                throw FleetError(server: server.name, keyPath: server.keyPath, reason: String(describing: error))
            }
            let endpoint = ServerEndpoint(name: server.name, host: server.address, port: Int(server.port), key: key)
            members.append(Member(config: server, endpoint: endpoint))
        }
        self.members = members
    }
}

public struct FleetError: Error, Sendable, CustomStringConvertible {
    public var server: String
    public var keyPath: String
    public var reason: String

    public var description: String {
        "server \(server): cannot use its TSIG key \(keyPath): \(reason)"
    }
}
