import DNSKit
import Foundation
import Testing

/// Zone files read by `ZoneFileReader` and digested: each fixture states its expected result in
/// `; expect-zonemd:`, `; expect-digest:` and `; expect-records:` lines at its top, and its origin
/// in `; expect-origin:` unless it is `example.`. The RFC 8976 fixtures carry the RFC's digests,
/// ldns-zonemd-bench.zone those of ldns-signzone: two independent implementations.
@Suite("Zone digest of zone files")
struct ZoneDigestFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let zones = [
        "rfc8976-a1-simple.zone",
        "rfc8976-a2-complex.zone",
        "rfc8976-a2-complex-reformatted.zone",
        "rfc8976-a3-multiple-digests.zone",
        "ldns-zonemd-bench.zone",
    ]

    @Test(arguments: zones)
    func digestIsWhatTheFixtureSays(file: String) throws {
        let path = Self.fixtures.appendingPathComponent(file).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = Self.expectations(in: text)
        let digest = try #require(expected["digest"], "\(file) has no '; expect-digest:' line")
        let origin = try DomainName(presentation: expected["origin"] ?? "example.", origin: nil)

        let builder = ZoneDigestBuilder(origin: origin)
        let read = ZoneFileReader(path: path, origin: origin).read { builder.add($0.record) }
        let summary = builder.finish()

        #expect(summary.digestHex == digest, "\(file)")
        #expect(String(describing: summary.zonemd) == expected["zonemd"], "\(file)")
        #expect(summary.recordCount == expected["records"].flatMap { Int($0) }, "\(file)")
        // Out-of-zone data (foo.test. in A.2) may draw a diagnostic; nothing may be an error that
        // drops a record the digest needs, which the expected digest would show anyway.
        #expect(read.recordCount >= summary.recordCount, "\(file)")
    }

    /// `; expect-KEY: VALUE` lines.
    static func expectations(in text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("; expect-") {
            let body = line.dropFirst("; expect-".count)
            guard let colon = body.firstIndex(of: ":") else { continue }
            result[String(body[..<colon])] = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}
