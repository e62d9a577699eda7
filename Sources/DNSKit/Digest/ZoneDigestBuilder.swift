#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Streams a zone's records, in any order, into a `ZoneSummary` whose digest is the RFC 8976
/// SIMPLE-scheme zone digest with SHA-384 (hash algorithm 1).
///
/// RFC 8976 §3.3.1, as implemented here:
/// - §3.3.1.1: every record at or below the origin is digested, glue and occluded data included;
///   records outside the origin are ignored. "The zone apex ZONEMD RRset MUST NOT be included"
///   nor the apex RRSIGs covering ZONEMD; a ZONEMD below the apex is ordinary data.
/// - §3.3.1.2: records are put in canonical form (RFC 4034 §6.2 as amended by RFC 6840 §5.1:
///   owner and the embedded names of the listed types lower-cased, TTL as given) and sorted in
///   canonical order (RFC 4034 §6.1 owner order, then type, then RDATA as left-justified
///   unsigned octets); class breaks ties between zones of several classes.
/// - §3.3.1.3: duplicate records (same owner, class, type and canonical RDATA) are digested
///   once. When duplicates disagree on the TTL the lowest TTL is kept, so the result still does
///   not depend on the order records arrived in.
/// - SHA-384 runs over the concatenated canonical wire forms.
///
/// Memory: a million records must not become a million Swift values. Each record's canonical
/// wire form (minus the owner) goes into one contiguous byte arena, each run of records with
/// the same owner stores the owner once, and the sort works on a 16-byte index entry per record.
/// Owners are ranked by a radix sort on their first octets, records placed by owner rank, and
/// only one owner's few records compared with each other. Reading the same zone from a file or
/// from an AXFR stream (SOA twice) gives the same digest.
///
/// Not `Sendable`: one task feeds it, then calls `finish()`.
public final class ZoneDigestBuilder {
    public let origin: DomainName
    // The state lives in a struct: one exclusivity check per `add` instead of one per field.
    private var records: ZoneRecordArena

    public init(origin: DomainName) {
        self.origin = origin
        self.records = ZoneRecordArena(origin: origin)
    }

    /// Adds one record; records outside the origin are ignored. A record that cannot be digested (RDATA
    /// over 65,535 octets, a zone over 4 GiB in wire form) is refused: it throws, and the builder
    /// remembers it so that `finish()` never returns a digest that leaves it out.
    public func include(_ record: ResourceRecord) throws(ZoneDigestError) {
        if let refused { throw refused }
        do throws(ZoneDigestError) {
            try records.add(record)
        } catch {
            refused = error
            throw error
        }
    }

    /// `include` for callers that read the refusal from `finish()` (a zone file reader's callback).
    public func add(_ record: ResourceRecord) {
        try? include(record)
    }

    /// The first record refused, if any.
    public private(set) var refused: ZoneDigestError?

    /// Sorts, removes duplicates, digests and counts. The builder may keep receiving records. Throws when a
    /// record was refused: a digest without it would say the zone is something it is not.
    public func summary() throws(ZoneDigestError) -> ZoneSummary {
        if let refused { throw refused }
        return records.summary()
    }

    /// `summary()` for callers that compare digests only: after a refusal the digest is 48 random octets, so
    /// it equals no other copy's (the copy is reported as different, never as the same).
    public func finish() -> ZoneSummary {
        var summary = records.summary()
        if refused != nil {
            var generator = SystemRandomNumberGenerator()
            summary.digest = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        return summary
    }
}

/// Why a record could not be put into a zone digest.
public enum ZoneDigestError: Error, Sendable, Hashable, CustomStringConvertible {
    case recordTooLong(RecordTooLong)
    case zoneTooLarge(octets: Int)

    public var description: String {
        switch self {
        case .recordTooLong(let record): "\(record)"
        case .zoneTooLarge(let octets):
            "the zone is larger than 4 GiB in wire form (\(octets) octets): too large to digest here"
        }
    }
}

/// The records of one zone in canonical wire form, packed for sorting (see `ZoneDigestBuilder`).
struct ZoneRecordArena: ~Copyable {
    let origin: DomainName
    /// The origin's wire form lower-cased, to tell which owners are in the zone.
    private let originLowered: [UInt8]

    /// Per distinct owner (one per run of consecutive records with the same owner): its
    /// canonical wire form, then a sort key of the same length holding the labels right to left
    /// (each still length-prefixed, root last), so RFC 4034 §6.1 order is a forward walk.
    private var ownerBytes = ByteArena()
    private var ownerStarts: [UInt32] = []
    private var ownerLengths: [UInt8] = []

    /// Per record: TYPE, CLASS, TTL, RDLENGTH and canonical RDATA, back to back.
    private var arena = ByteArena(capacity: 1 << 20)
    private var entries: [Entry] = []

    /// The owner of the previous record, exactly as given, and what it was.
    private var previousOwner: [UInt8] = []
    private var previousOwnerIndex: Int = -1
    private var previousOwnerIsApex = false

    private var soa: SOA?
    /// Excluded from the digest (§3.3.1.1) but counted: RDATA of the apex ZONEMD records and the
    /// canonical RDATA of the apex RRSIGs covering them.
    private var apexZONEMD: Set<[UInt8]> = []
    private var apexZONEMDSignatures: Set<[UInt8]> = []

    /// A record in the arena: `key` is owner (index while adding, rank while sorting) << 32 |
    /// type << 16 | class; the bytes are `arena[start..<end]`.
    struct Entry {
        var key: UInt64
        var start: UInt32
        var end: UInt32
    }

    init(origin: DomainName) {
        self.origin = origin
        self.originLowered = origin.canonical.wire
    }

    mutating func add(_ record: ResourceRecord) throws(ZoneDigestError) {
        // Checked before anything is stored: a refused record leaves the arena as it was.
        guard record.rdata.count <= ResourceRecord.maxRDATALength else {
            throw .recordTooLong(RecordTooLong(owner: record.owner, type: record.type, length: record.rdata.count))
        }
        guard arena.count + 10 + record.rdata.count < Int(UInt32.max),
            ownerBytes.count + 2 * record.owner.wire.count < Int(UInt32.max)
        else {
            throw .zoneTooLarge(octets: arena.count + 10 + record.rdata.count)
        }
        if record.owner.wire != previousOwner {
            startOwner(record.owner)
        }
        if previousOwnerIndex < 0 { return }
        if previousOwnerIsApex {
            switch record.type {
            case .zonemd:
                apexZONEMD.insert(record.rdata)
                return
            case .rrsig where record.rdata.count >= 2 && record.rdata[0] == 0 && record.rdata[1] == 63:
                apexZONEMDSignatures.insert(RDATALayout.canonicalRDATA(type: .rrsig, record.rdata))
                return
            case .soa where soa == nil:
                soa = SOA(record: record)
            default:
                break
            }
        }
        let rdata = record.rdata
        let start = arena.count
        let type = record.type.rawValue
        let dnsClass = record.dnsClass.rawValue
        let ttl = record.ttl
        let at = arena.extend(by: 10 + rdata.count)
        at[0] = UInt8(type >> 8)
        at[1] = UInt8(type & 0xFF)
        at[2] = UInt8(dnsClass >> 8)
        at[3] = UInt8(dnsClass & 0xFF)
        at[4] = UInt8(ttl >> 24)
        at[5] = UInt8(ttl >> 16 & 0xFF)
        at[6] = UInt8(ttl >> 8 & 0xFF)
        at[7] = UInt8(ttl & 0xFF)
        at[8] = UInt8(rdata.count >> 8)
        at[9] = UInt8(rdata.count & 0xFF)
        let data = at + 10
        rdata.withUnsafeBufferPointer { source in
            if let from = source.baseAddress { data.update(from: from, count: source.count) }
        }
        // Canonical RDATA (RFC 4034 §6.2 item 3): lower the embedded names in place.
        RDATALayout.forEachLoweredName(type: record.type, rdata) { range in
            for k in range { data[k] = DomainName.lower(data[k]) }
        }
        let key = UInt64(previousOwnerIndex) << 32 | UInt64(type) << 16 | UInt64(dnsClass)
        entries.append(Entry(key: key, start: UInt32(start), end: UInt32(arena.count)))
    }

    private mutating func startOwner(_ owner: DomainName) {
        let wire = owner.wire
        previousOwner = wire
        previousOwnerIndex = -1
        let length = wire.count
        let originLength = originLowered.count
        guard length >= originLength else { return }
        let base = ownerBytes.count
        // `add` checked that the owner names stay under 4 GiB.
        let bytes = ownerBytes.extend(by: 2 * length)
        // The canonical form first, and the key (labels right to left) after it.
        var i = 0
        var suffixStart = -1
        wire.withUnsafeBufferPointer { wire in
            while wire[i] != 0 {
                if length - i == originLength { suffixStart = i }
                let labelLength = Int(wire[i])
                let end = i + 1 + labelLength
                let keyAt = length + (length - 1 - end)
                bytes[i] = UInt8(labelLength)
                bytes[keyAt] = UInt8(labelLength)
                for k in (i + 1)..<end {
                    let lowered = DomainName.lower(wire[k])
                    bytes[k] = lowered
                    bytes[keyAt + k - i] = lowered
                }
                i = end
            }
        }
        if length - i == originLength { suffixStart = i }  // the origin is the root
        bytes[length - 1] = 0
        bytes[2 * length - 1] = 0
        // At or below the origin: the last labels, case folded, are the origin's.
        let inZone =
            suffixStart >= 0
            && originLowered.withUnsafeBufferPointer { memcmp(bytes + suffixStart, $0.baseAddress!, originLength) == 0 }
        guard inZone else {
            ownerBytes.shrink(by: 2 * length)
            return
        }
        previousOwnerIsApex = length == originLength
        previousOwnerIndex = ownerStarts.count
        ownerStarts.append(UInt32(base))
        ownerLengths.append(UInt8(length))
    }

    func summary() -> ZoneSummary {
        let sorted = sortedEntries()

        let wantsSHA512 = apexZONEMD.contains { $0.count >= 6 && $0[4] == 1 && $0[5] == 2 }
        let sha384 = HashContext(.sha384)
        let sha512 = wantsSHA512 ? HashContext(.sha512) : nil
        // Types below 256 (every common one) counted in a small array, the rest in a dictionary: a
        // 65,536-entry array was zeroed and walked for every summary, most of the CPU of digesting a
        // small zone (a spread deep run digests thousands).
        var commonCounts = [Int](repeating: 0, count: 256)
        var rareCounts: [UInt16: Int] = [:]
        var kept = 0
        // Records are copied into one staging block and hashed 64 KiB at a time: one EVP call
        // per block rather than two per record. Room for a full block plus the largest record.
        let blockSize = 1 << 16
        let staging = UnsafeMutablePointer<UInt8>.allocate(capacity: blockSize + 255 + 10 + 0xFFFF)
        defer { staging.deallocate() }
        var used = 0
        func flush() {
            let block = UnsafeRawBufferPointer(start: staging, count: used)
            sha384.update(block)
            sha512?.update(block)
            used = 0
        }
        let records = UnsafePointer(arena.base)
        let owners = UnsafePointer(ownerBytes.base)
        var previous: Entry?
        for entry in sorted.entries {
            if let previous, previous.key == entry.key, Self.sameRDATA(records, previous, entry) { continue }
            previous = entry
            kept += 1
            let type = UInt16(truncatingIfNeeded: entry.key >> 16)
            if type < 256 { commonCounts[Int(type)] += 1 } else { rareCounts[type, default: 0] += 1 }
            let owner = Int(sorted.ownerOfRank[Int(entry.key >> 32)])
            let ownerLength = Int(ownerLengths[owner])
            (staging + used).update(from: owners + Int(ownerStarts[owner]), count: ownerLength)
            used += ownerLength
            let recordLength = Int(entry.end - entry.start)
            (staging + used).update(from: records + Int(entry.start), count: recordLength)
            used += recordLength
            if used >= blockSize { flush() }
        }
        flush()
        let digest = sha384.finish()
        let digest512 = sha512?.finish()

        commonCounts[Int(RecordType.zonemd.rawValue)] += apexZONEMD.count
        commonCounts[Int(RecordType.rrsig.rawValue)] += apexZONEMDSignatures.count
        var countsByType: [RecordType: Int] = [:]
        for (type, count) in commonCounts.enumerated() where count > 0 {
            countsByType[RecordType(rawValue: UInt16(type))] = count
        }
        for (type, count) in rareCounts { countsByType[RecordType(rawValue: type)] = count }
        return ZoneSummary(
            origin: origin, soa: soa, recordCount: kept + apexZONEMD.count + apexZONEMDSignatures.count,
            countsByType: countsByType, digest: digest,
            zonemd: checkZONEMD(sha384: digest, sha512: digest512))
    }

    /// The entries in canonical order, their keys carrying owner ranks, and one owner per rank.
    ///
    /// Owners are sorted by name; records are then placed by owner rank with a counting sort
    /// (ranks are dense), and only the few records of each owner are sorted by type and RDATA.
    private func sortedEntries() -> (entries: [Entry], ownerOfRank: [UInt32]) {
        let ranks = ownerRanks()
        let rankCount = ranks.owner.count
        var firstOfRank = [Int](repeating: 0, count: rankCount + 1)
        for entry in entries {
            firstOfRank[Int(ranks.rank[Int(entry.key >> 32)]) + 1] += 1
        }
        for r in 0..<rankCount {
            firstOfRank[r + 1] += firstOfRank[r]
        }
        var next = firstOfRank
        var sorted = [Entry](unsafeUninitializedCapacity: entries.count) { buffer, initialized in
            for entry in entries {
                let rank = ranks.rank[Int(entry.key >> 32)]
                let at = next[Int(rank)]
                next[Int(rank)] = at + 1
                (buffer.baseAddress! + at).initialize(
                    to: Entry(key: UInt64(rank) << 32 | (entry.key & 0xFFFF_FFFF), start: entry.start, end: entry.end))
            }
            initialized = entries.count
        }
        let base = UnsafePointer(arena.base)
        sorted.withUnsafeMutableBufferPointer { sorted in
            for r in 0..<rankCount {
                let range = firstOfRank[r]..<firstOfRank[r + 1]
                guard range.count > 1 else { continue }
                Self.sortRecordsOfOneOwner(UnsafeMutableBufferPointer(rebasing: sorted[range]), base)
            }
        }
        return (sorted, ranks.owner)
    }

    /// Type, class, then RDATA and TTL; insertion sort for the usual handful of records.
    private static func sortRecordsOfOneOwner(
        _ records: UnsafeMutableBufferPointer<Entry>, _ base: UnsafePointer<UInt8>
    ) {
        func precedes(_ x: Entry, _ y: Entry) -> Bool {
            if x.key != y.key { return x.key < y.key }
            return compareRecords(base, x, y) < 0
        }
        guard records.count <= 32 else {
            var records = records
            records.sort(by: precedes)
            return
        }
        for i in 1..<records.count {
            let current = records[i]
            var j = i
            while j > 0 && precedes(current, records[j - 1]) {
                records[j] = records[j - 1]
                j -= 1
            }
            records[j] = current
        }
    }

    /// RFC 8976 §4: compare each apex ZONEMD record whose scheme and algorithm are known.
    private func checkZONEMD(sha384: [UInt8], sha512: [UInt8]?) -> ZONEMDCheck {
        // Sorted, so the record named in a failure does not depend on the order of a Set.
        let records = apexZONEMD.filter { $0.count >= 6 }.sorted { $0.lexicographicallyPrecedes($1) }
        guard let first = records.first else { return .absent }
        let known = records.filter { $0[4] == 1 && ($0[5] == 1 || $0[5] == 2) }
        guard !known.isEmpty else { return .unsupported(scheme: first[4], algorithm: first[5]) }
        for record in known {
            let serial = Serial(
                UInt32(record[0]) << 24 | UInt32(record[1]) << 16 | UInt32(record[2]) << 8 | UInt32(record[3]))
            if let soa, soa.serial != serial { return .staleSerial(zonemd: serial, soa: soa.serial) }
        }
        for record in known {
            let expected = Array(record[6...])
            let computed = record[5] == 1 ? sha384 : sha512 ?? []
            if expected != computed {
                return .mismatch(expected: ZoneSummary.hex(expected), computed: ZoneSummary.hex(computed))
            }
        }
        return .verified
    }

    /// Rank of each owner in RFC 4034 §6.1 order (equal names share a rank), and one owner per rank.
    private func ownerRanks() -> (rank: [UInt32], owner: [UInt32]) {
        let count = ownerStarts.count
        // Every owner is at or below the origin, so every key starts with the origin's labels:
        // comparisons start after them.
        let skip = origin.wire.count - 1
        var order: [OwnerPrefix] = []
        order.reserveCapacity(count)
        var rank = [UInt32](repeating: 0, count: count)
        var owner: [UInt32] = []
        let base = UnsafePointer(ownerBytes.base)
        func key(_ index: UInt32) -> UnsafePointer<UInt8> {
            base + Int(ownerStarts[Int(index)]) + Int(ownerLengths[Int(index)]) + skip
        }
        for index in 0..<UInt32(count) {
            order.append(OwnerPrefix(key: key(index), index: index))
        }
        func precedes(_ a: OwnerPrefix, _ b: OwnerPrefix) -> Bool {
            if let decided = a.precedes(b) { return decided }
            return Self.compareKeys(key(a.index), key(b.index)) < 0
        }
        if order.allSatisfy(\.trusted) {
            // Radix sort on the first 8 octets (linear time), then comparisons only inside runs
            // that share them.
            OwnerPrefix.radixSortByHigh(&order)
            order.withUnsafeMutableBufferPointer { order in
                var start = 0
                while start < order.count {
                    var end = start + 1
                    while end < order.count && order[end].high == order[start].high { end += 1 }
                    if end - start > 1 {
                        var run = UnsafeMutableBufferPointer(rebasing: order[start..<end])
                        run.sort(by: precedes)
                    }
                    start = end
                }
            }
        } else {
            // A zero octet in a label: the prefixes cannot be trusted on their own.
            order.sort(by: precedes)
        }
        var previous: OwnerPrefix?
        for entry in order {
            if let previous, previous.precedes(entry) == nil,
                Self.compareKeys(key(previous.index), key(entry.index)) == 0
            {
                rank[Int(entry.index)] = UInt32(owner.count - 1)
                continue
            }
            owner.append(entry.index)
            previous = entry
            rank[Int(entry.index)] = UInt32(owner.count - 1)
        }
        return (rank, owner)
    }

    /// The first 16 octets of an owner below the origin, labels right to left, each label's
    /// octets followed by a zero octet, zero-padded, as two big-endian integers.
    ///
    /// Comparing these integers orders names as RFC 4034 §6.1 does whenever they differ: a label
    /// that ends early puts its zero where the longer label has a non-zero octet, and a name
    /// that ends early pads with zeros where the longer name's next label has non-zero octets.
    /// That argument needs label octets to be non-zero, so a name with a zero octet in the
    /// window is not `trusted` and always takes the full comparison. Most owners of a large
    /// zone differ within 16 octets below the origin (`_domainkey` is 10 of them).
    struct OwnerPrefix {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var index: UInt32
        var trusted = true

        init(key: UnsafePointer<UInt8>, index: UInt32) {
            self.index = index
            var window = (UInt64(0), UInt64(0))
            var filled = 0
            var i = 0
            withUnsafeMutableBytes(of: &window) { out in
                while filled < 16 {
                    let length = Int(key[i])
                    if length == 0 { break }
                    for k in 1...length where filled < 16 {
                        if key[i + k] == 0 { trusted = false }
                        out[filled] = key[i + k]
                        filled += 1
                    }
                    if filled < 16 {
                        out[filled] = 0
                        filled += 1
                    }
                    i += 1 + length
                }
            }
            // The window was filled in memory order: read it back as big-endian numbers.
            high = UInt64(bigEndian: window.0)
            low = UInt64(bigEndian: window.1)
        }

        /// Stable LSD radix sort on `high`, 16 bits per pass; passes where every item has the
        /// same digit are skipped. Below `radixFloor` items, a comparison sort: each radix pass
        /// clears and sums 65,537 counters whatever the count, which was most of the deep check's
        /// CPU on zones of a few dozen records (perf: about half of `check --deep` on 500 small zones).
        static func radixSortByHigh(_ items: inout [OwnerPrefix]) {
            let count = items.count
            guard count > 1 else { return }
            guard count >= radixFloor else {
                items.sort { $0.high < $1.high }
                return
            }
            var spare = items
            var counts = [Int](repeating: 0, count: (1 << 16) + 1)
            for shift in stride(from: UInt64(0), to: 64, by: 16) {
                for k in counts.indices { counts[k] = 0 }
                for item in items { counts[Int(item.high >> shift & 0xFFFF) + 1] += 1 }
                if counts.contains(count) { continue }
                for k in 1..<counts.count { counts[k] += counts[k - 1] }
                items.withUnsafeBufferPointer { from in
                    spare.withUnsafeMutableBufferPointer { to in
                        for item in from {
                            let digit = Int(item.high >> shift & 0xFFFF)
                            to[counts[digit]] = item
                            counts[digit] += 1
                        }
                    }
                }
                swap(&items, &spare)
            }
        }

        /// Where the radix sort's fixed cost (4 passes over 65,537 counters) is below a comparison
        /// sort's n log n.
        static let radixFloor = 8192

        /// The order of the two names when the windows decide it, nil when the full names must.
        @inline(__always)
        func precedes(_ other: OwnerPrefix) -> Bool? {
            guard trusted && other.trusted else { return nil }
            if high != other.high { return high < other.high }
            if low != other.low { return low < other.low }
            return nil
        }
    }

    /// Compares two owner sort keys (labels right to left, lower-cased): RFC 4034 §6.1 order,
    /// each label an unsigned octet string where a shorter prefix sorts first.
    @inline(__always)
    static func compareKeys(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>) -> Int32 {
        if a == b { return 0 }
        var i = 0
        while true {
            let la = Int(a[i])
            let lb = Int(b[i])
            if la == 0 || lb == 0 { return la == lb ? 0 : (la == 0 ? -1 : 1) }
            let c = memcmp(a + i + 1, b + i + 1, min(la, lb))
            if c != 0 { return c }
            if la != lb { return la < lb ? -1 : 1 }
            i += 1 + la
        }
    }

    /// RDATA order (RFC 4034 §6.3: left-justified unsigned octets, absence before zero), then TTL.
    @inline(__always)
    static func compareRecords(_ base: UnsafePointer<UInt8>, _ x: Entry, _ y: Entry) -> Int32 {
        let xs = Int(x.start)
        let ys = Int(y.start)
        let xl = Int(x.end) - xs - 10
        let yl = Int(y.end) - ys - 10
        let c = memcmp(base + xs + 10, base + ys + 10, min(xl, yl))
        if c != 0 { return c }
        if xl != yl { return xl < yl ? -1 : 1 }
        return memcmp(base + xs + 4, base + ys + 4, 4)
    }

    @inline(__always)
    static func sameRDATA(_ base: UnsafePointer<UInt8>, _ x: Entry, _ y: Entry) -> Bool {
        let xl = Int(x.end - x.start)
        return xl == Int(y.end - y.start) && memcmp(base + Int(x.start) + 10, base + Int(y.start) + 10, xl - 10) == 0
    }
}
