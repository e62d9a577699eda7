import DNSKit

/// `duplicate-record` and `ttl-mismatch`: what each RRset has seen so far.
///
/// RFC 2181 §5: an RRset is the records with the same owner, class and type; the TTL is not
/// part of a record's identity, and case in names never is (RFC 4343). So a record repeats an
/// earlier one when owner, type, class and canonical RDATA (RFC 4034 §6.2) are equal.
///
/// Memory: one 64-bit fingerprint per record (owner index, type, class and canonical RDATA,
/// hashed with the process's random-seeded SipHash) and one 8-byte entry per RRset. Two
/// different records would have to collide in 64 bits to be taken for duplicates: for a
/// million records about one chance in 30 million, and not something a zone author can
/// aim at, as the seed changes with every run.
struct RecordSets {
    private var seen: [UInt64: UInt32] = [:]
    private var rrsets: [UInt64: First] = [:]
    /// After `add`: the RRset's first record when the one just added has another TTL.
    private(set) var ttlConflict: First?

    struct First {
        var ttl: UInt32
        var line: UInt32
    }

    /// Adds a record; returns the line of the record it repeats, if any.
    mutating func add(_ record: ResourceRecord, owner: UInt32, line: UInt32) -> UInt32? {
        ttlConflict = nil
        var hasher = Hasher()
        hasher.combine(owner)
        hasher.combine(record.type.rawValue)
        hasher.combine(record.dnsClass.rawValue)
        switch record.type {
        case .a, .aaaa, .txt:
            // No names inside: the RDATA as read is already canonical.
            record.rdata.withUnsafeBytes { hasher.combine(bytes: $0) }
        default:
            // Canonical wire minus owner and TTL: type, class, then RDLENGTH and canonical RDATA.
            let wire = record.canonicalWire()
            let rdlengthAt = record.owner.wire.count + 8
            wire.withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[rdlengthAt...])) }
        }
        let fingerprint = UInt64(bitPattern: Int64(hasher.finalize()))
        if let earlier = seen[fingerprint] { return earlier }
        seen[fingerprint] = line

        let key = UInt64(owner) << 32 | UInt64(record.type.rawValue) << 16 | UInt64(record.dnsClass.rawValue)
        if let first = rrsets[key] {
            if first.ttl != record.ttl { ttlConflict = first }
        } else {
            rrsets[key] = First(ttl: record.ttl, line: line)
        }
        return nil
    }
}
