import Foundation

/// The textual forms of IP addresses a server may be given as, read without the C library so the product
/// layer stays free of C. Returns the address bytes (4 or 16), used to find two servers on one address:port
/// however they were written (`2001:db8::1` and `2001:DB8:0::1` are the same server).
enum AddressSyntax {
    /// Dotted-quad IPv4: four decimal octets 0-255, no leading zeros (`010` is octal to some tools).
    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// RFC 4291 §2.2 text forms: eight 16-bit hex groups, one `::` for a run of zero groups, optionally
    /// ending in a dotted-quad IPv4 address. Zone indexes (`fe80::1%eth0`) are not accepted.
    static func ipv6(_ text: Substring) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        sawGap = halves.count == 2

        func groups(_ part: String, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if allowIPv4 && index == fields.count - 1 && field.contains(".") {
                    guard let v4 = ipv4(field) else { return nil }
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(field.count), field.allSatisfy({ $0.isHexDigit }),
                    let value = UInt16(field, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }

        if sawGap {
            guard let h = groups(halves[0], allowIPv4: false), let t = groups(halves[1], allowIPv4: true) else {
                return nil
            }
            head = h
            tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard let all = groups(halves[0], allowIPv4: true), all.count == 8 else { return nil }
            head = all
        }
        let words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// IPv4 or IPv6 address bytes, or nil when the text is neither.
    static func address(_ text: String) -> [UInt8]? {
        ipv4(Substring(text)) ?? ipv6(Substring(text))
    }
}
