/// Text from a zone file made safe to print: a message never carries a control byte of the
/// file (a terminal escape sequence, a carriage return that hides the start of a line, a
/// bidirectional override), whatever the file holds.
enum PrintableText {
    /// `bytes` as text, with every octet outside printable ASCII written `\DDD` as in a zone file.
    static func escaping(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var text = ""
        text.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\" + threeDigits(byte)
            }
        }
        return text
    }

    /// `text` with its control characters (C0, DEL, C1) and bidirectional controls written `\DDD`
    /// per UTF-8 octet; everything else is kept.
    static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                for byte in String(scalar).utf8 { result += "\\" + threeDigits(byte) }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func threeDigits(_ byte: UInt8) -> String {
        let digits = String(byte)
        return String(repeating: "0", count: 3 - digits.count) + digits
    }
}
