/// A TSIG MAC algorithm, RFC 8945 §6 (the IANA "TSIG Algorithm Names" registry).
///
/// hmac-sha512 is what the fleet uses; the others are accepted so that a key file written
/// for another deployment still loads. hmac-md5 and hmac-sha1 are weak: keys using them load
/// with `TSIGKey.isWeak` set so the caller can warn.
public enum TSIGAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case hmacSHA512 = "hmac-sha512"
    case hmacSHA384 = "hmac-sha384"
    case hmacSHA256 = "hmac-sha256"
    case hmacSHA224 = "hmac-sha224"
    case hmacSHA1 = "hmac-sha1"
    case hmacMD5 = "hmac-md5"

    /// The algorithm for a BIND key-file or TSIG RR name (`hmac-sha512`, `HMAC-MD5.SIG-ALG.REG.INT.`).
    public init?(name: String) {
        var text = name.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        if text == "hmac-md5.sig-alg.reg.int" { text = "hmac-md5" }
        guard let value = TSIGAlgorithm(rawValue: text) else { return nil }
        self = value
    }

    /// The name carried in the TSIG RR's Algorithm Name field (RFC 8945 §6).
    public var domainName: DomainName { Self.domainNames[self]! }

    /// Built once: every signed request and every verified answer needs it.
    private static let domainNames: [TSIGAlgorithm: DomainName] = Dictionary(
        uniqueKeysWithValues: allCases.map { algorithm in
            let text = algorithm == .hmacMD5 ? "hmac-md5.sig-alg.reg.int" : algorithm.rawValue
            // The registry names are plain ASCII labels: building them cannot fail.
            return (algorithm, try! DomainName(labels: text.split(separator: ".").map { Array($0.utf8) }))
        })

    /// Length of the full MAC in octets (the digest length of the hash).
    public var macLength: Int {
        switch self {
        case .hmacSHA512: 64
        case .hmacSHA384: 48
        case .hmacSHA256: 32
        case .hmacSHA224: 28
        case .hmacSHA1: 20
        case .hmacMD5: 16
        }
    }

    /// MD5 and SHA-1 are no longer recommended for TSIG (RFC 8945 §6).
    public var isWeak: Bool { self == .hmacMD5 || self == .hmacSHA1 }

    /// The digest name OpenSSL knows the hash by.
    var opensslDigestName: String {
        switch self {
        case .hmacSHA512: "SHA512"
        case .hmacSHA384: "SHA384"
        case .hmacSHA256: "SHA256"
        case .hmacSHA224: "SHA224"
        case .hmacSHA1: "SHA1"
        case .hmacMD5: "MD5"
        }
    }

    public var description: String { rawValue }
}
