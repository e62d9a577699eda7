/// RFC 9460 rules on SVCB and HTTPS parameters that libldns does not check: the RDATA is read
/// (by ldns or from `\#`) and then held to them, as BIND and NSD do.
enum SVCBParameters {
    static let mandatory: UInt16 = 0
    static let alpn: UInt16 = 1
    static let noDefaultALPN: UInt16 = 2
    static let port: UInt16 = 3
    static let ipv4hint: UInt16 = 4
    static let ipv6hint: UInt16 = 6
    static let dohpath: UInt16 = 7
    static let ohttp: UInt16 = 8

    /// Throws the first rule `rdata` breaks: keys out of order or repeated (§2.2), a `mandatory`
    /// key that is missing from the record or lists itself (§8), an empty `alpn` or an empty
    /// protocol id in it (§7.1.1), `no-default-alpn` without `alpn` (§7.1.1).
    static func check(_ rdata: [UInt8], type: RecordType, line: Int) throws(RecordRejection) {
        func reject(_ message: String) -> RecordRejection {
            RecordRejection(rule: "rdata", line: line, message: "\(type) \(message)")
        }
        // SvcPriority, then TargetName in uncompressed wire form.
        var i = 2
        while i < rdata.count && rdata[i] != 0 { i += 1 + Int(rdata[i]) }
        guard i < rdata.count else { throw reject("RDATA ends inside its target name") }
        i += 1
        var keys: [UInt16] = []
        var mandatory: [UInt16] = []
        var previous: Int = -1
        while i < rdata.count {
            guard i + 4 <= rdata.count else { throw reject("RDATA ends inside a parameter") }
            let key = UInt16(rdata[i]) << 8 | UInt16(rdata[i + 1])
            let length = Int(rdata[i + 2]) << 8 | Int(rdata[i + 3])
            i += 4
            guard i + length <= rdata.count else { throw reject("parameter key\(key) is longer than the RDATA") }
            let value = rdata[i..<(i + length)]
            i += length
            guard Int(key) > previous else {
                throw reject("parameter key\(key) is repeated or out of order (RFC 9460 §2.2); list each key once")
            }
            previous = Int(key)
            keys.append(key)
            switch key {
            case Self.mandatory:
                guard !value.isEmpty, value.count % 2 == 0 else {
                    throw reject("'mandatory' must list at least one key (RFC 9460 §8)")
                }
                var k = value.startIndex
                while k < value.endIndex {
                    mandatory.append(UInt16(value[k]) << 8 | UInt16(value[k + 1]))
                    k += 2
                }
            case Self.alpn:
                guard !value.isEmpty else { throw reject("'alpn' has no value (RFC 9460 §7.1.1); name a protocol") }
                var k = value.startIndex
                while k < value.endIndex {
                    let idLength = Int(value[k])
                    guard idLength > 0 else {
                        throw reject("'alpn' holds an empty protocol id (RFC 9460 §7.1.1); remove the extra comma")
                    }
                    k += 1 + idLength
                }
                guard k == value.endIndex else { throw reject("'alpn' value is malformed") }
            case Self.noDefaultALPN, Self.ohttp:
                guard value.isEmpty else {
                    throw reject("'\(name(of: key))' takes no value (RFC 9460 §7.1.1, RFC 9540 §4)")
                }
            case Self.port:
                guard value.count == 2 else {
                    throw reject("'port' must be one port number (two octets, RFC 9460 §7.2)")
                }
            case Self.ipv4hint, Self.ipv6hint:
                let size = key == Self.ipv4hint ? 4 : 16
                guard !value.isEmpty, value.count % size == 0 else {
                    throw reject("'\(name(of: key))' must list at least one address (RFC 9460 §7.3)")
                }
            case Self.dohpath:
                guard !value.isEmpty else { throw reject("'dohpath' needs a URI template (RFC 9461 §5)") }
            default:
                break
            }
        }
        for key in mandatory {
            guard key != Self.mandatory else { throw reject("'mandatory' must not list itself (RFC 9460 §8)") }
            guard keys.contains(key) else {
                throw reject(
                    "'mandatory' names \(name(of: key)), which the record does not have (RFC 9460 §8); add it or "
                        + "remove it from 'mandatory'")
            }
        }
        if keys.contains(Self.noDefaultALPN) && !keys.contains(Self.alpn) {
            throw reject("'no-default-alpn' needs an 'alpn' beside it (RFC 9460 §7.1.1)")
        }
    }

    /// What libldns reads differently from RFC 9460 and BIND, checked on the parameters as written (`tokens`
    /// are the RDATA's):
    /// - it keeps the low 16 bits of a `port=` value (70000 becomes 4464) and reads `-1` as 65535: the value
    ///   must be decimal digits, at most 65535;
    /// - it reads `keyN=` of a key it knows by name (key0-key6) in that name's form, where RFC 9460 §2.1 takes
    ///   the value as raw octets (`key3=443` is three octets, which BIND refuses as a port): such a key must
    ///   be written by its name.
    static func checkText(
        _ tokens: UnsafeBufferPointer<ZoneToken>, bytes: UnsafeBufferPointer<UInt8>, type: RecordType
    ) throws(RecordRejection) {
        let port = Array("port=".utf8)
        for (position, token) in tokens.enumerated() where !token.isQuoted {
            let raw = UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
            let lowered = raw.prefix(8).map { $0 | 0x20 }
            if lowered.starts(with: Array("key".utf8)), raw.count > 3, raw[3] &- UInt8(ascii: "0") < 7,
                raw.count == 4 || raw[4] == UInt8(ascii: "=")
            {
                let key = UInt16(raw[3] - UInt8(ascii: "0"))
                throw RecordRejection(
                    rule: "rdata", line: token.line,
                    message:
                        "\(type) parameter key\(key) must be written by its name, \(name(of: key)): libldns and BIND read the key\(key)= form differently (RFC 9460 §2.1)"
                )
            }
            guard lowered.starts(with: port) else { continue }
            var value = UnsafeBufferPointer(rebasing: raw[port.count...])
            // `port="443"`: the quoted value is the next token, written right after the `=`.
            if value.isEmpty, position + 1 < tokens.count, tokens[position + 1].isQuoted,
                tokens[position + 1].start == token.end + 1
            {
                value = UnsafeBufferPointer(rebasing: bytes[tokens[position + 1].start..<tokens[position + 1].end])
            }
            guard let number = TTLText.decimal(value), number <= 0xFFFF else {
                throw RecordRejection(
                    rule: "range", line: token.line,
                    message:
                        "\(type) 'port' must be a number from 0 to 65535, not '\(PrintableText.escaping(value))' (RFC 9460 §7.2)"
                )
            }
        }
    }

    static func name(of key: UInt16) -> String {
        let names = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint", "dohpath", "ohttp"]
        return Int(key) < names.count ? names[Int(key)] : "key\(key)"
    }
}
