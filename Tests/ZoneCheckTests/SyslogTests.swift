import Foundation
import Logging
import Testing
import ZoneCheck

#if canImport(Glibc)
    import Glibc
#endif

/// `--log syslog`: the handler writes to a real AF_UNIX datagram socket bound by the test, as syslogd's
/// /dev/log is, and the summary line arrives as the text it was (issue 11: it arrived as binary bytes).
@Suite struct SyslogTests {
    /// A datagram socket bound at a temporary path: what rsyslog or journald hold at /dev/log.
    final class Listener {
        let path: String
        let descriptor: Int32
        private var stopped = false

        init(path: String? = nil) throws {
            self.path =
                path
                ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                    "zc-log-\(UUID().uuidString.prefix(8))"
                )
                .path
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            try #require(descriptor >= 0, "socket: errno \(errno)")
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(self.path.utf8) + [0])
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(bound == 0, "bind \(self.path): errno \(errno)")
            var wait = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        }

        /// The next datagram, as bytes (nil after 5 s without one).
        func receive() -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count < 0 ? nil : Array(buffer[0..<count])
        }

        /// Closes the socket and removes its file, as a stopping syslogd does.
        func stop() {
            guard !stopped else { return }
            stopped = true
            close(descriptor)
            unlink(path)
        }

        deinit { stop() }
    }

    static let summary =
        "run: 1000 zones, 5 servers, deep, 3.21 s: CRITICAL; open incidents 1 critical, 0 warning (1 opened, "
        + "0 resolved); zone “bücher.example” lagging"

    @Test("the summary line reaches the syslog socket as text: <PRI>date zonecheck[PID]: the line")
    func summaryLineIsText() throws {
        let listener = try Listener()
        let logger = Logger(label: "zonecheck") { _ in
            SyslogLogHandler(identifier: "zonecheck", socketPath: listener.path)
        }
        logger.error("\(Self.summary)")
        let datagram = try #require(listener.receive(), "nothing arrived at \(listener.path)")
        let text = try #require(String(validating: datagram, as: UTF8.self), "not UTF-8: \(datagram.prefix(64))")
        // <27> = LOG_DAEMON (3 << 3) | LOG_ERR (3); then "Mmm dd hh:mm:ss" as syslog(3) writes it.
        let pattern = #/^<27>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d zonecheck\[(\d+)\]: (.*)$/#
        let match = try #require(text.wholeMatch(of: pattern), "not a syslog line: \(text)")
        #expect(Int32(match.1) == getpid())
        #expect(String(match.2) == Self.summary)
    }

    @Test("levels map to syslog priorities, metadata follows the message as key=value")
    func prioritiesAndMetadata() throws {
        let listener = try Listener()
        var logger = Logger(label: "zonecheck") { _ in
            SyslogLogHandler(identifier: "zonecheck", socketPath: listener.path)
        }
        logger.logLevel = .debug
        logger.warning("run: WARNING")
        logger.info("run: OK")
        logger.debug("not repaired", metadata: ["zone": "a.example", "why": "backoff"])
        let lines = (0..<3).compactMap { _ in listener.receive().map { String(decoding: $0, as: UTF8.self) } }
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("<28>") == true && lines.first?.hasSuffix("]: run: WARNING") == true)
        #expect(lines.dropFirst().first?.hasPrefix("<30>") == true)
        #expect(
            lines.last?.hasPrefix("<31>") == true
                && lines.last?.hasSuffix(": not repaired why=backoff zone=a.example") == true)
    }

    @Test("a syslogd restarted under the handler (a new socket at the same path) gets the next line")
    func reconnectsAfterRestart() throws {
        let first = try Listener()
        let path = first.path
        let logger = Logger(label: "zonecheck") { _ in SyslogLogHandler(identifier: "zonecheck", socketPath: path) }
        logger.info("first")
        #expect(first.receive().map { String(decoding: $0, as: UTF8.self).hasSuffix(": first") } == true)
        first.stop()
        let second = try Listener(path: path)
        logger.info("second")
        #expect(second.receive().map { String(decoding: $0, as: UTF8.self).hasSuffix(": second") } == true)
    }

    @Test("no syslogd listening: the line is dropped, the run goes on")
    func nobodyListening() {
        let logger = Logger(label: "zonecheck") { _ in
            SyslogLogHandler(identifier: "zonecheck", socketPath: "/nonexistent/zonecheck-test/log")
        }
        logger.error("lost")
    }
}
