/// What one copy of a zone holds, in a form two copies can be compared by: record counts per
/// type and a content digest (RFC 8976 SIMPLE scheme, SHA-384), whether the copy came from a
/// file on disk or an AXFR stream.
public struct ZoneSummary: Sendable, Equatable {
    public var origin: DomainName
    /// The apex SOA, nil when the zone has none.
    public var soa: SOA?
    /// Records at or below the origin after duplicate removal, the apex ZONEMD RRset included.
    public var recordCount: Int
    public var countsByType: [RecordType: Int]
    /// SHA-384 over the zone in canonical order, exactly as a ZONEMD record (scheme 1,
    /// hash algorithm 1) for this zone would carry it.
    public var digest: [UInt8]
    /// What the zone's own apex ZONEMD record says about `digest`.
    public var zonemd: ZONEMDCheck

    public init(
        origin: DomainName, soa: SOA?, recordCount: Int, countsByType: [RecordType: Int], digest: [UInt8],
        zonemd: ZONEMDCheck
    ) {
        self.origin = origin
        self.soa = soa
        self.recordCount = recordCount
        self.countsByType = countsByType
        self.digest = digest
        self.zonemd = zonemd
    }

    /// The digest in lower-case hex, as ZONEMD presentation format writes it.
    public var digestHex: String { Self.hex(digest) }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The outcome of checking a zone's apex ZONEMD RRset against the computed digest
/// (RFC 8976 §4, verification).
public enum ZONEMDCheck: Sendable, Equatable {
    /// No ZONEMD record at the apex.
    case absent
    /// Every apex ZONEMD record with a scheme and hash algorithm known here matches.
    case verified
    /// A known ZONEMD record carries another digest (hex, lower case) than the zone gives.
    case mismatch(expected: String, computed: String)
    /// Only records with schemes or hash algorithms not implemented here (the first one named).
    case unsupported(scheme: UInt8, algorithm: UInt8)
    /// The ZONEMD serial is not the SOA serial, which RFC 8976 §4 counts as a failed verification,
    /// typically because the zone was edited and its serial raised without a new digest.
    case staleSerial(zonemd: Serial, soa: Serial)
}
