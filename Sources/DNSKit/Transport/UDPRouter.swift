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
        var address: SocketAddress
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
        let key: Key
        let packet: ByteBuffer
        /// The question section as sent (name, type, class), compared case-insensitively.
        let question: [UInt8]
        let timing: Timing
        let attemptsAllowed: Int
        let promise: EventLoopPromise<Answer>
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
        /// `ignoredFrom[address]` when the request was first sent.
        var ignoredAtStart = 0
        var timer: Scheduled<Void>?

        var timeout: TimeAmount { timing.timeout }

        init(
            key: Key, packet: ByteBuffer, question: [UInt8], timing: Timing, attemptsAllowed: Int,
            promise: EventLoopPromise<Answer>,
            screen: @escaping @Sendable ([UInt8]) -> Screening = { _ in .acceptUnscreened }
        ) {
            self.screen = screen
            self.key = key
            self.packet = packet
            self.question = question
            self.timing = timing
            self.attemptsAllowed = attemptsAllowed
            self.promise = promise
        }
    }

    /// A class, so the queue is changed in place: a struct copied out of the dictionary and written back
    /// would copy its whole waiting buffer on every request (thousands queued in a sweep). Used on the
    /// event loop only, like the router (the pacer's timer runs there too).
    private final class ServerQueue: @unchecked Sendable {
        var inFlight = 0
        var waiting = CircularBuffer<Request>()
        var pacer = SendPacer()
        /// A timer will pump the queue again (the pacer held requests back).
        var pumpScheduled = false
    }

    /// The pool's sockets, by index; nil once closed.
    private var sockets: [UDPSocketHandler?] = []
    private var active: [Key: Request] = [:]
    private var servers: [SocketAddress: ServerQueue] = [:]
    /// Round trips measured per server, for adaptive timeouts (kept for the socket's lifetime: a
    /// server's distance does not change between sweeps of one run).
    private var roundTrips: [SocketAddress: RoundTripEstimator] = [:]
    /// How many requests each server may have in flight (`SendWindow`), kept like `roundTrips`.
    private var windows: [SocketAddress: SendWindow] = [:]
    private(set) var strayAnswers = 0
    /// Datagrams that matched no request, by the address of a server with requests in flight.
    private var ignoredFrom: [SocketAddress: Int] = [:]
    /// The last requests finished: a late answer to one of them (to an earlier attempt of a retransmitted
    /// query) is an ordinary duplicate, not an answer that matches nothing.
    private var finishedRecently = RecentlyFinished<Key>()
    /// Answers that matched a request but did not verify, per server address, for the lifetime of the
    /// sockets: an attack indicator the reports show.
    private(set) var droppedFrom: [SocketAddress: Int] = [:]

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
            request.timer?.cancel()
            active[request.key] = nil
            request.promise.fail(Failure.sendFailed("socket closed"))
        }
    }

    /// The adaptive estimate for `address`, for reports and tests (event loop only).
    func roundTrip(to address: SocketAddress) -> RoundTripEstimator? { roundTrips[address] }

    /// The send window of `address`, for reports and tests (event loop only).
    func window(to address: SocketAddress) -> SendWindow? { windows[address] }

    /// Starts a request; must be called on the event loop. `maxInFlight` is the ceiling of the server's
    /// send window (a caller with another ceiling starts the window again, from its present size).
    func start(_ request: Request, maxInFlight: Int) {
        guard active[request.key] == nil else {
            request.promise.fail(Failure.idInUse)
            return
        }
        if let deadline = request.timing.deadline, deadline <= .now() {
            request.promise.fail(Failure.deadlinePassed(attempts: 0, waited: .zero))
            return
        }
        active[request.key] = request
        let queue: ServerQueue
        if let existing = servers[request.key.address] {
            queue = existing
        } else {
            queue = ServerQueue()
            servers[request.key.address] = queue
        }
        let address = request.key.address
        if windows[address]?.ceiling != maxInFlight {
            windows[address] = SendWindow(
                ceiling: maxInFlight, initial: windows[address]?.size ?? SendWindow.defaultInitial)
        }
        queue.waiting.append(request)
        pump(address, queue)
    }

    /// Sends what the server's window and pacer allow from its queue, oldest first; when the pacer held
    /// some back, looks again in a millisecond.
    private func pump(_ address: SocketAddress, _ queue: ServerQueue) {
        let size = windows[address]?.size ?? 1
        let now = NIODeadline.now()
        var allowance = queue.pacer.allowance(
            now: .nanoseconds(Int64(now.uptimeNanoseconds)), window: size, roundTrip: roundTrips[address]?.smoothed)
        while queue.inFlight < size, allowance > 0, let candidate = queue.waiting.popFirst() {
            guard active[candidate.key] === candidate else { continue }
            if let deadline = candidate.timing.deadline, deadline <= now {
                // Its turn came after the deadline: it fails unsent, and the next one is tried.
                active[candidate.key] = nil
                candidate.promise.fail(Failure.deadlinePassed(attempts: 0, waited: waited(candidate)))
                continue
            }
            queue.inFlight += 1
            allowance -= 1
            queue.pacer.spend()
            send(candidate, first: true)
        }
        if queue.inFlight == 0 && queue.waiting.isEmpty {
            if servers[address] === queue { servers[address] = nil }
            return
        }
        guard !queue.waiting.isEmpty, queue.inFlight < size, !queue.pumpScheduled,
            let loop = sockets.lazy.compactMap({ $0?.eventLoop }).first
        else { return }
        queue.pumpScheduled = true
        loop.scheduleTask(in: .milliseconds(1)) { [weak self] in
            queue.pumpScheduled = false
            guard let self, self.servers[address] === queue else { return }
            self.pump(address, queue)
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
        request.generation = windows[request.key.address]?.generation ?? 0
        request.lastSent = now
        if first {
            request.firstSent = now
            request.ignoredAtStart = ignoredFrom[request.key.address, default: 0]
        }
        socket.write(AddressedEnvelope(remoteAddress: request.key.address, data: request.packet))
        scheduleFlush(socket)
        request.timer = socket.eventLoop.scheduleTask(in: wait) { [weak self] in
            self?.attemptTimedOut(request)
        }
    }

    /// The wait for attempt `attempt` (1-based): fixed, or the server's RTO with RFC 6298 §5.5 backoff.
    /// The last attempt always waits the full `timeout`: retransmissions follow the round trips, but a
    /// query is given up only after the patience the operator configured (a server that pauses for a
    /// second under load is slow, not down). Measured: retrying after one RTO each time (no backoff)
    /// shortened that patience from 4.4 s to 3 s and gave a false alarm on 92 zones in a sweep through the
    /// relays on a loaded machine.
    private func attemptTimeout(_ request: Request, attempt: Int) -> TimeAmount {
        let timing = request.timing
        guard timing.adaptive, attempt < request.attemptsAllowed else { return timing.timeout }
        let estimator =
            roundTrips[request.key.address]
            ?? RoundTripEstimator(
                floor: .nanoseconds(timing.floor.nanoseconds), ceiling: .nanoseconds(timing.timeout.nanoseconds))
        return TimeAmount(estimator.timeout(attempt: attempt))
    }

    private func waited(_ request: Request) -> Duration {
        .nanoseconds((NIODeadline.now() - (request.attempts > 0 ? request.firstSent : request.created)).nanoseconds)
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
        guard let queue = servers[address] else { return }
        let waiting = queue.waiting
        queue.waiting.removeAll()
        if queue.inFlight == 0 { servers[address] = nil }
        for request in waiting where active[request.key] === request {
            active[request.key] = nil
            request.promise.fail(Failure.abandoned)
        }
    }

    private func attemptTimedOut(_ request: Request) {
        guard active[request.key] === request else { return }
        windows[request.key.address]?.loss(sentIn: request.generation)
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
            let ignored = ignoredFrom[request.key.address, default: 0] - request.ignoredAtStart
            let failure =
                ignored > 0
                ? Failure.ignoredAnswers(attempts: request.attempts, ignored: ignored, waited: waited(request))
                : Failure.timedOut(attempts: request.attempts, waited: waited(request))
            finish(request, with: .failure(failure))
        }
    }

    private func finish(_ request: Request, with result: Result<Answer, any Error>) {
        request.timer?.cancel()
        if active[request.key] === request { active[request.key] = nil }
        finishedRecently.insert(request.key, at: Self.monotonic())
        let address = request.key.address
        if let queue = servers[address] {
            queue.inFlight -= 1
            // The window may have grown (or shrunk) with this answer: fill it as the pacer allows.
            pump(address, queue)
        }
        request.promise.completeWith(result)
    }

    static func monotonic() -> Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds)) }

    /// A datagram arrived on socket `socket` of the pool (event loop only).
    func received(_ envelope: AddressedEnvelope<ByteBuffer>, on socket: Int) {
        let buffer = envelope.data
        guard buffer.readableBytes >= MessageHeader.length,
            let id = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            let request = active[Key(id: id, address: envelope.remoteAddress, socket: socket)],
            Self.questionMatches(buffer, request.question)
        else {
            strayAnswers += 1
            let id = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self)
            let lateDuplicate = id.map {
                finishedRecently.contains(
                    Key(id: $0, address: envelope.remoteAddress, socket: socket), at: Self.monotonic())
            }
            if servers[envelope.remoteAddress] != nil && lateDuplicate != true {
                ignoredFrom[envelope.remoteAddress, default: 0] += 1
            }
            return
        }
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        var screened: (message: Message, tsig: TSIGStatus)?
        switch request.screen(bytes) {
        case .accept(let message, let tsig): screened = (message, tsig)
        case .acceptUnscreened: break
        case .decide(let failure):
            windows[envelope.remoteAddress]?.answer(roundTrip: nil)
            finish(request, with: .failure(Failure.decided(failure)))
            return
        case .drop(let failure):
            // Like a lost packet: the request keeps waiting (and retransmitting) for a verified answer.
            request.dropped += 1
            request.lastDropped = failure
            droppedFrom[envelope.remoteAddress, default: 0] += 1
            return
        }
        let now = NIODeadline.now()
        let elapsed = now - request.firstSent
        if request.attempts > 1, let generation = request.lossGeneration,
            let least = windows[request.key.address]?.leastRoundTrip,
            (now - request.lastSent).nanoseconds
                < (least.components.seconds * 1_000_000_000 + least.components.attoseconds / 1_000_000_000) * 3 / 4
        {
            // Sooner after the retransmission than three quarters of any round trip this server took: the
            // answer to an earlier attempt, late rather than lost.
            windows[request.key.address]?.spurious(sentIn: generation)
        }
        if request.attempts == 1 {
            // Karn's rule (RFC 6298 §3): an answer to a retransmitted request is no sample.
            let timing = request.timing
            roundTrips[
                request.key.address,
                default: RoundTripEstimator(
                    floor: .nanoseconds(timing.floor.nanoseconds), ceiling: .nanoseconds(timing.timeout.nanoseconds))
            ]
            .add(sample: .nanoseconds(elapsed.nanoseconds))
        }
        windows[request.key.address]?.answer(
            roundTrip: request.attempts == 1 ? .nanoseconds(elapsed.nanoseconds) : nil)
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
