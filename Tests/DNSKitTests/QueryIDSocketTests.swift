import DNSKit
import Foundation
import TestSupport
import Testing

/// A drawn query ID already in use on its socket takes another socket of the pool (the ID is signed into
/// the packet, the socket is not), instead of failing and being asked again alone after its batch.
@Suite(.ownThreads) struct QueryIDSocketTests {
    /// 625 batches of 32 zones handed to one server at once, as a sweep hands them, over 4 sockets: each
    /// socket holds up to 5,000 IDs of 65,536 (a batch's own IDs are distinct, but not those of different
    /// batches), so a few percent of the IDs drawn are in use on their socket. They now leave with their
    /// batch; before, each was asked again alone once its batch was done, far from its batch in the order
    /// the server saw (measured with the old code: 659 and 678 of 20,000, further than 1,024 places from their batch). Only an ID in use on all four sockets
    /// would still be (about 1 in 100,000).
    @Test func anIDInUseTakesAnotherSocket() async throws {
        let responder = try SOAResponder()
        defer { responder.close() }
        let client = try DNSClient(poolSize: 4)
        let server = ServerEndpoint(name: "responder", host: "127.0.0.1", port: responder.port, key: nil)
        let zones = try (0..<20_000).map { try DomainName(presentation: "z\($0).test.", origin: nil) }
        var options = QueryOptions()
        options.timeout = .seconds(5)
        options.edns = nil
        options.maxInFlightPerServer = 256
        let asked = options
        let batches = stride(from: 0, to: zones.count, by: 32).map { Array(zones[$0..<min(zones.count, $0 + 32)]) }
        let answered = await withTaskGroup(of: Int.self) { group in
            for batch in batches {
                group.addTask {
                    await client.soa(zones: batch, at: server, options: asked).count {
                        if case .answered = $0 { true } else { false }
                    }
                }
            }
            return await group.reduce(0, +)
        }
        await client.close()
        #expect(answered == zones.count)
        let arrivals = responder.arrivals
        #expect(arrivals.count == zones.count, "each zone asked once")
        var position: [[UInt8]: Int] = [:]
        for (index, name) in arrivals.enumerated() { position[name] = index }
        // A batch's queries reach the server close together (its 4 sockets are flushed in turn, so not one
        // right after the other); one asked again alone joins the end of the queue, thousands later.
        var displaced = 0
        for batch in batches {
            let places = batch.compactMap { position[$0.wire] }.sorted()
            guard places.count == batch.count else { continue }
            let middle = places[places.count / 2]
            displaced += places.count { abs($0 - middle) > 1024 }
        }
        #expect(displaced < zones.count / 200, "\(displaced) of \(zones.count) queries came apart from their batch")
    }
}
