import CFuzzerDriver
@testable import DNSKit

/// One input: a transfer as it arrives on the TCP connection. The first octet chooses the mode
/// (bit 0 set: the request was signed with `AXFRFuzzKey`, else unsigned, so the fuzzer also reaches
/// the record rules behind the MAC); the rest is the stream, each message behind its two-octet length
/// (RFC 1035 §4.2.2). The request ID is the first message's and the zone its question's, so that
/// captured streams pass those checks and the fuzzer starts deep inside. Inputs reach 256 KiB: several
/// messages of up to 65,535 octets. Delivered records go into the zone digest, as the deep check's do.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAXFR(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let messages = AXFRFuzzInput.split(input[1...])
    guard let first = messages.first, first.count >= 12 else { return 0 }
    let id = UInt16(first[0]) << 8 | UInt16(first[1])
    let zone = (try? Message(wire: first))?.questions.first?.name ?? AXFRFuzzKey.zone
    var limits = AXFRLimits()
    limits.maxRecords = 5_000
    limits.maxBytes = 1 << 20
    let signed = input[0] & 1 == 1
    var stream = AXFRStreamVerifier(
        zone: zone, requestID: id, key: signed ? AXFRFuzzKey.key : nil,
        requestMAC: signed ? AXFRFuzzKey.requestMAC : nil, limits: limits)
    var delivered = 0
    let digest = ZoneDigestBuilder(origin: zone)
    for wire in messages {
        do {
            let records = try stream.receive(wire, now: AXFRFuzzKey.now)
            for record in records {
                do { try digest.include(record) } catch { fatalError("a delivered record was refused: \(error)") }
            }
            delivered += records.count
        } catch {
            // The sentence an operator reads must render for any failure.
            _ = QueryError(zone: zone, server: AXFRFuzzKey.server, kind: .axfr, failure: error).description
            return 0
        }
        if stream.finished { break }
    }
    // Whatever finished must have delivered every counted record but the closing SOA, in order.
    if stream.finished && delivered != stream.stats.records {
        fatalError("finished with \(delivered) records delivered, \(stream.stats.records) counted")
    }
    _ = stream.endOfStream()
    _ = try? digest.summary()
    return 0
}

/// Mutations aimed at the codec's limits half the time (see `zonecheck_mutate_dns`); the mode octet is kept.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateAXFR(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    return zonecheck_mutate_dns(data, size, maxSize, seed, 1)
}

enum AXFRFuzzInput {
    /// Length-prefixed messages; a trailing partial message is dropped, as the decoder would.
    static func split(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var i = bytes.startIndex
        while i + 2 <= bytes.endIndex {
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard i + 2 + length <= bytes.endIndex else { break }
            messages.append(Array(bytes[(i + 2)..<(i + 2 + length)]))
            i += 2 + length
        }
        return messages
    }

    static func join(signed: Bool, _ messages: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [signed ? 1 : 0]
        for message in messages {
            out.append(UInt8(message.count >> 8))
            out.append(UInt8(message.count & 0xFF))
            out.append(contentsOf: message)
        }
        return out
    }
}

/// The made-up key of the fuzz targets (not a secret of any server).
enum AXFRFuzzKey {
    static let zone = try! DomainName(presentation: "example.com.", origin: nil)
    static let key = TSIGKey(
        name: try! DomainName(presentation: "fuzz-key.", origin: nil), algorithm: .hmacSHA512, secret: Array(0..<64))!
    static let requestMAC = [UInt8](repeating: 0xAB, count: 64)
    static let now: UInt64 = 1_800_000_000
    static let server = ServerEndpoint(name: "fuzz", host: "192.0.2.1", key: key)

    /// Signed streams for the seed corpus (`fuzz-axfr --write-seeds DIR`): a complete transfer, one with
    /// unsigned messages in between, and one tampered in the middle.
    static func seeds() -> [(String, [UInt8])] {
        func record(_ owner: String, _ last: UInt8) -> ResourceRecord {
            ResourceRecord(
                owner: try! DomainName(presentation: owner, origin: zone), type: .a, ttl: 60, rdata: [192, 0, 2, last])
        }
        let soa = ResourceRecord(
            owner: zone, type: .soa, ttl: 3600,
            rdata: zone.wire + zone.wire + [0, 0, 0, 5, 0, 0, 14, 16, 0, 0, 7, 8, 0, 9, 58, 128, 0, 0, 1, 44])
        func stream(_ batches: [[ResourceRecord]], signed: (Int) -> Bool) -> [[UInt8]] {
            var prior = requestMAC
            var unsigned: [[UInt8]] = []
            var out: [[UInt8]] = []
            for (n, batch) in batches.enumerated() {
                var builder = MessageBuilder(
                    id: 77, flags: MessageHeader.flags(response: true, opcode: .query, authoritative: true))
                if n == 0 { builder.addQuestion(Question(name: zone, type: .axfr)) }
                for record in batch { builder.addAnswer(record) }
                var wire = builder.bytes
                if signed(n) {
                    prior = TSIG.sign(
                        &wire, key: key, time: now,
                        chain: n == 0
                            ? .response(requestMAC: prior) : .subsequent(priorMAC: prior, unsignedSince: unsigned))
                    unsigned = []
                } else {
                    unsigned.append(wire)
                }
                out.append(wire)
            }
            return out
        }
        let batches = [[soa, record("a", 1)], [record("b", 2)], [record("c", 3)], [record("d", 4), soa]]
        let complete = stream(batches, signed: { _ in true })
        let gaps = stream(batches, signed: { $0 == 0 || $0 == 3 })
        var tampered = gaps
        tampered[1][tampered[1].count - 1] ^= 1
        return [
            ("signed-complete", AXFRFuzzInput.join(signed: true, complete)),
            ("signed-unsigned-between", AXFRFuzzInput.join(signed: true, gaps)),
            ("signed-tampered-between", AXFRFuzzInput.join(signed: true, tampered)),
            ("unsigned-complete", AXFRFuzzInput.join(signed: false, stream(batches, signed: { _ in false }))),
        ]
    }
}
