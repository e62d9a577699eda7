/// A zone's SOA serial number with RFC 1982 sequence space arithmetic (SERIAL_BITS = 32).
///
/// RFC 1982 §3.2: "s1 is said to be less than s2 if, and only if, s1 is not equal to s2, and
/// (i1 < i2 and (i2 - i1) < 2^(SERIAL_BITS - 1)) or (i1 > i2 and (i1 - i2) > 2^(SERIAL_BITS - 1))".
/// It goes on: "Note that there are some pairs of values s1 and s2 for which s1 is not equal to
/// s2, but for which s1 is neither greater than, nor less than, s2" — the pairs exactly 2^31 apart.
///
/// That is why `Serial` is deliberately not `Comparable`: `<` would have to answer false both ways
/// for such a pair, which breaks the strict weak ordering `sort` and `max` rely on, and quietly
/// picks a "newer" copy of a zone when the truth is "nobody can tell". `compare(to:)` returns
/// `.undefined` instead, and callers must decide (zonecheck never repairs on an undefined order).
public struct Serial: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }

    /// Half the sequence space, 2^(SERIAL_BITS - 1).
    static let half: UInt32 = 1 << 31

    /// RFC 1982 §3.2 comparison of `self` against `other`.
    public func compare(to other: Serial) -> SerialOrder {
        if rawValue == other.rawValue { return .equal }
        // Forward distance in sequence space: how far `other` is ahead of `self`, modulo 2^32.
        let ahead = other.rawValue &- rawValue
        if ahead < Self.half { return .less }
        if ahead > Self.half { return .greater }
        return .undefined
    }

    /// RFC 1982 §3.1 addition: "Serial numbers may be incremented by the addition of a positive
    /// integer n, where n is taken from the range of integers [0 .. (2^(SERIAL_BITS - 1) - 1)]",
    /// the result taken modulo 2^SERIAL_BITS.
    public static func + (lhs: Serial, rhs: UInt32) -> Serial {
        precondition(rhs < half, "RFC 1982 §3.1: a serial may only be increased by at most 2^31 - 1")
        return Serial(lhs.rawValue &+ rhs)
    }

    /// How many increments lead from `self` to `later` when `later` is equal to or greater than
    /// `self` (RFC 1982 §3.2); nil when it is less or the order is undefined.
    public func distance(to later: Serial) -> UInt32? {
        switch compare(to: later) {
        case .less, .equal: later.rawValue &- rawValue
        case .greater, .undefined: nil
        }
    }

    /// The serial read as `YYYYMMDDnn` (the convention of RFC 1912 §2.2), when its ten digits
    /// hold a real calendar date between 1990 and 2199.
    public var dateStyle: DateSerial? { DateSerial(serial: self) }

    /// The serial to publish after this one.
    ///
    /// Date style: `YYYYMMDD00` of `today` when that is greater, else `self + 1` (same day: the
    /// revision goes up; serial already ahead of today: still + 1). After revision 99 the + 1
    /// rolls into the next day's date; the caller sees it because `dateStyle` no longer names
    /// today. Anything else is a plain counter: `self + 1`, wrapping at 2^32 as RFC 1982 allows.
    public func next(today: DateSerial.Day) -> Serial {
        let successor = self + 1
        guard dateStyle != nil else { return successor }
        let first = DateSerial(day: today, revision: 0).serial
        return first.compare(to: successor) == .greater ? first : successor
    }

    public var description: String { String(rawValue) }
}

/// The outcome of an RFC 1982 §3.2 comparison: `s1.compare(to: s2)` reads "s1 is ... s2".
public enum SerialOrder: Sendable, Equatable {
    case less
    case equal
    case greater
    /// Exactly 2^31 apart: RFC 1982 leaves the order undefined.
    case undefined
}
