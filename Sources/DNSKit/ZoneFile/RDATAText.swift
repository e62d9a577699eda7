/// A record the reader refuses, with the rule id, the line of the offending token and a
/// sentence saying what is wrong and what to write instead.
struct RecordRejection: Error {
    var rule: String
    var line: Int
    var message: String
}

/// Strict parsers for the RDATA of the common types, straight from the tokens to wire form.
///
/// Each parser takes exactly the fields RFC 1035 §3.3 (and the RFC of the type) defines: a
/// missing or extra field, a number out of its field's range or a malformed address is an
/// error, where libldns would truncate, wrap or guess (docs/architecture.md "Facts about libldns").
struct RDATAText {
    let bytes: UnsafeBufferPointer<UInt8>
    let tokens: UnsafeBufferPointer<ZoneToken>
    var index: Int
    let origin: DomainName
    let type: RecordType
    let recordLine: Int
    var out: [UInt8] = []

    init(
        bytes: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<ZoneToken>, index: Int, origin: DomainName,
        type: RecordType, recordLine: Int
    ) {
        self.bytes = bytes
        self.tokens = tokens
        self.index = index
        self.origin = origin
        self.type = type
        self.recordLine = recordLine
        out.reserveCapacity(32)
    }

    // MARK: tokens

    @inline(__always)
    func slice(_ token: ZoneToken) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
    }

    /// The token as written, for messages.
    func text(_ token: ZoneToken) -> String {
        let body = PrintableText.escaping(slice(token))
        return token.isQuoted ? "\"\(body)\"" : body
    }

    var hasMore: Bool { index < tokens.count }

    var lastLine: Int { index > 0 && index <= tokens.count ? tokens[index - 1].line : recordLine }

    mutating func next(_ what: String) throws(RecordRejection) -> ZoneToken {
        guard index < tokens.count else {
            throw RecordRejection(
                rule: "rdata", line: lastLine, message: "\(type) record is missing its \(what)")
        }
        index += 1
        return tokens[index - 1]
    }

    func finish() throws(RecordRejection) {
        guard index < tokens.count else { return }
        let extra = tokens[index]
        throw RecordRejection(
            rule: "rdata", line: extra.line,
            message: "\(type) record has more fields than it takes: '\(text(extra))' is one too many")
    }

    // MARK: fields

    /// An unsigned number no larger than `max`; out-of-range values are `range` errors
    /// (ldns would keep the low bits: MX preference 70000 becomes 4464).
    mutating func number(_ what: String, max: UInt64) throws(RecordRejection) -> UInt64 {
        let token = try next(what)
        guard !token.isQuoted, let value = TTLText.decimal(slice(token)) else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) \(what) must be a number from 0 to \(max), not '\(text(token))'")
        }
        guard value <= max else {
            throw RecordRejection(
                rule: "range", line: token.line,
                message: "\(type) \(what) \(text(token)) is out of range 0...\(max)")
        }
        return value
    }

    mutating func uint8(_ what: String) throws(RecordRejection) {
        out.append(UInt8(try number(what, max: 0xFF)))
    }

    mutating func uint16(_ what: String) throws(RecordRejection) {
        let value = try number(what, max: 0xFFFF)
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    mutating func uint32(_ what: String) throws(RecordRejection) {
        appendUInt32(try number(what, max: 0xFFFF_FFFF))
    }

    mutating func appendUInt32(_ value: UInt64) {
        out.append(UInt8((value >> 24) & 0xFF))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8(value & 0xFF))
    }

    /// A 32-bit time value that may use TTL units (SOA refresh, retry, expire, minimum), as
    /// BIND accepts them.
    mutating func timer(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        guard !token.isQuoted, let value = TTLText.parse(slice(token)) else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) \(what) must be seconds or a duration like 1h30m, not '\(text(token))'")
        }
        guard value <= 0xFFFF_FFFF else {
            throw RecordRejection(
                rule: "range", line: token.line,
                message: "\(type) \(what) \(text(token)) is out of range 0...4294967295")
        }
        appendUInt32(value)
    }

    mutating func name(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        let raw = slice(token)
        guard !token.isQuoted else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) \(what) \(text(token)) is quoted; write domain names without quotes")
        }
        do throws(NameError) {
            if raw.count == 1 && raw[0] == UInt8(ascii: "@") && !token.isQuoted {
                out.append(contentsOf: origin.wire)
                return
            }
            let start = out.count
            if !(try DomainName.appendPresentation(raw, to: &out)) {
                out.removeLast()
                out.append(contentsOf: origin.wire)
                guard out.count - start <= DomainName.maxWireLength else { throw .nameTooLong(out.count - start) }
            }
        } catch {
            throw RecordRejection(
                rule: "name", line: token.line, message: "\(type) \(what) '\(text(token))': \(error)")
        }
    }

    /// RFC 1035 §3.3 <character-string>: one length octet, then at most 255 octets.
    mutating func characterString(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        let lengthIndex = out.count
        out.append(0)
        let length = try appendUnescaped(token, what: what)
        guard length <= 255 else {
            throw RecordRejection(
                rule: "string-too-long", line: token.line,
                message:
                    "\(type) \(what) is \(length) octets, more than the 255 a character-string holds (RFC 1035 §3.3); split it into several quoted strings"
            )
        }
        out[lengthIndex] = UInt8(length)
    }

    /// Appends a token's octets with `\X` and `\DDD` resolved; returns how many were appended.
    mutating func appendUnescaped(_ token: ZoneToken, what: String) throws(RecordRejection) -> Int {
        let raw = slice(token)
        guard token.hasEscape else {
            out.append(contentsOf: raw)
            return raw.count
        }
        let start = out.count
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.count else {
                throw RecordRejection(
                    rule: "syntax", line: token.line, message: "\(type) \(what) ends with a lone '\\'")
            }
            let next = raw[i + 1]
            if next &- UInt8(ascii: "0") < 10 {
                guard i + 3 < raw.count, raw[i + 2] &- UInt8(ascii: "0") < 10, raw[i + 3] &- UInt8(ascii: "0") < 10
                else {
                    throw RecordRejection(
                        rule: "syntax", line: token.line,
                        message: "\(type) \(what) has a bad escape: '\\DDD' needs exactly three digits")
                }
                let value =
                    Int(next - 48) * 100 + Int(raw[i + 2] - 48) * 10 + Int(raw[i + 3] - 48)
                guard value <= 255 else {
                    throw RecordRejection(
                        rule: "syntax", line: token.line,
                        message: "\(type) \(what) has escape '\\\(value)' above 255")
                }
                out.append(UInt8(value))
                i += 4
            } else {
                out.append(next)
                i += 2
            }
        }
        return out.count - start
    }

    /// A dotted-quad IPv4 address (`IPAddress`'s rules, those of glibc's `inet_pton(AF_INET)`).
    mutating func ipv4(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        guard !token.isQuoted && !token.hasEscape, IPAddress.appendIPv4(slice(token), to: &out) else {
            throw RecordRejection(
                rule: "address", line: token.line,
                message: "\(type) \(what) '\(text(token))' is not an IPv4 address (four numbers 0-255, like 192.0.2.1)")
        }
    }

    /// An IPv6 address (`IPAddress`'s rules, those of glibc's `inet_pton(AF_INET6)`, RFC 4291 §2.2).
    mutating func ipv6(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        guard !token.isQuoted && !token.hasEscape, IPAddress.appendIPv6(slice(token), to: &out) else {
            throw RecordRejection(
                rule: "address", line: token.line,
                message: "\(type) \(what) '\(text(token))' is not an IPv6 address (like 2001:db8::1)")
        }
    }

    /// Hexadecimal octets spread over all remaining tokens (RFC 4034 §5.3, RFC 6698 §2.2).
    mutating func hexToEnd(_ what: String, allowEmpty: Bool = false) throws(RecordRejection) {
        var high: UInt8? = nil
        var any = false
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            for byte in slice(token) {
                guard !token.isQuoted, let nibble = Self.hexValue(byte) else {
                    throw RecordRejection(
                        rule: "rdata", line: token.line,
                        message: "\(type) \(what) must be hexadecimal, not '\(text(token))'")
                }
                any = true
                if let h = high {
                    out.append(h << 4 | nibble)
                    high = nil
                } else {
                    high = nibble
                }
            }
        }
        guard any || allowEmpty else {
            throw RecordRejection(rule: "rdata", line: lastLine, message: "\(type) record is missing its \(what)")
        }
        guard high == nil else {
            throw RecordRejection(
                rule: "rdata", line: lastLine, message: "\(type) \(what) has an odd number of hex digits")
        }
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Base64 (RFC 4648 §4) spread over all remaining tokens, as DNSKEY (RFC 4034 §2.2) writes it.
    mutating func base64ToEnd(_ what: String) throws(RecordRejection) {
        var accumulator: UInt32 = 0
        var bits = 0
        var characters = 0
        var padding = 0
        let firstLine = index < tokens.count ? tokens[index].line : lastLine
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            for byte in slice(token) {
                let value: UInt32
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "+"): value = 62
                case UInt8(ascii: "/"): value = 63
                case UInt8(ascii: "="):
                    padding += 1
                    characters += 1
                    continue
                default:
                    throw RecordRejection(
                        rule: "rdata", line: token.line, message: "\(type) \(what) is not base64: '\(text(token))'")
                }
                guard padding == 0, !token.isQuoted else {
                    throw RecordRejection(
                        rule: "rdata", line: token.line, message: "\(type) \(what) is not base64: '\(text(token))'")
                }
                characters += 1
                accumulator = accumulator << 6 | value
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
                }
            }
        }
        guard characters > 0 else {
            throw RecordRejection(rule: "rdata", line: lastLine, message: "\(type) record is missing its \(what)")
        }
        guard characters % 4 == 0, padding <= 2 else {
            throw RecordRejection(
                rule: "rdata", line: firstLine,
                message: "\(type) \(what) is not valid base64 (its length is not a multiple of 4)")
        }
    }

    // MARK: RFC 3597 generic form

    /// RFC 3597 §5 applies only to `\\# <length>`: a `\\#` followed by anything else (or nothing) is
    /// an escaped `#` and the RDATA of the type itself (`TXT \\# text` is the strings `#` and `text`),
    /// as BIND and NSD read it.
    func isGenericStart() -> Bool {
        guard index + 1 < tokens.count else { return false }
        let token = tokens[index]
        let length = tokens[index + 1]
        return !token.isQuoted && token.end - token.start == 2 && bytes[token.start] == UInt8(ascii: "\\")
            && bytes[token.start + 1] == UInt8(ascii: "#") && !length.isQuoted && TTLText.decimal(slice(length)) != nil
    }

    /// Types whose RDATA may be empty: NULL (RFC 1035 §3.3.10) and APL (RFC 3123 §4, no items).
    static let mayBeEmpty: Set<UInt16> = [10, 42]

    /// RFC 3597 §5: `\# length hex...`, for any type; the length must match the hex.
    mutating func generic() throws(RecordRejection) {
        index += 1
        let lengthToken = tokens.indices.contains(index) ? tokens[index] : nil
        let length = try number("RFC 3597 length after \\#", max: 0xFFFF)
        try hexToEnd("RFC 3597 data", allowEmpty: true)
        guard out.count == Int(length) else {
            throw RecordRejection(
                rule: "rdata", line: lengthToken?.line ?? recordLine,
                message: "\\# says \(length) octets but \(out.count) follow in hex; make the length match the data")
        }
        let known = type.description != "TYPE\(type.rawValue)"
        if out.isEmpty && known && !Self.mayBeEmpty.contains(type.rawValue) {
            throw RecordRejection(
                rule: "rdata", line: lengthToken?.line ?? recordLine,
                message: "\\# 0 gives \(type) no data, but \(type) records need their fields; write them out")
        }
    }

    // MARK: the common types

    /// True when the type has a native parser here and it accepted the fields; false when the
    /// caller should hand the record to libldns.
    mutating func parseNative() throws(RecordRejection) -> Bool {
        guard RecordTypeFacts.of(type.rawValue)?.nativeText == true else { return false }
        return try parseKnown()
    }

    /// The presentation forms read here, one case per type `RecordTypeFacts` marks `nativeText` (a test
    /// checks the two agree); false for any other type.
    mutating func parseKnown() throws(RecordRejection) -> Bool {
        switch type.rawValue {
        case 1:  // A, RFC 1035 §3.4.1
            try ipv4("address")
        case 2, 3, 4, 5, 7, 8, 9, 12, 39:  // NS MD MF CNAME MB MG MR PTR DNAME
            try name("target name")
        case 6:  // SOA, RFC 1035 §3.3.13
            try name("primary server name (MNAME)")
            try name("mailbox (RNAME)")
            try uint32("serial")
            try timer("refresh")
            try timer("retry")
            try timer("expire")
            try timer("minimum")
        case 13:  // HINFO, RFC 1035 §3.3.2
            try characterString("CPU")
            try characterString("OS")
        case 14, 17:  // MINFO, RP (RFC 1183 §2.2)
            try name("first mailbox name")
            try name("second name")
        case 15, 18, 21, 36:  // MX (RFC 1035 §3.3.9), AFSDB, RT, KX
            try uint16(type.rawValue == 15 ? "preference" : "first field")
            try name(type.rawValue == 15 ? "exchange name" : "host name")
        case 16, 99:  // TXT (RFC 1035 §3.3.14), SPF
            try characterString("text")
            while hasMore { try characterString("text") }
        case 28:  // AAAA, RFC 3596 §2.4
            try ipv6("address")
        case 33:  // SRV, RFC 2782
            try uint16("priority")
            try uint16("weight")
            try uint16("port")
            try name("target name")
        case 35:  // NAPTR, RFC 3403 §4.1
            try uint16("order")
            try uint16("preference")
            try characterString("flags")
            try characterString("services")
            try characterString("regexp")
            try name("replacement name")
        case 43, 59:  // DS (RFC 4034 §5.3), CDS
            try uint16("key tag")
            try algorithm()
            try digestType()
            let digestStart = out.count
            try hexToEnd("digest")
            try checkDigestLength(out.count - digestStart, for: out[digestStart - 1], known: Self.dsDigestLengths)
        case 63:  // ZONEMD, RFC 8976 §2.2
            try uint32("serial")
            try uint8("scheme")
            try uint8("hash algorithm")
            let digestStart = out.count
            try hexToEnd("digest")
            try checkDigestLength(out.count - digestStart, for: out[digestStart - 1], known: [1: 48, 2: 64])
        case 44:  // SSHFP, RFC 4255 §3.2 (fingerprint lengths: RFC 4255, RFC 6594)
            try uint8("algorithm")
            try uint8("fingerprint type")
            let start = out.count
            try hexToEnd("fingerprint")
            try checkDigestLength(out.count - start, for: out[start - 1], known: [1: 20, 2: 32])
        case 46:  // RRSIG, RFC 4034 §3.2
            try typeMnemonic("type covered")
            try algorithm()
            try uint8("labels")
            try uint32("original TTL")
            try signatureTime("expiration")
            try signatureTime("inception")
            try uint16("key tag")
            try name("signer name")
            try base64ToEnd("signature")
        case 30:  // NXT, RFC 2535 §5.2 (obsolete, RFC 3755): next name, one bit map of types 1-127
            try name("next domain name")
            try nxtBitmap()
        case 22:  // NSAP, RFC 1706 §5: 0x, then hex digits (dots allowed between them), whole octets
            try nsap()
        case 47:  // NSEC, RFC 4034 §4.2
            try name("next domain name")
            try typeBitmap()
        case 50:  // NSEC3, RFC 5155 §3.3
            try uint8("hash algorithm")
            try uint8("flags")
            try uint16("iterations")
            try salt()
            try base32Hex("next hashed owner name")
            try typeBitmap()
        case 51:  // NSEC3PARAM, RFC 5155 §4.3
            try uint8("hash algorithm")
            try uint8("flags")
            try uint16("iterations")
            try salt()
        case 62:  // CSYNC, RFC 7477 §2.1.1
            try uint32("SOA serial")
            try uint16("flags")
            try typeBitmap()
        case 48, 60:  // DNSKEY (RFC 4034 §2.2), CDNSKEY
            try uint16("flags")
            try uint8("protocol")
            try algorithm()
            try base64ToEnd("public key")
        case 52, 53:  // TLSA (RFC 6698 §2.2), SMIMEA
            try uint8("certificate usage")
            try uint8("selector")
            try uint8("matching type")
            try hexToEnd("certificate association data")
        case 29: try location()  // LOC, RFC 1876 §3
        case 37: try certificate()  // CERT, RFC 4398 §2.2
        case 42: try addressPrefixList()  // APL, RFC 3123 §4
        case 11: try wellKnownServices()  // WKS, RFC 1035 §3.4.2
        case 19: try x25()  // X25, RFC 1183 §3.1
        case 34: try atmAddress()  // ATMA
        case 66: try delegationSync()  // DSYNC, RFC 9859
        case 67, 68:  // HHIT, BRID (RFC 9886): opaque base64, as BIND reads them
            try base64ToEnd("data")
        case 56, 258, 261, 262:  // NINFO, AVC, RESINFO (RFC 9606 §4), WALLET: TXT's form
            try characterString("text")
            while hasMore { try characterString("text") }
        case 259: try digitalObject()  // DOA
        case 260: try multicastRelay()  // AMTRELAY, RFC 8777 §4.3
        case 257:  // CAA, RFC 8659 §4.1
            try uint8("flags")
            let tag = try next("tag")
            let raw = slice(tag)
            let alphanumeric = raw.allSatisfy { byte in
                (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10
            }
            guard !tag.isQuoted, !raw.isEmpty, raw.count <= 255, alphanumeric else {
                throw RecordRejection(
                    rule: "rdata", line: tag.line,
                    message:
                        "CAA tag '\(text(tag))' must be letters and digits only, like issue or iodef (RFC 8659 §4.1)")
            }
            out.append(UInt8(raw.count))
            out.append(contentsOf: raw)
            let value = try next("value")
            _ = try appendUnescaped(value, what: "value")
        default:
            return false
        }
        try finish()
        return true
    }

    /// A DNSSEC algorithm: its number, or its mnemonic from the IANA registry (RFC 4034
    /// Appendix A.1, RFC 8624 §3.1), as BIND accepts them.
    mutating func algorithm() throws(RecordRejection) {
        guard index < tokens.count else { return try uint8("algorithm") }
        let token = tokens[index]
        let raw = slice(token)
        if token.isQuoted || TTLText.decimal(raw) != nil { return try uint8("algorithm") }
        let mnemonic = String(decoding: raw, as: UTF8.self).uppercased()
        guard let number = Self.algorithms[mnemonic] else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message:
                    "\(type) algorithm '\(text(token))' is neither a number nor a known mnemonic such as ECDSAP256SHA256"
            )
        }
        index += 1
        out.append(number)
    }

    // MARK: DNSSEC fields

    /// A type mnemonic (`A`, `TYPE65280`) as a 16-bit field.
    mutating func typeMnemonic(_ what: String) throws(RecordRejection) {
        let value = try typeValue(try next(what), what: what)
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    func typeValue(_ token: ZoneToken, what: String) throws(RecordRejection) -> UInt16 {
        guard !token.isQuoted, !token.hasEscape,
            let known = RecordType(mnemonic: String(decoding: slice(token), as: UTF8.self))
        else {
            throw RecordRejection(
                rule: "rdata", line: token.line, message: "\(type) \(what) '\(text(token))' is not a known type")
        }
        return known.rawValue
    }

    /// RFC 4034 §4.1.2 type bit maps: the remaining tokens are type mnemonics, in any order.
    mutating func typeBitmap() throws(RecordRejection) {
        var types: [UInt16] = []
        while index < tokens.count {
            types.append(try typeValue(tokens[index], what: "type in the bit map"))
            index += 1
        }
        types.sort()
        var position = 0
        while position < types.count {
            let window = types[position] >> 8
            var bitmap = [UInt8](repeating: 0, count: 32)
            var length = 0
            while position < types.count && types[position] >> 8 == window {
                let low = Int(types[position] & 0xFF)
                bitmap[low / 8] |= 0x80 >> UInt8(low % 8)
                length = low / 8 + 1
                position += 1
            }
            out.append(UInt8(window))
            out.append(UInt8(length))
            out.append(contentsOf: bitmap[..<length])
        }
    }

    /// RFC 1706 §5: `0x` and an even number (at least two) of hex digits, dots anywhere after `0x`.
    mutating func nsap() throws(RecordRejection) {
        let token = try next("address")
        let raw = slice(token)
        let hasPrefix = raw.count >= 2 && raw[0] == UInt8(ascii: "0") && raw[1] | 0x20 == UInt8(ascii: "x")
        var digits: [UInt8] = []
        var valid = hasPrefix && !token.isQuoted
        if valid {
            for byte in raw.dropFirst(2) where byte != UInt8(ascii: ".") {
                guard let nibble = Self.hexValue(byte) else {
                    valid = false
                    break
                }
                digits.append(nibble)
            }
        }
        guard valid, !digits.isEmpty, digits.count % 2 == 0 else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message:
                    "NSAP address '\(text(token))' must be 0x and an even number of hex digits, at least two (RFC 1706 §5)"
            )
        }
        var k = 0
        while k < digits.count {
            out.append(digits[k] << 4 | digits[k + 1])
            k += 2
        }
    }

    /// RFC 2535 §5.2: bit n of the map is type n; only types 1 to 127 can be listed, and the map
    /// ends at its last non-zero octet.
    mutating func nxtBitmap() throws(RecordRejection) {
        var bitmap = [UInt8](repeating: 0, count: 16)
        var length = 0
        while index < tokens.count {
            let token = tokens[index]
            let value = try typeValue(token, what: "type in the bit map")
            guard value >= 1 && value <= 127 else {
                throw RecordRejection(
                    rule: "rdata", line: token.line,
                    message: "NXT can list only types 1 to 127 (RFC 2535 §5.2), not \(text(token)); use NSEC")
            }
            bitmap[Int(value) / 8] |= 0x80 >> UInt8(value % 8)
            length = max(length, Int(value) / 8 + 1)
            index += 1
        }
        out.append(contentsOf: bitmap[..<length])
    }

    /// RFC 4034 §3.2: `YYYYMMDDHHmmSS` in UTC, or seconds since 1970 as a plain number; kept
    /// modulo 2^32 (RFC 1982 serial arithmetic on time).
    mutating func signatureTime(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        let raw = slice(token)
        guard !token.isQuoted, let value = TTLText.decimal(raw) else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) \(what) must be YYYYMMDDHHmmSS or seconds, not '\(text(token))'")
        }
        guard raw.count == 14 else {
            guard value <= 0xFFFF_FFFF else {
                throw RecordRejection(
                    rule: "range", line: token.line, message: "\(type) \(what) \(text(token)) is out of range")
            }
            return appendUInt32(value)
        }
        func digits(_ from: Int, _ count: Int) -> Int {
            var result = 0
            for k in from..<(from + count) { result = result * 10 + Int(raw[k] - 48) }
            return result
        }
        let (year, month, day) = (digits(0, 4), digits(4, 2), digits(6, 2))
        let (hour, minute, second) = (digits(8, 2), digits(10, 2), digits(12, 2))
        guard year >= 1970, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) \(what) '\(text(token))' is not a valid date and time")
        }
        // Days from 1970-01-01 to the civil date (proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second
        appendUInt32(UInt64(seconds) & 0xFFFF_FFFF)
    }

    /// RFC 5155 §3.3: the salt in hex, or `-` for none; one length octet first.
    mutating func salt() throws(RecordRejection) {
        let token = try next("salt")
        let raw = slice(token)
        if raw.count == 1 && raw[0] == UInt8(ascii: "-") && !token.isQuoted {
            out.append(0)
            return
        }
        let salt = stride(from: 0, to: raw.count - 1, by: 2).compactMap { k -> UInt8? in
            guard let high = Self.hexValue(raw[k]), let low = Self.hexValue(raw[k + 1]) else { return nil }
            return high << 4 | low
        }
        guard !token.isQuoted, raw.count % 2 == 0, salt.count == raw.count / 2, salt.count <= 255 else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) salt must be '-' or up to 255 octets of hex, not '\(text(token))'")
        }
        out.append(UInt8(salt.count))
        out.append(contentsOf: salt)
    }

    /// RFC 5155 §3.3: base32hex (RFC 4648 §7) without padding, one length octet first.
    mutating func base32Hex(_ what: String) throws(RecordRejection) {
        let token = try next(what)
        let lengthIndex = out.count
        out.append(0)
        var accumulator: UInt64 = 0
        var bits = 0
        for byte in slice(token) {
            // Digits are matched as they are: folding case first (`byte | 0x20`) made control bytes
            // 0x10-0x19 look like digits, and the subtraction then trapped (found by fuzz-zonefile).
            let value: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "v"): value = UInt64(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "V"): value = UInt64(byte - UInt8(ascii: "A")) + 10
            default:
                throw RecordRejection(
                    rule: "rdata", line: token.line, message: "\(type) \(what) is not base32hex: '\(text(token))'")
            }
            accumulator = accumulator << 5 | value
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt64(bits)) & 0xFF))
            }
        }
        let length = out.count - lengthIndex - 1
        guard !token.isQuoted, length > 0, length <= 255, accumulator & ((1 << UInt64(bits)) - 1) == 0 else {
            throw RecordRejection(
                rule: "rdata", line: token.line, message: "\(type) \(what) is not valid base32hex: '\(text(token))'")
        }
        out[lengthIndex] = UInt8(length)
    }

    /// Digest lengths of the DS digest types (RFC 3658, RFC 4509, RFC 5933, RFC 6605).
    static let dsDigestLengths: [UInt8: Int] = [1: 20, 2: 32, 3: 32, 4: 48]

    /// A digest of a known algorithm must have that algorithm's length, as BIND checks.
    func checkDigestLength(_ length: Int, for algorithm: UInt8, known: [UInt8: Int]) throws(RecordRejection) {
        guard let expected = known[algorithm], expected != length else { return }
        throw RecordRejection(
            rule: "rdata", line: lastLine,
            message: "\(type) digest is \(length) octets, but digest type \(algorithm) makes \(expected)")
    }

    /// A DS digest type: its number or its mnemonic (RFC 4509, RFC 6605), as BIND accepts them.
    mutating func digestType() throws(RecordRejection) {
        guard index < tokens.count else { return try uint8("digest type") }
        let token = tokens[index]
        let raw = slice(token)
        if token.isQuoted || TTLText.decimal(raw) != nil { return try uint8("digest type") }
        guard let number = Self.digestTypes[String(decoding: raw, as: UTF8.self).uppercased()] else {
            throw RecordRejection(
                rule: "rdata", line: token.line,
                message: "\(type) digest type '\(text(token))' is neither a number nor one of SHA-1, SHA-256, SHA-384")
        }
        index += 1
        out.append(number)
    }

    static let digestTypes: [String: UInt8] = [
        "SHA-1": 1, "SHA1": 1, "SHA-256": 2, "SHA256": 2, "GOST": 3, "SHA-384": 4, "SHA384": 4,
    ]

    static let algorithms: [String: UInt8] = [
        "RSAMD5": 1, "DH": 2, "DSA": 3, "RSASHA1": 5, "DSA-NSEC3-SHA1": 6, "RSASHA1-NSEC3-SHA1": 7, "RSASHA256": 8,
        "RSASHA512": 10, "ECC-GOST": 12, "ECDSAP256SHA256": 13, "ECDSAP384SHA384": 14, "ED25519": 15, "ED448": 16,
        "INDIRECT": 252, "PRIVATEDNS": 253, "PRIVATEOID": 254,
    ]
}
