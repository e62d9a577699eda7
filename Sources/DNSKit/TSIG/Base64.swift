/// Base64 (RFC 4648 §4), as key files carry TSIG secrets. Strict: padding must be right,
/// whitespace is allowed between groups (BIND accepts secrets split over lines).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func decode(_ text: String) -> [UInt8]? {
        var symbols: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "="):
                padding += 1
            default:
                guard padding == 0, values[Int(byte)] != 0xFF else { return nil }
                symbols.append(values[Int(byte)])
            }
        }
        guard (symbols.count + padding) % 4 == 0, padding <= 2 else { return nil }
        guard padding == 0 || (symbols.count % 4) + padding == 4 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var i = 0
        while i + 4 <= symbols.count {
            let n =
                UInt32(symbols[i]) << 18 | UInt32(symbols[i + 1]) << 12 | UInt32(symbols[i + 2]) << 6
                | UInt32(symbols[i + 3])
            out.append(UInt8(n >> 16))
            out.append(UInt8((n >> 8) & 0xFF))
            out.append(UInt8(n & 0xFF))
            i += 4
        }
        switch symbols.count - i {
        case 0: break
        case 2:
            let n = UInt32(symbols[i]) << 18 | UInt32(symbols[i + 1]) << 12
            guard n & 0xFFFF == 0 else { return nil }
            out.append(UInt8(n >> 16))
        case 3:
            let n = UInt32(symbols[i]) << 18 | UInt32(symbols[i + 1]) << 12 | UInt32(symbols[i + 2]) << 6
            guard n & 0xFF == 0 else { return nil }
            out.append(UInt8(n >> 16))
            out.append(UInt8((n >> 8) & 0xFF))
        default: return nil
        }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let remaining = bytes.count - i
            let b0 = UInt32(bytes[i])
            let b1 = remaining > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(remaining > 1 ? alphabet[Int((n >> 6) & 63)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
