#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NIOCore
import NIOPosix

/// Sends signed SOA queries, NOTIFYs and zone transfers to name servers, and checks every
/// answer before believing it.
///
/// UDP requests leave from a pool of sockets per address family, each bound to its own random source
/// port, the socket picked at random per request (RFC 5452 §9.2: the port adds to the ID's 16 bits what
/// a forger must guess); answers are matched by socket, ID, source address and question (`UDPRouter`).
/// Every request to a server with a key is TSIG-signed (RFC 8945) and every answer to a signed request
/// must be signed and verify: one that does not is dropped and counted, and the query waits on for the
/// genuine answer. I/O runs on SwiftNIO; nothing here blocks a caller's thread.
public final class DNSClient: Sendable {
    let group: any EventLoopGroup
    private let ipv4: UDPSocket
    private let ipv6: UDPSocket?

    /// The sockets of one address family, all on one event loop, sharing one router.
    struct UDPSocket: Sendable {
        let channels: [any Channel]
        let router: UDPRouter
        var channel: any Channel { channels[0] }
    }

    /// Sockets per address family: each has its own source port, so a forger must guess the port among
    /// this many as well as the ID.
    public static let defaultPoolSize = 8

    /// Opens the UDP socket pools (IPv4, and IPv6 when the host has IPv6), `poolSize` sockets each.
    public init(poolSize: Int = DNSClient.defaultPoolSize) throws {
        group = MultiThreadedEventLoopGroup.singleton
        ipv4 = try Self.openPool(group: group, host: "0.0.0.0", size: poolSize)
        ipv6 = try? Self.openPool(group: group, host: "::", size: poolSize)
    }

    private static func openPool(group: any EventLoopGroup, host: String, size: Int) throws -> UDPSocket {
        let router = UDPRouter()
        let loop = group.next()
        var channels: [any Channel] = []
        do {
            for _ in 0..<max(1, size) {
                channels.append(try openUDP(loop: loop, host: host, router: router))
            }
        } catch {
            for channel in channels { channel.close(promise: nil) }
            throw error
        }
        return UDPSocket(channels: channels, router: router)
    }

    /// Datagrams per recvmmsg. NIO allocates an array of that many envelopes for each read; at 16 or more
    /// (72 bytes each) it is over 1 KiB, a size for which glibc's malloc first merges all its small freed
    /// blocks (malloc_consolidate): measured at 32, 5 % of a loopback sweep's CPU went there. At 10 the
    /// array stays small; the reads it costs (up to 16 per wake-up, `maxMessagesPerRead`) are cheaper.
    static let vectorRead = 10

    /// One socket of a pool, on a source port the kernel picks at random from its ephemeral range (Linux
    /// randomises the port of a bind to port 0).
    private static func openUDP(loop: any EventLoop, host: String, router: UDPRouter) throws -> any Channel {
        try DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(ChannelOptions.socketOption(.so_sndbuf), value: 4 << 20)
            .channelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            // recvmmsg: many answers per system call when they arrive in bursts, but at most
            // `vectorRead`: see there.
            .channelOption(ChannelOptions.datagramVectorReadMessageCount, value: Self.vectorRead)
            // NIO splits the receive buffer between the messages of one recvmmsg: 4 KiB each is
            // more than any answer without EDNS (512) or with the usual EDNS size (1232).
            .channelOption(
                ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.vectorRead * 4096)
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = UDPSocketHandler(router: router, eventLoop: channel.eventLoop)
                    router.attach(handler)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: host, port: 0)
            .wait()
    }

    /// Closes the UDP sockets; requests still waiting fail.
    public func close() async {
        for channel in ipv4.channels + (ipv6?.channels ?? []) { try? await channel.close() }
    }

    /// Answers from `server` dropped because they did not verify (unsigned, bad MAC, wrong key,
    /// malformed) since this client opened: an attack indicator the reports show.
    public func droppedAnswers(from server: ServerEndpoint) async -> Int {
        guard let address = try? Self.address(of: server), let socket = try? socket(for: address) else { return 0 }
        let router = socket.router
        return (try? await socket.channel.eventLoop.submit { router.dropped(from: address) }.get()) ?? 0
    }

    // MARK: SOA

    /// Asks `server` for the SOA of `zone` (RFC 1035 §4.1), signed with the server's key,
    /// over UDP, repeated over TCP when the answer is truncated (RFC 7766 §5).
    ///
    /// The answer is checked: QR set, opcode QUERY, same ID and question, TSIG verified
    /// (RFC 8945 §5.3), RCODE NOERROR, AA set, and exactly one SOA for `zone` in the answer.
    public func soa(zone: DomainName, at server: ServerEndpoint, options: QueryOptions = QueryOptions()) async
        -> SOAQueryOutcome
    {
        func failed(_ failure: QueryFailure) -> SOAQueryOutcome {
            .failed(QueryError(zone: zone, server: server, kind: .soa, failure: failure))
        }
        let question = Question(name: zone, type: .soa)
        let exchange: Exchange
        do {
            exchange = try await send(
                question: question, server: server, options: options,
                build: { MessageBuilder.soaQuery(zone: zone, id: $0, edns: options.edns) })
        } catch {
            return failed(error)
        }
        return await interpretSOA(zone: zone, server: server, exchange: exchange, options: options)
    }

    /// The SOA of each zone from one server, all sent at once (at most
    /// `options.maxInFlightPerServer` in flight) and checked exactly as `soa(zone:at:options:)`
    /// checks one. Outcomes come back in the order of `zones`.
    ///
    /// This is the sweep's fast path: one task and one wake-up for the whole batch instead
    /// of one per zone.
    public func soa(zones: [DomainName], at server: ServerEndpoint, options: QueryOptions = QueryOptions()) async
        -> [SOAQueryOutcome]
    {
        guard !zones.isEmpty else { return [] }
        let address: SocketAddress
        let socket: UDPSocket
        do {
            address = try Self.address(of: server)
            socket = try self.socket(for: address)
        } catch {
            return zones.map { .failed(QueryError(zone: $0, server: server, kind: .soa, failure: error)) }
        }
        var used = Set<UInt16>()
        var exchanges: [Exchange] = []
        var requests: [UDPRouter.Request] = []
        exchanges.reserveCapacity(zones.count)
        requests.reserveCapacity(zones.count)
        let loop = socket.channel.eventLoop
        let collected = BatchResults(count: zones.count, promise: loop.makePromise())
        // The IDs and source sockets of the whole batch in one draw from the system's CSPRNG (RFC 5452 §9.2:
        // both unpredictable): one system call instead of two per query (measured: 2 % of a sweep's CPU).
        var random = [UInt32](repeating: 0, count: zones.count)
        random.withUnsafeMutableBytes { bytes in
            if let base = bytes.baseAddress { arc4random_buf(base, bytes.count) }
        }
        for (index, (zone, word)) in zip(zones, random).enumerated() {
            var id = UInt16(truncatingIfNeeded: word)
            while used.contains(id) && used.count < 60_000 { id = UInt16.random(in: 0...UInt16.max) }
            used.insert(id)
            let (request, pending, requestMAC) = prepare(
                id: id, address: address, question: Question(name: zone, type: .soa), server: server,
                options: options, socket: socket, socketIndex: Int(word >> 16) % socket.channels.count,
                build: { MessageBuilder.soaQuery(zone: zone, id: $0, edns: options.edns) },
                complete: { collected.set(index, $0) })
            requests.append(pending)
            exchanges.append(
                Exchange(
                    id: id, address: address, request: request, requestMAC: requestMAC,
                    answer: UDPRouter.Answer(bytes: [], rtt: .zero, attempts: 0)))
        }
        let router = socket.router
        let cap = max(1, options.maxInFlightPerServer)
        let batch = requests
        loop.execute { for request in batch { router.start(request, maxInFlight: cap) } }
        let results = (try? await collected.promise.futureResult.get()) ?? []
        var outcomes: [SOAQueryOutcome] = []
        outcomes.reserveCapacity(zones.count)
        for (index, zone) in zones.enumerated() {
            guard index < results.count else {
                outcomes.append(await soa(zone: zone, at: server, options: options))
                continue
            }
            switch results[index] {
            case .success(let answer):
                var exchange = exchanges[index]
                exchange.answer = answer
                outcomes.append(await interpretSOA(zone: zone, server: server, exchange: exchange, options: options))
            case .failure(UDPRouter.Failure.idInUse):
                // Another caller had this ID in flight to this server: ask again alone.
                outcomes.append(await soa(zone: zone, at: server, options: options))
            case .failure(let error):
                outcomes.append(
                    .failed(
                        QueryError(
                            zone: zone, server: server, kind: .soa,
                            failure: Self.classifyUDP(error, options: options))))
            }
        }
        return outcomes
    }

    /// Gives up the UDP requests to `server` that wait for their turn behind the in-flight cap: they
    /// fail at once as "not asked" (requests in flight go on to their own timeouts). For a sweep that has
    /// found a server silent, so that thousands of queued queries do not each wait a timeout.
    public func abandonQueued(to server: ServerEndpoint) async {
        guard let address = try? Self.address(of: server), let socket = try? socket(for: address) else { return }
        let router = socket.router
        try? await socket.channel.eventLoop.submit { router.abandonWaiting(to: address) }.get()
    }

    /// How many queries `server` may have in flight now (its `SendWindow`), nil before the first query to
    /// it. The sweep hands out batches by it, so what waits in the transport follows the window rather
    /// than its ceiling (each waiting query holds its signed packet: about a kilobyte).
    public func sendWindow(to server: ServerEndpoint) async -> Int? {
        guard let address = try? Self.address(of: server), let socket = try? socket(for: address) else { return nil }
        let router = socket.router
        return try? await socket.channel.eventLoop.submit { router.window(to: address)?.size }.get()
    }

    /// Checks one UDP answer to an SOA query, repeating the query over TCP when it was truncated.
    private func interpretSOA(zone: DomainName, server: ServerEndpoint, exchange: Exchange, options: QueryOptions)
        async -> SOAQueryOutcome
    {
        func failed(_ failure: QueryFailure) -> SOAQueryOutcome {
            .failed(QueryError(zone: zone, server: server, kind: .soa, failure: failure))
        }
        let question = Question(name: zone, type: .soa)
        var bytes = exchange.answer.bytes
        var overTCP = false
        var rtt = exchange.answer.rtt
        if bytes.count > 2 && bytes[2] & 0x02 != 0 {
            // TC: the whole answer did not fit; ask again over TCP with the same request.
            let started = ContinuousClock.now
            do {
                bytes = try await TCPConnection.exchange(
                    group: group, address: exchange.address, request: exchange.request, timeout: options.timeout)
            } catch {
                return failed(error)
            }
            rtt = ContinuousClock.now - started
            overTCP = true
        }
        let message: Message
        let tsig: TSIGStatus
        do {
            (message, tsig) = try check(
                bytes, exchange: exchange, question: question, opcode: .query, key: server.key, options: options,
                screened: overTCP ? nil : exchange.answer.screened)
        } catch .formerr where options.edns != nil {
            // RFC 6891 §7: a server that does not know EDNS answers FORMERR; ask it again without.
            var plain = options
            plain.edns = nil
            return await soa(zone: zone, at: server, options: plain)
        } catch {
            return failed(error)
        }
        // RFC 7766 §6.2.1.1: TC has no meaning over TCP; a server that keeps setting it never answers.
        guard !(overTCP && message.header.isTruncated) else {
            return failed(.malformed("the answer is truncated (TC=1) over TCP too"))
        }
        guard message.header.isAuthoritative else {
            let referral = message.answers.isEmpty && message.authority.contains { $0.type == .ns }
            return failed(.notAuthoritative(referral: referral))
        }
        let soas = message.answers.filter { $0.type == .soa }
        guard soas.count == 1, let soa = soas.first, soa.owner == zone, soa.dnsClass == .in else {
            if message.answers.isEmpty && message.authority.contains(where: { $0.type == .ns }) {
                return failed(.notAuthoritative(referral: true))
            }
            return failed(.malformed("the answer section holds \(soas.count) SOA records, not one SOA for \(zone)"))
        }
        guard let serial = soa.soaSerial else {
            return failed(.malformed("the SOA RDATA is malformed"))
        }
        return .answered(
            SOAAnswer(
                zone: zone, server: server.name, serial: serial, soa: soa, authoritative: true, rtt: rtt,
                tsig: tsig, overTCP: overTCP, edns: message.edns,
                signatures: message.answers.compactMap { record in
                    guard record.owner == zone, let rrsig = record.rrsig, rrsig.typeCovered == .soa else { return nil }
                    return rrsig
                }))
    }

    // MARK: NOTIFY

    /// Sends a NOTIFY for `zone` (RFC 1996 §3.7), with `soa` in the answer section when
    /// given, and retransmits it (§3.6) until a matching, verified answer comes or the
    /// attempts run out.
    public func notify(
        zone: DomainName, soa: ResourceRecord?, at server: ServerEndpoint, options: QueryOptions = QueryOptions()
    ) async -> NotifyOutcome {
        func failed(_ failure: QueryFailure) -> NotifyOutcome {
            .failed(QueryError(zone: zone, server: server, kind: .notify, failure: failure))
        }
        let question = Question(name: zone, type: .soa)
        do {
            let exchange = try await send(
                question: question, opcode: .notify, server: server, options: options,
                build: { MessageBuilder.notify(zone: zone, soa: soa, id: $0) })
            let (_, tsig) = try check(
                exchange.answer.bytes, exchange: exchange, question: question, opcode: .notify, key: server.key,
                options: options, screened: exchange.answer.screened)
            return .acknowledged(
                NotifyAcknowledgement(
                    zone: zone, server: server.name, rtt: exchange.answer.rtt, attempts: exchange.answer.attempts,
                    tsig: tsig))
        } catch {
            return failed(error)
        }
    }

    // MARK: shared request path

    /// The results of one batch of UDP requests, set on the event loop as each request ends; the promise is
    /// kept when the last one has. One closure per request instead of a future per request and a callback on
    /// each for `whenAllComplete` (measured: 5 % of a sweep's CPU went to the futures).
    final class BatchResults: @unchecked Sendable {
        private var results: [Result<UDPRouter.Answer, any Error>]
        private var remaining: Int
        let promise: EventLoopPromise<[Result<UDPRouter.Answer, any Error>]>

        init(count: Int, promise: EventLoopPromise<[Result<UDPRouter.Answer, any Error>]>) {
            results = Array(repeating: .failure(UDPRouter.Failure.abandoned), count: count)
            remaining = count
            self.promise = promise
            if count == 0 { promise.succeed([]) }
        }

        /// Request `index` ended (event loop only; once per request).
        func set(_ index: Int, _ result: Result<UDPRouter.Answer, any Error>) {
            results[index] = result
            remaining -= 1
            if remaining == 0 { promise.succeed(results) }
        }
    }

    struct Exchange {
        var id: UInt16
        var address: SocketAddress
        var request: [UInt8]
        var requestMAC: [UInt8]?
        var answer: UDPRouter.Answer
    }

    /// Our clock in TSIG form (seconds since the epoch), shifted by `offset`.
    static func now(offset: Duration) -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let (shifted, overflow) = Int64(spec.tv_sec).addingReportingOverflow(offset.components.seconds)
        return overflow ? (offset < .zero ? 0 : UInt64(Int64.max)) : UInt64(max(0, shifted))
    }

    static func address(of server: ServerEndpoint) throws(QueryFailure) -> SocketAddress {
        guard let address = IPAddress(server.host),
            let socketAddress = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: address.bytes), port: server.port)
        else {
            throw .unreachable("\"\(server.host)\" is not an IPv4 or IPv6 address")
        }
        return socketAddress
    }

    private func socket(for address: SocketAddress) throws(QueryFailure) -> UDPSocket {
        switch address.protocol {
        case .inet6:
            guard let ipv6 else { throw .unreachable("this host has no IPv6 socket") }
            return ipv6
        default:
            return ipv4
        }
    }

    /// Builds, signs and wraps one request for the router (not started yet), to leave from socket `socketIndex`
    /// of the pool (drawn at random when nil).
    private func prepare(
        id: UInt16, address: SocketAddress, question: Question, opcode: Opcode = .query, server: ServerEndpoint,
        options: QueryOptions, socket: UDPSocket, socketIndex: Int? = nil, build: (UInt16) -> [UInt8],
        complete: @escaping @Sendable (Result<UDPRouter.Answer, any Error>) -> Void
    ) -> ([UInt8], UDPRouter.Request, [UInt8]?) {
        var request = build(id)
        let requestMAC = server.key.map {
            TSIG.sign(&request, key: $0, time: Self.now(offset: options.clockOffset))
        }
        var questionWire = question.name.wire
        questionWire.appendUInt16(question.type.rawValue)
        questionWire.appendUInt16(question.dnsClass.rawValue)
        var packet = socket.channel.allocator.buffer(capacity: request.count)
        packet.writeBytes(request)
        let key = server.key
        let pending = UDPRouter.Request(
            id: id, address: address, socket: socketIndex ?? Int.random(in: 0..<socket.channels.count), packet: packet,
            question: questionWire, timing: Self.timing(options),
            attemptsAllowed: max(1, options.retries + 1), complete: complete,
            screen: { bytes in
                Self.screen(
                    bytes, id: id, requestMAC: requestMAC, question: question, opcode: opcode, key: key,
                    options: options)
            })
        return (request, pending, requestMAC)
    }

    /// What the router does with an answer that matched a request: a truncated one (TC=1) is only a hint
    /// to ask over TCP, where the answer is verified; a verified one (or any well-formed one when the server
    /// has no key) is the answer; an error the server signed decides; anything else (unsigned, bad MAC,
    /// wrong key, malformed) could come from anyone, so it is dropped and the query waits on.
    static func screen(
        _ bytes: [UInt8], id: UInt16, requestMAC: [UInt8]?, question: Question, opcode: Opcode, key: TSIGKey?,
        options: QueryOptions
    ) -> UDPRouter.Screening {
        if bytes.count > 2 && bytes[2] & 0x02 != 0 { return .acceptUnscreened }
        do {
            let (message, status) = try verify(
                bytes, id: id, requestMAC: requestMAC, question: question, opcode: opcode, key: key, options: options)
            return .accept(message, status)
        } catch {
            return error.isTrustworthyAnswer || error.isVerifiedButRefused ? .decide(error) : .drop(error)
        }
    }

    static func timing(_ options: QueryOptions) -> UDPRouter.Timing {
        UDPRouter.Timing(
            timeout: TimeAmount(options.timeout), adaptive: options.adaptiveTimeout,
            floor: TimeAmount(options.minimumTimeout),
            deadline: options.deadline.map { NIODeadline.now() + TimeAmount($0 - ContinuousClock.now) })
    }

    static func classifyUDP(_ error: any Error, options: QueryOptions) -> QueryFailure {
        switch error {
        case UDPRouter.Failure.timedOut(let attempts, let waited): .timeout(attempts: attempts, waited: waited)
        case UDPRouter.Failure.ignoredAnswers(let attempts, let ignored, let waited):
            .noMatchingAnswer(ignored: ignored, attempts: attempts, waited: waited)
        case UDPRouter.Failure.deadlinePassed(let attempts, let waited):
            attempts == 0
                ? .unreachable("not asked: the sweep's deadline passed before this query's turn")
                : .timeout(attempts: attempts, waited: waited)
        case UDPRouter.Failure.idInUse: .unreachable("no free query ID: too many requests in flight")
        case UDPRouter.Failure.decided(let failure): failure
        case UDPRouter.Failure.onlyUnverified(let last, _): last
        case UDPRouter.Failure.abandoned:
            .unreachable("not asked: the server answered none of the queries sent before this one")
        default: .unreachable(String(describing: error))
        }
    }

    /// Signs and sends one UDP request, waiting through its retransmissions.
    private func send(
        question: Question, opcode: Opcode = .query, server: ServerEndpoint, options: QueryOptions,
        build: (UInt16) -> [UInt8]
    ) async throws(QueryFailure) -> Exchange {
        let address = try Self.address(of: server)
        let socket = try self.socket(for: address)
        var collisions = 0
        while true {
            let id = UInt16.random(in: 0...UInt16.max)
            let loop = socket.channel.eventLoop
            let promise = loop.makePromise(of: UDPRouter.Answer.self)
            let (request, pending, requestMAC) = prepare(
                id: id, address: address, question: question, opcode: opcode, server: server, options: options,
                socket: socket, build: build, complete: { promise.completeWith($0) })
            let router = socket.router
            let cap = max(1, options.maxInFlightPerServer)
            if loop.inEventLoop {
                router.start(pending, maxInFlight: cap)
            } else {
                loop.execute { router.start(pending, maxInFlight: cap) }
            }
            do {
                let answer = try await promise.futureResult.get()
                return Exchange(id: id, address: address, request: request, requestMAC: requestMAC, answer: answer)
            } catch UDPRouter.Failure.idInUse {
                collisions += 1
                if collisions > 20 { throw .unreachable("no free query ID: too many requests in flight") }
            } catch {
                throw Self.classifyUDP(error, options: options)
            }
        }
    }

    /// The checks every answer gets, in the order that keeps forged answers from being
    /// believed: well-formed, same ID, a response to our opcode and question, TSIG
    /// verified, then the RCODE. A UDP answer comes screened (`screen`) already.
    private func check(
        _ bytes: [UInt8], exchange: Exchange, question: Question, opcode: Opcode, key: TSIGKey?, options: QueryOptions,
        screened: (message: Message, tsig: TSIGStatus)? = nil
    ) throws(QueryFailure) -> (Message, TSIGStatus) {
        let message: Message
        let status: TSIGStatus
        if let screened {
            (message, status) = screened
        } else {
            (message, status) = try Self.verify(
                bytes, id: exchange.id, requestMAC: exchange.requestMAC, question: question, opcode: opcode, key: key,
                options: options)
        }
        switch message.rcode {
        case .noError: break
        case .refused: throw .refused
        case .servFail: throw .servfail
        case .formErr: throw .formerr
        case .nxDomain: throw .nxdomainAtApex
        case .notAuth: throw .notAuthoritative(referral: false)
        default: throw .unexpectedRcode(message.rcode)
        }
        return (message, status)
    }

    /// Everything but the RCODE: well-formed, our ID, a response to our opcode and question, TSIG verified.
    static func verify(
        _ bytes: [UInt8], id: UInt16, requestMAC: [UInt8]?, question: Question, opcode: Opcode, key: TSIGKey?,
        options: QueryOptions
    ) throws(QueryFailure) -> (Message, TSIGStatus) {
        let message: Message
        do {
            message = try Message(wire: bytes)
        } catch {
            throw .malformed(error.description)
        }
        let header = message.header
        guard header.id == id else { throw .malformed("the answer's ID \(header.id) is not ours") }
        guard header.isResponse else { throw .malformed("the answer has QR clear") }
        guard header.opcode == opcode else {
            throw .malformed("the answer's opcode is \(header.opcode), not \(opcode)")
        }
        // An error answer may leave the question out (NSD does for TSIG errors).
        guard message.questions == [question] || (message.questions.isEmpty && header.rcode != .noError) else {
            throw .malformed("the answer's question is not ours (\(question))")
        }
        var status = TSIGStatus.notSigned
        if let key, let requestMAC {
            var verifier = TSIGVerifier(
                key: key, requestMAC: requestMAC, requestID: id, acceptTruncatedMAC: options.acceptTruncatedMAC)
            do {
                _ = try verifier.verify(wire: bytes, message: message, now: Self.now(offset: options.clockOffset))
            } catch {
                throw Self.classify(error, rcode: header.rcode)
            }
            status = .verified(keyName: key.name)
        }
        return (message, status)
    }

    static func classify(_ failure: TSIGFailure, rcode: ResponseCode) -> QueryFailure {
        switch failure {
        case .peerError(let error, let signed, _): .notAuth(tsigError: error, signed: signed)
        case .unsigned: .unsignedReply(rcode: rcode)
        case .timeOutsideFudge(let server, let ours, let fudge):
            .clockSkew(serverTime: server, skew: Int64(ours) - Int64(server), fudge: fudge)
        default: .macDidNotVerify(failure)
        }
    }
}
