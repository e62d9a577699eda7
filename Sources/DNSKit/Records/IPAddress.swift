#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address read from text: the one address parser of the project (zone files' A and AAAA
/// records, the configuration's `servers[].address`, the transport's endpoints).
///
/// The rules are glibc's `inet_pton`: IPv4 as four decimal parts 0-255 without leading zeros (`010` is octal
/// to some tools), nothing else; IPv6 in the RFC 4291 §2.2 text forms (one `::`, an optional dotted-quad
/// tail), no zone index (`fe80::1%eth0`) and no brackets. The bytes compare two spellings of one address
/// (`2001:db8::1` and `2001:DB8:0::1` are the same server).
public struct IPAddress: Sendable, Hashable {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public let bytes: [UInt8]

    /// The address `text` spells, or nil when it is neither an IPv4 nor an IPv6 address.
    public init?(_ text: String) {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        guard Self.appendIPv4(utf8, to: &bytes) || Self.appendIPv6(utf8, to: &bytes) else { return nil }
        self.bytes = bytes
    }

    public var isIPv6: Bool { bytes.count == 16 }

    /// Appends the 4 bytes of the dotted-quad IPv4 address `text` to `out`; false (and `out` unchanged) when
    /// `text` is not one. Allocation-free: the zone file reader calls it for every A record.
    static func appendIPv4<Text: Collection<UInt8>>(_ text: Text, to out: inout [UInt8]) -> Bool {
        var octets: (UInt8, UInt8, UInt8) = (0, 0, 0)
        var parts = 0
        var value = 0
        var digits = 0
        for byte in text {
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                if digits > 0 && value == 0 { return false }
                value = value * 10 + Int(digit)
                digits += 1
                if value > 255 { return false }
            } else if byte == UInt8(ascii: ".") && digits > 0 && parts < 3 {
                switch parts {
                case 0: octets.0 = UInt8(value)
                case 1: octets.1 = UInt8(value)
                default: octets.2 = UInt8(value)
                }
                parts += 1
                value = 0
                digits = 0
            } else {
                return false
            }
        }
        guard parts == 3, digits > 0 else { return false }
        out.append(octets.0)
        out.append(octets.1)
        out.append(octets.2)
        out.append(UInt8(value))
        return true
    }

    /// Appends the 16 bytes of the IPv6 address `text` to `out`; false (and `out` unchanged) when `text` is
    /// not one. Read by the C library's `inet_pton(AF_INET6)` from a bounded copy (no address is longer than
    /// 45 characters).
    static func appendIPv6<Text: Collection<UInt8>>(_ text: Text, to out: inout [UInt8]) -> Bool {
        let count = text.count
        guard count < 64 else { return false }
        var parsed = false
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { copy in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { address in
                var i = 0
                for byte in text {
                    guard byte != 0 else { return }
                    copy[i] = CChar(bitPattern: byte)
                    i += 1
                }
                copy[count] = 0
                if inet_pton(AF_INET6, copy.baseAddress, address.baseAddress) == 1 {
                    out.append(contentsOf: address)
                    parsed = true
                }
            }
        }
        return parsed
    }
}
