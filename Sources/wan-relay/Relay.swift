import CWANRelay
import Glibc

/// One link: a UDP and a TCP listener in front of one server, one thread, one epoll loop. Every packet
/// goes into the delay line stamped with its arrival time (the kernel's receive timestamp, so time the
/// relay spent waiting for the CPU or for its next receive tick is not added to the link); one timerfd,
/// armed for the line's head, releases each packet in order within `window` / 2 of its due time (0.25 ms
/// early or late at most, on average on time). Datagrams move in batches of up to 64 per system call
/// (recvmmsg, sendmmsg).
///
/// What a datagram costs is mostly waking up (the kernel's UDP path is the rest): a UDP socket that
/// reported datagrams is read, then left unwatched (EPOLLONESHOT) until the next wake-up for the line, or
/// one receive tick (5 ms, at most half the one-way delay) when none comes sooner, so a burst is read in a
/// few calls instead of one wake-up per datagram; packets due within `window` of each other leave in one
/// wake-up and one sendmmsg.
final class Relay {
    let options: Options
    /// Half the round trip, nanoseconds.
    let delay: Int64
    var counters = Counters()
    var stopping = false
    /// Running with SCHED_FIFO.
    let realtime: Bool

    var draw: LossDraw
    var line = DelayLine()
    let poller: Int32
    let timer: Int32
    let signals: Int32
    let udpListener: Int32
    let tcpListener: Int32
    /// The due time the timer is armed for (0: none yet).
    var armed: Int64 = 0

    /// One upstream socket per client address, so the server's answers find their way back.
    var upstreams: [Upstream?] = []
    var upstreamIndex: [SocketAddress.Key: Int] = [:]
    var freeUpstreams: [Int] = []
    var nextIdleSweep: Int64 = 0

    var connections: [Connection?] = []
    var freeConnections: [Int] = []
    /// Slots closed during one batch of events: reused only after it, so a later event of the same batch
    /// never reaches a new connection.
    var retiredConnections: [Int] = []
    var nextGeneration = 0

    let receiving = Batch()
    let sending = Batch()
    var sendingTo: Int32 = -1
    var sendingCount = 0
    let streamBuffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 16)

    /// Upstream sockets idle this long are closed.
    static let idleLimit: Int64 = 60_000_000_000
    /// Packets due within this window leave together: the timer fires half of it after the line's head is
    /// due, and takes what is due until half of it later.
    static let window: Int64 = 500_000
    /// How long a UDP socket stays unwatched after it was read (0 when the delay is shorter than 2 ms).
    let tick: Int64
    static let longestTick: Int64 = 5_000_000
    /// What UDP sockets are watched for: once per tick when there is one.
    let datagramEvents: UInt32
    /// UDP sockets read since the last tick, watched again at the next wake-up for the line, or at
    /// `unmuteAt`.
    var muted: [(fd: Int32, token: UInt64)] = []
    var unmuteAt = Int64.max

    struct Upstream {
        var fd: Int32
        var client: SocketAddress
        var lastUsed: Int64
    }

    /// Receive or send buffers for one batch of datagrams, allocated once.
    final class Batch {
        let slots: UnsafeMutablePointer<wanrelay_datagram>
        let arena: UnsafeMutableRawPointer
        static let size = 65536

        init() {
            slots = .allocate(capacity: Int(WANRELAY_BATCH))
            arena = .allocate(byteCount: Int(WANRELAY_BATCH) * Self.size, alignment: 16)
            for i in 0..<Int(WANRELAY_BATCH) {
                slots[i] = wanrelay_datagram()
                slots[i].base = arena + i * Self.size
                slots[i].capacity = UInt32(Self.size)
            }
        }

        func bytes(_ i: Int) -> [UInt8] {
            [UInt8](UnsafeRawBufferPointer(start: slots[i].base, count: Int(slots[i].length)))
        }
    }

    enum Token: UInt64 {
        case udpListener = 0
        case tcpListener
        case timer
        case signals
        case upstream
        case connection

        func with(_ index: Int) -> UInt64 { rawValue << 56 | UInt64(index) }
    }

    init(_ options: Options) throws(SocketError) {
        self.options = options
        delay = Int64((options.rttMilliseconds * 1_000_000 / 2).rounded())
        tick = min(Self.longestTick, delay / 2)
        datagramEvents = tick > 0 ? wanrelay_readable | wanrelay_once : wanrelay_readable
        var seed = options.seed ?? 0
        if options.seed == nil { seed = UInt64.random(in: .min ... .max) }
        draw = LossDraw(seed: seed)
        realtime = options.realtime && wanrelay_realtime() == 0
        signals = wanrelay_stop_signals()
        guard signals >= 0 else { throw SocketError("signalfd") }
        poller = wanrelay_poller()
        timer = wanrelay_timer()
        guard poller >= 0, timer >= 0 else { throw SocketError("epoll/timerfd") }

        udpListener = try Sockets.open(options.listen.family, SOCK_DGRAM)
        if !Sockets.widen(udpListener) { counters.bufferErrors += 1 }
        _ = wanrelay_stamp_arrivals(udpListener)
        try Sockets.bind(udpListener, to: options.listen)
        tcpListener = try Sockets.open(options.listen.family, SOCK_STREAM)
        Sockets.reuseAddress(tcpListener)
        try Sockets.bind(tcpListener, to: options.listen)
        guard listen(tcpListener, SOMAXCONN) == 0 else { throw SocketError("listen") }

        watch(1, udpListener, datagramEvents, Token.udpListener.with(0))
        watch(1, tcpListener, wanrelay_readable, Token.tcpListener.with(0))
        watch(1, timer, wanrelay_readable, Token.timer.with(0))
        watch(1, signals, wanrelay_readable, Token.signals.with(0))
    }

    func watch(_ operation: Int32, _ fd: Int32, _ events: UInt32, _ token: UInt64) {
        _ = wanrelay_watch(poller, operation, fd, events, token)
    }

    /// Relays until SIGTERM or SIGINT.
    func run() {
        var tokens = [UInt64](repeating: 0, count: Int(WANRELAY_BATCH))
        var events = [UInt32](repeating: 0, count: Int(WANRELAY_BATCH))
        nextIdleSweep = wanrelay_now() + 10_000_000_000
        while !stopping {
            let count = wanrelay_wait(poller, &tokens, &events, Int32(WANRELAY_BATCH), 10_000)
            if count < 0 { break }
            counters.wakeUps += 1
            var timerFired = false
            for i in 0..<Int(count) {
                let index = Int(tokens[i] & 0x00FF_FFFF_FFFF_FFFF)
                switch Token(rawValue: tokens[i] >> 56) {
                case .udpListener:
                    receiveQueries()
                    mute(udpListener, tokens[i])
                case .upstream:
                    if let fd = upstreams[index]?.fd {
                        receiveAnswers(upstream: index)
                        mute(fd, tokens[i])
                    }
                case .tcpListener: acceptConnections()
                case .connection: connectionEvent(index >> 1, side: index & 1, events: events[i])
                case .timer:
                    wanrelay_acknowledge(timer)
                    timerFired = true
                case .signals:
                    wanrelay_acknowledge(signals)
                    stopping = true
                case nil: break
                }
            }
            freeConnections += retiredConnections
            retiredConnections.removeAll(keepingCapacity: true)
            let now = wanrelay_now()
            release(now: now)
            if now >= unmuteAt {
                for (fd, token) in muted { watch(3, fd, datagramEvents, token) }
                muted.removeAll(keepingCapacity: true)
                unmuteAt = .max
            } else if timerFired {
                // Awake for the line anyway: what reached the muted sockets is read now (after the line's
                // due packets left), without a wake-up of its own; its arrival stamps keep its time.
                for (fd, token) in muted {
                    if fd == udpListener {
                        receiveQueries()
                    } else {
                        receiveAnswers(upstream: Int(token & 0x00FF_FFFF_FFFF_FFFF))
                    }
                }
            }
            let wake = min(line.nextDue.map { $0 + Self.window / 2 } ?? .max, unmuteAt)
            if wake != .max && wake != armed {
                _ = wanrelay_arm(timer, wake)
                armed = wake
            }
            if now >= nextIdleSweep { closeIdleUpstreams(now: now) }
        }
    }

    // MARK: UDP

    /// Leaves a UDP socket unwatched until the next receive tick (it was registered EPOLLONESHOT).
    func mute(_ fd: Int32, _ token: UInt64) {
        guard tick > 0 else { return }
        muted.append((fd, token))
        if unmuteAt == .max { unmuteAt = wanrelay_now() + tick }
    }

    /// Queries from clients: dropped by the draw, or onto the line towards the server.
    func receiveQueries() {
        // Up to 1,024 at a time: the socket is watched again only at the next receive tick.
        for _ in 0..<16 {
            let count = Int(wanrelay_receive(udpListener, receiving.slots, UInt32(WANRELAY_BATCH)))
            guard count > 0 else { return }
            for i in 0..<count {
                if draw.drops(options.loss) {
                    counters.udpQueriesDropped += 1
                    continue
                }
                counters.udpQueries += 1
                let slot = receiving.slots[i]
                let client = SocketAddress(storage: slot.peer, length: slot.peer_length)
                line.push(
                    Packet(due: slot.arrival + delay, route: .toServer(client: client), bytes: receiving.bytes(i)))
            }
            if count < Int(WANRELAY_BATCH) { return }
        }
    }

    /// Answers from the server to one client: dropped by the draw, or (tampered with when asked) onto the
    /// line back to the client.
    func receiveAnswers(upstream index: Int) {
        guard let upstream = upstreams[index] else { return }
        for _ in 0..<16 {
            let count = Int(wanrelay_receive(upstream.fd, receiving.slots, UInt32(WANRELAY_BATCH)))
            guard count > 0 else {
                // A refused datagram (no server listening) comes back as an error on the connected socket.
                if count < 0 { counters.upstreamErrors += 1 }
                return
            }
            upstreams[index]?.lastUsed = receiving.slots[0].arrival
            for i in 0..<count {
                if draw.drops(options.loss) {
                    counters.udpAnswersDropped += 1
                    continue
                }
                counters.udpAnswers += 1
                var bytes = receiving.bytes(i)
                if let zone = options.tamperZone, Tamper.tamper(&bytes, zone: zone) {
                    counters.udpAnswersTampered += 1
                }
                line.push(
                    Packet(
                        due: receiving.slots[i].arrival + delay, route: .toClient(client: upstream.client), bytes: bytes
                    ))
            }
            if count < Int(WANRELAY_BATCH) { return }
        }
    }

    /// The upstream socket of `client`, opened (connected to the server) on its first datagram.
    func upstreamSocket(for client: SocketAddress, now: Int64) -> Int32? {
        let key = client.key
        if let index = upstreamIndex[key], let upstream = upstreams[index] {
            upstreams[index]?.lastUsed = now
            return upstream.fd
        }
        let fd: Int32
        do {
            fd = try Sockets.open(options.target.family, SOCK_DGRAM)
            if !Sockets.widen(fd) { counters.bufferErrors += 1 }
            _ = wanrelay_stamp_arrivals(fd)
            _ = try Sockets.connect(fd, to: options.target)
        } catch {
            counters.upstreamErrors += 1
            return nil
        }
        let index = freeUpstreams.popLast() ?? upstreams.count
        if index == upstreams.count { upstreams.append(nil) }
        upstreams[index] = Upstream(fd: fd, client: client, lastUsed: now)
        upstreamIndex[key] = index
        watch(1, fd, datagramEvents, Token.upstream.with(index))
        return fd
    }

    func closeIdleUpstreams(now: Int64) {
        nextIdleSweep = now + 10_000_000_000
        for (index, upstream) in upstreams.enumerated() {
            guard let upstream, now - upstream.lastUsed > Self.idleLimit else { continue }
            close(upstream.fd)
            upstreamIndex[upstream.client.key] = nil
            upstreams[index] = nil
            freeUpstreams.append(index)
        }
    }

    // MARK: The line

    /// Sends every packet due by now, batching consecutive datagrams that leave by the same socket.
    func release(now: Int64) {
        while let packet = line.pop(dueBy: now + Self.window / 2) {
            let late = now - packet.due
            counters.released += 1
            counters.lateSum += late
            counters.lateMax = max(counters.lateMax, late)
            counters.earlyMax = max(counters.earlyMax, -late)
            switch packet.route {
            case .toClient(let client):
                stage(packet.bytes, on: udpListener, to: client)
            case .toServer(let client):
                guard let fd = upstreamSocket(for: client, now: now) else { continue }
                stage(packet.bytes, on: fd, to: nil)
            case .tcp(let connection, let generation, let side, let end):
                sendStaged()
                deliver(packet.bytes, end: end, to: connection, generation: generation, side: side)
            }
        }
        sendStaged()
    }

    func stage(_ bytes: [UInt8], on fd: Int32, to peer: SocketAddress?) {
        if fd != sendingTo || sendingCount == Int(WANRELAY_BATCH) {
            sendStaged()
            sendingTo = fd
        }
        let slot = sending.slots + sendingCount
        let length = min(bytes.count, Batch.size)
        if length > 0 {
            bytes.withUnsafeBytes { slot.pointee.base.copyMemory(from: $0.baseAddress!, byteCount: length) }
        }
        slot.pointee.length = UInt32(length)
        if let peer {
            slot.pointee.peer = peer.storage
            slot.pointee.peer_length = peer.length
        } else {
            slot.pointee.peer_length = 0
        }
        sendingCount += 1
    }

    func sendStaged() {
        var sent = 0
        while sent < sendingCount {
            let count = Int(wanrelay_send(sendingTo, sending.slots + sent, UInt32(sendingCount - sent)))
            if count > 0 {
                sent += count
            } else {
                // The first of the rest failed (its socket's buffer full, or refused): counted, and skipped.
                counters.sendErrors += 1
                sent += 1
            }
        }
        sendingCount = 0
    }
}
