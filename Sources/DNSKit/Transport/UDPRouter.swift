import NIOCore

/// Sends UDP requests on one shared socket and routes each answer to the request it
/// answers, by ID, source address and question (RFC 5452 §4.3: an answer that fails any of
/// them is dropped, not taken as a failure, so a stray or spoofed datagram cannot end a
/// query). Retransmits on its own timer; holds requests beyond the per-server cap in a queue.
///
/// Everything here runs on the channel's event loop; nothing is shared across threads.
final class UDPRouter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Key: Hashable {
        var id: UInt16
        var address: SocketAddress
    }

    struct Answer {
        var bytes: [UInt8]
        var rtt: Duration
        var attempts: Int
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
        var attempts = 0
        var firstSent: NIODeadline = .now()
        let created: NIODeadline = .now()
        /// `ignoredFrom[address]` when the request was first sent.
        var ignoredAtStart = 0
        var timer: Scheduled<Void>?

        var timeout: TimeAmount { timing.timeout }

        init(
            key: Key, packet: ByteBuffer, question: [UInt8], timing: Timing, attemptsAllowed: Int,
            promise: EventLoopPromise<Answer>
        ) {
            self.key = key
            self.packet = packet
            self.question = question
            self.timing = timing
            self.attemptsAllowed = attemptsAllowed
            self.promise = promise
        }
    }

    /// A class, so the queue is changed in place: a struct copied out of the dictionary and written back
    /// would copy its whole waiting buffer on every request (thousands queued in a sweep).
    private final class ServerQueue {
        var inFlight = 0
        var waiting = CircularBuffer<Request>()
    }

    private var context: ChannelHandlerContext?
    private var active: [Key: Request] = [:]
    private var servers: [SocketAddress: ServerQueue] = [:]
    /// Round trips measured per server, for adaptive timeouts (kept for the socket's lifetime: a
    /// server's distance does not change between sweeps of one run).
    private var roundTrips: [SocketAddress: RoundTripEstimator] = [:]
    private(set) var strayAnswers = 0
    /// Datagrams that matched no request, by the address of a server with requests in flight.
    private var ignoredFrom: [SocketAddress: Int] = [:]
    /// The last requests finished: a late answer to one of them (to an earlier attempt of a retransmitted
    /// query) is an ordinary duplicate, not an answer that matches nothing.
    private var finishedRecently = Set<Key>()
    private var finishedOrder = CircularBuffer<Key>()

    /// The adaptive estimate for `address`, for reports and tests (event loop only).
    func roundTrip(to address: SocketAddress) -> RoundTripEstimator? { roundTrips[address] }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        for request in active.values {
            request.timer?.cancel()
            request.promise.fail(Failure.sendFailed("socket closed"))
        }
        active.removeAll()
    }

    /// Starts a request; must be called on the event loop.
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
        if queue.inFlight < maxInFlight {
            queue.inFlight += 1
            send(request, first: true)
        } else {
            queue.waiting.append(request)
        }
    }

    private func send(_ request: Request, first: Bool) {
        guard let context else {
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
        if first {
            request.firstSent = now
            request.ignoredAtStart = ignoredFrom[request.key.address, default: 0]
        }
        let envelope = AddressedEnvelope(remoteAddress: request.key.address, data: request.packet)
        context.write(wrapOutboundOut(envelope), promise: nil)
        scheduleFlush(context)
        request.timer = context.eventLoop.scheduleTask(in: wait) { [weak self] in
            self?.attemptTimedOut(request)
        }
    }

    /// The wait for attempt `attempt` (1-based): fixed, or the server's RTO with RFC 6298 §5.5 backoff.
    /// The last attempt always waits the full `timeout`: retransmissions follow the round trips, but a
    /// query is given up only after the patience the operator configured (a server that pauses for a
    /// second under load is slow, not down).
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
    private var flushScheduled = false

    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.execute { [weak self] in
            guard let self, let context = self.context else { return }
            self.flushScheduled = false
            context.flush()
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
        if let deadline = request.timing.deadline, deadline <= .now() {
            finish(request, with: .failure(Failure.deadlinePassed(attempts: request.attempts, waited: waited(request))))
        } else if request.attempts < request.attemptsAllowed {
            send(request, first: false)
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
        if finishedRecently.insert(request.key).inserted { finishedOrder.append(request.key) }
        if finishedOrder.count > 4096, let oldest = finishedOrder.popFirst() { finishedRecently.remove(oldest) }
        let address = request.key.address
        if let queue = servers[address] {
            queue.inFlight -= 1
            var next: Request?
            let now = NIODeadline.now()
            while let candidate = queue.waiting.popFirst() {
                guard active[candidate.key] === candidate else { continue }
                if let deadline = candidate.timing.deadline, deadline <= now {
                    // Its turn came after the deadline: it fails unsent, and the next one is tried.
                    active[candidate.key] = nil
                    candidate.promise.fail(Failure.deadlinePassed(attempts: 0, waited: waited(candidate)))
                    continue
                }
                next = candidate
                break
            }
            if next != nil { queue.inFlight += 1 }
            if queue.inFlight == 0 && queue.waiting.isEmpty { servers[address] = nil }
            if let next { send(next, first: true) }
        }
        request.promise.completeWith(result)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let buffer = envelope.data
        guard buffer.readableBytes >= MessageHeader.length,
            let id = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            let request = active[Key(id: id, address: envelope.remoteAddress)],
            Self.questionMatches(buffer, request.question)
        else {
            strayAnswers += 1
            let id = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self)
            let lateDuplicate = id.map { finishedRecently.contains(Key(id: $0, address: envelope.remoteAddress)) }
            if servers[envelope.remoteAddress] != nil && lateDuplicate != true {
                ignoredFrom[envelope.remoteAddress, default: 0] += 1
            }
            return
        }
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        let elapsed = NIODeadline.now() - request.firstSent
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
        finish(
            request,
            with: .success(Answer(bytes: bytes, rtt: .nanoseconds(elapsed.nanoseconds), attempts: request.attempts)))
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors on an unconnected UDP socket are not tied to a request; the request's
        // own timer reports the silence.
    }
}
