/// BIND's `$GENERATE range lhs [ttl] [class] type rhs` (the BIND 9 ARM, "The $GENERATE
/// Directive"): one record per value of the range, as registrars write reverse zones.
///
/// Expanded as BIND's `genname` does: `$` is the value; `${offset,width,base}` adds `offset`,
/// pads to `width` and writes it in base `d`, `o`, `x`, `X`, or as reversed nibble labels (`n`,
/// `N`); `$$` is a literal `$` and `\$` an escaped one (a `\` keeps the next character as it is).
/// A quoted `rhs` loses its quotes, and `\"` inside it becomes `"`, as BIND's lexer reads it.
/// The generated records carry the `$GENERATE` line and go through the same checks as written ones.
extension ZoneFileReader {
    /// Most records one `$GENERATE` may make: a /12 of IPv4 reverse entries.
    public static let maxGenerated = 1 << 20

    struct GenerateRange: Equatable {
        var start: Int
        var stop: Int
        var step: Int
        var count: Int { (stop - start) / step + 1 }
    }

    /// `start-stop` or `start-stop/step`, with 0 <= start <= stop < 2^31 and step >= 1.
    static func generateRange(_ text: String) -> GenerateRange? {
        let (span, stepText) =
            text.firstIndex(of: "/").map { (text[..<$0], Optional(text[text.index(after: $0)...])) }
            ?? (Substring(text), nil)
        let bounds = span.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = Int(bounds[0]), let stop = Int(bounds[1]),
            bounds.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            start >= 0, start <= stop, stop <= Int(Int32.max)
        else { return nil }
        var step = 1
        if let stepText {
            guard let value = Int(stepText), stepText.allSatisfy(\.isNumber), value >= 1, value <= Int(Int32.max)
            else { return nil }
            step = value
        }
        return GenerateRange(start: start, stop: stop, step: step)
    }

    /// `template` with `$` and `${...}` replaced for `value`; nil when a `${...}` is malformed or
    /// the value comes out negative.
    static func generateText(_ template: [UInt8], value: Int) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(template.count + 8)
        var i = 0
        while i < template.count {
            let byte = template[i]
            if byte == UInt8(ascii: "\\") {
                out.append(byte)
                if i + 1 < template.count { out.append(template[i + 1]) }
                i += 2
                continue
            }
            guard byte == UInt8(ascii: "$") else {
                out.append(byte)
                i += 1
                continue
            }
            i += 1
            if i < template.count && template[i] == UInt8(ascii: "$") {
                out.append(UInt8(ascii: "$"))
                i += 1
                continue
            }
            var offset = 0
            var width = 0
            var base = UInt8(ascii: "d")
            if i < template.count && template[i] == UInt8(ascii: "{") {
                guard let close = template[i...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                let fields = template[(i + 1)..<close].split(
                    separator: UInt8(ascii: ","), omittingEmptySubsequences: false
                )
                .map { String(decoding: $0, as: UTF8.self) }
                guard (1...3).contains(fields.count), let parsed = Int(fields[0]), parsed.magnitude <= UInt(Int32.max)
                else {
                    return nil
                }
                offset = parsed
                if fields.count >= 2 {
                    guard let parsedWidth = Int(fields[1]), (0...255).contains(parsedWidth) else { return nil }
                    width = parsedWidth
                }
                if fields.count == 3 {
                    guard fields[2].utf8.count == 1, let letter = fields[2].utf8.first, "doxXnN".utf8.contains(letter)
                    else { return nil }
                    base = letter
                }
                i = close + 1
            }
            let number = value + offset
            guard number >= 0 else { return nil }
            out.append(contentsOf: format(number, width: width, base: base).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func format(_ number: Int, width: Int, base: UInt8) -> String {
        switch base {
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            // BIND's nibbles(): lowest nibble first, dot-separated; width counts digits and dots.
            let digits = Array((base == UInt8(ascii: "n") ? "0123456789abcdef" : "0123456789ABCDEF").utf8)
            var text: [UInt8] = []
            var value = number
            var remaining = width
            repeat {
                text.append(digits[value & 0xF])
                value >>= 4
                if remaining > 0 { remaining -= 1 }
                if remaining > 0 || value != 0 {
                    text.append(UInt8(ascii: "."))
                    if remaining > 0 { remaining -= 1 }
                }
            } while value != 0 || remaining > 0
            return String(decoding: text, as: UTF8.self)
        default:
            let radix = base == UInt8(ascii: "o") ? 8 : base == UInt8(ascii: "d") ? 10 : 16
            let digits = String(number, radix: radix, uppercase: base == UInt8(ascii: "X"))
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
    }

    /// The token's octets as BIND's lexer hands them on: a quoted string without its quotes,
    /// `\"` made `"`.
    func generateTemplate(_ bytes: UnsafeBufferPointer<UInt8>, _ token: ZoneToken) -> [UInt8] {
        let raw = slice(bytes, token)
        guard token.isQuoted else { return Array(raw) }
        var out: [UInt8] = []
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\") && i + 1 < raw.count && raw[i + 1] == UInt8(ascii: "\"") {
                out.append(UInt8(ascii: "\""))
                i += 2
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return out
    }

    func generate(
        _ tokens: [ZoneToken], bytes: UnsafeBufferPointer<UInt8>, line: Int, file: String,
        _ body: (ParsedRecord) throws -> Void
    ) rethrows {
        let usage =
            "write '$GENERATE start-stop[/step] lhs [ttl] [class] type rhs', like '$GENERATE 1-254 $ PTR host-$.example.com.'"
        let arguments = Array(tokens.dropFirst())
        guard (4...6).contains(arguments.count) else {
            error("directive", file, line, "$GENERATE takes 4 to 6 fields, not \(arguments.count); \(usage)")
            return
        }
        guard !arguments[0].isQuoted, let range = Self.generateRange(text(bytes, arguments[0])) else {
            error(
                "directive", file, line,
                "$GENERATE range '\(text(bytes, arguments[0]))' is not start-stop[/step] with start <= stop; \(usage)")
            return
        }
        guard range.count <= Self.maxGenerated else {
            error(
                "directive", file, line,
                "$GENERATE range \(text(bytes, arguments[0])) makes \(range.count) records, more than the "
                    + "\(Self.maxGenerated) this reader expands; split it into several $GENERATE lines")
            return
        }
        let lhs = generateTemplate(bytes, arguments[0 + 1])
        let rhs = generateTemplate(bytes, arguments[arguments.count - 1])
        let middle = arguments[2..<(arguments.count - 1)].map { String(decoding: slice(bytes, $0), as: UTF8.self) }
        let savedOwner = lastOwner
        let savedOwnerInvalid = ownerInvalid
        defer {
            lastOwner = savedOwner
            ownerInvalid = savedOwnerInvalid
        }
        var value = range.start
        while value <= range.stop {
            defer { value += range.step }
            guard let owner = Self.generateText(lhs, value: value), let data = Self.generateText(rhs, value: value)
            else {
                error(
                    "directive", file, line,
                    "$GENERATE has a malformed ${offset,width,base} (base one of d o x X n N) or a negative value "
                        + "at \(value); \(usage)")
                return
            }
            let contents = ZoneFileContents(copying: ([owner] + middle + [data]).joined(separator: " ").utf8)
            var lexer = ZoneFileLexer(bytes: contents.buffer)
            var generated: [ZoneToken] = []
            var problem: LexProblem? = nil
            let entry = lexer.next(into: &generated, report: { problem = problem ?? $0 })
            if let problem {
                error(problem.rule, file, line, "$GENERATE at \(value): \(problem.message)")
                return
            }
            guard entry != nil else { return }
            let logical = LogicalLine(line: line, startsWithBlank: false)
            let outcome = generated.withUnsafeBufferPointer { tokens in
                Result { () throws(RecordRejection) in
                    try record(tokens, bytes: contents.buffer, logical: logical, file: file)
                }
            }
            switch outcome {
            case .success(let record?):
                recordCount += 1
                try body(ParsedRecord(record: record, location: SourceLocation(file: file, line: line)))
            case .success(nil):
                break
            case .failure(let rejection):
                // One error per $GENERATE line: the same mistake would repeat for every value.
                error(rejection.rule, file, line, "$GENERATE at \(value) (\(owner) ... \(data)): \(rejection.message)")
                return
            }
        }
    }
}
