#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NIOCore
import NIOPosix

/// DNS over TCP framing, RFC 1035 §4.2.2 and RFC 7766 §8: each message preceded by its
/// length as two octets.
struct LengthPrefixedMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            buffer.readableBytes >= 2 + Int(length)
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let message = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 { throw TCPTransportError.closedMidMessage(buffered: buffer.readableBytes) }
        return .needMoreData
    }
}

enum TCPTransportError: Error {
    case idleTimeout
    case totalTimeout
    case closedMidMessage(buffered: Int)
}

/// Turns the read-idle event of `IdleStateHandler` into an error that ends the inbound stream.
final class ReadTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.fireErrorCaught(TCPTransportError.idleTimeout)
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

enum TCPConnection {
    typealias Channel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Connects to `address`, framing messages both ways; reads idle longer than
    /// `idleTimeout` end the inbound stream with `TCPTransportError.idleTimeout`.
    static func connect(
        group: any EventLoopGroup, to address: SocketAddress, connectTimeout: Duration, idleTimeout: Duration
    ) async throws(QueryFailure) -> Channel {
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .connect(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(readTimeout: TimeAmount(idleTimeout)))
                        try sync.addHandler(ReadTimeoutHandler())
                        try sync.addHandler(ByteToMessageHandler(LengthPrefixedMessageDecoder()))
                        return try Channel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw classify(error, connectTimeout: connectTimeout)
        }
    }

    static func classify(_ error: any Error, connectTimeout: Duration) -> QueryFailure {
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return .connectionRefused
            case ETIMEDOUT: return .timeout(attempts: 1, waited: connectTimeout)
            default: return .unreachable(String(cString: strerror(io.errnoCode)))
            }
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return .timeout(attempts: 1, waited: connectTimeout)
        }
        if let connection = error as? NIOConnectionError {
            return classify(connection.connectionErrors.first?.error ?? error, connectTimeout: connectTimeout)
        }
        return .unreachable(String(describing: error))
    }

    static func frame(_ message: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: message.count + 2)
        // Our own requests (a question and a TSIG RR) are a few hundred octets; never over 65,535.
        buffer.writeInteger(UInt16(clamping: message.count))
        buffer.writeBytes(message)
        return buffer
    }

    /// One request, one answer (the first message back); for UDP answers that came back truncated.
    static func exchange(
        group: any EventLoopGroup, address: SocketAddress, request: [UInt8], timeout: Duration
    ) async throws(QueryFailure) -> [UInt8] {
        let channel = try await connect(group: group, to: address, connectTimeout: timeout, idleTimeout: timeout)
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(frame(request, allocator: channel.channel.allocator))
                for try await message in inbound {
                    return Array(message.readableBytesView)
                }
                throw TCPTransportError.closedMidMessage(buffered: 0)
            }
        } catch let error as TCPTransportError {
            switch error {
            case .idleTimeout, .totalTimeout: throw .timeout(attempts: 1, waited: timeout)
            case .closedMidMessage: throw .malformed("the TCP connection closed before an answer came")
            }
        } catch {
            throw classify(error, connectTimeout: timeout)
        }
    }
}

extension TimeAmount {
    /// The duration in nanoseconds, saturating: a wait past 292 years is "forever", not an overflow trap
    /// (a configured or typed-in duration may be anything up to `Duration`'s own range).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else {
            self = .nanoseconds(seconds < 0 ? .min : .max)
            return
        }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        self = .nanoseconds(overflowAgain ? (seconds < 0 ? .min : .max) : total)
    }
}
