import Testing

@testable import DNSKit

/// The router's queue of attempt deadlines (`DeadlineQueue`): entries leave in deadline order, only when
/// due, equal deadlines first in first out, and dropping finished requests' entries keeps the rest in order.
@Suite("deadline queue")
struct DeadlineQueueTests {
    /// Everything due by `now`, in the order it leaves.
    private func drain<Element>(_ queue: inout DeadlineQueue<Element>, dueBy now: UInt64) -> [Element] {
        var out: [Element] = []
        while let element = queue.popFirst(dueBy: now) { out.append(element) }
        return out
    }

    @Test("entries leave earliest first and only when due")
    func order() {
        var queue = DeadlineQueue<Int>()
        for (element, deadline) in [(1, 50), (2, 10), (3, 40), (4, 20), (5, 30)] {
            queue.insert(element, deadline: UInt64(deadline))
        }
        #expect(queue.earliest == 10)
        #expect(queue.popFirst(dueBy: 9) == nil, "nothing is due before 10")
        #expect(drain(&queue, dueBy: 30) == [2, 4, 5])
        #expect(queue.earliest == 40)
        #expect(queue.count == 2)
        #expect(drain(&queue, dueBy: 1_000) == [3, 1])
        #expect(queue.isEmpty && queue.earliest == nil)
    }

    @Test("equal deadlines leave in the order they were added")
    func ties() {
        var queue = DeadlineQueue<Int>()
        for element in 0..<100 { queue.insert(element, deadline: 7) }
        queue.insert(-1, deadline: 6)
        #expect(drain(&queue, dueBy: 7) == [-1] + Array(0..<100))
    }

    @Test("10,000 random deadlines come out sorted, interleaved with new ones")
    func randomised() {
        var generator = SystemRandomNumberGenerator()
        var queue = DeadlineQueue<UInt64>()
        var popped: [UInt64] = []
        var now: UInt64 = 0
        for round in 0..<100 {
            for _ in 0..<100 {
                let deadline = now + UInt64.random(in: 0...5_000, using: &generator)
                queue.insert(deadline, deadline: deadline)
            }
            now += 1_000
            var last: UInt64 = 0
            while let deadline = queue.popFirst(dueBy: now) {
                #expect(deadline >= last && deadline <= now, "round \(round)")
                last = deadline
                popped.append(deadline)
            }
        }
        popped += drain(&queue, dueBy: .max)
        #expect(popped.count == 10_000)
    }

    @Test("removeAll drops the matching entries and keeps the others in deadline order")
    func removeAll() {
        var queue = DeadlineQueue<Int>()
        for element in 0..<1_000 { queue.insert(element, deadline: UInt64((element * 7_919) % 1_000)) }
        queue.removeAll { $0 % 3 == 0 }
        #expect(queue.count == 666)
        let left = drain(&queue, dueBy: .max)
        #expect(left.count == 666)
        #expect(left.allSatisfy { $0 % 3 != 0 })
        let deadlines = left.map { ($0 * 7_919) % 1_000 }
        #expect(deadlines == deadlines.sorted())
    }
}
