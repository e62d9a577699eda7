internal import CLDNS

/// SHA-256 (FIPS 180-4) through libcrypto's EVP interface, for callers that cannot import C (the audit
/// log's hash chain).
public enum SHA256 {
    /// The digest of `bytes`, as 64 lowercase hex digits.
    public static func hex(of bytes: [UInt8]) -> String {
        // EVP_MD_CTX_new fails only when malloc does; nothing sensible is left to do then.
        guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto refused to start SHA-256: is OpenSSL built without SHA-2?")
        }
        bytes.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress, buffer.count > 0 { _ = EVP_DigestUpdate(context, base, buffer.count) }
        }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &out, &length)
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(Int(length) * 2)
        for byte in out.prefix(Int(length)) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
