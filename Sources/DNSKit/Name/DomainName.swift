/// A domain name in uncompressed wire form (RFC 1035 §3.1), case preserved as written.
///
/// Equality and hashing ignore ASCII case, as RFC 4343 requires; `canonical` gives the
/// lower-cased form used for ordering and digests (RFC 4034 §6.1).
public struct DomainName: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Wire form: length-prefixed labels ending with the zero-length root label.
    public let wire: [UInt8]

    public static let root = DomainName(uncheckedWire: [0])

    /// Longest name on the wire, RFC 1035 §2.3.4.
    public static let maxWireLength = 255
    /// Longest label, RFC 1035 §2.3.4.
    public static let maxLabelLength = 63

    init(uncheckedWire: [UInt8]) { self.wire = uncheckedWire }

    /// Builds a name from wire form, checking label and total lengths.
    public init(wire: [UInt8]) throws(NameError) {
        var i = 0
        while true {
            guard i < wire.count else { throw .malformedWire }
            let length = Int(wire[i])
            if length == 0 {
                guard i == wire.count - 1 else { throw .malformedWire }
                break
            }
            guard length <= Self.maxLabelLength else { throw .labelTooLong(length) }
            i += 1 + length
        }
        guard wire.count <= Self.maxWireLength else { throw .nameTooLong(wire.count) }
        self.wire = wire
    }

    /// Builds a name from labels (each without its length octet), root label implied.
    public init<S: Sequence>(labels: S) throws(NameError) where S.Element: Collection, S.Element.Element == UInt8 {
        var wire: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= Self.maxLabelLength else { throw .labelTooLong(label.count) }
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        wire.append(0)
        guard wire.count <= Self.maxWireLength else { throw .nameTooLong(wire.count) }
        self.wire = wire
    }

    public var isRoot: Bool { wire.count == 1 }

    /// The labels, leftmost first, without the root label.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var i = 0
        while wire[i] != 0 {
            let length = Int(wire[i])
            result.append(wire[(i + 1)..<(i + 1 + length)])
            i += 1 + length
        }
        return result
    }

    public var labelCount: Int {
        var count = 0
        var i = 0
        while wire[i] != 0 {
            count += 1
            i += 1 + Int(wire[i])
        }
        return count
    }

    /// The name with every ASCII upper-case letter lowered (RFC 4034 §6.2).
    public var canonical: DomainName {
        DomainName(uncheckedWire: Self.lowercased(wire))
    }

    /// The name without its leftmost label; the root's parent is nil.
    public var parent: DomainName? {
        guard !isRoot else { return nil }
        return DomainName(uncheckedWire: Array(wire[(1 + Int(wire[0]))...]))
    }

    /// True when `self` equals `other` or lies below it.
    public func isSubdomain(of other: DomainName) -> Bool {
        guard wire.count >= other.wire.count else { return false }
        // Walk label boundaries of self until the remaining suffix has other's length.
        var i = 0
        while wire.count - i > other.wire.count {
            i += 1 + Int(wire[i])
        }
        guard wire.count - i == other.wire.count else { return false }
        return Self.equalIgnoringCase(wire[i...], other.wire[...])
    }

    /// `self` followed by `suffix` (for relative names: `www` + `example.com.`).
    public func appending(_ suffix: DomainName) throws(NameError) -> DomainName {
        var result = Array(wire.dropLast())
        result.append(contentsOf: suffix.wire)
        guard result.count <= Self.maxWireLength else { throw .nameTooLong(result.count) }
        return DomainName(uncheckedWire: result)
    }

    /// The part of `self` above `ancestor`, or nil when `self` is not below it.
    public func relative(to ancestor: DomainName) -> [ArraySlice<UInt8>]? {
        guard isSubdomain(of: ancestor) else { return nil }
        let all = labels
        return Array(all.prefix(all.count - ancestor.labelCount))
    }

    // MARK: presentation format

    /// Presentation format (RFC 1035 §5.1) with a trailing dot; special characters escaped.
    public var description: String {
        if isRoot { return "." }
        var text = ""
        text.reserveCapacity(wire.count + 4)
        var i = 0
        while wire[i] != 0 {
            let length = Int(wire[i])
            for byte in wire[(i + 1)..<(i + 1 + length)] {
                Self.appendEscaped(byte, to: &text)
            }
            text.append(".")
            i += 1 + length
        }
        return text
    }

    static func appendEscaped(_ byte: UInt8, to text: inout String) {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ";"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "@"), UInt8(ascii: "$"):
            text.append("\\")
            text.unicodeScalars.append(Unicode.Scalar(byte))
        case 0x21...0x7E:
            text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            text.append("\\")
            let digits = String(byte)
            text.append(String(repeating: "0", count: 3 - digits.count) + digits)
        }
    }

    // MARK: equality, hashing, canonical order

    public static func == (lhs: DomainName, rhs: DomainName) -> Bool {
        lhs.wire.count == rhs.wire.count && equalIgnoringCase(lhs.wire[...], rhs.wire[...])
    }

    public func hash(into hasher: inout Hasher) {
        for byte in wire { hasher.combine(Self.lower(byte)) }
    }

    /// Canonical DNS name order, RFC 4034 §6.1: compare labels right to left, case folded.
    public static func < (lhs: DomainName, rhs: DomainName) -> Bool {
        compareCanonical(lhs, rhs) < 0
    }

    /// -1, 0 or 1 by RFC 4034 §6.1 canonical order.
    public static func compareCanonical(_ lhs: DomainName, _ rhs: DomainName) -> Int {
        let left = lhs.labelOffsets
        let right = rhs.labelOffsets
        var l = left.count - 1
        var r = right.count - 1
        while l >= 0 && r >= 0 {
            let c = compareLabel(lhs.wire, left[l], rhs.wire, right[r])
            if c != 0 { return c }
            l -= 1
            r -= 1
        }
        if l < 0 && r < 0 { return 0 }
        return l < 0 ? -1 : 1
    }

    var labelOffsets: [Int] {
        var offsets: [Int] = []
        var i = 0
        while wire[i] != 0 {
            offsets.append(i)
            i += 1 + Int(wire[i])
        }
        return offsets
    }

    static func compareLabel(_ a: [UInt8], _ ai: Int, _ b: [UInt8], _ bi: Int) -> Int {
        let al = Int(a[ai])
        let bl = Int(b[bi])
        for k in 0..<min(al, bl) {
            let x = lower(a[ai + 1 + k])
            let y = lower(b[bi + 1 + k])
            if x != y { return x < y ? -1 : 1 }
        }
        if al == bl { return 0 }
        return al < bl ? -1 : 1
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map(lower)
    }

    static func equalIgnoringCase(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { lower($0) == lower($1) }
    }
}

public enum NameError: Error, Sendable, Equatable, CustomStringConvertible {
    case labelTooLong(Int)
    case nameTooLong(Int)
    case emptyLabel
    case malformedWire
    case badEscape(String)

    public var description: String {
        switch self {
        case .labelTooLong(let n): "label of \(n) octets is longer than 63 (RFC 1035 §2.3.4)"
        case .nameTooLong(let n): "name of \(n) octets is longer than 255 (RFC 1035 §2.3.4)"
        case .emptyLabel: "empty label (two dots in a row)"
        case .malformedWire: "malformed name in wire form"
        case .badEscape(let text): "bad escape in name: \(text)"
        }
    }
}
