/// HMAC-SHA256 (RFC 2104) of a whole message, for signatures outside DNS (the webhook's signature header),
/// on the same libcrypto HMAC as TSIG.
public enum HMACSHA256 {
    /// The 32-byte MAC of `message` under `key`; nil only when libcrypto lacks HMAC-SHA256 (a broken install).
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8]? {
        guard let keyed = HMACKey(algorithm: .hmacSHA256, secret: key) else { return nil }
        let computation = keyed.start()
        computation.update(message)
        return computation.finish()
    }

    /// The MAC as lowercase hex, as signature headers carry it.
    public static func hex(key: [UInt8], message: [UInt8]) -> String? {
        mac(key: key, message: message).map(ZoneSummary.hex)
    }
}
