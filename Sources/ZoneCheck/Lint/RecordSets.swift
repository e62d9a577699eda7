import DNSKit

/// `duplicate-record` and `ttl-mismatch`: what each RRset has seen so far.
///
/// RFC 2181 §5: an RRset is the records with the same owner, class and type; the TTL is not
/// part of a record's identity, and case in names never is (RFC 4343). So a record repeats an
/// earlier one when owner, type, class and canonical RDATA (RFC 4034 §6.2) are equal.
///
/// Each record is reduced to a 64-bit fingerprint of owner, type, class and canonical RDATA
/// (the process's random-seeded SipHash). Two different records would have to collide in 64
/// bits to be taken for duplicates: for a million records about one chance in 30 million, and
/// not something a zone author can aim at, as the seed changes with every run.
///
/// Zone files keep a name's records together, so the fingerprints go into a log in file order
/// and a record is compared with the run of records at its owner just before it: sequential
/// memory, no hash table. Only a name that comes back later in the file (or has a very large
/// RRset) moves to hash tables, taking its earlier records with it.
struct RecordSets {
    struct Entry {
        var fingerprintHigh: UInt32
        var fingerprintLow: UInt32
        /// type << 16 | class
        var rrset: UInt32
        var ttl: UInt32
        var line: UInt32

        var fingerprint: UInt64 { UInt64(fingerprintHigh) << 32 | UInt64(fingerprintLow) }
    }

    struct First {
        var ttl: UInt32
        var line: UInt32
    }

    /// A run longer than this moves to the hash tables (a linear scan would go quadratic).
    static let longestRun = 32

    private var log: [Entry] = []
    private var runOwner = UInt32.max
    private var runStart = 0
    private var seen: [UInt64: UInt32] = [:]
    private var rrsets: [UInt64: First] = [:]

    /// After `add`: the RRset's first record when the one just added has another TTL.
    private(set) var ttlConflict: First?

    /// Adds a record at `owner`, whose index entry is `state` (its first run is kept there);
    /// returns the line of the record it repeats, if any.
    mutating func add(_ record: ResourceRecord, owner: UInt32, state: inout OwnerIndex.Owner, line: UInt32) -> UInt32? {
        ttlConflict = nil
        let entry = Entry(
            fingerprint: Self.fingerprint(record, owner: owner),
            rrset: UInt32(record.type.rawValue) << 16 | UInt32(record.dnsClass.rawValue), ttl: record.ttl, line: line)

        if owner != runOwner {
            runOwner = owner
            runStart = log.count
            if state.types.isEmpty && !state.scattered {
                state.runStart = UInt32(log.count)
                state.runLength = 0
            } else {
                scatter(owner, &state)
            }
        } else if !state.scattered, Int(state.runLength) >= Self.longestRun {
            scatter(owner, &state)
        }
        if state.scattered { return addScattered(entry, owner: owner) }

        // Compare with the run so far: same fingerprint repeats, same RRset may differ in TTL.
        var i = runStart
        while i < log.count {
            let earlier = log[i]
            if earlier.fingerprintLow == entry.fingerprintLow && earlier.fingerprint == entry.fingerprint {
                return earlier.line
            }
            if earlier.rrset == entry.rrset && ttlConflict == nil && earlier.ttl != entry.ttl {
                ttlConflict = First(ttl: earlier.ttl, line: earlier.line)
            }
            i += 1
        }
        log.append(entry)
        state.runLength += 1
        return nil
    }

    private mutating func addScattered(_ entry: Entry, owner: UInt32) -> UInt32? {
        if let earlier = seen[entry.fingerprint] { return earlier }
        seen[entry.fingerprint] = entry.line
        let key = UInt64(owner) << 32 | UInt64(entry.rrset)
        if let first = rrsets[key] {
            if first.ttl != entry.ttl { ttlConflict = first }
        } else {
            rrsets[key] = First(ttl: entry.ttl, line: entry.line)
        }
        return nil
    }

    /// Moves an owner's first run into the hash tables.
    private mutating func scatter(_ owner: UInt32, _ state: inout OwnerIndex.Owner) {
        guard !state.scattered else { return }
        state.scattered = true
        let start = Int(state.runStart)
        for entry in log[start..<start + Int(state.runLength)] {
            if seen[entry.fingerprint] == nil { seen[entry.fingerprint] = entry.line }
            let key = UInt64(owner) << 32 | UInt64(entry.rrset)
            if rrsets[key] == nil { rrsets[key] = First(ttl: entry.ttl, line: entry.line) }
        }
    }

    static func fingerprint(_ record: ResourceRecord, owner: UInt32) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(owner)
        hasher.combine(record.type.rawValue)
        hasher.combine(record.dnsClass.rawValue)
        // Canonical RDATA lowers the letters of embedded names (RFC 4034 §6.2). RDATA without
        // any upper-case letter is canonical already: hash it as it is, no copy.
        let hasUpperCase = record.rdata.withUnsafeBufferPointer { bytes in
            bytes.contains { $0 &- 0x41 < 26 }
        }
        if hasUpperCase, record.type != .a, record.type != .aaaa, record.type != .txt {
            // Canonical wire minus owner, type, class, TTL and RDLENGTH: the canonical RDATA.
            let wire = record.canonicalWire()
            let rdataAt = record.owner.wire.count + 10
            wire.withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[rdataAt...])) }
        } else {
            record.rdata.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}

extension RecordSets.Entry {
    init(fingerprint: UInt64, rrset: UInt32, ttl: UInt32, line: UInt32) {
        self.init(
            fingerprintHigh: UInt32(truncatingIfNeeded: fingerprint >> 32),
            fingerprintLow: UInt32(truncatingIfNeeded: fingerprint), rrset: rrset, ttl: ttl, line: line)
    }
}
