#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A growable run of octets in one malloc'd block, for the zone digest's record arena.
///
/// Why not `[UInt8]`: a million small appends each pay Array's uniqueness and capacity checks,
/// and growth copies the whole array; `realloc` of a large block moves pages instead (mremap on
/// Linux). Non-copyable, so the block has exactly one owner and is freed exactly once.
struct ByteArena: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        guard let block = malloc(capacity) else { fatalError("out of memory for a \(capacity)-octet zone arena") }
        self.base = block.assumingMemoryBound(to: UInt8.self)
        self.capacity = capacity
    }

    deinit { free(base) }

    /// Makes room for `n` more octets and returns where they go; the caller writes all of them.
    @inline(__always)
    mutating func extend(by n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(toHold: count + n) }
        let at = base + count
        count += n
        return at
    }

    /// Gives back the last `n` octets (a record that turned out not to belong).
    mutating func shrink(by n: Int) {
        precondition(n <= count)
        count -= n
    }

    private mutating func grow(toHold needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        guard let block = realloc(base, newCapacity) else {
            fatalError("out of memory growing the zone arena to \(newCapacity) octets")
        }
        base = block.assumingMemoryBound(to: UInt8.self)
        capacity = newCapacity
    }
}
