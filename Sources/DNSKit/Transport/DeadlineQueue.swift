/// The deadlines of the router's requests in flight, earliest first (a binary min-heap; equal deadlines
/// in the order they were added).
///
/// Why not one event-loop timer per request: SwiftNIO keeps its scheduled tasks in one heap and cancels
/// one by searching the whole heap, under a lock. A sweep has up to 256 requests in flight per server and
/// cancels a timer for every answer: measured on the 10,000-zone loopback lab, scheduling and cancelling
/// those timers took 7 % of zonecheck's CPU. Here an entry is never cancelled: the router lets a finished
/// request's entry expire and ignores it then (it checks the entry's token against the request's), and
/// `removeAll(where:)` drops such entries when they outnumber the live ones. One event-loop timer, at the
/// earliest deadline, wakes the router.
struct DeadlineQueue<Element> {
    private struct Entry {
        var deadline: UInt64
        /// Insertion order: equal deadlines leave first in, first out.
        var order: UInt64
        var element: Element

        func before(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : order < other.order
        }
    }

    private var heap: [Entry] = []
    private var added: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The earliest deadline, nil when empty.
    var earliest: UInt64? { heap.first?.deadline }

    /// Adds `element`, due at `deadline` (any monotonic clock, the same for every entry).
    mutating func insert(_ element: Element, deadline: UInt64) {
        heap.append(Entry(deadline: deadline, order: added, element: element))
        added &+= 1
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest entry when it is due at `now` or before; nil otherwise.
    mutating func popFirst(dueBy now: UInt64) -> Element? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first.element
    }

    /// Drops every entry whose element matches, in one pass (the order of the others is kept).
    mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
        try heap.removeAll { try shouldBeRemoved($0.element) }
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let child = right < heap.count && heap[right].before(heap[left]) ? right : left
            guard heap[child].before(heap[parent]) else { return }
            heap.swapAt(child, parent)
            parent = child
        }
    }
}
