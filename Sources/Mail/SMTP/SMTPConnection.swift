import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP connection to an SMTP relay (or, for HTTPPost, a webhook server), blocking, with a timeout on every connect, read and write, and
/// optionally TLS on top after STARTTLS. Used by one thread for one short dialogue, then closed.
final class SMTPConnection {
    /// Who is at the other end, as errors name it.
    struct Peer: Sendable {
        var noun: String
        var article: String
        var protocolName: String
        /// The settings that name the host and the CA file.
        var hostSetting: String
        var caSetting: String
        /// Which ports speak TLS, for a handshake that never completes.
        var tlsPorts: String

        static let smtpRelay = Peer(
            noun: "SMTP relay", article: "an", protocolName: "SMTP", hostSetting: "alerts.email.smtp.host",
            caSetting: "alerts.email.smtp.ca_file", tlsPorts: "TLS (465) or STARTTLS (587)")
        static let webhook = Peer(
            noun: "webhook server", article: "a", protocolName: "HTTP", hostSetting: "alerts.webhook.url",
            caSetting: "alerts.webhook.ca_file", tlsPorts: "HTTPS (443 unless the URL names a port)")
    }

    /// `host:port`, as errors name it.
    let server: String
    private var descriptor: Int32
    private var tls: TLSSession?
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private let timeout: Duration
    /// What the peer is and which settings name it, for errors (the webhook reuses this connection).
    let peer: Peer

    /// Resolves `host` and connects to the first address that answers within `timeout`.
    init(host: String, port: UInt16, timeout: Duration, peer: Peer = .smtpRelay) throws(MailError) {
        server = "\(host):\(port)"
        self.timeout = timeout
        self.peer = peer
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            let reason = String(cString: gai_strerror(resolved))
            throw MailError(
                .connect,
                "cannot resolve \(peer.noun) \(host) (\(reason)); check \(peer.hostSetting) and the resolver")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let entry = candidate {
            candidate = entry.pointee.ai_next
            let socketDescriptor = socket(entry.pointee.ai_family, entry.pointee.ai_socktype, entry.pointee.ai_protocol)
            if socketDescriptor < 0 {
                lastError = String(cString: strerror(errno))
                continue
            }
            if let failure = SMTPConnection.connect(
                socketDescriptor, entry.pointee.ai_addr, entry.pointee.ai_addrlen, timeout: timeout)
            {
                lastError = failure
                close(socketDescriptor)
                continue
            }
            descriptor = socketDescriptor
            SMTPConnection.setTimeouts(socketDescriptor, timeout)
            return
        }
        throw MailError(
            .connect,
            "cannot connect to \(peer.noun) \(server): \(lastError); check \(peer.hostSetting) and port, and that "
                + "the \(peer.noun) accepts connections from this host")
    }

    deinit {
        tls = nil
        close(descriptor)
    }

    /// Non-blocking connect bounded by `timeout` (a blocking one can hang for minutes on a dropped SYN).
    private static func connect(
        _ descriptor: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t, timeout: Duration
    ) -> String? {
        let flags = fcntl(descriptor, F_GETFL, 0)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(descriptor, F_SETFL, flags) }
        #if canImport(Glibc)
            let started = Glibc.connect(descriptor, address, length)
        #else
            let started = Darwin.connect(descriptor, address, length)
        #endif
        if started == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, milliseconds(timeout))
        if ready == 0 { return "no answer within \(timeout)" }
        if ready < 0 { return String(cString: strerror(errno)) }
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &size)
        return code == 0 ? nil : String(cString: strerror(code))
    }

    private static func setTimeouts(_ descriptor: Int32, _ timeout: Duration) {
        let total = milliseconds(timeout)
        var value = timeval(tv_sec: time_t(total / 1000), tv_usec: suseconds_t((total % 1000) * 1000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let parts = duration.components
        return Int32(clamping: parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000)
    }

    var isEncrypted: Bool { tls != nil }

    /// Starts TLS on the open connection (after the relay's 220 to STARTTLS), verifying the certificate
    /// against `caFile` or the system store and checking it names `host`.
    func startTLS(host: String, caFile: String?) throws(MailError) {
        guard bufferStart == buffer.count else {
            // RFC 3207 section 6: anything the server sent before the handshake is a command injection.
            throw MailError(
                .tls, "\(server) sent data after its STARTTLS reply, before the TLS handshake; not continuing")
        }
        tls = try TLSSession(descriptor: descriptor, host: host, server: server, caFile: caFile, peer: peer)
    }

    func write(_ text: String) throws(MailError) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written: Int
            if let tls {
                written = try tls.write(Array(bytes[offset...]))
            } else {
                written = bytes[offset...].withUnsafeBytes {
                    send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written < 0 { throw failure(errno, doing: "sending") }
            }
            offset += written
        }
    }

    /// The next line without its CRLF, or nil when the server closed the connection.
    func readLine() throws(MailError) -> String? {
        while true {
            if let end = buffer[bufferStart...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[bufferStart..<end]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                bufferStart = end + 1
                return String(decoding: line, as: UTF8.self)
            }
            if buffer.count - bufferStart > 4096 {
                throw MailError(
                    .protocolViolation,
                    "\(server) sent a line longer than 4096 bytes; not \(peer.article) \(peer.noun)?")
            }
            if bufferStart > 0 {
                buffer.removeFirst(bufferStart)
                bufferStart = 0
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count: Int
            if let tls {
                count = try tls.read(into: &chunk)
            } else {
                count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count < 0 { throw failure(errno, doing: "waiting for an answer") }
            }
            if count == 0 { return nil }
            buffer += chunk[0..<count]
        }
    }

    func readReply() throws(MailError) -> SMTPReply {
        try SMTPReply.read(server: server) { () throws(MailError) -> String? in try readLine() }
    }

    private func failure(_ code: Int32, doing what: String) -> MailError {
        if code == EAGAIN || code == EWOULDBLOCK {
            return MailError(
                .timeout,
                "\(server) did not answer within \(timeout) while \(what); check that the \(peer.noun) is up and not "
                    + "overloaded, and that port \(server.split(separator: ":").last ?? "") is its \(peer.protocolName) port"
            )
        }
        return MailError(.connect, "connection to \(server) failed while \(what): \(String(cString: strerror(code)))")
    }
}
