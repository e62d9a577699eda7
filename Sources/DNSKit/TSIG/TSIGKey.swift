/// A TSIG key (RFC 8945 §4): its name, its MAC algorithm and a secret that never leaves.
///
/// The secret is held in a private reference that no description, debug description,
/// mirror (`dump`) or error text ever shows; the only thing done with it is keying HMACs.
public struct TSIGKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The key's name as the servers know it (`zonecheck-ns1.`), sent in every TSIG RR.
    public let name: DomainName
    public let algorithm: TSIGAlgorithm
    private let secret: TSIGSecret

    /// Builds a key from raw secret bytes (for tests and for callers that hold keys elsewhere).
    ///
    /// Returns nil only when libcrypto cannot key an HMAC of this algorithm.
    public init?(name: DomainName, algorithm: TSIGAlgorithm, secret: [UInt8]) {
        guard let hmac = HMACKey(algorithm: algorithm, secret: secret) else { return nil }
        self.name = name
        self.algorithm = algorithm
        self.secret = TSIGSecret(bytes: secret, hmac: hmac)
    }

    /// True for hmac-md5 and hmac-sha1: the key works, but the caller should warn.
    public var isWeak: Bool { algorithm.isWeak }

    var hmac: HMACKey { secret.hmac }

    /// The same name and algorithm with another secret: what a test needs to provoke BADSIG.
    public func withSecret(_ bytes: [UInt8]) -> TSIGKey? {
        TSIGKey(name: name, algorithm: algorithm, secret: bytes)
    }

    /// The same secret and algorithm under another name: what a test needs to provoke BADKEY.
    public func renamed(_ newName: DomainName) -> TSIGKey {
        var copy = self
        copy.rename(newName)
        return copy
    }

    private mutating func rename(_ newName: DomainName) {
        self = TSIGKey(name: newName, algorithm: algorithm, sharing: secret)
    }

    private init(name: DomainName, algorithm: TSIGAlgorithm, sharing secret: TSIGSecret) {
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
    }

    public var description: String { "TSIG key \(name) (\(algorithm))" }
    public var debugDescription: String { "TSIGKey(name: \(name), algorithm: \(algorithm), secret: <hidden>)" }
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "algorithm": algorithm, "secret": "<hidden>"], displayStyle: .struct)
    }

    public static func == (lhs: TSIGKey, rhs: TSIGKey) -> Bool {
        lhs.name == rhs.name && lhs.algorithm == rhs.algorithm && lhs.secret.matches(rhs.secret)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(algorithm)
    }
}

/// Holds the secret bytes; a class so that copies of a key share one keyed HMAC and so
/// that nothing reflecting over `TSIGKey` can reach the bytes without this type's help.
private final class TSIGSecret: Sendable, CustomStringConvertible, CustomReflectable {
    private let bytes: [UInt8]
    let hmac: HMACKey

    init(bytes: [UInt8], hmac: HMACKey) {
        self.bytes = bytes
        self.hmac = hmac
    }

    func matches(_ other: TSIGSecret) -> Bool {
        self === other || constantTimeEqual(bytes[...], other.bytes[...])
    }

    var description: String { "<hidden>" }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}
