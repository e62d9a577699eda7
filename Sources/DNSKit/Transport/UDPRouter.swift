import NIOCore

/// Sends UDP requests from a pool of sockets (each bound to its own random source port) and routes
/// each answer to the request it answers, by socket, ID, source address and question (RFC 5452 §4.3:
/// an answer that fails any of them is dropped, not taken as a failure, so a stray or spoofed datagram
/// cannot end a query). A matching answer is then screened (`Request.screen`: well-formed, TSIG
/// verified): one that does not verify is dropped like a lost packet and counted, and the request
/// keeps waiting for a verified one until its timeout; only then is the last unverified answer's
/// failure reported. Retransmits on its own timer; holds requests beyond the per-server cap in a queue.
///
/// Everything here runs on the sockets' one event loop; nothing is shared across threads.
final class UDPRouter: @unchecked Sendable {
    struct Key: Hashable {
        var id: UInt16
        /// The server's number in this router (`ServerState.number`): an integer hashes far faster than
        /// its socket address, and the request key is hashed several times per answer.
        var server: Int
        /// Which socket of the pool the request left from (and its answer must arrive on).
        var socket: Int = 0
    }

    struct Answer {
        var bytes: [UInt8]
        var rtt: Duration
        var attempts: Int
        /// The message as screened (nil for an answer taken unscreened: a TC=1 hint to ask over TCP).
        var screened: (message: Message, tsig: TSIGStatus)?
        /// Answers dropped because they did not verify before this one came.
        var dropped = 0
    }

    /// What the screen says of an answer that matched a request.
    enum Screening {
        /// Verified (or no key): this is the answer.
        case accept(Message, TSIGStatus)
        /// Taken as it is, unverified: only a hint that changes nothing by itself (TC=1: ask over TCP).
        case acceptUnscreened
        /// A failure the server vouched for (a signed error): it ends the request.
        case decide(QueryFailure)
        /// Not to be believed (unsigned, bad MAC, wrong key, malformed): dropped, counted, waited past.
        case drop(QueryFailure)
    }

    enum Failure: Error {
        case idInUse
        case timedOut(attempts: Int, waited: Duration)
        /// Timed out, but `ignored` datagrams from the server's address matched no request.
        case ignoredAnswers(attempts: Int, ignored: Int, waited: Duration)
        /// The request's deadline passed: after `attempts` attempts (0: it never left the queue).
        case deadlinePassed(attempts: Int, waited: Duration)
        /// Never sent: the caller gave up on the server (`abandonWaiting`).
        case abandoned
        case sendFailed(String)
        /// The screen decided: a failure the server vouched for.
        case decided(QueryFailure)
        /// No answer verified before the timeout, but `dropped` answers came that did not; `last` is why
        /// the last of them was dropped.
        case onlyUnverified(last: QueryFailure, dropped: Int)
    }

    /// How a request waits: a fixed timeout per attempt, or the server's adaptive one.
    struct Timing {
        var timeout: TimeAmount
        var adaptive = false
        var floor: TimeAmount = .milliseconds(100)
        var deadline: NIODeadline?
    }

    final class Request: @unchecked Sendable {
        let id: UInt16
        let address: SocketAddress
        /// Which socket of the pool the request leaves from.
        let socket: Int
        /// Set by the router when the request starts.
        fileprivate(set) var key: Key
        fileprivate var server: ServerState?
        let packet: ByteBuffer
        /// The question section as sent (name, type, class), compared case-insensitively.
        let question: [UInt8]
        let timing: Timing
        let attemptsAllowed: Int
        /// Called once, on the event loop, when the request ends (a closure rather than a promise: a sweep
        /// collects a whole batch's results without a future per request).
        let complete: @Sendable (Result<Answer, any Error>) -> Void
        let screen: @Sendable ([UInt8]) -> Screening
        var attempts = 0
        /// Answers that matched but did not verify, and why the last one failed.
        var dropped = 0
        var lastDropped: QueryFailure?
        var firstSent: NIODeadline = .now()
        /// The server's window generation when the last attempt left (`SendWindow.loss(sentIn:)`).
        var generation = 0
        /// When the last attempt left, and the generation its predecessor's timeout was counted in
        /// (`SendWindow.spurious(sentIn:)`).
        var lastSent: NIODeadline = .now()
        var lossGeneration: Int?
        let created: NIODeadline = .now()
        /// The server's ignored datagrams when the request was first sent.
        var ignoredAtStart = 0
        /// The token of this attempt's entry in the router's deadlines (0: none).
        fileprivate var timerToken: UInt64 = 0

        var timeout: TimeAmount { timing.timeout }

        func fail(_ error: Failure) { complete(.failure(error)) }

        init(
            id: UInt16, address: SocketAddress, socket: Int = 0, packet: ByteBuffer, question: [UInt8],
            timing: Timing, attemptsAllowed: Int, complete: @escaping @Sendable (Result<Answer, any Error>) -> Void,
            screen: @escaping @Sendable ([UInt8]) -> Screening = { _ in .acceptUnscreened }
        ) {
            self.screen = screen
            self.id = id
            self.address = address
            self.socket = socket
            self.key = Key(id: id, server: -1, socket: socket)
            self.packet = packet
            self.question = question
            self.timing = timing
            self.attemptsAllowed = attemptsAllowed
            self.complete = complete
        }
    }

    /// One server address: its queue of requests, its send window and round trips, its counters. Found by
    /// address once per request and once per datagram; a request keeps a reference to it. Kept for the
    /// sockets' lifetime (a client talks to the few servers of its configuration). A class, so the queue is
    /// changed in place: a struct copied out of a dictionary and written back would copy its whole waiting
    /// buffer on every request (thousands queued in a sweep). Used on the event loop only, like the router
    /// (the pacer's timer runs there too).
    fileprivate final class ServerState: @unchecked Sendable {
        let number: Int
        let address: SocketAddress
        var inFlight = 0
        var waiting = CircularBuffer<Request>()
        var pacer = SendPacer()
        /// A timer will pump the queue again (the pacer held requests back).
        var pumpScheduled = false
        /// Round trips measured, for adaptive timeouts (a server's distance does not change between
        /// sweeps of one run).
        var roundTrip: RoundTripEstimator?
        /// How many requests the server may have in flight (`SendWindow`).
        var window: SendWindow?
        /// Datagrams from the server's address that matched no request while it had requests in flight.
        var ignored = 0
        /// Answers that matched a request but did not verify: an attack indicator the reports show.
        var dropped = 0

        init(number: Int, address: SocketAddress) {
            self.number = number
            self.address = address
        }

        /// Requests in flight or waiting for their turn.
        var busy: Bool { inFlight > 0 || !waiting.isEmpty }
    }

    /// The pool's sockets, by index; nil once closed.
    private var sockets: [UDPSocketHandler?] = []
    private var active: [Key: Request] = [:]
    private var servers: [SocketAddress: ServerState] = [:]
    private(set) var strayAnswers = 0
    /// The last requests finished: a late answer to one of them (to an earlier attempt of a retransmitted
    /// query) is an ordinary duplicate, not an answer that matches nothing.
    private var finishedRecently = RecentlyFinished<Key>()
    /// When each request's present attempt times out (`DeadlineQueue`), and the one event-loop timer set
    /// for the earliest of them.
    private var deadlines = DeadlineQueue<(key: Key, token: UInt64)>()
    private var lastToken: UInt64 = 0
    private var wakeUp: (at: NIODeadline, task: Scheduled<Void>)?

    /// Adds a socket of the pool (event loop only); its index is its place in the pool.
    func attach(_ socket: UDPSocketHandler) {
        socket.index = sockets.count
        sockets.append(socket)
    }

    /// One socket closed: its requests fail (the others' go on).
    func detach(_ index: Int) {
        guard sockets.indices.contains(index) else { return }
        sockets[index] = nil
        for request in active.values where request.key.socket == index {
            active[request.key] = nil
            request.fail(Failure.sendFailed("socket closed"))
        }
    }

    /// The adaptive estimate for `address`, for reports and tests (event loop only).
    func roundTrip(to address: SocketAddress) -> RoundTripEstimator? { servers[address]?.roundTrip }

    /// The send window of `address`, for reports and tests (event loop only).
    func window(to address: SocketAddress) -> SendWindow? { servers[address]?.window }

    /// Answers from `address` that matched a request but did not verify, for the lifetime of the sockets
    /// (event loop only).
    func dropped(from address: SocketAddress) -> Int { servers[address]?.dropped ?? 0 }

    private func state(of address: SocketAddress) -> ServerState {
        if let existing = servers[address] { return existing }
        let state = ServerState(number: servers.count, address: address)
        servers[address] = state
        return state
    }

    /// Starts a request; must be called on the event loop. `maxInFlight` is the ceiling of the server's
    /// send window (a caller with another ceiling starts the window again, from its present size).
    func start(_ request: Request, maxInFlight: Int) {
        let server = state(of: request.address)
        // The ID is signed into the packet, the socket is not: when the drawn socket already has a request
        // with this ID to this server, the next socket of the pool that has none takes it. With thousands
        // of queries handed to one server over 8 sockets, about 1 % of the IDs drawn are in use on their
        // socket; failing them made the caller ask each one again alone after its batch, a round trip late
        // (measured over the relays: the last first attempts of a 5,000-zone sweep left 1.9-2.4 s in, a
        // second after the sweep had handed out its last batch; with this, by 1.4-1.8 s).
        request.key = Key(id: request.id, server: server.number, socket: request.socket)
        if active[request.key] != nil {
            let free = (1..<max(1, sockets.count)).lazy
                .map { (request.socket + $0) % self.sockets.count }
                .first {
                    self.sockets[$0] != nil
                        && self.active[Key(id: request.id, server: server.number, socket: $0)] == nil
                }
            guard let free else {
                request.fail(Failure.idInUse)
                return
            }
            request.key = Key(id: request.id, server: server.number, socket: free)
        }
        if let deadline = request.timing.deadline, deadline <= .now() {
            request.fail(Failure.deadlinePassed(attempts: 0, waited: .zero))
            return
        }
        request.server = server
        active[request.key] = request
        if server.window?.ceiling != maxInFlight {
            server.window = SendWindow(ceiling: maxInFlight, initial: server.window?.size ?? SendWindow.defaultInitial)
        }
        server.waiting.append(request)
        pump(server)
    }

    /// Sends what the server's window and pacer allow from its queue, oldest first; when the pacer held
    /// some back, looks again in a millisecond.
    private func pump(_ server: ServerState) {
        let size = server.window?.size ?? 1
        let now = NIODeadline.now()
        var allowance = server.pacer.allowance(
            now: .nanoseconds(Int64(now.uptimeNanoseconds)), window: size, roundTrip: server.roundTrip?.smoothed)
        while server.inFlight < size, allowance > 0, let candidate = server.waiting.popFirst() {
            guard active[candidate.key] === candidate else { continue }
            if let deadline = candidate.timing.deadline, deadline <= now {
                // Its turn came after the deadline: it fails unsent, and the next one is tried.
                active[candidate.key] = nil
                candidate.fail(Failure.deadlinePassed(attempts: 0, waited: waited(candidate)))
                continue
            }
            server.inFlight += 1
            allowance -= 1
            server.pacer.spend()
            send(candidate, first: true)
        }
        if !server.busy {
            // Idle: the next batch starts with a fresh pacer, as a new queue did.
            server.pacer = SendPacer()
            return
        }
        guard !server.waiting.isEmpty, server.inFlight < size, !server.pumpScheduled,
            let loop = sockets.lazy.compactMap({ $0?.eventLoop }).first
        else { return }
        server.pumpScheduled = true
        loop.scheduleTask(in: .milliseconds(1)) { [weak self] in
            server.pumpScheduled = false
            self?.pump(server)
        }
    }

    private func send(_ request: Request, first: Bool) {
        guard sockets.indices.contains(request.key.socket), let socket = sockets[request.key.socket] else {
            finish(request, with: .failure(Failure.sendFailed("socket closed")))
            return
        }
        let now = NIODeadline.now()
        var wait = attemptTimeout(request, attempt: request.attempts + 1)
        if let deadline = request.timing.deadline {
            guard deadline > now else {
                finish(
                    request, with: .failure(Failure.deadlinePassed(attempts: request.attempts, waited: waited(request)))
                )
                return
            }
            wait = min(wait, deadline - now)
        }
        request.attempts += 1
        request.generation = request.server?.window?.generation ?? 0
        request.lastSent = now
        if first {
            request.firstSent = now
            request.ignoredAtStart = request.server?.ignored ?? 0
        }
        socket.write(AddressedEnvelope(remoteAddress: request.address, data: request.packet))
        if !first, request.timing.adaptive, request.server?.window?.retransmitsInCopies ?? false {
            // A sweep's retransmission leaves as two copies of the same datagram (same ID, same MAC; the
            // second answer is a late duplicate). With random loss p each way one attempt fails with
            // about 2p, two copies with about (2p)^2: at 1 % the query lost twice, which then waited
            // twice the RTO more, nearly never happens, and one sweep has thousands of queries. Measured
            // over the relays (5,000 zones, 80-310 ms, 1 % loss): median 2.49 s against 2.77 s in eight
            // alternated pairs, the last retransmission 0.55-0.74 s after the last first attempt instead
            // of 0.9-1.3 s; it costs one datagram per loss (2 % more at 1 % loss). Not under heavy loss
            // (`SendWindow.copiesUpToLoss`): there a server is congested or broken, and is reported.
            socket.write(AddressedEnvelope(remoteAddress: request.address, data: request.packet))
        }
        scheduleFlush(socket)
        setTimer(request, at: now + wait, on: socket.eventLoop)
    }

    /// The wait for attempt `attempt` (1-based): fixed, or the server's RTO with RFC 6298 §5.5 backoff
    /// from the second retransmission on (`RoundTripEstimator.timeout(attempt:)`).
    /// The last attempt always waits the full `timeout`: retransmissions follow the round trips, but a
    /// query is given up only after the patience the operator configured (a server that pauses for a
    /// second under load is slow, not down). Measured: retrying after one RTO each time (no backoff)
    /// shortened that patience from 4.4 s to 3 s and gave a false alarm on 92 zones in a sweep through the
    /// relays on a loaded machine.
    private func attemptTimeout(_ request: Request, attempt: Int) -> TimeAmount {
        let timing = request.timing
        guard timing.adaptive, attempt < request.attemptsAllowed else { return timing.timeout }
        let estimator =
            request.server?.roundTrip
            ?? RoundTripEstimator(
                floor: .nanoseconds(timing.floor.nanoseconds), ceiling: .nanoseconds(timing.timeout.nanoseconds))
        return TimeAmount(estimator.timeout(attempt: attempt))
    }

    private func waited(_ request: Request) -> Duration {
        .nanoseconds((NIODeadline.now() - (request.attempts > 0 ? request.firstSent : request.created)).nanoseconds)
    }

    // MARK: timers

    /// The present attempt of `request` times out at `at`: an entry in `deadlines` (the previous attempt's
    /// entry, if any, no longer matches the request's token and is ignored when due).
    private func setTimer(_ request: Request, at: NIODeadline, on loop: any EventLoop) {
        lastToken &+= 1
        request.timerToken = lastToken
        deadlines.insert((request.key, lastToken), deadline: at.uptimeNanoseconds)
        // Entries of finished requests wait for their deadline; drop them when they outnumber the live ones,
        // so the queue stays within a few times the requests in flight.
        if deadlines.count > 2 * active.count + 1024 {
            deadlines.removeAll { [active] entry in active[entry.key]?.timerToken != entry.token }
        }
        wake(at: at, on: loop)
    }

    /// Makes sure the event loop wakes the router at `at` or before.
    private func wake(at: NIODeadline, on loop: any EventLoop) {
        if let wakeUp, wakeUp.at <= at { return }
        wakeUp?.task.cancel()
        let task = loop.scheduleTask(deadline: at) { [weak self] () -> Void in self?.timersDue(on: loop) }
        wakeUp = (at, task)
    }

    /// The timer went off: every attempt due by now times out, in deadline order.
    private func timersDue(on loop: any EventLoop) {
        wakeUp = nil
        let now = NIODeadline.now()
        while let entry = deadlines.popFirst(dueBy: now.uptimeNanoseconds) {
            guard let request = active[entry.key], request.timerToken == entry.token else { continue }
            request.timerToken = 0
            attemptTimedOut(request)
        }
        if let next = deadlines.earliest { wake(at: .uptimeNanoseconds(next), on: loop) }
    }

    /// One flush for all the requests started in this tick of the event loop: NIO then
    /// sends them with one sendmmsg instead of one sendmsg each.
    private var flushPending = Set<Int>()

    private func scheduleFlush(_ socket: UDPSocketHandler) {
        guard flushPending.insert(socket.index).inserted else { return }
        let loop = socket.eventLoop
        loop.execute { [weak self] in
            guard let self else { return }
            let pending = self.flushPending
            self.flushPending.removeAll()
            for index in pending where self.sockets.indices.contains(index) { self.sockets[index]?.flush() }
        }
    }

    /// Fails every request to `address` that is still waiting for its turn (none of them was sent);
    /// requests in flight go on. Must be called on the event loop.
    func abandonWaiting(to address: SocketAddress) {
        guard let server = servers[address] else { return }
        let waiting = server.waiting
        server.waiting.removeAll()
        if server.inFlight == 0 { server.pacer = SendPacer() }
        for request in waiting where active[request.key] === request {
            active[request.key] = nil
            request.fail(Failure.abandoned)
        }
    }

    private func attemptTimedOut(_ request: Request) {
        guard active[request.key] === request else { return }
        request.server?.window?.loss(sentIn: request.generation)
        request.lossGeneration = request.generation
        if let deadline = request.timing.deadline, deadline <= .now() {
            if let last = request.lastDropped {
                finish(request, with: .failure(Failure.onlyUnverified(last: last, dropped: request.dropped)))
            } else {
                finish(
                    request, with: .failure(Failure.deadlinePassed(attempts: request.attempts, waited: waited(request)))
                )
            }
        } else if request.attempts < request.attemptsAllowed {
            send(request, first: false)
        } else if let last = request.lastDropped {
            finish(request, with: .failure(Failure.onlyUnverified(last: last, dropped: request.dropped)))
        } else {
            let ignored = (request.server?.ignored ?? 0) - request.ignoredAtStart
            let failure =
                ignored > 0
                ? Failure.ignoredAnswers(attempts: request.attempts, ignored: ignored, waited: waited(request))
                : Failure.timedOut(attempts: request.attempts, waited: waited(request))
            finish(request, with: .failure(failure))
        }
    }

    private func finish(_ request: Request, with result: Result<Answer, any Error>) {
        request.timerToken = 0
        if active[request.key] === request { active[request.key] = nil }
        finishedRecently.insert(request.key, at: Self.monotonic())
        if let server = request.server {
            server.inFlight -= 1
            // The window may have grown (or shrunk) with this answer: fill it as the pacer allows.
            pump(server)
        }
        request.complete(result)
    }

    static func monotonic() -> Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds)) }

    /// A datagram arrived on socket `socket` of the pool (event loop only).
    func received(_ envelope: AddressedEnvelope<ByteBuffer>, on socket: Int) {
        let buffer = envelope.data
        let rawID = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self)
        let server = servers[envelope.remoteAddress]
        guard buffer.readableBytes >= MessageHeader.length, let id = rawID, let server,
            let request = active[Key(id: id, server: server.number, socket: socket)],
            Self.questionMatches(buffer, request.question)
        else {
            strayAnswers += 1
            if let server, server.busy {
                let lateDuplicate =
                    rawID.map {
                        finishedRecently.contains(
                            Key(id: $0, server: server.number, socket: socket), at: Self.monotonic())
                    } ?? false
                if !lateDuplicate { server.ignored += 1 }
            }
            return
        }
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        var screened: (message: Message, tsig: TSIGStatus)?
        switch request.screen(bytes) {
        case .accept(let message, let tsig): screened = (message, tsig)
        case .acceptUnscreened: break
        case .decide(let failure):
            server.window?.answer(roundTrip: nil)
            finish(request, with: .failure(Failure.decided(failure)))
            return
        case .drop(let failure):
            // Like a lost packet: the request keeps waiting (and retransmitting) for a verified answer.
            request.dropped += 1
            request.lastDropped = failure
            server.dropped += 1
            return
        }
        let now = NIODeadline.now()
        let elapsed = now - request.firstSent
        if request.attempts > 1, let generation = request.lossGeneration,
            let least = server.window?.leastRoundTrip,
            (now - request.lastSent).nanoseconds
                < (least.components.seconds * 1_000_000_000 + least.components.attoseconds / 1_000_000_000) * 3 / 4
        {
            // Sooner after the retransmission than three quarters of any round trip this server took: the
            // answer to an earlier attempt, late rather than lost.
            server.window?.spurious(sentIn: generation)
        }
        if request.attempts == 1 {
            // Karn's rule (RFC 6298 §3): an answer to a retransmitted request is no sample. One sample per
            // answer, so the gains are divided by the answers per round trip (the requests in flight).
            let timing = request.timing
            if server.roundTrip == nil {
                server.roundTrip = RoundTripEstimator(
                    floor: .nanoseconds(timing.floor.nanoseconds), ceiling: .nanoseconds(timing.timeout.nanoseconds))
            }
            server.roundTrip?.add(
                sample: .nanoseconds(elapsed.nanoseconds), perRoundTrip: max(1, server.inFlight))
        }
        server.window?.answer(roundTrip: request.attempts == 1 ? .nanoseconds(elapsed.nanoseconds) : nil)
        finish(
            request,
            with: .success(
                Answer(
                    bytes: bytes, rtt: .nanoseconds(elapsed.nanoseconds), attempts: request.attempts,
                    screened: screened, dropped: request.dropped)))
    }

    /// QDCOUNT is 1 and the question equals ours, the name compared without ASCII case; or
    /// QDCOUNT is 0 in an error answer (NSD answers TSIG errors without the question): such
    /// an answer can only ever end the query as a failure, never supply a serial.
    static func questionMatches(_ buffer: ByteBuffer, _ question: [UInt8]) -> Bool {
        let start = buffer.readerIndex
        if buffer.getInteger(at: start + 4, as: UInt16.self) == 0,
            let flags = buffer.getInteger(at: start + 2, as: UInt16.self), flags & 0x000F != 0
        {
            return true
        }
        guard buffer.getInteger(at: start + 4, as: UInt16.self) == 1,
            buffer.readableBytes >= MessageHeader.length + question.count
        else { return false }
        return buffer.withUnsafeReadableBytes { raw in
            let nameLength = question.count - 4
            for (k, byte) in question.enumerated() {
                let received = raw[MessageHeader.length + k]
                let same = k < nameLength ? DomainName.lower(received) == DomainName.lower(byte) : received == byte
                if !same { return false }
            }
            return true
        }
    }

}

/// One socket of the pool: hands what arrives to the router, writes what the router sends.
final class UDPSocketHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let router: UDPRouter
    let eventLoop: any EventLoop
    var index = 0
    private var context: ChannelHandlerContext?

    init(router: UDPRouter, eventLoop: any EventLoop) {
        self.router = router
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        router.detach(index)
    }

    func write(_ envelope: AddressedEnvelope<ByteBuffer>) {
        context?.write(wrapOutboundOut(envelope), promise: nil)
    }

    func flush() { context?.flush() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        router.received(unwrapInboundIn(data), on: index)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors on an unconnected UDP socket are not tied to a request; the request's
        // own timer reports the silence.
    }
}
