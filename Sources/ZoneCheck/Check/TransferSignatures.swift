public import DNSKit
public import Foundation

/// What one server's verified transfer says about the zone's DNSSEC: its signatures' earliest end, its apex
/// DNSKEY set and whether its ZONEMD matches its content. Read while the records stream in (`Reader`), so
/// nothing is kept of a zone whose copies agree; the deep check's signature findings (`DeepSignatures`)
/// are a pure function of these values.
public struct TransferSignatures: Sendable, Equatable {
    /// When the transfer ended: the signatures' times are read against it (RFC 4034 §3.1.5: they are
    /// 32-bit serial numbers, meaningful only near a known time).
    public var observed: Date
    /// RRSIG records in the transfer.
    public var signatureCount: Int
    /// The signature that ends first (the whole copy is as good as its weakest signature), or nil.
    public var earliest: Signature?
    /// The signature that begins last: one beginning after `observed` is not valid yet.
    public var latestInception: Signature?
    /// The apex DNSKEY RRset, sorted by key tag then RDATA.
    public var keys: [Key]
    /// What the apex ZONEMD says about the copy (RFC 8976 §4), as the digest builder checked it.
    public var zonemd: ZONEMDCheck

    public init(
        observed: Date, signatureCount: Int, earliest: Signature?, latestInception: Signature?, keys: [Key],
        zonemd: ZONEMDCheck
    ) {
        self.observed = observed
        self.signatureCount = signatureCount
        self.earliest = earliest
        self.latestInception = latestInception
        self.keys = keys
        self.zonemd = zonemd
    }

    /// Signed: it carries signatures or keys. A copy with neither is an unsigned zone.
    public var isSigned: Bool { signatureCount > 0 || !keys.isEmpty }

    /// One RRSIG, as findings name it: `www.example.com AAAA`, key 8720, its validity.
    public struct Signature: Sendable, Equatable {
        public var owner: String
        public var covered: RecordType
        public var keyTag: UInt16
        public var inception: Date
        public var expiration: Date

        public init(owner: String, covered: RecordType, keyTag: UInt16, inception: Date, expiration: Date) {
            self.owner = owner
            self.covered = covered
            self.keyTag = keyTag
            self.inception = inception
            self.expiration = expiration
        }

        /// `www.example.com AAAA signed by key 8720`.
        public var name: String { "\(owner) \(covered) signed by key \(keyTag)" }
    }

    /// One DNSKEY: compared by its RDATA, named by its key tag (RFC 4034 Appendix B) and role.
    public struct Key: Sendable, Hashable, Comparable {
        public var tag: UInt16
        public var flags: UInt16
        public var algorithm: UInt8
        public var rdata: [UInt8]

        public init(rdata: [UInt8]) {
            self.rdata = rdata
            self.flags = rdata.count >= 2 ? UInt16(rdata[0]) << 8 | UInt16(rdata[1]) : 0
            self.algorithm = rdata.count >= 4 ? rdata[3] : 0
            self.tag = Self.keyTag(rdata)
        }

        /// `8720 ZSK`, `43996 KSK` (the SEP flag, RFC 4034 §2.1.1, marks a key-signing key).
        public var name: String { "\(tag) \(flags & 1 == 1 ? "KSK" : "ZSK")" }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            lhs.tag != rhs.tag ? lhs.tag < rhs.tag : lhs.rdata.lexicographicallyPrecedes(rhs.rdata)
        }

        /// RFC 4034 Appendix B (every algorithm but the retired RSA/MD5, whose tag is taken elsewhere).
        static func keyTag(_ rdata: [UInt8]) -> UInt16 {
            var sum: UInt32 = 0
            for (i, byte) in rdata.enumerated() { sum += i & 1 == 1 ? UInt32(byte) : UInt32(byte) << 8 }
            sum += (sum >> 16) & 0xFFFF
            return UInt16(truncatingIfNeeded: sum)
        }
    }

    /// Reads the records of one transfer as they stream in; `finish` gives the summary.
    public struct Reader: Sendable {
        let origin: DomainName
        var count = 0
        var earliest: (expiration: UInt32, record: ResourceRecord)?
        var latest: (inception: UInt32, record: ResourceRecord)?
        var keys: Set<[UInt8]> = []
        /// RRSIG times are serial numbers: the reader compares them relative to this time.
        let reference: UInt32

        public init(origin: DomainName, now: Date = Date()) {
            self.origin = origin
            self.reference = UInt32(truncatingIfNeeded: Int64(now.timeIntervalSince1970))
        }

        public mutating func add(_ record: ResourceRecord) {
            if record.type == .dnskey, record.owner == origin, record.rdata.count >= 4 {
                keys.insert(record.rdata)
            }
            // Type covered, algorithm, labels, original TTL, expiration, inception, key tag, signer, signature.
            guard record.type == .rrsig, record.rdata.count >= 18 else { return }
            count += 1
            let expiration = Self.uint32(record.rdata, at: 8)
            let inception = Self.uint32(record.rdata, at: 12)
            // Ties go to the first record in canonical order, so every server's copy names the same one
            // whatever order its transfer sent.
            let end = Self.offset(expiration, from: reference)
            if let current = earliest {
                let other = Self.offset(current.expiration, from: reference)
                if end < other || (end == other && Self.precedes(record, current.record)) {
                    earliest = (expiration, record)
                }
            } else {
                earliest = (expiration, record)
            }
            let start = Self.offset(inception, from: reference)
            if let current = latest {
                let other = Self.offset(current.inception, from: reference)
                if start > other || (start == other && Self.precedes(record, current.record)) {
                    latest = (inception, record)
                }
            } else {
                latest = (inception, record)
            }
        }

        /// RFC 4034 §6.1 order of owner names, then the covered type, then the RDATA.
        static func precedes(_ a: ResourceRecord, _ b: ResourceRecord) -> Bool {
            if a.owner != b.owner { return a.owner < b.owner }
            let (x, y) = (Array(a.rdata.prefix(2)), Array(b.rdata.prefix(2)))
            return x != y ? x.lexicographicallyPrecedes(y) : a.rdata.lexicographicallyPrecedes(b.rdata)
        }

        public func finish(observed: Date, zonemd: ZONEMDCheck) -> TransferSignatures {
            func signature(_ record: ResourceRecord) -> Signature {
                let rdata = record.rdata
                return Signature(
                    owner: record.owner.displayName,
                    covered: RecordType(rawValue: UInt16(rdata[0]) << 8 | UInt16(rdata[1])),
                    keyTag: UInt16(rdata[16]) << 8 | UInt16(rdata[17]),
                    inception: Self.date(Self.uint32(rdata, at: 12), near: observed),
                    expiration: Self.date(Self.uint32(rdata, at: 8), near: observed))
            }
            return TransferSignatures(
                observed: observed, signatureCount: count, earliest: earliest.map { signature($0.record) },
                latestInception: latest.map { signature($0.record) }, keys: keys.map(Key.init).sorted(),
                zonemd: zonemd)
        }

        static func uint32(_ bytes: [UInt8], at i: Int) -> UInt32 {
            UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }

        /// Seconds from `reference` to `time` in RFC 1982 arithmetic (within ±68 years).
        static func offset(_ time: UInt32, from reference: UInt32) -> Int64 {
            Int64(Int32(bitPattern: time &- reference))
        }

        /// The absolute time of a 32-bit RRSIG time, taken as the one nearest `now` (RFC 4034 §3.1.5).
        static func date(_ time: UInt32, near now: Date) -> Date {
            let reference = UInt32(truncatingIfNeeded: Int64(now.timeIntervalSince1970))
            return Date(timeIntervalSince1970: Double(Int64(now.timeIntervalSince1970) + offset(time, from: reference)))
        }
    }
}
