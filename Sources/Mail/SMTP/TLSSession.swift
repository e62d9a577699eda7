internal import COpenSSL
import Foundation

/// TLS over an already connected socket (RFC 3207 STARTTLS), through libssl: TLS 1.2 or later, the peer's
/// certificate verified against the system store or a given CA file, and its name checked against the host
/// the configuration names (RFC 6125: DNS name in subjectAltName, or an IP address entry for an address).
/// Owns its SSL_CTX and SSL and frees them in `deinit`; the socket stays the caller's.
final class TLSSession {
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let server: String
    private let peer: SMTPConnection.Peer

    init(
        descriptor: Int32, host: String, server: String, caFile: String?, peer: SMTPConnection.Peer = .smtpRelay
    ) throws(MailError) {
        self.server = server
        self.peer = peer
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw MailError(.tls, "cannot set up TLS for \(server): \(TLSSession.lastError())")
        }
        _ = zc_ssl_ctx_set_min_tls12(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                SSL_CTX_free(context)
                throw MailError(
                    .configuration,
                    "cannot load CA certificates from \(caFile) (\(TLSSession.lastError())); \(peer.caSetting) "
                        + "must name a PEM file holding the \(peer.noun)'s CA certificate")
            }
        } else {
            SSL_CTX_set_default_verify_paths(context)
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw MailError(.tls, "cannot set up TLS for \(server): \(TLSSession.lastError())")
        }
        self.context = context
        self.ssl = ssl
        if TLSSession.isAddress(host) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            _ = zc_ssl_set_server_name(ssl, host)
            SSL_set1_host(ssl, host)
        }
        SSL_set_fd(ssl, descriptor)
        ERR_clear_error()
        let connected = SSL_connect(ssl)
        if connected != 1 {
            let code = SSL_get_error(ssl, connected)
            let systemError = errno
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE
                || (code == SSL_ERROR_SYSCALL && (systemError == EAGAIN || systemError == EWOULDBLOCK))
            {
                // self is fully initialised here: deinit frees ssl and context.
                throw MailError(
                    .timeout,
                    "\(server) did not complete the TLS handshake in time; check that the \(peer.noun) is up and that "
                        + "this port speaks \(peer.tlsPorts)")
            }
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verify))
                throw MailError(
                    .tls,
                    "the certificate of \(peer.noun) \(server) is not trusted for \(host): \(reason). If the "
                        + "\(peer.noun) uses a private CA, set \(peer.caSetting) to its certificate; check that "
                        + "\(peer.hostSetting) names the host in the certificate")
            }
            throw MailError(
                .tls,
                "TLS handshake with \(server) failed: \(TLSSession.lastError()); check that the \(peer.noun) "
                    + "supports TLS 1.2 or later on this port")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    func write(_ bytes: [UInt8]) throws(MailError) -> Int {
        ERR_clear_error()
        let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        if written > 0 { return Int(written) }
        throw failure(written, doing: "sending")
    }

    /// Bytes read into `buffer`; 0 when the peer closed the connection.
    func read(into buffer: inout [UInt8]) throws(MailError) -> Int {
        ERR_clear_error()
        let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        if count > 0 { return Int(count) }
        if SSL_get_error(ssl, count) == SSL_ERROR_ZERO_RETURN { return 0 }
        throw failure(count, doing: "waiting for an answer")
    }

    private func failure(_ result: Int32, doing what: String) -> MailError {
        let code = SSL_get_error(ssl, result)
        let systemError = errno
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE
            || (code == SSL_ERROR_SYSCALL && (systemError == EAGAIN || systemError == EWOULDBLOCK))
        {
            return MailError(
                .timeout, "\(server) did not answer in time while \(what) (over TLS); check that the \(peer.noun) is up"
            )
        }
        return MailError(.tls, "TLS connection to \(server) failed while \(what): \(TLSSession.lastError())")
    }

    static func isAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// OpenSSL's error queue as one sentence part (e.g. "wrong version number").
    static func lastError() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "connection closed" : reasons.joined(separator: "; ")
    }
}
