import CWANRelay
import Glibc

/// One relayed TCP connection: side 0 the client, side 1 the server. Each chunk read from one side waits
/// on the line, then goes to the other side's outbox; the end of a stream is delayed like data and becomes
/// a shutdown(SHUT_WR) once the outbox is empty. TCP is delayed, never dropped (the kernel would
/// retransmit), and its handshake is local: the connection to the server opens when the client's is
/// accepted.
final class Connection {
    let generation: Int
    var fds: [Int32]
    var connected: Bool
    /// Still reading from this side (no end of stream or error yet).
    var reading = [true, true]
    /// Bytes due to this side and not yet taken by its socket.
    var outbox: [[UInt8]] = [[], []]
    /// The end of the stream is due to this side.
    var ending = [false, false]
    /// Nothing more goes to this side: shut down for writing, or its socket failed.
    var shut = [false, false]
    /// The events each side is registered for; 0 when it is not registered.
    var interest: [UInt32] = [0, 0]

    init(generation: Int, client: Int32, server: Int32, connected: Bool) {
        self.generation = generation
        fds = [client, server]
        self.connected = connected
    }

    var finished: Bool { !reading[0] && !reading[1] && shut[0] && shut[1] }
}

extension Relay {
    static let readable = wanrelay_readable
    static let writable = wanrelay_writable
    static let failed = wanrelay_failed

    func acceptConnections() {
        while true {
            let client = wanrelay_accept(tcpListener)
            guard client >= 0 else { return }
            counters.tcpConnections += 1
            let server: Int32
            let connected: Bool
            do {
                server = try Sockets.open(options.target.family, SOCK_STREAM)
                do {
                    connected = try Sockets.connect(server, to: options.target)
                } catch {
                    close(server)
                    throw error
                }
            } catch {
                close(client)
                continue
            }
            for fd in [client, server] {
                var on: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            nextGeneration += 1
            let index = freeConnections.popLast() ?? connections.count
            if index == connections.count { connections.append(nil) }
            let connection = Connection(
                generation: nextGeneration, client: client, server: server, connected: connected)
            connections[index] = connection
            updateInterest(connection, index)
        }
    }

    func connectionEvent(_ index: Int, side: Int, events: UInt32) {
        guard let connection = connections[index] else { return }
        if side == 1 && !connection.connected {
            guard events & (Self.writable | Self.failed) != 0 else { return }
            guard Sockets.pendingError(connection.fds[1]) == 0 else {
                // The server refused: the client's connection closes, as a router would reset it.
                closeConnection(connection, index)
                return
            }
            connection.connected = true
            flush(connection, side: 1)
        }
        if events & (Self.readable | Self.failed) != 0 && connection.reading[side] {
            read(connection, index, side: side)
        }
        if events & Self.writable != 0 { flush(connection, side: side) }
        settle(connection, index)
    }

    /// Reads what the side sent; each chunk (and the end of the stream) goes on the line to the other side.
    func read(_ connection: Connection, _ index: Int, side: Int) {
        for _ in 0..<4 {
            let count = recv(connection.fds[side], streamBuffer, 65536, Int32(MSG_DONTWAIT))
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
            let now = wanrelay_now()
            let route = Route.tcp(connection: index, generation: connection.generation, side: 1 - side, end: count <= 0)
            if count <= 0 {
                connection.reading[side] = false
                line.push(Packet(due: now + delay, route: route, bytes: []))
                return
            }
            counters.tcpBytes += count
            let bytes = [UInt8](UnsafeRawBufferPointer(start: streamBuffer, count: count))
            line.push(Packet(due: now + delay, route: route, bytes: bytes))
            if count < 65536 { return }
        }
    }

    /// A chunk (or the end of the stream) due to one side of a connection.
    func deliver(_ bytes: [UInt8], end: Bool, to index: Int, generation: Int, side: Int) {
        guard index < connections.count, let connection = connections[index], connection.generation == generation,
            !connection.shut[side]
        else { return }
        if end {
            connection.ending[side] = true
        } else {
            connection.outbox[side] += bytes
        }
        flush(connection, side: side)
        settle(connection, index)
    }

    /// Writes as much of the side's outbox as its socket takes; shuts it down for writing once the end of
    /// the stream is due and everything before it went.
    func flush(_ connection: Connection, side: Int) {
        guard side == 0 || connection.connected, !connection.shut[side] else { return }
        let fd = connection.fds[side]
        while !connection.outbox[side].isEmpty {
            let count = connection.outbox[side].withUnsafeBytes {
                send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                connection.outbox[side].removeFirst(count)
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return
            } else {
                connection.outbox[side] = []
                connection.shut[side] = true
                counters.sendErrors += 1
                return
            }
        }
        if connection.ending[side] {
            shutdown(fd, Int32(SHUT_WR))
            connection.shut[side] = true
        }
    }

    /// Registers each side for what it waits for, and closes the connection once both streams ended.
    func settle(_ connection: Connection, _ index: Int) {
        if connection.finished {
            closeConnection(connection, index)
        } else {
            updateInterest(connection, index)
        }
    }

    func updateInterest(_ connection: Connection, _ index: Int) {
        for side in 0...1 {
            var wanted: UInt32 = connection.reading[side] ? Self.readable : 0
            let pending = !connection.outbox[side].isEmpty && !connection.shut[side]
            if (side == 1 && !connection.connected) || pending { wanted |= Self.writable }
            let registered = connection.interest[side]
            guard wanted != registered else { continue }
            // Registered for nothing, a socket would still report a hang-up at every wait: removed instead.
            let operation: Int32 = wanted == 0 ? 2 : registered == 0 ? 1 : 3
            watch(operation, connection.fds[side], wanted, Token.connection.with(index << 1 | side))
            connection.interest[side] = wanted
        }
    }

    func closeConnection(_ connection: Connection, _ index: Int) {
        for fd in connection.fds { close(fd) }
        connections[index] = nil
        retiredConnections.append(index)
    }
}
