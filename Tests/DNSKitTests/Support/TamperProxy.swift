import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay on 127.0.0.1 in front of a real server that flips one bit in message `k`
/// (1-based) of the answer stream, following the two-octet length framing of RFC 1035
/// §4.2.2. The bit flipped is the lowest bit of the first answer record's TTL: the message
/// stays well-formed, so only the TSIG MAC can notice.
final class TamperProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstream: sockaddr_in
    private let tamperMessage: Int?
    private let lock = NSLock()
    private var relayed = 0
    private var tampered = false

    /// After relaying this many messages, hold the rest back (the connection stays open):
    /// a server gone silent in the middle of a transfer.
    private let stallAfter: Int?

    init(upstreamHost: String, upstreamPort: Int, tamperMessage: Int?, stallAfter: Int? = nil) throws {
        self.tamperMessage = tamperMessage
        self.stallAfter = stallAfter
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(upstreamPort).bigEndian)
        inet_pton(AF_INET, upstreamHost, &target.sin_addr)
        upstream = target
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        port = try bindToLoopback(fd)
        guard listen(fd, 8) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE) }
        listener = fd
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Messages relayed from the server so far, and whether the tampering happened.
    var status: (relayed: Int, tampered: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (relayed, tampered)
    }

    /// Stops accepting. The accept loop closes the descriptor itself, so its number cannot be
    /// reused by another proxy while the loop still waits on it.
    func close() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                Glibc.close(listener)
                return
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var target = upstream
            let connected = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if connected != 0 {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            let requestsDone = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                defer { requestsDone.signal() }
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    if !Self.writeAll(server, Array(buffer[0..<n])) { break }
                }
                shutdown(server, Int32(SHUT_WR))
            }
            relayAnswers(from: server, to: client)
            shutdown(client, Int32(SHUT_RDWR))
            requestsDone.wait()
            Glibc.close(client)
            Glibc.close(server)
        }
    }

    private func relayAnswers(from server: Int32, to client: Int32) {
        while let lengthBytes = Self.readExactly(server, 2) {
            let length = Int(lengthBytes[0]) << 8 | Int(lengthBytes[1])
            guard var message = Self.readExactly(server, length) else { return }
            lock.lock()
            relayed += 1
            let number = relayed
            lock.unlock()
            if number == tamperMessage, let offset = Self.firstTTLOffset(message) {
                message[offset + 3] ^= 0x01
                lock.lock()
                tampered = true
                lock.unlock()
            }
            if let stallAfter, number > stallAfter {
                // Swallow the rest without relaying it until the client gives up and closes.
                while Self.readExactly(client, 1) != nil {}
                return
            }
            if !Self.writeAll(client, lengthBytes + message) { return }
        }
        shutdown(client, Int32(SHUT_WR))
    }

    /// Where the first answer record's TTL starts: after the header, the question (if any)
    /// and the record's owner name (labels or a compression pointer) and TYPE and CLASS.
    static func firstTTLOffset(_ message: [UInt8]) -> Int? {
        guard message.count > 12 else { return nil }
        var i = 12
        func skipName() {
            while i < message.count {
                let length = Int(message[i])
                if length & 0xC0 == 0xC0 {
                    i += 2
                    return
                }
                i += 1 + length
                if length == 0 { return }
            }
        }
        let questions = Int(message[4]) << 8 | Int(message[5])
        for _ in 0..<questions {
            skipName()
            i += 4
        }
        skipName()
        i += 4
        return i + 4 <= message.count ? i : nil
    }

    static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n <= 0 { return nil }
            got += n
        }
        return out
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
