/// The fixed fields of an RRSIG record's RDATA, RFC 4034 §3.1:
///
///     TYPE COVERED(16) ALGORITHM(8) LABELS(8) ORIGINAL TTL(32) EXPIRATION(32) INCEPTION(32) KEY TAG(16)
///     SIGNER'S NAME   SIGNATURE
///
/// Only what a check reads: which type is covered, the validity window and the key. The signature itself
/// is not verified (zonecheck compares copies; validating is a resolver's job).
public struct RRSIG: Sendable, Hashable {
    public var typeCovered: RecordType
    public var algorithm: UInt8
    public var labels: UInt8
    public var originalTTL: UInt32
    /// Seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5): resolve with `time(_:near:)`.
    public var expiration: UInt32
    public var inception: UInt32
    public var keyTag: UInt16
    public var signer: DomainName

    /// Parses RRSIG RDATA; nil when it is shorter than its fixed fields or the signer's name is malformed.
    public init?(rdata: [UInt8]) {
        guard rdata.count > 18 else { return nil }
        func u32(_ at: Int) -> UInt32 {
            UInt32(rdata[at]) << 24 | UInt32(rdata[at + 1]) << 16 | UInt32(rdata[at + 2]) << 8 | UInt32(rdata[at + 3])
        }
        typeCovered = RecordType(rawValue: rdata.uint16(at: 0))
        algorithm = rdata[2]
        labels = rdata[3]
        originalTTL = u32(4)
        expiration = u32(8)
        inception = u32(12)
        keyTag = rdata.uint16(at: 16)
        var i = 18
        guard let signer = SOA.name(in: rdata, at: &i) else { return nil }
        self.signer = signer
    }

    /// An RRSIG time as seconds since 1970: RFC 4034 §3.1.5 compares these 32-bit values with serial
    /// number arithmetic (RFC 1982), so the value is the one within 68 years of `now` (valid past 2106).
    public static func time(_ value: UInt32, near now: Int64) -> Int64 {
        now + Int64(Int32(bitPattern: value &- UInt32(truncatingIfNeeded: now)))
    }
}

extension ResourceRecord {
    /// The RRSIG fields when this is a well-formed RRSIG record.
    public var rrsig: RRSIG? {
        guard type == .rrsig else { return nil }
        return RRSIG(rdata: rdata)
    }
}
