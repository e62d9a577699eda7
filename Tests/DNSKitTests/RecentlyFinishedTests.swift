import NIOCore
import Testing

@testable import DNSKit

/// The router's memory of finished requests (`RecentlyFinished`): a late duplicate answer must be known as
/// one for as long as a retransmitted query's duplicates can arrive, however many requests finish meanwhile.
@Suite("recently finished requests")
struct RecentlyFinishedTests {
    @Test("25,000 requests finishing within a second: the first is still known at the end (the false alarm)")
    func manyFinishesWithinKeep() {
        var finished = RecentlyFinished<Int>()
        for k in 0..<25_000 { finished.insert(k, at: .microseconds(Int64(k) * 40)) }
        // One second after the first finished, its late duplicate arrives: a duplicate, not a stray.
        #expect(finished.contains(0, at: .seconds(1)))
        #expect(finished.contains(24_999, at: .seconds(1)))
        // The count-based memory it replaced kept 4,096 keys: it had forgotten key 0 after 0.16 s.
        #expect(finished.count == 25_000)
    }

    @Test("forgotten after keep, bounded by limit, and a key finished again is kept from its last finish")
    func expiry() {
        var finished = RecentlyFinished<Int>(keep: .seconds(10), limit: 3)
        finished.insert(1, at: .seconds(0))
        #expect(finished.contains(1, at: .seconds(10)))
        #expect(!finished.contains(1, at: .seconds(11)))
        finished.insert(2, at: .seconds(11))
        #expect(finished.count == 1, "1 expired when 2 came")
        finished.insert(3, at: .seconds(12))
        finished.insert(2, at: .seconds(13))
        finished.insert(4, at: .seconds(14))
        // Limit 3: the oldest entry (2 at 11 s) goes, but 2 finished again at 13 s and stays.
        #expect(finished.contains(2, at: .seconds(14)))
        #expect(finished.contains(3, at: .seconds(14)))
        #expect(finished.contains(4, at: .seconds(14)))
        finished.insert(5, at: .seconds(15))
        #expect(!finished.contains(3, at: .seconds(15)))
        #expect(finished.count == 3)
    }
}

/// Kept by hash and nanoseconds: the router's own keys (server number, ID, socket) at the 100,000-key limit of a
/// registrar's sweep, none mistaken for another.
@Suite("recently finished requests: the router's keys")
struct RecentlyFinishedRouterKeyTests {
    @Test("100,000 router keys within keep: each is known, none of 100,000 others is")
    func routerKeys() {
        var finished = RecentlyFinished<UDPRouter.Key>()
        func key(_ n: Int) -> UDPRouter.Key {
            UDPRouter.Key(id: UInt16(n % 65_536), server: (n / 65_536) % 5, socket: n / 327_680)
        }
        for n in 0..<100_000 { finished.insert(key(n), at: .microseconds(Int64(n) * 50)) }
        #expect(finished.count == 100_000)
        #expect((0..<100_000).allSatisfy { finished.contains(key($0), at: .seconds(6)) })
        #expect(!(100_000..<200_000).contains { finished.contains(key($0 + 327_680), at: .seconds(6)) })
        // The limit: one more pushes the oldest out.
        finished.insert(key(400_000), at: .seconds(6))
        #expect(!finished.contains(key(0), at: .seconds(6)) && finished.count == 100_000)
    }

    @Test("times in nanoseconds, saturated rather than trapping")
    func nanoseconds() {
        #expect(RecentlyFinished<Int>.nanoseconds(.milliseconds(1500)) == 1_500_000_000)
        #expect(RecentlyFinished<Int>.nanoseconds(.seconds(Int64.max)) == Int64.max)
        #expect(RecentlyFinished<Int>.nanoseconds(.seconds(Int64.min)) == Int64.min)
        var finished = RecentlyFinished<Int>(keep: .seconds(Int64.max))
        finished.insert(1, at: .seconds(1))
        #expect(finished.contains(1, at: .seconds(1_000_000)))
    }
}
