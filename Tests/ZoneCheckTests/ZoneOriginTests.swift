import DNSKit
import Foundation
import Testing

@testable import ZoneCheck

/// The one `$ORIGIN` sniffer: the lint origin (`ZoneOrigin`) and the zone-directory names
/// (`ZoneDirectory`) must give the same answer for every head of a file that names no SOA owner.
@Suite("zone file origin")
struct ZoneOriginTests {
    static let fileName = "fallback.example.zone"

    /// A file's head and the origin both consumers must find (the file name's when nil).
    static let cases: [(head: String, origin: String?)] = [
        ("$ORIGIN a.example.\n@ 3600 IN SOA ns h 1 2 3 4 5\n", "a.example."),
        ("$TTL 1h\n$ORIGIN a.example.\n", "a.example."),
        ("; comment\n\n$ORIGIN a.example. ; why\n", "a.example."),
        ("$origin a.example.\n", "a.example."),
        ("$ORIGIN a.example.\r\n", "a.example."),
        ("$TTL 1h\r\n$ORIGIN a.example.\r\n@ 3600 IN SOA ns h 1 2 3 4 5\r\n", "a.example."),
        ("$ORIGIN sub\n", "sub.fallback.example."),
        ("$ORIGIN a.example. extra\n", nil),
        ("$ORIGIN\n", nil),
        ("$ORIGIN a..b.\n", nil),
        (" $ORIGIN a.example.\n", nil),
        ("$INCLUDE other.zone\n$ORIGIN a.example.\n", nil),
        ("www 3600 IN A 192.0.2.1\n$ORIGIN a.example.\n", nil),
        ("", nil),
    ]

    @Test("the linter and the zone directory read $ORIGIN by the same rules", arguments: cases)
    func sameRules(head: String, origin: String?) throws {
        let expected = try DomainName(presentation: origin ?? "fallback.example.", origin: nil)
        let linted = ZoneOrigin.resolve(text: head, fileName: Self.fileName, explicit: nil)
        #expect(linted == expected, "lint origin for \(head.debugDescription)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zone-origin-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + Self.fileName
        try head.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ZoneDirectory.origin(of: path) == expected, "directory name for \(head.debugDescription)")
        #expect(ZoneOrigin.resolve(path: path, explicit: nil) == expected, "lint origin read from the file")
    }

    @Test("only the zone directory takes an absolute SOA owner; --origin wins for the linter")
    func soaOwnerAndExplicit() throws {
        let head = "soa.example. 3600 IN SOA ns h 1 2 3 4 5\n"
        let fallback = try DomainName(zoneName: "fallback.example")
        #expect(ZoneOrigin.resolve(text: head, fileName: Self.fileName, explicit: nil) == fallback)
        #expect(
            ZoneOrigin.head(lines: head.split(separator: "\n").map(String.init), fallback: fallback)
                == .firstEntry(["soa.example.", "3600", "IN", "SOA", "ns", "h", "1", "2", "3", "4", "5"]))
        let explicit = try DomainName(zoneName: "given.example")
        #expect(
            ZoneOrigin.resolve(text: "$ORIGIN a.example.\n", fileName: Self.fileName, explicit: explicit) == explicit)
    }
}
