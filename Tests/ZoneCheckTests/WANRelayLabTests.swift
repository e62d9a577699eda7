import CWANRelay
import DNSKit
import Foundation
import TestSupport
import Testing

/// The WAN emulator's contract (Sources/wan-relay, docs/development.md) against a real BIND of the lab
/// (Scripts/lab on 127.53.112.x port 5212), the relay on 127.53.113.x port 6213: every datagram is delayed
/// by half the round trip each way and never less, the drops follow --loss and are all counted, TCP
/// passes whole and delayed, and --tamper-zone changes one bit of the answers about that zone only.
@Suite("wan-relay on the lab", .serialized, .ownThreads)
struct WANRelayLabTests {
    static let unavailable = Lab.unavailableReason()

    static func lab() throws -> Lab { try Lab.started(prefix: "127.53.112", port: 5212, zones: 5) }

    static func relay(_ lab: Lab, rtt: Int, loss: Double = 0, tamperZone: String? = nil) throws -> WANRelay {
        try WANRelay(
            listen: "127.53.113.1", port: 6213, to: "\(lab.address("ns1")):5212", rtt: rtt, loss: loss,
            seed: 20_261_207, tamperZone: tamperZone)
    }

    @Test(
        "a burst of 2,000 queries: every answer one round trip late, never earlier, none lost uncounted",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func delay() throws {
        let lab = try Self.lab()
        defer { lab.tearDown() }
        let relay = try Self.relay(lab, rtt: 200)
        defer { relay.stop() }
        let probe = try UDPProbe()
        let answers = try probe.burst(2000, zone: "zone00001.lab.", to: "127.53.113.1", port: 6213)
        let stats = relay.stop()
        #expect(answers.count == 2000, "\(answers.count) of 2000 answered through a link without loss: \(stats)")
        #expect(stats["udp_queries"] == 2000 && stats["udp_answers"] == 2000, "\(stats)")
        let times = answers.values.sorted()
        // The link's floor is exact: the relay releases nothing more than 20 µs before it is due.
        #expect(times.first! >= .milliseconds(199), "an answer came back after \(times.first!), under 200 ms")
        // The ceiling is loose: answers are timed by the kernel's arrival stamps (this test's own wake-ups do
        // not count), but a busy machine still delays the relay's wake-ups and BIND's answers.
        let median = times[times.count / 2]
        #expect(median < .milliseconds(600), "median round trip \(median) on a 200 ms link")
    }

    @Test(
        "10 % loss each way with a fixed seed: about 10 % of the queries and of the answers dropped, the rest arrive",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func loss() throws {
        let lab = try Self.lab()
        defer { lab.tearDown() }
        let relay = try Self.relay(lab, rtt: 20, loss: 0.1)
        defer { relay.stop() }
        let probe = try UDPProbe()
        let answers = try probe.burst(4000, zone: "zone00002.lab.", to: "127.53.113.1", port: 6213)
        let stats = relay.stop()
        let queries = stats["udp_queries"] ?? 0
        let queriesDropped = stats["udp_queries_dropped"] ?? 0
        let answered = stats["udp_answers"] ?? 0
        let answersDropped = stats["udp_answers_dropped"] ?? 0
        #expect(queries + queriesDropped == 4000, "\(stats)")
        #expect(answered + answersDropped == queries, "every query the relay passed was answered: \(stats)")
        // 4,000 draws at p = 0.1: the standard deviation is 19 datagrams (0.5 %); 0.08-0.12 is 4 of them.
        #expect((0.08...0.12).contains(queriesDropped / 4000), "queries dropped: \(stats)")
        #expect((0.08...0.12).contains(answersDropped / queries), "answers dropped: \(stats)")
        // What the relay did not drop arrived: the only loss is the one it counted.
        #expect(Double(answers.count) == answered, "\(answers.count) answers received, the relay passed \(stats)")
    }

    @Test(
        "TCP: a zone transfer through the relay is the one asked directly, one round trip late at least",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func tcp() throws {
        let lab = try Self.lab()
        defer { lab.tearDown() }
        // Loss on UDP must not touch TCP: every byte of every transfer passes.
        let relay = try Self.relay(lab, rtt: 100, loss: 0.5)
        defer { relay.stop() }
        func transfer(_ server: String, _ port: Int) throws -> [String] {
            let output = try Command.output(
                "dig",
                [
                    "+nocmd", "+nostats", "+noall", "+answer", "-k", lab.keyPath("ns1"), "-p", "\(port)", "@\(server)",
                    "zone00003.lab.", "AXFR",
                ])
            return output.split(separator: "\n").map(String.init)
        }
        let direct = try transfer(lab.address("ns1"), 5212)
        let clock = ContinuousClock()
        let started = clock.now
        let relayed = try transfer("127.53.113.1", 6213)
        let elapsed = clock.now - started
        #expect(direct.count > 5, "\(direct)")
        #expect(relayed == direct)
        #expect(elapsed >= .milliseconds(100), "a transfer over a 100 ms link took \(elapsed)")
        let stats = relay.stop()
        #expect(stats["tcp_connections"] == 1 && (stats["tcp_bytes"] ?? 0) > 0, "\(stats)")
    }

    @Test(
        "--tamper-zone: the first answer's TTL differs in its lowest bit for that zone; other zones pass untouched",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func tamper() throws {
        let lab = try Self.lab()
        defer { lab.tearDown() }
        let relay = try Self.relay(lab, rtt: 0, tamperZone: "Zone00004.LAB.")
        defer { relay.stop() }
        let probe = try UDPProbe()
        for zone in ["zone00004.lab.", "zone00005.lab."] {
            let direct = try Message(wire: try probe.exchange(zone: zone, to: lab.address("ns1"), port: 5212))
            let relayed = try Message(wire: try probe.exchange(zone: zone, to: "127.53.113.1", port: 6213))
            // BIND rotates the NS records of the authority section: the sections are compared as sets.
            #expect(Set(relayed.authority) == Set(direct.authority), "\(zone): the authority section changed")
            #expect(relayed.header == direct.header && relayed.questions == direct.questions, "\(zone)")
            var expected = direct.answers
            if zone == "zone00004.lab." { expected[0].ttl ^= 1 }
            #expect(relayed.answers == expected, "\(zone): \(direct.answers) became \(relayed.answers)")
        }
        #expect(relay.stop()["udp_answers_tampered"] == 1)
    }
}

/// A UDP socket of the test's own that sends SOA queries and times their answers by the kernel's arrival
/// stamps (SO_TIMESTAMPNS, read through CWANRelay as the relay reads its own).
final class UDPProbe {
    let fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw WANRelayError(message: "socket: \(String(cString: strerror(errno)))") }
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        // Each receive waits at most 2 s: the end of a burst is 2 s without an answer.
        var wait = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        _ = wanrelay_stamp_arrivals(fd)
    }

    deinit { close(fd) }

    func send(_ message: [UInt8], to host: String, port: Int) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer[..<count]) : nil
    }

    /// `count` queries sent at once (IDs 0..<count), then every answer until 2 s pass without one: the
    /// round trip of each query answered (from just before its send to its arrival stamp), by ID.
    func burst(_ count: Int, zone: String, to host: String, port: Int) throws -> [UInt16: Duration] {
        let name = try DomainName(presentation: zone, origin: nil)
        var sent: [UInt16: Int64] = [:]
        for id in 0..<UInt16(count) {
            sent[id] = wanrelay_now()
            send(MessageBuilder.soaQuery(zone: name, id: id), to: host, port: port)
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }
        var slot = wanrelay_datagram()
        slot.base = buffer
        slot.capacity = 65536
        var answers: [UInt16: Duration] = [:]
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&ready, 1, 2000) > 0 {
            guard wanrelay_receive(fd, &slot, 1) == 1, slot.length >= 2 else { continue }
            let bytes = buffer.assumingMemoryBound(to: UInt8.self)
            let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            guard let at = sent[id] else { continue }
            answers[id] = .nanoseconds(slot.arrival - at)
        }
        return answers
    }

    /// One SOA query and its answer.
    func exchange(zone: String, to host: String, port: Int) throws -> [UInt8] {
        send(
            MessageBuilder.soaQuery(zone: try DomainName(presentation: zone, origin: nil), id: 7), to: host, port: port)
        return try #require(receive(), "no answer from \(host):\(port) about \(zone)")
    }
}

/// The relay's command line: a round trip it cannot hold is refused with a sentence, never a trap (the delay
/// becomes nanoseconds in an Int64: 1e300 ms overflowed it).
@Suite("wan-relay options", .ownThreads)
struct WANRelayOptionsTests {
    @Test(arguments: ["1e300", "inf", "nan", "-1", "60001", "ten"])
    func anRTTItCannotHoldIsRefused(rtt: String) throws {
        let binary = try #require(WANRelay.binary, "wan-relay not built next to the test bundle")
        let run = try Command.run(
            binary.path, ["--listen", "127.0.0.1:1", "--to", "127.0.0.1:2", "--rtt", rtt, "--no-realtime"])
        #expect(run.status == 2, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("--rtt must be a number of milliseconds from 0 to 60000"), "\(run.stderr)")
    }
}
