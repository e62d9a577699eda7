import DNSKit

/// The types the cross-record rules ask about, one bit each; every other type shares `other`.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt32

    static let a = TypeSet(rawValue: 1 << 0)
    static let aaaa = TypeSet(rawValue: 1 << 1)
    static let ns = TypeSet(rawValue: 1 << 2)
    static let cname = TypeSet(rawValue: 1 << 3)
    static let soa = TypeSet(rawValue: 1 << 4)
    static let mx = TypeSet(rawValue: 1 << 5)
    static let txt = TypeSet(rawValue: 1 << 6)
    static let ds = TypeSet(rawValue: 1 << 7)
    static let rrsig = TypeSet(rawValue: 1 << 8)
    static let nsec = TypeSet(rawValue: 1 << 9)
    static let dname = TypeSet(rawValue: 1 << 10)
    static let srv = TypeSet(rawValue: 1 << 11)
    static let ptr = TypeSet(rawValue: 1 << 12)
    static let other = TypeSet(rawValue: 1 << 31)

    static let address: TypeSet = [.a, .aaaa]
    /// What may sit beside a CNAME: the DNSSEC records that prove it (RFC 4035 §2.5).
    static let cnameCompanions: TypeSet = [.rrsig, .nsec]
    /// What belongs at a delegation point in the parent (RFC 4035 §2.4: NS, DS and their proof).
    static let delegationData: TypeSet = [.ns, .ds, .rrsig, .nsec]

    init(rawValue: UInt32) { self.rawValue = rawValue }

    init(_ type: RecordType) {
        switch type.rawValue {
        case 1: self = .a
        case 28: self = .aaaa
        case 2: self = .ns
        case 5: self = .cname
        case 6: self = .soa
        case 15: self = .mx
        case 16: self = .txt
        case 43: self = .ds
        case 46: self = .rrsig
        case 47: self = .nsec
        case 39: self = .dname
        case 33: self = .srv
        case 12: self = .ptr
        default: self = .other
        }
    }

    /// `A, AAAA, TXT` for messages; `other` reads as "other types".
    var names: String {
        let known: [(TypeSet, String)] = [
            (.soa, "SOA"), (.ns, "NS"), (.ds, "DS"), (.a, "A"), (.aaaa, "AAAA"), (.cname, "CNAME"),
            (.dname, "DNAME"), (.mx, "MX"), (.txt, "TXT"), (.srv, "SRV"), (.ptr, "PTR"), (.rrsig, "RRSIG"),
            (.nsec, "NSEC"), (.other, "other types"),
        ]
        return known.filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }
}

/// Every name at or below the origin that the zone mentions, with what the rules need to know
/// about it, in a few dozen bytes per name.
///
/// A million-record zone must not become a million `DomainName` values in a `Dictionary`
/// (an array allocation each): names live back to back in one byte arena, lower-cased, and an
/// open-addressing table maps a 32-bit hash to the owner's index. Lookups compare the bytes, so
/// a hash collision costs a probe, never a wrong answer.
///
/// Every ancestor of a name down to the apex is interned before the name itself (empty
/// non-terminals included), so `parent` always points at a smaller index: one forward walk over
/// `owners` sees every name after its parent.
struct OwnerIndex {
    struct Owner {
        /// Start of the name's lower-cased wire form in `arena`; it ends where the next begins.
        var nameStart: UInt32
        /// Index of the parent name; the apex points at itself.
        var parent: UInt32
        var types: TypeSet = []
        /// Where the name first had data, for diagnostics about the name as a whole.
        var line: UInt32 = 0
        var file: UInt16 = 0
        var cnameCount: UInt8 = 0
        /// Named as the target of some NS record: its addresses are glue.
        var isNameServer: Bool = false
        /// Has an NS record naming a server outside the zone (reachable without glue from here).
        var hasOutsideNameServer: Bool = false
        /// `RecordSets`: where the name's first run of records sits in its log, and whether
        /// the name came back later in the file (its records then live in hash tables).
        var scattered: Bool = false
        var runLength: UInt8 = 0
        var runStart: UInt32 = 0
    }

    static let apex: UInt32 = 0

    private(set) var owners: [Owner] = []
    private var arena: [UInt8] = []
    /// Open addressing, linear probing: `hash32 << 32 | (index + 1)`, 0 when free.
    private var table: [UInt64]
    private var mask: Int
    let apexName: DomainName
    private let apexLength: Int

    init(apex: DomainName) {
        self.apexName = apex
        self.apexLength = apex.wire.count
        table = Array(repeating: 0, count: 1024)
        mask = 1023
        apex.wire.withUnsafeBufferPointer { wire in
            _ = insert(wire, hash: Self.hash(wire), parent: 0)
        }
    }

    var count: Int { owners.count }

    subscript(index: UInt32) -> Owner {
        get { owners[Int(index)] }
        _modify { yield &owners[Int(index)] }
    }

    /// The index of `name` (at or below the apex), adding it and its missing ancestors.
    mutating func intern(_ name: DomainName) -> UInt32 {
        name.wire.withUnsafeBufferPointer { internSuffix($0) }
    }

    /// The index of `name` when the zone mentions it.
    func find(_ name: DomainName) -> UInt32? {
        name.wire.withUnsafeBufferPointer { lookup($0, hash: Self.hash($0)) }
    }

    /// The name at `index`, lower-cased.
    func name(_ index: UInt32) -> DomainName {
        let i = Int(index)
        let start = Int(owners[i].nameStart)
        let end = i + 1 < owners.count ? Int(owners[i + 1].nameStart) : arena.count
        // The bytes came from a valid DomainName, so they are a valid name.
        return (try? DomainName(wire: Array(arena[start..<end]))) ?? .root
    }

    /// True when `ancestor` is `index` itself or one of its ancestors.
    func isAncestor(_ ancestor: UInt32, ofOrSelf index: UInt32) -> Bool {
        var current = index
        while true {
            if current == ancestor { return true }
            if current == Self.apex { return false }
            current = owners[Int(current)].parent
        }
    }

    // MARK: table

    private mutating func internSuffix(_ wire: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let hash = Self.hash(wire)
        if let found = lookup(wire, hash: hash) { return found }
        // Not the apex (interned at init) and, by the caller's promise, below it: the parent exists.
        let parentWire = UnsafeBufferPointer(rebasing: wire[(1 + Int(wire[0]))...])
        // Most names sit right below the apex: no need to look the apex up again.
        let parent = parentWire.count == apexLength ? OwnerIndex.apex : internSuffix(parentWire)
        return insert(wire, hash: hash, parent: parent)
    }

    private func lookup(_ wire: UnsafeBufferPointer<UInt8>, hash: UInt32) -> UInt32? {
        var slot = Int(hash) & mask
        while true {
            let entry = table[slot]
            if entry == 0 { return nil }
            if UInt32(truncatingIfNeeded: entry >> 32) == hash {
                let index = UInt32(truncatingIfNeeded: entry) - 1
                if matches(index, wire) { return index }
            }
            slot = (slot + 1) & mask
        }
    }

    private func matches(_ index: UInt32, _ wire: UnsafeBufferPointer<UInt8>) -> Bool {
        let i = Int(index)
        let start = Int(owners[i].nameStart)
        let end = i + 1 < owners.count ? Int(owners[i + 1].nameStart) : arena.count
        guard end - start == wire.count else { return false }
        var k = 0
        while k < wire.count {
            if arena[start + k] != Self.lower(wire[k]) { return false }
            k += 1
        }
        return true
    }

    private mutating func insert(_ wire: UnsafeBufferPointer<UInt8>, hash: UInt32, parent: UInt32) -> UInt32 {
        let index = UInt32(owners.count)
        owners.append(Owner(nameStart: UInt32(arena.count), parent: parent))
        for byte in wire { arena.append(Self.lower(byte)) }
        if owners.count * 2 > table.count { grow() }
        place(UInt64(hash) << 32 | UInt64(index + 1))
        return index
    }

    private mutating func place(_ entry: UInt64) {
        var slot = Int(UInt32(truncatingIfNeeded: entry >> 32)) & mask
        while table[slot] != 0 { slot = (slot + 1) & mask }
        table[slot] = entry
    }

    private mutating func grow() {
        let old = table
        table = Array(repeating: 0, count: old.count * 2)
        mask = table.count - 1
        for entry in old where entry != 0 { place(entry) }
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// FNV-1a over the lower-cased wire form, then a multiply-shift to spread it into 32 bits.
    static func hash(_ wire: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in wire {
            h = (h ^ UInt64(lower(byte))) &* 0x100_0000_01b3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        return UInt32(truncatingIfNeeded: h >> 32)
    }
}
