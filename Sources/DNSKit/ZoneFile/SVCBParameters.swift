/// RFC 9460 rules on SVCB and HTTPS parameters that libldns does not check: the RDATA is read
/// (by ldns or from `\#`) and then held to them, as BIND and NSD do.
enum SVCBParameters {
    static let mandatory: UInt16 = 0
    static let alpn: UInt16 = 1
    static let noDefaultALPN: UInt16 = 2

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

    static func name(of key: UInt16) -> String {
        let names = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"]
        return Int(key) < names.count ? names[Int(key)] : "key\(key)"
    }
}
