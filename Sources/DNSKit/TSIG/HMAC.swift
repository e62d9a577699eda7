internal import CLDNS

/// An HMAC keyed once (RFC 2104), from which running computations are copied.
///
/// TSIG needs an HMAC that can be fed piece by piece (RFC 8945 §5.3.1 folds up to 99
/// unsigned messages into the next MAC), so this wraps libcrypto's EVP_MAC rather than
/// ldns's one-shot TSIG code (whose hmac-sha384 is broken, docs/architecture.md). The keyed context
/// is never updated itself; every computation works on a duplicate, which keeps this
/// object safe to share between tasks.
final class HMACKey: @unchecked Sendable {
    private let template: OpaquePointer

    /// Nil when libcrypto has no HMAC or no such digest (a broken installation).
    init?(algorithm: TSIGAlgorithm, secret: [UInt8]) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { return nil }
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else { return nil }
        // OSSL_PARAM keeps the pointers it is given: both C strings must outlive EVP_MAC_init, so neither
        // may be a temporary made for one call (found by fuzz-message under AddressSanitizer: the implicit
        // String-to-pointer conversion of "digest" was freed before EVP_MAC_init read it).
        let ok = "digest".withCString { parameter in
            algorithm.opensslDigestName.withCString { digest -> Bool in
                var params = [
                    OSSL_PARAM_construct_utf8_string(parameter, UnsafeMutablePointer(mutating: digest), 0),
                    OSSL_PARAM_construct_end(),
                ]
                return secret.withUnsafeBufferPointer { key in
                    guard let base = key.baseAddress else {
                        // EVP_MAC_init needs a non-null key pointer even for an empty key.
                        var empty: UInt8 = 0
                        return withUnsafePointer(to: &empty) { EVP_MAC_init(context, $0, 0, &params) == 1 }
                    }
                    return EVP_MAC_init(context, base, key.count, &params) == 1
                }
            }
        }
        guard ok else {
            EVP_MAC_CTX_free(context)
            return nil
        }
        template = context
    }

    deinit { EVP_MAC_CTX_free(template) }

    /// A fresh computation with this key, nothing fed yet.
    func start() -> HMACComputation {
        // Duplicating a keyed context only fails when memory runs out.
        guard let copy = EVP_MAC_CTX_dup(template) else { fatalError("EVP_MAC_CTX_dup failed: out of memory") }
        return HMACComputation(context: copy)
    }
}

/// One running HMAC; feed it with `update`, end it with `finish`. A failure inside libcrypto is
/// remembered and makes `finish` return nil: a MAC that was not computed never verifies anything.
final class HMACComputation {
    private let context: OpaquePointer
    private var failed = false

    fileprivate init(context: OpaquePointer) { self.context = context }

    deinit { EVP_MAC_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), bytes.count) != 1 { failed = true }
    }

    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    func update(uint16 value: UInt16) {
        withUnsafeBytes(of: value.bigEndian) { update($0) }
    }

    /// The MAC, or nil when libcrypto failed at any step. The computation must not be used afterwards.
    func finish() -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 64)
        var length = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            EVP_MAC_final(context, buffer.baseAddress, &length, buffer.count) == 1
        }
        guard ok, !failed, length > 0, length <= out.count else { return nil }
        out.removeSubrange(length...)
        return out
    }
}

/// Compares two MACs in time that does not depend on where they differ.
func constantTimeEqual(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}
