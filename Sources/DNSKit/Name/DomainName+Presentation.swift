extension DomainName {
    /// Parses a name in presentation format, RFC 1035 §5.1.
    ///
    /// - `a.b.` is absolute; `www` is relative and gets `origin` appended (the root when
    ///   `origin` is nil); `@` alone is the origin itself; `.` is the root.
    /// - `\X` stands for the character X (so `\.` is a dot inside a label) and `\DDD` for the
    ///   octet with decimal value DDD (exactly three digits, at most 255).
    /// - Letters keep the case they were written in; equality ignores it (RFC 4343).
    ///
    /// Throws `NameError` for an empty label (`a..b`, `.a`), a label over 63 octets, a name over
    /// 255 octets (RFC 1035 §2.3.4) and a bad escape.
    public init(presentation text: String, origin: DomainName?) throws(NameError) {
        var text = text
        let result: Result<DomainName, NameError> = text.withUTF8 { bytes in
            do throws(NameError) {
                return .success(try DomainName.parsePresentation(bytes, origin: origin))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// A zone name as an operator types it (command line, configuration, named.conf): with or
    /// without the final dot, always absolute. `example.com` and `example.com.` are the same
    /// zone. There is no origin, so `@` is an ordinary label here, and an empty text is the root.
    ///
    /// Throws `NameError` as `init(presentation:origin:)` does.
    public init(zoneName text: String) throws(NameError) {
        try self.init(presentation: text.hasSuffix(".") ? text : text + ".", origin: nil)
    }

    /// Byte-level parser shared with the zone-file reader (no `String` per name).
    static func parsePresentation(_ bytes: UnsafeBufferPointer<UInt8>, origin: DomainName?) throws(NameError)
        -> DomainName
    {
        if bytes.count == 1 && bytes[0] == UInt8(ascii: "@") { return origin ?? .root }
        var wire: [UInt8] = []
        wire.reserveCapacity(bytes.count + 2 + (origin?.wire.count ?? 0))
        let absolute = try appendPresentation(bytes, to: &wire)
        if absolute {
            return DomainName(uncheckedWire: wire)
        }
        let suffix = origin?.wire ?? [0]
        // Drop the root label `appendPresentation` wrote, then append the origin's labels.
        wire.removeLast()
        wire.append(contentsOf: suffix)
        guard wire.count <= maxWireLength else { throw .nameTooLong(wire.count) }
        return DomainName(uncheckedWire: wire)
    }

    /// Appends the wire form of a presentation name to `out`, ending with a root label.
    /// Returns true when the text was absolute (ended with an unescaped dot).
    ///
    /// `@` is not handled here: it is only special as a whole token, which the callers check.
    @discardableResult
    static func appendPresentation(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) throws(NameError)
        -> Bool
    {
        let start = out.count
        let count = bytes.count
        if count == 0 { throw .emptyLabel }
        if count == 1 && bytes[0] == UInt8(ascii: ".") {
            out.append(0)
            return true
        }
        var lengthIndex = out.count
        out.append(0)
        var labelLength = 0
        var i = 0
        var endedWithDot = false
        while i < count {
            var byte = bytes[i]
            endedWithDot = false
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { throw .emptyLabel }
                out[lengthIndex] = UInt8(labelLength)
                lengthIndex = out.count
                out.append(0)
                labelLength = 0
                i += 1
                endedWithDot = true
                continue
            }
            if byte == UInt8(ascii: "\\") {
                guard i + 1 < count else { throw .badEscape(String(decoding: bytes, as: UTF8.self)) }
                let next = bytes[i + 1]
                if next &- UInt8(ascii: "0") < 10 {
                    guard i + 3 < count,
                        bytes[i + 2] &- UInt8(ascii: "0") < 10, bytes[i + 3] &- UInt8(ascii: "0") < 10
                    else { throw .badEscape(String(decoding: bytes, as: UTF8.self)) }
                    let value =
                        Int(next - UInt8(ascii: "0")) * 100 + Int(bytes[i + 2] - UInt8(ascii: "0")) * 10
                        + Int(bytes[i + 3] - UInt8(ascii: "0"))
                    guard value <= 255 else { throw .badEscape(String(decoding: bytes, as: UTF8.self)) }
                    byte = UInt8(value)
                    i += 4
                } else {
                    byte = next
                    i += 2
                }
            } else {
                i += 1
            }
            labelLength += 1
            guard labelLength <= maxLabelLength else { throw .labelTooLong(labelCountingOn(bytes, from: i)) }
            out.append(byte)
        }
        if endedWithDot {
            // The dot already opened an empty (root) label: that is the terminator.
            guard out.count - start <= maxWireLength else { throw .nameTooLong(out.count - start) }
            return true
        }
        out[lengthIndex] = UInt8(labelLength)
        out.append(0)
        guard out.count - start <= maxWireLength else { throw .nameTooLong(out.count - start) }
        return false
    }

    /// For the error message only: how long the overlong label really is (escapes count once).
    private static func labelCountingOn(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var length = maxLabelLength + 1
        var i = index
        while i < bytes.count && bytes[i] != UInt8(ascii: ".") {
            if bytes[i] == UInt8(ascii: "\\") {
                i += (i + 1 < bytes.count && bytes[i + 1] &- UInt8(ascii: "0") < 10) ? 4 : 2
            } else {
                i += 1
            }
            length += 1
        }
        return length
    }
}
