import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A UDP responder on 127.0.0.1 (a port the kernel picks) that answers every SOA query at once, unsigned,
/// with serial 1 and the question copied, and records the questions in the order they arrived. For tests
/// of the transport's own bookkeeping, where a real server's threads would reorder what it receives.
/// `ignoringFirst`: the first query for each name gets no answer (a lost datagram), later ones do.
final class SOAResponder: @unchecked Sendable {
    let port: Int
    private let ignoringFirst: Bool
    private let descriptor: Int32
    private let lock = NSLock()
    private var names: [[UInt8]] = []

    init(ignoringFirst: Bool = false) throws {
        self.ignoringFirst = ignoringFirst
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        port = try bindToLoopback(fd)
        descriptor = fd
        Thread.detachNewThread { [self] in serve() }
    }

    /// The question names (wire form) in the order the queries arrived.
    var arrivals: [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return names
    }

    func close() { shutdown(descriptor, Int32(SHUT_RDWR)) }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, &buffer, buffer.count, 0, $0, &peerLength)
                }
            }
            guard count > 0 else { return }
            let query = Array(buffer[0..<count])
            // The question: the name from octet 12 to its root label, then type and class.
            var end = 12
            while end < query.count, query[end] != 0 { end += Int(query[end]) + 1 }
            guard end + 5 <= query.count else { continue }
            let name = Array(query[12...end])
            lock.lock()
            let seenBefore = names.contains(name)
            names.append(name)
            lock.unlock()
            if ignoringFirst, !seenBefore { continue }
            var answer = Array(query[0..<2]) + [0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]
            answer += query[12..<(end + 5)]
            // The SOA at the question's name: root MNAME and RNAME, serial 1, then refresh, retry, expire, minimum.
            answer += [0xC0, 0x0C, 0, 6, 0, 1, 0, 0, 0x0E, 0x10, 0, 22, 0, 0]
            answer +=
                [0, 0, 0, 1] + [0, 0, 0x0E, 0x10] + [0, 0, 0x03, 0x84] + [0, 0x09, 0x3A, 0x80] + [0, 0, 0x0E, 0x10]
            _ = withUnsafePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, answer, answer.count, 0, $0, peerLength)
                }
            }
        }
    }
}
