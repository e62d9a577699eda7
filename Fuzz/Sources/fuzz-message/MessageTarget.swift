import CFuzzerDriver
@testable import DNSKit

/// One input: one DNS message as it arrives over UDP or inside a TCP stream (up to 65,535 octets).
/// Parsed strictly; what parses is printed again, digested as the deep check digests a transfer, and
/// screened as the client screens a UDP answer (with a fixed key, so the MAC almost never verifies:
/// the point is every path up to that comparison). The codec's limits are checked, not trusted: a
/// record that parses must fit an RDLENGTH and have a wire form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let wire = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? Message(wire: wire) else { return 0 }
    let digest = ZoneDigestBuilder(origin: message.questions.first?.name ?? .root)
    for record in message.answers + message.authority + message.additional {
        _ = record.presentation
        guard record.rdata.count <= ResourceRecord.maxRDATALength, (try? record.canonicalWireForm()) != nil else {
            fatalError("\(record.type) parsed with \(record.rdata.count) octets of RDATA, over 65,535")
        }
        _ = record.soaSerial
        if let rrsig = record.rrsig {
            _ = RRSIG.time(rrsig.expiration, near: Int64(FuzzKey.now))
            _ = RRSIG.time(rrsig.inception, near: Int64(FuzzKey.now))
        }
        do { try digest.include(record) } catch { fatalError("a parsed record was refused by the digest: \(error)") }
    }
    _ = try? digest.summary()
    if let question = message.questions.first {
        _ = DNSClient.screen(
            wire, id: message.header.id, requestMAC: FuzzKey.requestMAC, question: question,
            opcode: message.header.opcode, key: FuzzKey.key, options: QueryOptions())
    }
    _ = message.questions.map(\.description)
    _ = message.rcode
    if let edns = message.edns {
        guard edns.options.count <= EDNS.maxOptions, (edns.nsid?.count ?? 0) <= EDNS.maxNSIDLength else {
            fatalError("an OPT past its bounds was read: \(edns.options.count) options")
        }
        _ = edns.nsidText
    }
    if message.tsig != nil {
        var verifier = TSIGVerifier(
            key: FuzzKey.key, requestMAC: FuzzKey.requestMAC, requestID: message.header.id, acceptTruncatedMAC: true)
        _ = try? verifier.verify(wire: wire, message: message, now: FuzzKey.now)
    }
    return 0
}

/// The made-up key of the fuzz targets (not a secret of any server).
enum FuzzKey {
    static let key = TSIGKey(
        name: try! DomainName(presentation: "fuzz-key.", origin: nil), algorithm: .hmacSHA512, secret: Array(0..<64))!
    static let requestMAC = [UInt8](repeating: 0xAB, count: 64)
    static let now: UInt64 = 1_800_000_000
}

/// Mutations aimed at the codec's limits half the time (see `zonecheck_mutate_dns`).
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateMessage(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    return zonecheck_mutate_dns(data, size, maxSize, seed, 0)
}
