import DNSKit
import Foundation
import TestSupport
import Testing

/// A sweep's retransmission (adaptive timing) leaves as two copies of the same datagram, so that random
/// loss seldom costs a query two timeouts; a request with a fixed timeout (`zonecheck query`, a repair's
/// probe) retransmits one datagram, as before. The responder ignores each name's first query.
@Suite(.ownThreads) struct RetransmissionCopiesTests {
    static let zones = (0..<20).map { try! DomainName(presentation: "z\($0).copies.test.", origin: nil) }

    static func ask(adaptive: Bool) async throws -> (answered: Int, arrivals: [[UInt8]], dropped: Int) {
        let responder = try SOAResponder(ignoringFirst: true)
        defer { responder.close() }
        let client = try DNSClient(poolSize: 2)
        let server = ServerEndpoint(name: "responder", host: "127.0.0.1", port: responder.port, key: nil)
        var options = QueryOptions()
        options.timeout = .milliseconds(300)
        options.retries = 3
        options.adaptiveTimeout = adaptive
        options.edns = nil
        let outcomes = await client.soa(zones: zones, at: server, options: options)
        // Answers to the second copies arrive after their requests finished: let them in before closing.
        try await Task.sleep(for: .milliseconds(100))
        let dropped = await client.droppedAnswers(from: server)
        await client.close()
        let answered = outcomes.count {
            if case .answered = $0 { true } else { false }
        }
        return (answered, responder.arrivals, dropped)
    }

    @Test func aSweepsRetransmissionLeavesAsTwoCopies() async throws {
        let (answered, arrivals, dropped) = try await Self.ask(adaptive: true)
        #expect(answered == Self.zones.count)
        for zone in Self.zones {
            #expect(arrivals.count { $0 == zone.wire } == 3, "\(zone): the first query, then its retransmission twice")
        }
        #expect(dropped == 0, "the answer to the second copy is a late duplicate, not a dropped answer")
    }

    @Test func aFixedTimeoutRetransmitsOneDatagram() async throws {
        let (answered, arrivals, _) = try await Self.ask(adaptive: false)
        #expect(answered == Self.zones.count)
        for zone in Self.zones {
            #expect(arrivals.count { $0 == zone.wire } == 2, "\(zone): the first query, then one retransmission")
        }
    }
}
