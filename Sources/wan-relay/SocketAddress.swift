import CWANRelay
import Glibc

/// An IPv4 or IPv6 socket address, as the kernel takes and gives it.
struct SocketAddress: CustomStringConvertible {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    /// As given on the command line (empty for a peer's address).
    var description = ""

    var family: Int32 { Int32(storage.ss_family) }

    /// "ADDRESS:PORT" with a numeric address (the last colon separates the port, so "::1:53" is IPv6).
    init?(endpoint text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
        } else {
            return nil
        }
        description = text
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// The address and port as a dictionary key (the first 28 octets hold both for either family).
    var key: Key {
        withUnsafeBytes(of: storage) { raw in
            Key(
                head: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                middle: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                tail: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                last: raw.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        }
    }

    struct Key: Hashable {
        var head: UInt64
        var middle: UInt64
        var tail: UInt64
        var last: UInt32
    }

    func withSocketAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

/// A socket failed to open, bind or connect: the call and the reason.
struct SocketError: Error, CustomStringConvertible {
    var description: String

    init(_ call: String, _ code: Int32 = errno) {
        description = "\(call): \(String(cString: strerror(code)))"
    }
}

/// Socket set-up shared by the listeners and the upstream sockets.
enum Sockets {
    /// Every UDP socket asks for this much receive and send buffer (the kernel caps it at net.core.rmem_max
    /// and wmem_max): with the default 208 KiB, a burst of a few hundred queries overflowed the relay's own
    /// socket and the kernel dropped them uncounted, a loss no WAN link of that round trip has.
    static let buffer: Int32 = 4 << 20

    static func open(_ family: Int32, _ type: __socket_type) throws(SocketError) -> Int32 {
        let fd = socket(family, Int32(type.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        return fd
    }

    /// Asks for `buffer` octets each way; false when the kernel refused (counted by the caller).
    static func widen(_ fd: Int32) -> Bool {
        var size = buffer
        var ok = true
        for option in [SO_RCVBUF, SO_SNDBUF] {
            ok = setsockopt(fd, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size)) == 0 && ok
        }
        return ok
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(SocketError) {
        let result = address.withSocketAddress { Glibc.bind(fd, $0, $1) }
        guard result == 0 else { throw SocketError("bind") }
    }

    /// Connects; true when done, false when in progress (a non-blocking TCP socket).
    static func connect(_ fd: Int32, to address: SocketAddress) throws(SocketError) -> Bool {
        let result = address.withSocketAddress { Glibc.connect(fd, $0, $1) }
        if result == 0 { return true }
        if errno == EINPROGRESS { return false }
        throw SocketError("connect")
    }

    static func reuseAddress(_ fd: Int32) {
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The socket's pending error (SO_ERROR), 0 when none.
    static func pendingError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size) == 0 ? code : errno
    }
}
