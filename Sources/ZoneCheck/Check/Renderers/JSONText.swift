/// A JSON document written straight into bytes, laid out as Foundation's `JSONEncoder` lays it out with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`: two spaces per level, `"key" : value`, an
/// empty container as `[`, a blank line, `]`. Consumers of `--format json` keep the bytes they had.
///
/// Why not `JSONEncoder`: on 10,001 zones x 5 servers it built a tree of 600,000 boxed values and took
/// 0.5 s of CPU and 90 MB after the sweep (docs/benchmarks.md). This writes each value once.
///
/// The caller writes an object's keys in ascending order (`sortedKeys`: by Unicode scalars, so `ns10`
/// before `ns2`); `sortedByKey` orders a dictionary's entries that way. `RenderTests` checks a rich
/// report against `JSONSerialization`'s own sorted, pretty output.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    /// Values written so far in each open container, innermost last.
    private var counts: [Int] = []
    /// A key was just written: the next value follows it on the same line.
    private var afterKey = false

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The entries of a dictionary in the order `sortedKeys` writes them.
    static func sortedByKey<Value>(_ dictionary: [String: Value]) -> [(key: String, value: Value)] {
        dictionary.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    mutating func key(_ key: String) {
        startValue()
        appendString(key)
        bytes.append(contentsOf: [0x20, UInt8(ascii: ":"), 0x20])
        afterKey = true
    }

    mutating func string(_ value: String) {
        startValue()
        appendString(value)
    }

    mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    mutating func integer<Value: BinaryInteger>(_ value: Value) {
        startValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func integer<Value: BinaryInteger>(_ value: Value?) {
        if let value { integer(value) } else { null() }
    }

    /// As `JSONEncoder` writes a `Double`: its shortest round-trip form, a whole number without `.0`
    /// (`1`, `0.1`, `1e-07`). Not finite has no JSON form and is written as null.
    mutating func number(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        startValue()
        let text = value.description
        if text.hasSuffix(".0") {
            bytes.append(contentsOf: text.utf8.dropLast(2))
        } else {
            bytes.append(contentsOf: text.utf8)
        }
    }

    mutating func bool(_ value: Bool) {
        startValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func null() {
        startValue()
        bytes.append(contentsOf: "null".utf8)
    }

    /// The line end after the document.
    mutating func newline() { bytes.append(0x0A) }

    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    // MARK: - Layout

    private mutating func open(_ bracket: UInt8) {
        startValue()
        bytes.append(bracket)
        counts.append(0)
    }

    private mutating func close(_ bracket: UInt8) {
        let count = counts.removeLast()
        bytes.append(0x0A)
        if count == 0 { bytes.append(0x0A) }
        indent()
        bytes.append(bracket)
    }

    /// Before any value or key: a value after a key stays on its line; any other starts a new line,
    /// after a comma when its container already holds one.
    private mutating func startValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard !counts.isEmpty else { return }
        if counts[counts.count - 1] > 0 { bytes.append(UInt8(ascii: ",")) }
        counts[counts.count - 1] += 1
        bytes.append(0x0A)
        indent()
    }

    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(0x20, count: 2 * counts.count))
    }

    /// RFC 8259 §7 as `JSONEncoder` escapes: `"` and `\`, the short forms of \b \f \n \r \t, `\u00XX`
    /// for the other control characters; everything else (`/`, DEL, non-ASCII) as is, in UTF-8.
    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
