internal import CLDNS

/// One running SHA-2 computation in libcrypto (EVP), owned by this object and freed with it.
final class HashContext {
    enum Algorithm {
        case sha384
        case sha512

        var outputLength: Int {
            switch self {
            case .sha384: 48
            case .sha512: 64
            }
        }
    }

    let algorithm: Algorithm
    private let context: OpaquePointer

    init(_ algorithm: Algorithm) {
        // EVP_MD_CTX_new fails only when malloc does; nothing sensible is left to do then.
        guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto could not allocate a digest context") }
        let md =
            switch algorithm {
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            EVP_MD_CTX_free(context)
            fatalError("libcrypto refused to start \(algorithm): is OpenSSL built without SHA-2?")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // EVP_DigestUpdate on an initialised SHA-2 context cannot fail.
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest; the context must not be used afterwards.
    func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &out, &length)
        return Array(out.prefix(Int(length)))
    }
}
