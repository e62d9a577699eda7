/// Where a delayed packet goes when it is due.
enum Route {
    /// A client's query, to the server through that client's upstream socket.
    case toServer(client: SocketAddress)
    /// A server's answer, back to the client from the listening socket.
    case toClient(client: SocketAddress)
    /// A chunk of a TCP stream (empty: the end of the stream) for one side of a connection.
    case tcp(connection: Int, generation: Int, side: Int, end: Bool)
}

struct Packet {
    /// CLOCK_MONOTONIC nanoseconds.
    var due: Int64
    var route: Route
    var bytes: [UInt8]
}

/// The link: packets leave in the order they came, each at its own due time. The delay is the same for
/// every packet, so arrival order is due order and one FIFO drained by one timer serves every direction.
struct DelayLine {
    private var packets: [Packet] = []
    private var head = 0

    var isEmpty: Bool { head == packets.count }
    var count: Int { packets.count - head }
    var nextDue: Int64? { isEmpty ? nil : packets[head].due }

    mutating func push(_ packet: Packet) { packets.append(packet) }

    /// The first packet due by `horizon`, taken off the line.
    mutating func pop(dueBy horizon: Int64) -> Packet? {
        guard head < packets.count, packets[head].due <= horizon else { return nil }
        let packet = packets[head]
        packets[head].bytes = []
        head += 1
        if head == packets.count {
            packets.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= packets.count {
            packets.removeFirst(head)
            head = 0
        }
        return packet
    }
}
