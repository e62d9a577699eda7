/// TTLs and other unsigned numbers as zone files write them.
enum TTLText {
    /// Largest TTL a record may carry: RFC 2181 §8 ("a value in the range 0 to 2147483647").
    static let maxTTL: UInt64 = 0x7FFF_FFFF

    /// Parses a TTL: plain seconds (`3600`) or BIND's unit form (`1h30m`, `2w`, `1D`), each
    /// number followed by one of `s m h d w` in any case. A trailing number without unit
    /// (`1h30`), an unknown unit (`1h3x`, `6x0`) or no digits at all (`abc`) is rejected, as
    /// BIND's `dns_ttl_fromtext` does; ldns would silently read `6x0` as 6.
    ///
    /// Returns nil when malformed; values above `limit` come back as they are so the caller can
    /// say "too large" rather than "malformed".
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var total: UInt64 = 0
        var current: UInt64 = 0
        var digits = 0
        var sawUnit = false
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                current = current * 10 + UInt64(digit)
                if current > UInt64(UInt32.max) * 10 { current = UInt64(UInt32.max) * 10 }
                digits += 1
                continue
            }
            guard digits > 0 else { return nil }
            let multiplier: UInt64
            switch byte | 0x20 {
            case UInt8(ascii: "s"): multiplier = 1
            case UInt8(ascii: "m"): multiplier = 60
            case UInt8(ascii: "h"): multiplier = 3600
            case UInt8(ascii: "d"): multiplier = 86400
            case UInt8(ascii: "w"): multiplier = 604800
            default: return nil
            }
            total += current * multiplier
            if total > UInt64(UInt32.max) * 10 { total = UInt64(UInt32.max) * 10 }
            current = 0
            digits = 0
            sawUnit = true
        }
        if digits > 0 {
            // Digits after a unit without their own unit: BIND says "bad TTL".
            if sawUnit { return nil }
            return current
        }
        return total
    }

    /// Parses a plain decimal number (no sign, no units); nil if anything else is in it.
    /// Large values saturate just above `UInt32.max` so range errors can still be reported.
    @inline(__always)
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + UInt64(digit)
            if value > 0xFFFF_FFFF_FF { value = 0xFFFF_FFFF_FF }
        }
        return value
    }
}
