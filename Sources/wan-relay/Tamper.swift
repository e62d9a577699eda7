/// The on-path attacker of --tamper-zone: an answer about the zone gets the lowest bit of its first answer
/// record's TTL flipped. The message stays well-formed; only its TSIG MAC (RFC 8945) can tell.
enum Tamper {
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// The first question's name, lower case, labels joined by dots, without the trailing dot, and the
    /// offset just past the question (QTYPE and QCLASS, RFC 1035 4.1.2); nil when there is no question, the
    /// name is compressed, runs past the end or holds a non-ASCII octet.
    static func question(_ message: [UInt8]) -> (name: [UInt8], end: Int)? {
        guard message.count >= 12, message[4] != 0 || message[5] != 0 else { return nil }
        var name: [UInt8] = []
        var at = 12
        while at < message.count {
            let length = Int(message[at])
            if length == 0 { return (name, at + 1 + 4) }
            guard length & 0xC0 == 0, at + 1 + length <= message.count else { return nil }
            if !name.isEmpty { name.append(UInt8(ascii: ".")) }
            for byte in message[(at + 1)..<(at + 1 + length)] {
                guard byte < 0x80 else { return nil }
                name.append(lowercased(byte))
            }
            at += 1 + length
        }
        return nil
    }

    /// Flips the TTL bit when `message` answers about `zone` (lower case, no trailing dot) and has an answer
    /// record; true when it did.
    static func tamper(_ message: inout [UInt8], zone: [UInt8]) -> Bool {
        guard let (name, end) = question(message), name == zone, message[6] != 0 || message[7] != 0 else {
            return false
        }
        // The answer's owner: a compression pointer (two octets) or labels up to the root.
        var at = end
        while at < message.count && message[at] != 0 && message[at] & 0xC0 == 0 { at += 1 + Int(message[at]) }
        at += at < message.count && message[at] & 0xC0 != 0 ? 2 : 1
        let ttlLast = at + 4 + 3  // TYPE, CLASS, then the TTL's last octet
        guard ttlLast < message.count else { return false }
        message[ttlLast] ^= 1
        return true
    }
}
