#if canImport(Glibc)
    import Glibc
#endif

/// The rarer types read here rather than by libldns, because libldns accepts what their RFCs and BIND
/// refuse (measured against `named-checkzone` 9.18): LOC 91 degrees north or 60 minutes, an APL prefix of
/// /33, a CERT algorithm of 300 or a WKS protocol named FOO all became a record; and the types libldns does
/// not know at all (DSYNC, HHIT, BRID, NINFO, AVC, DOA, AMTRELAY, RESINFO, WALLET), which BIND loads, were
/// refused as unknown. Each form is the one BIND reads, and each record gets the wire BIND serves for it
/// (`RareTypesTests`: every refusal beside named-checkzone's, every record beside BIND's AXFR of it;
/// `BINDCrossCheckTests`: the same records as `named-compilezone` writes out).
extension RDATAText {
    // MARK: LOC, RFC 1876 §3

    /// `d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [siz[m] [hp[m] [vp[m]]]]`.
    mutating func location() throws(RecordRejection) {
        let latitude = try coordinate(
            "latitude", maxDegrees: 90, positive: UInt8(ascii: "N"), negative: UInt8(ascii: "S"))
        let longitude = try coordinate(
            "longitude", maxDegrees: 180, positive: UInt8(ascii: "E"), negative: UInt8(ascii: "W"))
        let altitude = try meters("altitude", signed: true, range: -10_000_000...4_284_967_295)
        var precisions: [Int64] = [100, 1_000_000, 1_000]  // RFC 1876's defaults: 1m, 10000m, 10m
        for (slot, what) in ["size", "horizontal precision", "vertical precision"].enumerated() where hasMore {
            precisions[slot] = try meters(what, signed: false, range: 0...9_000_000_000)
        }
        out.append(0)  // VERSION
        for centimetres in precisions { out.append(Self.precision(centimetres)) }
        appendUInt32(UInt64(latitude))
        appendUInt32(UInt64(longitude))
        appendUInt32(UInt64(altitude + 10_000_000))
    }

    /// RFC 1876 §2's size and precision octet: a digit times a power of ten centimetres, truncated as the
    /// RFC's own code (and BIND) does it: 15m is stored as 10m.
    static func precision(_ centimetres: Int64) -> UInt8 {
        var exponent: Int64 = 0
        var power: Int64 = 1
        while exponent < 9 && centimetres >= power * 10 {
            exponent += 1
            power *= 10
        }
        return UInt8(min(9, centimetres / power) << 4 | exponent)
    }

    /// Degrees, optional minutes and seconds, then the hemisphere: thousandths of an arc second from
    /// 2^31, the equator or prime meridian.
    private mutating func coordinate(
        _ what: String, maxDegrees: Int64, positive: UInt8, negative: UInt8
    ) throws(RecordRejection) -> Int64 {
        let degrees = try Int64(number("\(what) degrees", max: UInt64(maxDegrees)))
        var minutes: Int64 = 0
        var milliseconds: Int64 = 0
        if hasMore, !isHemisphere(tokens[index], positive, negative) {
            minutes = try Int64(number("\(what) minutes", max: 59))
            if hasMore, !isHemisphere(tokens[index], positive, negative) {
                let token = try next("\(what) seconds")
                guard let value = Self.decimal(slice(token), fractionDigits: 3, signed: false, unit: nil),
                    !token.isQuoted
                else {
                    throw RecordRejection(
                        rule: "rdata", line: token.line,
                        message:
                            "\(type) \(what) seconds must be a number like 23 or 23.125 (at most three decimals), not '\(text(token))'"
                    )
                }
                guard value < 60_000 else {
                    throw RecordRejection(
                        rule: "range", line: token.line,
                        message: "\(type) \(what) seconds \(text(token)) is out of range 0...59.999")
                }
                milliseconds = value
            }
        }
        let hemisphere = try next("\(what) hemisphere")
        let letters = String(decoding: [positive], as: UTF8.self) + " or " + String(decoding: [negative], as: UTF8.self)
        guard isHemisphere(hemisphere, positive, negative) else {
            throw RecordRejection(
                rule: "rdata", line: hemisphere.line,
                message: "\(type) \(what) must end with \(letters) (upper case), not '\(text(hemisphere))'")
        }
        let total = ((degrees * 60 + minutes) * 60) * 1000 + milliseconds
        guard total <= maxDegrees * 3_600_000 else {
            throw RecordRejection(
                rule: "range", line: hemisphere.line,
                message: "\(type) \(what) is beyond \(maxDegrees) degrees; check the degrees, minutes and seconds")
        }
        return slice(hemisphere)[0] == positive ? (1 << 31) + total : (1 << 31) - total
    }

    private func isHemisphere(_ token: ZoneToken, _ positive: UInt8, _ negative: UInt8) -> Bool {
        let raw = slice(token)
        return !token.isQuoted && raw.count == 1 && (raw[0] == positive || raw[0] == negative)
    }

    /// A length in metres with at most two decimals and an optional `m`, in centimetres.
    private mutating func meters(
        _ what: String, signed: Bool, range: ClosedRange<Int64>
    ) throws(RecordRejection) -> Int64 {
        let token = try next(what)
        guard !token.isQuoted,
            let value = Self.decimal(slice(token), fractionDigits: 2, signed: signed, unit: UInt8(ascii: "m"))
        else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) \(what) must be metres like 10m or 2.50m (at most two decimals), not '\(text(token))'"
            )
        }
        guard range.contains(value) else {
            let low = Double(range.lowerBound) / 100
            let high = Double(range.upperBound) / 100
            throw RecordRejection(
                rule: "range", line: token.line,
                message: "\(type) \(what) \(text(token)) is out of range \(low)m...\(high)m (RFC 1876 §2)")
        }
        return value
    }

    /// `[+-]digits[.digits][unit]` with at most `fractionDigits` decimals, scaled by 10^fractionDigits;
    /// nil when malformed (no digit at all, a second sign or point, too many digits).
    static func decimal(
        _ raw: UnsafeBufferPointer<UInt8>, fractionDigits: Int, signed: Bool, unit: UInt8?
    ) -> Int64? {
        var i = 0
        var end = raw.count
        if let unit, end > 0, raw[end - 1] == unit { end -= 1 }
        var negative = false
        if signed, i < end, raw[i] == UInt8(ascii: "-") || raw[i] == UInt8(ascii: "+") {
            negative = raw[i] == UInt8(ascii: "-")
            i += 1
        }
        var value: Int64 = 0
        var digits = 0
        while i < end, raw[i] &- UInt8(ascii: "0") < 10, digits < 12 {
            value = value * 10 + Int64(raw[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        var fraction = 0
        if i < end, raw[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, raw[i] &- UInt8(ascii: "0") < 10, fraction < fractionDigits {
                value = value * 10 + Int64(raw[i] - UInt8(ascii: "0"))
                fraction += 1
                digits += 1
                i += 1
            }
        }
        guard i == end, digits > 0 else { return nil }
        for _ in fraction..<fractionDigits { value *= 10 }
        return negative ? -value : value
    }

    // MARK: CERT, RFC 4398 §2.2

    static let certificateTypes: [String: UInt64] = [
        "pkix": 1, "spki": 2, "pgp": 3, "ipkix": 4, "ispki": 5, "ipgp": 6, "acpkix": 7, "iacpkix": 8, "uri": 253,
        "oid": 254,
    ]

    mutating func certificate() throws(RecordRejection) {
        let certificateType = try numberOrName(
            "certificate type", max: 0xFFFF, choices: "one of PKIX SPKI PGP IPKIX ISPKI IPGP ACPKIX IACPKIX URI OID"
        ) { Self.certificateTypes[$0] }
        out.append(UInt8(certificateType >> 8))
        out.append(UInt8(certificateType & 0xFF))
        try uint16("key tag")
        try algorithm()
        try base64ToEnd("certificate")
    }

    // MARK: APL, RFC 3123 §4

    /// `[!]afi:address/prefix` items, none or many: address family 1 (IPv4, prefix up to 32) or 2 (IPv6, up
    /// to 128); the address goes on the wire without its trailing zero octets.
    mutating func addressPrefixList() throws(RecordRejection) {
        while hasMore {
            let token = try next("address prefix")
            let raw = slice(token)
            let written = text(token)
            func malformed() -> RecordRejection {
                RecordRejection(
                    rule: "rdata", line: token.line,
                    message:
                        "\(type) item '\(written)' is not [!]family:address/prefix, like 1:192.0.2.0/24 or !2:2001:db8::/32"
                )
            }
            guard !token.isQuoted, !token.hasEscape,
                let colon = raw.firstIndex(of: UInt8(ascii: ":")),
                let slash = raw.lastIndex(of: UInt8(ascii: "/")), slash > colon
            else { throw malformed() }
            let negated = raw.first == UInt8(ascii: "!")
            let family = TTLText.decimal(UnsafeBufferPointer(rebasing: raw[(negated ? 1 : 0)..<colon]))
            guard let family, let prefix = TTLText.decimal(UnsafeBufferPointer(rebasing: raw[(slash + 1)...])) else {
                throw malformed()
            }
            let address = UnsafeBufferPointer(rebasing: raw[(colon + 1)..<slash])
            var octets: [UInt8] = []
            switch family {
            case 1:
                guard IPAddress.appendIPv4(address, to: &octets) else { throw malformed() }
            case 2:
                guard IPAddress.appendIPv6(address, to: &octets) else { throw malformed() }
            default:
                throw RecordRejection(
                    rule: "rdata", line: token.line,
                    message:
                        "\(type) item '\(written)' has address family \(family); only 1 (IPv4) and 2 (IPv6) are defined"
                )
            }
            guard prefix <= UInt64(octets.count * 8) else {
                throw RecordRejection(
                    rule: "range", line: token.line,
                    message:
                        "\(type) item '\(written)' has prefix /\(prefix), longer than the \(octets.count * 8) bits of its address"
                )
            }
            while octets.last == 0 { octets.removeLast() }
            out.append(0)
            out.append(UInt8(family))
            out.append(UInt8(prefix))
            out.append((negated ? 0x80 : 0) | UInt8(octets.count))
            out.append(contentsOf: octets)
        }
    }

    // MARK: WKS, RFC 1035 §3.4.2

    /// `address protocol service...`: the protocol by number or by its name in /etc/protocols; each service
    /// by port number or by its name in /etc/services; a bit map up to the highest port.
    mutating func wellKnownServices() throws(RecordRejection) {
        try ipv4("address")
        let protocolNumber = try numberOrName("protocol", max: 0xFF, choices: "a protocol named in /etc/protocols") {
            name in
            name == "tcp" ? 6 : name == "udp" ? 17 : Self.protocolNumber(name)
        }
        out.append(UInt8(protocolNumber))
        let serviceProtocol = protocolNumber == 6 ? "tcp" : protocolNumber == 17 ? "udp" : nil
        var bitmap: [UInt8] = []
        while hasMore {
            let port = Int(
                try numberOrName(
                    "service", max: 0xFFFF,
                    choices: "a \(serviceProtocol ?? "tcp or udp") service named in /etc/services"
                ) {
                    Self.servicePort($0, serviceProtocol).map(UInt64.init)
                })
            if bitmap.count <= port / 8 {
                bitmap.append(contentsOf: repeatElement(0, count: port / 8 + 1 - bitmap.count))
            }
            bitmap[port / 8] |= 0x80 >> UInt8(port % 8)
        }
        out.append(contentsOf: bitmap)
    }

    /// The number of a named protocol (`icmp`, `gre`), from the system's protocols database
    /// (`getprotobyname_r`), as BIND reads WKS.
    static func protocolNumber(_ name: String) -> UInt64? {
        var entry = protoent()
        var result: UnsafeMutablePointer<protoent>? = nil
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getprotobyname_r(name, &entry, &buffer, buffer.count, &result) == 0, let result,
            (0...255).contains(result.pointee.p_proto)
        else { return nil }
        return UInt64(result.pointee.p_proto)
    }

    /// The port of a named service, from the system's services database (`getservbyname_r`).
    static func servicePort(_ name: String, _ protocolName: String?) -> Int? {
        guard let protocolName, !name.isEmpty, name.utf8.count < 64 else { return nil }
        var entry = servent()
        var result: UnsafeMutablePointer<servent>? = nil
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getservbyname_r(name, protocolName, &entry, &buffer, buffer.count, &result)
        guard status == 0, let result else { return nil }
        return Int(UInt16(bigEndian: UInt16(truncatingIfNeeded: result.pointee.s_port)))
    }

    /// A field written as a number up to `max` or as one of the names `named` knows (given lower-cased);
    /// `choices` names them for the message.
    mutating func numberOrName(
        _ what: String, max: UInt64, choices: String, named: (String) -> UInt64?
    ) throws(RecordRejection) -> UInt64 {
        let token = try next(what)
        let raw = slice(token)
        if !token.isQuoted, let number = TTLText.decimal(raw) {
            guard number <= max else {
                throw RecordRejection(
                    rule: "range", line: token.line,
                    message: "\(type) \(what) \(text(token)) is out of range 0...\(max)")
            }
            return number
        }
        if !token.isQuoted, !token.hasEscape, raw.count < 64,
            let value = named(String(decoding: raw, as: UTF8.self).lowercased())
        {
            return value
        }
        throw RecordRejection(
            rule: "rdata", line: token.line,
            message: "\(type) \(what) '\(text(token))' is neither a number nor \(choices)")
    }

    // MARK: X25 (RFC 1183 §3.1) and ATMA (ATM Forum af-dans-0152.000)

    /// One character-string of at least four digits: a PSDN address (X.121).
    mutating func x25() throws(RecordRejection) {
        let token = tokens.indices.contains(index) ? tokens[index] : nil
        let start = out.count
        try characterString("PSDN address")
        let digits = out[(start + 1)...]
        guard digits.count >= 4, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
            throw RecordRejection(
                rule: "rdata", line: token?.line ?? lastLine,
                message:
                    "\(type) PSDN address must be at least four digits (X.121), not \(token.map { text($0) } ?? "nothing")"
            )
        }
    }

    /// `+digits` (format 1, E.164) or hex digits, dots allowed between them, in whole octets (format 0, AESA).
    mutating func atmAddress() throws(RecordRejection) {
        let token = try next("ATM address")
        let raw = slice(token)
        func malformed() -> RecordRejection {
            RecordRejection(
                rule: "rdata", line: token.line,
                message:
                    "\(type) address '\(text(token))' is neither +digits (E.164) nor hex digits in whole octets (an AESA, dots allowed)"
            )
        }
        guard !token.isQuoted, !raw.isEmpty else { throw malformed() }
        if raw[0] == UInt8(ascii: "+") {
            let digits = raw.dropFirst()
            guard !digits.isEmpty, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { throw malformed() }
            out.append(1)
            out.append(contentsOf: digits)
            return
        }
        out.append(0)
        var high: UInt8? = nil
        for byte in raw where byte != UInt8(ascii: ".") {
            guard let nibble = Self.hexValue(byte) else { throw malformed() }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil, out.count > 1 else { throw malformed() }
    }

    // MARK: types libldns does not know

    /// DSYNC (RFC 9859 §2.1): `type scheme port target`, the scheme by number or as NOTIFY (1).
    mutating func delegationSync() throws(RecordRejection) {
        try typeMnemonic("type")
        if hasMore, !tokens[index].isQuoted,
            String(decoding: slice(tokens[index]), as: UTF8.self).uppercased() == "NOTIFY"
        {
            index += 1
            out.append(1)
        } else {
            try uint8("scheme")
        }
        try uint16("port")
        try name("target name")
    }

    /// AMTRELAY (RFC 8777 §4.3): `precedence D-bit type relay`; the relay is `.` for type 0, an IPv4 address
    /// for 1, an IPv6 address for 2, a domain name for 3.
    mutating func multicastRelay() throws(RecordRejection) {
        try uint8("precedence")
        let discovery = try number("discovery optional bit (D)", max: 1)
        let relayType = try number("relay type", max: 0x7F)
        out.append(UInt8(discovery << 7 | relayType))
        switch relayType {
        case 0:
            let token = try next("relay (. for type 0)")
            guard !token.isQuoted, slice(token).elementsEqual([UInt8(ascii: ".")]) else {
                throw RecordRejection(
                    rule: "rdata", line: token.line,
                    message: "\(type) relay type 0 has no relay: write '.', not '\(text(token))'")
            }
        case 1: try ipv4("relay address")
        case 2: try ipv6("relay address")
        case 3: try name("relay name")
        default:
            throw RecordRejection(
                rule: "rdata", line: lastLine,
                message:
                    "\(type) relay type \(relayType) is not defined (0-3, RFC 8777 §4.2.3); write the record as \\# length hex"
            )
        }
    }

    /// DOA (draft-durand-doa-over-dns, as BIND reads it): enterprise, type, location, media type, then the
    /// data in base64 or `-` for none.
    mutating func digitalObject() throws(RecordRejection) {
        try uint32("enterprise")
        try uint32("type")
        try uint8("location")
        try characterString("media type")
        if index + 1 == tokens.count, !tokens[index].isQuoted, slice(tokens[index]).elementsEqual([UInt8(ascii: "-")]) {
            index += 1
            return
        }
        try base64ToEnd("data (or - for none)")
    }
}
