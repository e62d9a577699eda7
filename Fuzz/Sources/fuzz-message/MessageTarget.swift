@testable import DNSKit

/// One input: one DNS message as it arrives over UDP or inside a TCP stream. Parsed strictly; what
/// parses is printed again, and a TSIG RR is checked as the client checks an answer (with a fixed
/// key, so the MAC almost never verifies: the point is every path up to that comparison).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let wire = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? Message(wire: wire) else { return 0 }
    for record in message.answers + message.authority + message.additional {
        _ = record.presentation
        _ = record.canonicalWire()
        _ = record.soaSerial
    }
    _ = message.questions.map(\.description)
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
