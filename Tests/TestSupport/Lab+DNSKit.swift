public import DNSKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The lab as DNSKit's tests talk to it: servers as `ServerEndpoint`s with their TSIG keys.
extension Lab {
    /// Whether the lab can add its loopback addresses (BIND listens on 127.53.x.y aliases added to lo).
    public static var isRoot: Bool { getuid() == 0 }

    /// Server `ns<number>`'s TSIG key, as the lab wrote it.
    public func key(_ server: Int) throws -> TSIGKey {
        try TSIGKey.load(path: keyPath("ns\(server)"))
    }

    /// Server `ns<number>` on this lab's prefix and port, with its key.
    public func endpoint(_ server: Int) throws -> ServerEndpoint {
        ServerEndpoint(name: "ns\(server)", host: "\(prefix).\(server)", port: Int(port), key: try key(server))
    }

    /// `zone00002.lab` as a name (the tests' names are valid: a bad one traps the test).
    public static func zone(_ text: String) -> DomainName {
        try! DomainName(labels: text.split(separator: ".").map { Array($0.utf8) })
    }
}
