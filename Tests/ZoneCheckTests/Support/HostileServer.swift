import DNSKit
import Foundation
import NIOCore
import NIOPosix

/// A scripted name server that misbehaves on purpose, for the hostile-input tests (docs/architecture.md: "a scripted
/// fake server is for malformed and hostile input only"). It listens on UDP and TCP on one loopback
/// address and answers every request with one `Behaviour`, signing with a real key file's key (as
/// `tsig-keygen` writes it) wherever the behaviour calls for a valid signature. It records what it
/// received, so a test can also prove what was (not) sent to it.
///
/// The zone it pretends to serve is small: its SOA (serial `serial`), two NS and `records` A records.
final class HostileServer: @unchecked Sendable {
    /// One way of misbehaving. The first group concerns every answer (SOA queries, NOTIFY, the first
    /// message of a transfer); the `axfr...` group answers SOA queries and NOTIFY correctly and breaks only
    /// the zone transfer.
    enum Behaviour: Sendable, Hashable, CustomStringConvertible {
        /// A correct, signed server: the control case that proves the others fail for their own reason.
        case wellBehaved
        /// Bytes that are not a DNS message at all (shorter than a header on UDP, random over TCP).
        case garbage
        /// A correct signed answer cut in half, TC clear.
        case truncatedMessage
        /// A correct signed answer carrying another ID.
        case wrongID
        /// A correct signed answer to another question (`other.<zone>` SOA).
        case wrongQuestion
        /// A correct answer without the TSIG RR the signed request calls for.
        case unsigned
        /// A correct answer whose MAC is cut to 16 octets (RFC 8945 §5.2.2.1 allows no less than 32 for SHA-512).
        case truncatedMAC
        /// NOTAUTH with TSIG error BADTIME, signed, carrying a server clock `skew` seconds from ours.
        case badTime(skew: Int64)
        /// This RCODE at the apex, signed, no records.
        case rcode(ResponseCode)
        /// AA clear and the zone's NS in the authority section: a referral instead of an answer.
        case referral
        /// TC=1 and no records, over UDP and over TCP alike.
        case truncatedForever
        /// A signed transfer in single-record messages with `unsigned` unsigned ones after the first
        /// (RFC 8945 §5.3.1 allows 99 in a row).
        case axfrUnsignedRun(Int)
        /// First and last message signed, the ones between unsigned, and one of those altered after signing.
        case axfrTamperedBetween
        /// The second message carries another ID (signed correctly for it).
        case axfrChangingID
        /// The opening SOA again in the middle of a message, more records after it.
        case axfrSOAInMiddle
        /// A record of another zone inside the stream.
        case axfrOutsideZone
        /// Two messages, then silence with the connection left open.
        case axfrStall
        /// Two messages, then a TCP reset.
        case axfrReset
        /// Signed messages of 100 records, without end.
        case axfrNeverEnding
        /// A closing SOA with another serial than the opening one.
        case axfrDifferentLastSOA
        /// An AXFR whose second (signed) message holds a SIG record whose signer name is a compression
        /// pointer back into its own RDATA: read from there, the name runs through its own signature bytes
        /// and the record decompresses past 65,535 octets (issue 11).
        case axfrSelfReferencingSIG
        /// Over UDP, an unsigned answer with another serial `lead` before the genuine signed one, as a
        /// forger racing the server would send it.
        case forgedFirst(lead: TimeAmount)
        /// Not hostile, only slow and noisy: every UDP answer is sent again 300 ms later, and queries for
        /// `silentFor` are never answered (so a duplicate arrives while another query waits in vain).
        case duplicatesAnswers(silentFor: DomainName)
        /// A server from before EDNS: FORMERR (signed) to a request with an OPT RR, a correct answer without.
        case formerrToEDNS
        /// A signed answer carrying two OPT RRs (RFC 6891 §6.1.1 allows one).
        case twoOPTs

        var description: String {
            switch self {
            case .wellBehaved: "well-behaved"
            case .garbage: "garbage"
            case .truncatedMessage: "truncated message"
            case .wrongID: "wrong ID"
            case .wrongQuestion: "wrong question"
            case .unsigned: "unsigned"
            case .truncatedMAC: "truncated MAC"
            case .badTime(let skew): "BADTIME (server clock \(skew) s off)"
            case .rcode(let rcode): "\(rcode) at the apex"
            case .referral: "referral"
            case .truncatedForever: "TC=1 forever"
            case .axfrUnsignedRun(let n): "AXFR with \(n) unsigned messages in a row"
            case .axfrTamperedBetween: "AXFR tampered between signed messages"
            case .axfrChangingID: "AXFR with a changing ID"
            case .axfrSOAInMiddle: "AXFR with an SOA in the middle"
            case .axfrOutsideZone: "AXFR with a record outside the zone"
            case .axfrStall: "AXFR that stalls"
            case .axfrReset: "AXFR reset half-way"
            case .axfrNeverEnding: "AXFR without end"
            case .axfrDifferentLastSOA: "AXFR whose last SOA differs"
            case .axfrSelfReferencingSIG: "AXFR with a SIG whose name points back into its own RDATA"
            case .forgedFirst(let lead):
                "forged unsigned answer \(lead.nanoseconds / 1_000_000) ms before the genuine one"
            case .duplicatesAnswers(let silent): "duplicate answers, silent for \(silent)"
            case .formerrToEDNS: "FORMERR to EDNS"
            case .twoOPTs: "two OPT RRs"
            }
        }
    }

    /// One request as it arrived.
    struct Request: Sendable {
        var overTCP: Bool
        var opcode: Opcode
        var question: Question?
        var signed: Bool
        /// The client's source port (UDP only).
        var sourcePort: Int? = nil
        /// Whether the request carried an OPT RR (EDNS).
        var edns = false
    }

    /// What the server does next on a connection.
    enum Step {
        case send([UInt8])
        /// Sent after a delay (UDP only).
        case sendLater([UInt8], TimeAmount)
        /// Bytes written as they are (no length prefix on TCP).
        case sendRaw([UInt8])
        case stall
        case reset
        /// Signed messages built on demand, written one after the other as the client reads them.
        case endless((Int) -> [UInt8])
    }

    let host: String
    let port: Int
    let zone: DomainName
    let key: TSIGKey
    let behaviour: Behaviour
    let serial: UInt32
    let records: Int
    /// NIO's shared threads: tests create dozens of servers at once, and a group of their own each would
    /// have to be shut down with a blocking call on the test's (cooperative) thread.
    private let group = MultiThreadedEventLoopGroup.singleton
    private var channels: [any Channel] = []
    private let lock = NSLock()
    private var log: [Request] = []

    init(
        host: String, port: Int, zone: DomainName, key: TSIGKey, behaviour: Behaviour, serial: UInt32 = 2_000_000_000,
        records: Int = 20
    ) throws {
        self.host = host
        self.port = port
        self.zone = zone
        self.key = key
        self.behaviour = behaviour
        self.serial = serial
        self.records = records
        do {
            let udp = try DatagramBootstrap(group: group)
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPHandler(server: self))
                    }
                }
                .bind(host: host, port: port).wait()
            channels.append(udp)
            let tcp = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(TCPHandler(server: self))
                    }
                }
                .bind(host: host, port: port).wait()
            channels.append(tcp)
        } catch {
            close()
            throw error
        }
    }

    var endpoint: ServerEndpoint { ServerEndpoint(name: "hostile", host: host, port: port, key: key) }

    /// Every request received so far.
    var received: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    /// Stops listening; connections still open end as their clients close them. Does not block.
    func close() {
        for channel in channels { channel.close(promise: nil) }
    }

    // MARK: answers

    /// The steps answering `wire` (nil: ignore it, as for a request that is not DNS).
    func respond(to wire: [UInt8], overTCP: Bool, sourcePort: Int? = nil) -> [Step] {
        guard let request = try? Message(wire: wire) else { return [] }
        lock.lock()
        log.append(
            Request(
                overTCP: overTCP, opcode: request.header.opcode, question: request.questions.first,
                signed: request.tsig != nil, sourcePort: sourcePort, edns: request.edns != nil))
        lock.unlock()
        let id = request.header.id
        let requestMAC = request.tsig?.mac ?? []
        let time = request.tsig?.timeSigned ?? UInt64(Date().timeIntervalSince1970)
        let question = request.questions.first ?? Question(name: zone, type: .soa)
        let isTransfer = question.type == .axfr
        let opcode = request.header.opcode

        func answer(
            id: UInt16 = id, question: Question = question, records: [ResourceRecord], flags extra: UInt16 = 0,
            authoritative: Bool = true
        ) -> [UInt8] {
            var builder = MessageBuilder(
                id: id,
                flags: MessageHeader.flags(response: true, opcode: opcode, authoritative: authoritative) | extra)
            builder.addQuestion(question)
            for record in records { builder.addAnswer(record) }
            return builder.bytes
        }
        func signed(_ message: [UInt8], error: UInt16 = 0, otherData: [UInt8] = []) -> [UInt8] {
            var message = message
            TSIG.sign(
                &message, key: key, time: time, chain: .response(requestMAC: requestMAC), error: error,
                otherData: otherData)
            return message
        }
        let direct = opcode == .notify ? [] : [soa()]

        switch behaviour {
        case .garbage:
            // Over UDP shorter than a header, so no ID can match; over TCP any bytes will do.
            return [.send(overTCP ? Array("this is not a DNS message at all, just garbage".utf8) : [0xde, 0xad, 0xbe])]
        case .truncatedMessage:
            let whole = signed(answer(records: direct))
            return [.send(Array(whole.prefix(whole.count / 2)))]
        case .wrongID:
            return [.send(signed(answer(id: id &+ 1, records: direct)))]
        case .wrongQuestion:
            let other = Question(name: try! DomainName(presentation: "other", origin: zone), type: question.type)
            return [.send(signed(answer(question: other, records: [])))]
        case .unsigned:
            return [.send(answer(records: direct))]
        case .truncatedMAC:
            return [.send(Self.truncatingMAC(signed(answer(records: direct)), to: 16))]
        case .badTime(let skew):
            let serverTime = UInt64(Int64(time) + skew)
            var other: [UInt8] = []
            for shift in stride(from: 40, through: 0, by: -8) {
                other.append(UInt8((serverTime >> UInt64(shift)) & 0xFF))
            }
            return [
                .send(signed(answer(records: [], flags: ResponseCode.notAuth.rawValue), error: 18, otherData: other))
            ]
        case .rcode(let rcode):
            return [.send(signed(answer(records: [], flags: rcode.rawValue)))]
        case .referral:
            var message = answer(records: nameServers(), authoritative: false)
            // Move the records from the answer to the authority section: a referral.
            message[8] = message[6]
            message[9] = message[7]
            message[6] = 0
            message[7] = 0
            return [.send(signed(message))]
        case .truncatedForever:
            return [.send(signed(answer(records: [], flags: 0x0200)))]
        case .forgedFirst(let lead) where !overTCP && !isTransfer:
            let forged = answer(records: opcode == .notify ? [] : [soa(serial: serial &+ 1000)])
            return [.send(forged), .sendLater(signed(answer(records: direct)), lead)]
        case .formerrToEDNS where request.edns != nil:
            return [.send(signed(answer(records: [], flags: ResponseCode.formErr.rawValue)))]
        case .twoOPTs:
            var message = answer(records: direct)
            let opt: [UInt8] = [0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0]
            message += opt + opt
            message[11] = 2
            return [.send(signed(message))]
        case .duplicatesAnswers(let silent):
            if question.name == silent { return [] }
            let reply = signed(answer(records: direct))
            return [.send(reply), .sendLater(reply, .milliseconds(300))]
        default:
            break
        }
        guard isTransfer else { return [.send(signed(answer(records: direct)))] }
        return transfer(id: id, question: question, requestMAC: requestMAC, time: time)
    }

    /// The zone's records in transfer order, without the closing SOA.
    func content() -> [ResourceRecord] {
        var out = [soa()] + nameServers()
        for n in 0..<records {
            out.append(
                ResourceRecord(
                    owner: try! DomainName(presentation: "host\(n)", origin: zone), type: .a, ttl: 3600,
                    rdata: [192, 0, 2, UInt8(n % 250 + 1)]))
        }
        return out
    }

    func soa(serial: UInt32? = nil) -> ResourceRecord {
        let s = serial ?? self.serial
        let mname = try! DomainName(presentation: "hostile-ns", origin: zone)
        let rname = try! DomainName(presentation: "hostmaster", origin: zone)
        var rdata = mname.wire + rname.wire
        for value in [s, 3600, 600, 86400, 300] {
            rdata += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        return ResourceRecord(owner: zone, type: .soa, ttl: 3600, rdata: rdata)
    }

    func nameServers() -> [ResourceRecord] {
        ["a", "b"].map {
            ResourceRecord(
                owner: zone, type: .ns, ttl: 3600, rdata: try! DomainName(presentation: "ns-\($0)", origin: zone).wire)
        }
    }

    /// A transfer of the zone broken the way `behaviour` says.
    private func transfer(id: UInt16, question: Question, requestMAC: [UInt8], time: UInt64) -> [Step] {
        var chain = TransferChain(key: key, id: id, question: question, requestMAC: requestMAC, time: time)
        let body = content()
        let closing = soa()
        switch behaviour {
        case .axfrUnsignedRun(let unsigned):
            // One record per message: the first signed, then `unsigned` unsigned ones, then a signed last.
            var messages: [[UInt8]] = [chain.next([body[0]], sign: true)]
            var rest = Array(body.dropFirst())
            while rest.count < unsigned + 1 { rest.append(contentsOf: body.dropFirst()) }
            for n in 0..<unsigned { messages.append(chain.next([rest[n]], sign: false)) }
            messages.append(chain.next([closing], sign: true))
            return messages.map { .send($0) }
        case .axfrTamperedBetween:
            let thirds = body.count / 3
            var messages = [
                chain.next(Array(body[..<thirds]), sign: true),
                chain.next(Array(body[thirds..<(2 * thirds)]), sign: false),
                chain.next(Array(body[(2 * thirds)...]), sign: false),
                chain.next([closing], sign: true),
            ]
            // Flip the lowest bit of the last octet of message 2 (an A record's address) after signing.
            messages[1][messages[1].count - 1] ^= 1
            return messages.map { .send($0) }
        case .axfrChangingID:
            let first = chain.next(Array(body.prefix(5)), sign: true)
            chain.id = id &+ 1
            return [.send(first), .send(chain.next(Array(body.dropFirst(5)) + [closing], sign: true))]
        case .axfrSOAInMiddle:
            return [
                .send(chain.next(Array(body.prefix(5)), sign: true)),
                .send(chain.next([body[5], closing] + Array(body.dropFirst(6)), sign: true)),
                .send(chain.next([closing], sign: true)),
            ]
        case .axfrOutsideZone:
            let stranger = ResourceRecord(
                owner: try! DomainName(presentation: "www.example.net.", origin: nil), type: .a, ttl: 3600,
                rdata: [198, 51, 100, 1])
            return [
                .send(chain.next(Array(body.prefix(5)), sign: true)),
                .send(chain.next([stranger] + Array(body.dropFirst(5)) + [closing], sign: true)),
            ]
        case .axfrStall:
            return [
                .send(chain.next(Array(body.prefix(5)), sign: true)),
                .send(chain.next(Array(body.dropFirst(5).prefix(5)), sign: true)), .stall,
            ]
        case .axfrReset:
            return [
                .send(chain.next(Array(body.prefix(5)), sign: true)),
                .send(chain.next(Array(body.dropFirst(5).prefix(5)), sign: true)), .reset,
            ]
        case .axfrNeverEnding:
            let zone = zone
            return [
                .endless { n in
                    if n == 0 { return chain.next(Array(body.prefix(5)), sign: true) }
                    let batch = (0..<100).map { k in
                        ResourceRecord(
                            owner: try! DomainName(presentation: "h\(n)-\(k)", origin: zone), type: .a, ttl: 60,
                            rdata: [192, 0, 2, UInt8(k + 1)])
                    }
                    return chain.next(batch, sign: true)
                }
            ]
        case .axfrDifferentLastSOA:
            return [.send(chain.next(body + [soa(serial: serial &+ 1)], sign: true))]
        case .axfrSelfReferencingSIG:
            return [
                .send(chain.next(Array(body.prefix(5)), sign: true)),
                .send(chain.next([Self.selfReferencingSIG(owner: zone)], sign: true, patch: Self.pointSIGNameHome)),
                .send(chain.next(Array(body.dropFirst(5)) + [closing], sign: true)),
            ]
        default:
            return [.send(chain.next(body + [closing], sign: true))]
        }
    }

    /// The messages of one signed transfer, chained as RFC 8945 §5.3.1 says: the first MAC covers the
    /// request's MAC, each later one the prior MAC and the unsigned messages since.
    struct TransferChain {
        let key: TSIGKey
        var id: UInt16
        let question: Question
        var prior: [UInt8]
        let time: UInt64
        var unsigned: [[UInt8]] = []
        var count = 0

        init(key: TSIGKey, id: UInt16, question: Question, requestMAC: [UInt8], time: UInt64) {
            self.key = key
            self.id = id
            self.question = question
            self.prior = requestMAC
            self.time = time
        }

        /// The next message; `patch` rewrites its bytes before it is signed.
        mutating func next(
            _ records: [ResourceRecord], sign: Bool, patch: ((inout [UInt8]) -> Void)? = nil
        ) -> [UInt8] {
            var builder = MessageBuilder(
                id: id, flags: MessageHeader.flags(response: true, opcode: .query, authoritative: true))
            if count == 0 { builder.addQuestion(question) }
            for record in records { builder.addAnswer(record) }
            var wire = builder.bytes
            patch?(&wire)
            if sign {
                prior = TSIG.sign(
                    &wire, key: key, time: time,
                    chain: count == 0
                        ? .response(requestMAC: prior) : .subsequent(priorMAC: prior, unsignedSince: unsigned))
                unsigned = []
            } else {
                unsigned.append(wire)
            }
            count += 1
            return wire
        }
    }

    /// The SIG record of `axfrSelfReferencingSIG` before its name is pointed home: 18 octets of fixed fields
    /// whose first octet (63) starts a label running over the name field into the signature, two octets
    /// for the pointer, then a signature laid out as labels of 63, 63 and 61 octets and a root: read from
    /// the start of the RDATA the name is 255 octets, so the pointer's 2 octets become 255. RDATA as long
    /// as one TCP message with a TSIG RR allows: decompressed, it is over 65,535 octets.
    static func selfReferencingSIG(owner: DomainName) -> ResourceRecord {
        let length = 65_535 - 12 - owner.wire.count - 10 - 160
        var rdata = [UInt8](repeating: 0x61, count: length)
        rdata[0] = 63
        rdata[64] = 63
        rdata[128] = 63
        rdata[192] = 61
        rdata[254] = 0
        return ResourceRecord(owner: owner, type: RecordType(rawValue: 24), ttl: 3600, rdata: rdata)
    }

    /// Writes the compression pointer to the start of the SIG's own RDATA into its signer-name field (the
    /// message holds that one record, so its RDATA is the message's last `rdlength` octets).
    static func pointSIGNameHome(_ wire: inout [UInt8]) {
        var i = MessageHeader.length
        while wire[i] != 0 { i += 1 + Int(wire[i]) }
        let rdataStart = i + 1 + 10
        wire[rdataStart + 18] = 0xC0 | UInt8(rdataStart >> 8)
        wire[rdataStart + 19] = UInt8(rdataStart & 0xFF)
    }

    /// `message` with its TSIG MAC cut to its first `length` octets (RDLENGTH and MAC size adjusted).
    static func truncatingMAC(_ message: [UInt8], to length: Int) -> [UInt8] {
        guard let parsed = try? Message(wire: message), var tsig = parsed.tsig, let offset = parsed.tsigOffset else {
            return message
        }
        tsig.mac = Array(tsig.mac.prefix(length))
        return Array(message[..<offset]) + tsig.record.canonicalWire()
    }

    // MARK: I/O

    final class UDPHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let server: HostileServer
        init(server: HostileServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let port = envelope.remoteAddress.port
            for step in server.respond(to: Array(envelope.data.readableBytesView), overTCP: false, sourcePort: port) {
                switch step {
                case .send(let bytes), .sendRaw(let bytes):
                    let buffer = context.channel.allocator.buffer(bytes: bytes)
                    context.writeAndFlush(
                        wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)),
                        promise: nil)
                case .sendLater(let bytes, let delay):
                    let channel = context.channel
                    let envelope = AddressedEnvelope(
                        remoteAddress: envelope.remoteAddress, data: channel.allocator.buffer(bytes: bytes))
                    channel.eventLoop.scheduleTask(in: delay) { channel.writeAndFlush(envelope, promise: nil) }
                default: break
                }
            }
        }
    }

    final class TCPHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let server: HostileServer
        private var pending: [UInt8] = []
        private var stopped = false
        init(server: HostileServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += Array(unwrapInboundIn(data).readableBytesView)
            while !stopped, pending.count >= 2 {
                let length = Int(pending[0]) << 8 | Int(pending[1])
                guard pending.count >= 2 + length else { return }
                let request = Array(pending[2..<(2 + length)])
                pending.removeFirst(2 + length)
                play(server.respond(to: request, overTCP: true), context: context)
            }
        }

        private func framed(_ bytes: [UInt8], _ context: ChannelHandlerContext) -> ByteBuffer {
            var buffer = context.channel.allocator.buffer(capacity: bytes.count + 2)
            buffer.writeInteger(UInt16(bytes.count))
            buffer.writeBytes(bytes)
            return buffer
        }

        private func play(_ steps: [Step], context: ChannelHandlerContext) {
            for step in steps {
                switch step {
                case .send(let bytes), .sendLater(let bytes, _):
                    context.writeAndFlush(wrapOutboundOut(framed(bytes, context)), promise: nil)
                case .sendRaw(let bytes):
                    context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                case .stall:
                    stopped = true
                    return
                case .reset:
                    stopped = true
                    // SO_LINGER with a zero timeout makes close() send a RST instead of a FIN.
                    let channel = context.channel
                    context.channel.flush()
                    _ = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                        .always { _ in channel.close(promise: nil) }
                    return
                case .endless(let make):
                    stopped = true
                    pump(make, 0, context.channel)
                    return
                }
            }
        }

        /// Writes message `n`, and the next once it is written. `make` carries the TSIG chain's state, so it
        /// stays on the channel's event loop (where the write's callback runs): `NIOLoopBound` says so to the
        /// compiler instead of making the chain Sendable.
        private func pump(_ make: @escaping (Int) -> [UInt8], _ n: Int, _ channel: any Channel) {
            guard channel.isActive else { return }
            let bytes = make(n)
            var buffer = channel.allocator.buffer(capacity: bytes.count + 2)
            buffer.writeInteger(UInt16(bytes.count))
            buffer.writeBytes(bytes)
            let next = NIOLoopBound(make, eventLoop: channel.eventLoop)
            channel.writeAndFlush(buffer).whenSuccess { [self] in pump(next.value, n + 1, channel) }
        }
    }
}
