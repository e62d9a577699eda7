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
/// Reading the same zone from a file or from an AXFR stream (SOA twice) gives the same digest.
public final class ZoneDigestBuilder {
    public let origin: DomainName
    // The state lives in a struct: one exclusivity check per `add` instead of one per field.
    private var records: ZoneRecordArena

    public init(origin: DomainName) {
        self.origin = origin
        self.records = ZoneRecordArena(origin: origin)
    }

    /// Adds one record; records outside the origin are ignored.
    public func add(_ record: ResourceRecord) {
        records.add(record)
    }

    /// Sorts, removes duplicates, digests and counts. The builder may keep receiving records.
    public func finish() -> ZoneSummary {
        records.summary()
    }
}

/// The records of one zone in canonical wire form, packed for sorting (see `ZoneDigestBuilder`).
struct ZoneRecordArena {
    let origin: DomainName

    /// Per distinct owner (one per run of consecutive records with the same owner): its
    /// canonical wire form, then a sort key of the same length holding the labels right to left
    /// (each still length-prefixed, root last), so RFC 4034 §6.1 order is a forward walk.
    private var ownerBytes: [UInt8] = []
    private var ownerStarts: [UInt32] = []
    private var ownerLengths: [UInt8] = []

    /// Per record: TYPE, CLASS, TTL, RDLENGTH and canonical RDATA, back to back.
    private var arena: [UInt8] = []
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
    }

    mutating func add(_ record: ResourceRecord) {
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
        precondition(rdata.count <= 0xFFFF, "RDATA longer than RDLENGTH can say (RFC 1035 §3.2.1)")
        let start = arena.count
        precondition(start + 10 + rdata.count < Int(UInt32.max), "zone larger than 4 GiB in wire form")
        let type = record.type.rawValue
        let dnsClass = record.dnsClass.rawValue
        var header = (type.bigEndian, dnsClass.bigEndian, record.ttl.bigEndian, UInt16(rdata.count).bigEndian)
        withUnsafeBytes(of: &header) { raw in
            // The tuple is laid out without padding: 2 + 2 + 4 + 2 octets.
            arena.append(
                contentsOf: UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 10))
        }
        arena.append(contentsOf: rdata)
        // Canonical RDATA (RFC 4034 §6.2 item 3): lower the embedded names in place.
        let rdataStart = start + 10
        RDATALayout.forEachName(type: record.type, rdata) { range in
            for k in range { arena[rdataStart + k] = DomainName.lower(arena[rdataStart + k]) }
        }
        let key = UInt64(previousOwnerIndex) << 32 | UInt64(type) << 16 | UInt64(dnsClass)
        entries.append(Entry(key: key, start: UInt32(start), end: UInt32(arena.count)))
    }

    private mutating func startOwner(_ owner: DomainName) {
        let wire = owner.wire
        previousOwner = wire
        guard owner.isSubdomain(of: origin) else {
            previousOwnerIndex = -1
            return
        }
        previousOwnerIsApex = wire.count == origin.wire.count
        previousOwnerIndex = ownerStarts.count
        let length = wire.count
        let base = ownerBytes.count
        ownerStarts.append(UInt32(base))
        ownerLengths.append(UInt8(length))
        // Room for both forms, then filled in place.
        ownerBytes.append(contentsOf: wire)
        ownerBytes.append(contentsOf: wire)
        ownerBytes.withUnsafeMutableBufferPointer { bytes in
            var i = 0
            while wire[i] != 0 {
                let labelLength = Int(wire[i])
                let end = i + 1 + labelLength
                // In the key, the labels to the right of this one come first.
                let keyAt = base + length + (length - 1 - end)
                bytes[keyAt] = UInt8(labelLength)
                for k in (i + 1)..<end {
                    let lowered = DomainName.lower(wire[k])
                    bytes[base + k] = lowered
                    bytes[keyAt + k - i] = lowered
                }
                i = end
            }
            bytes[base + 2 * length - 1] = 0
        }
    }

    func summary() -> ZoneSummary {
        let sorted = sortedEntries()

        let wantsSHA512 = apexZONEMD.contains { $0.count >= 6 && $0[4] == 1 && $0[5] == 2 }
        let sha384 = HashContext(.sha384)
        let sha512 = wantsSHA512 ? HashContext(.sha512) : nil
        var typeCounts = [Int](repeating: 0, count: 1 << 16)
        var kept = 0
        var staging: [UInt8] = []
        staging.reserveCapacity(1 << 16)
        func flush() {
            sha384.update(staging)
            sha512?.update(staging)
            staging.removeAll(keepingCapacity: true)
        }
        arena.withUnsafeBufferPointer { bytes in
            ownerBytes.withUnsafeBufferPointer { owners in
                let base = bytes.baseAddress!
                var previous: Entry?
                for entry in sorted.entries {
                    if let previous, previous.key == entry.key, Self.sameRDATA(base, previous, entry) { continue }
                    previous = entry
                    kept += 1
                    typeCounts[Int(entry.key >> 16 & 0xFFFF)] += 1
                    let owner = Int(sorted.ownerOfRank[Int(entry.key >> 32)])
                    let ownerStart = Int(ownerStarts[owner])
                    staging.append(
                        contentsOf: UnsafeBufferPointer(
                            rebasing: owners[ownerStart..<(ownerStart + Int(ownerLengths[owner]))]))
                    staging.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)]))
                    if staging.count >= 1 << 15 { flush() }
                }
            }
        }
        flush()
        let digest = sha384.finish()
        let digest512 = sha512?.finish()

        typeCounts[Int(RecordType.zonemd.rawValue)] += apexZONEMD.count
        typeCounts[Int(RecordType.rrsig.rawValue)] += apexZONEMDSignatures.count
        var countsByType: [RecordType: Int] = [:]
        for (type, count) in typeCounts.enumerated() where count > 0 {
            countsByType[RecordType(rawValue: UInt16(type))] = count
        }
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
        arena.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress!
            sorted.withUnsafeMutableBufferPointer { sorted in
                for r in 0..<rankCount {
                    let range = firstOfRank[r]..<firstOfRank[r + 1]
                    guard range.count > 1 else { continue }
                    Self.sortRecordsOfOneOwner(UnsafeMutableBufferPointer(rebasing: sorted[range]), base)
                }
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
        var order = [UInt32](0..<UInt32(count))
        var rank = [UInt32](repeating: 0, count: count)
        var owner: [UInt32] = []
        ownerBytes.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress!
            func key(_ index: UInt32) -> UnsafePointer<UInt8> {
                base + Int(ownerStarts[Int(index)]) + Int(ownerLengths[Int(index)])
            }
            order.sort { Self.compareKeys(key($0), key($1)) < 0 }
            var previous: UnsafePointer<UInt8>?
            for index in order {
                let current = key(index)
                if previous.map({ Self.compareKeys($0, current) != 0 }) ?? true {
                    owner.append(index)
                    previous = current
                }
                rank[Int(index)] = UInt32(owner.count - 1)
            }
        }
        return (rank, owner)
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
