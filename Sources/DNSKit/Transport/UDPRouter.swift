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
        case timedOut(attempts: Int)
        /// Timed out, but `ignored` datagrams from the server's address matched no request.
        case ignoredAnswers(attempts: Int, ignored: Int)
        case sendFailed(String)
    }

    final class Request: @unchecked Sendable {
        let key: Key
        let packet: ByteBuffer
        /// The question section as sent (name, type, class), compared case-insensitively.
        let question: [UInt8]
        let timeout: TimeAmount
        let attemptsAllowed: Int
        let promise: EventLoopPromise<Answer>
        var attempts = 0
        var firstSent: NIODeadline = .now()
        /// `ignoredFrom[address]` when the request was first sent.
        var ignoredAtStart = 0
        var timer: Scheduled<Void>?

        init(
            key: Key, packet: ByteBuffer, question: [UInt8], timeout: TimeAmount, attemptsAllowed: Int,
            promise: EventLoopPromise<Answer>
        ) {
            self.key = key
            self.packet = packet
            self.question = question
            self.timeout = timeout
            self.attemptsAllowed = attemptsAllowed
            self.promise = promise
        }
    }

    private struct ServerQueue {
        var inFlight = 0
        var waiting = CircularBuffer<Request>()
    }

    private var context: ChannelHandlerContext?
    private var active: [Key: Request] = [:]
    private var servers: [SocketAddress: ServerQueue] = [:]
    private(set) var strayAnswers = 0
    /// Datagrams that matched no request, by the address of a server with requests in flight.
    private var ignoredFrom: [SocketAddress: Int] = [:]
    /// The last requests finished: a late answer to one of them (to an earlier attempt of a retransmitted
    /// query) is an ordinary duplicate, not an answer that matches nothing.
    private var finishedRecently = Set<Key>()
    private var finishedOrder = CircularBuffer<Key>()

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
        active[request.key] = request
        var queue = servers[request.key.address, default: ServerQueue()]
        if queue.inFlight < maxInFlight {
            queue.inFlight += 1
            servers[request.key.address] = queue
            send(request, first: true)
        } else {
            queue.waiting.append(request)
            servers[request.key.address] = queue
        }
    }

    private func send(_ request: Request, first: Bool) {
        guard let context else {
            finish(request, with: .failure(Failure.sendFailed("socket closed")))
            return
        }
        request.attempts += 1
        if first {
            request.firstSent = .now()
            request.ignoredAtStart = ignoredFrom[request.key.address, default: 0]
        }
        let envelope = AddressedEnvelope(remoteAddress: request.key.address, data: request.packet)
        context.write(wrapOutboundOut(envelope), promise: nil)
        scheduleFlush(context)
        request.timer = context.eventLoop.scheduleTask(in: request.timeout) { [weak self] in
            self?.attemptTimedOut(request)
        }
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

    private func attemptTimedOut(_ request: Request) {
        guard active[request.key] === request else { return }
        if request.attempts < request.attemptsAllowed {
            send(request, first: false)
        } else {
            let ignored = ignoredFrom[request.key.address, default: 0] - request.ignoredAtStart
            let failure =
                ignored > 0
                ? Failure.ignoredAnswers(attempts: request.attempts, ignored: ignored)
                : Failure.timedOut(attempts: request.attempts)
            finish(request, with: .failure(failure))
        }
    }

    private func finish(_ request: Request, with result: Result<Answer, any Error>) {
        request.timer?.cancel()
        if active[request.key] === request { active[request.key] = nil }
        if finishedRecently.insert(request.key).inserted { finishedOrder.append(request.key) }
        if finishedOrder.count > 4096, let oldest = finishedOrder.popFirst() { finishedRecently.remove(oldest) }
        let address = request.key.address
        if var queue = servers[address] {
            queue.inFlight -= 1
            var next: Request?
            while let candidate = queue.waiting.popFirst() {
                if active[candidate.key] === candidate {
                    next = candidate
                    break
                }
            }
            if next != nil { queue.inFlight += 1 }
            if queue.inFlight == 0 && queue.waiting.isEmpty {
                servers[address] = nil
            } else {
                servers[address] = queue
            }
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
