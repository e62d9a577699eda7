#if canImport(Glibc)
    import Glibc
#endif

/// Presentation of the RDATA of the types libldns 1.8 does not know (DSYNC, HHIT, BRID, NINFO, AVC, DOA,
/// AMTRELAY, RESINFO, WALLET: it would print them as `TYPEnnn \# ...`) or prints wrongly (ATMA: the format
/// octet as part of the address, E.164 in hex; NXT: its bit map in generic form), in the form BIND writes
/// and the zone file reader reads back (`RDATAText+Rare.swift`). RDATA that does not hold the type's fields
/// exactly (a secondary may serve anything) gives nil, and the caller falls back to libldns, then to RFC
/// 3597's `\# length hex`.
extension ResourceRecord {
    func ownRDATAText() -> String? {
        var reader = RDATACursor(rdata)
        var fields: [String] = []
        switch type.rawValue {
        case 56, 258, 261, 262:  // NINFO, AVC, RESINFO, WALLET: character-strings, at least one
            repeat {
                guard let text = reader.characterString() else { return nil }
                fields.append(text)
            } while !reader.atEnd
        case 66:  // DSYNC, RFC 9859: type, scheme, port, target
            guard let covered = reader.uint16(), let scheme = reader.uint8(), let port = reader.uint16(),
                let target = reader.name()
            else { return nil }
            fields = [
                RecordType(rawValue: covered).description, scheme == 1 ? "NOTIFY" : "\(scheme)", "\(port)", target,
            ]
        case 67, 68:  // HHIT, BRID: opaque, base64
            guard !rdata.isEmpty else { return nil }
            return Base64.encode(rdata)
        case 259:  // DOA: enterprise, type, location, media type, data (or -)
            guard let enterprise = reader.uint32(), let doaType = reader.uint32(), let location = reader.uint8(),
                let media = reader.characterString()
            else { return nil }
            let data = reader.rest()
            return "\(enterprise) \(doaType) \(location) \(media) \(data.isEmpty ? "-" : Base64.encode(data))"
        case 260:  // AMTRELAY, RFC 8777: precedence, D bit, relay type, relay
            guard let precedence = reader.uint8(), let flags = reader.uint8() else { return nil }
            let relayType = flags & 0x7F
            fields = ["\(precedence)", "\(flags >> 7)", "\(relayType)"]
            switch relayType {
            case 0: fields.append(".")
            case 1:
                guard let address = reader.bytes(4) else { return nil }
                fields.append(Self.addressText(address, family: AF_INET) ?? "")
            case 2:
                guard let address = reader.bytes(16) else { return nil }
                fields.append(Self.addressText(address, family: AF_INET6) ?? "")
            case 3:
                guard let relay = reader.name() else { return nil }
                fields.append(relay)
            default: return nil
            }
        case 34:  // ATMA: format 0, an AESA in hex; format 1, E.164 digits after a +
            guard let format = reader.uint8(), format <= 1 else { return nil }
            let address = reader.rest()
            guard !address.isEmpty else { return nil }
            if format == 0 { return address.map { String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined() }
            guard address.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
            return "+" + String(decoding: address, as: UTF8.self)
        case 30:  // NXT, RFC 2535 §5.2: next name, then one bit map of the types 1-127
            guard let next = reader.name() else { return nil }
            let bitmap = reader.rest()
            guard bitmap.count <= 16, bitmap.first.map({ $0 & 0x80 == 0 }) ?? true else { return nil }
            fields = [next]
            for (octet, bits) in bitmap.enumerated() {
                for bit in 0..<8 where bits & (0x80 >> UInt8(bit)) != 0 {
                    fields.append(RecordType(rawValue: UInt16(octet * 8 + bit)).description)
                }
            }
        default:
            return nil
        }
        guard reader.atEnd, !fields.contains(where: \.isEmpty) else { return nil }
        return fields.joined(separator: " ")
    }

    /// An address as `inet_ntop` writes it (`192.0.2.1`, `2001:db8::1`).
    static func addressText(_ bytes: ArraySlice<UInt8>, family: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        let written = Array(bytes).withUnsafeBytes { address in
            inet_ntop(family, address.baseAddress, &buffer, socklen_t(buffer.count))
        }
        return written == nil
            ? nil : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Reads RDATA fields front to back; every read checks the length first and gives nil past the end.
struct RDATACursor {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count <= bytes.count - position else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func uint8() -> UInt8? { bytes(1).map { $0[$0.startIndex] } }

    mutating func uint16() -> UInt16? {
        bytes(2).map { UInt16($0[$0.startIndex]) << 8 | UInt16($0[$0.startIndex + 1]) }
    }

    mutating func uint32() -> UInt32? {
        guard let high = uint16(), let low = uint16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return Array(bytes[position...])
    }

    /// RFC 1035 §3.3 <character-string>, quoted: `"` and `\` escaped, octets outside printable ASCII as
    /// `\DDD`.
    mutating func characterString() -> String? {
        guard let length = uint8(), let text = bytes(Int(length)) else { return nil }
        var out = "\""
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7E: out.unicodeScalars.append(UnicodeScalar(byte))
            default: out += "\\" + String(repeating: "0", count: byte < 10 ? 2 : byte < 100 ? 1 : 0) + "\(byte)"
            }
        }
        return out + "\""
    }

    /// An uncompressed domain name (the newer types never compress theirs), in presentation form.
    mutating func name() -> String? {
        var end = position
        while end < bytes.count, bytes[end] != 0 { end += 1 + Int(bytes[end]) }
        guard end < bytes.count, let wire = self.bytes(end + 1 - position),
            let name = try? DomainName(wire: Array(wire))
        else { return nil }
        return name.description
    }
}
