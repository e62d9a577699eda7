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

    @Test("a FIFO, a device or a head with no newline: the file name, at once (the sniffer reads 64 KiB at most)")
    func boundedHead() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zone-origin-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fallback = try DomainName(zoneName: "fallback.example")
        let fifo = folder + "/" + Self.fileName
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(ZoneOrigin.resolve(path: fifo, explicit: nil) == fallback)
        #expect(ZoneDirectory.origin(of: fifo) == fallback)
        #expect(
            ZoneOrigin.resolve(path: "/dev/zero", explicit: nil) == ZoneFileReader.origin(fromFileName: "/dev/zero"))
        // 1 MiB without a newline: only the first 64 KiB are looked at, and its partial line is not a line.
        let long = folder + "/long." + Self.fileName
        try Data(repeating: 0x61, count: 1 << 20).write(to: URL(fileURLWithPath: long))
        #expect(Array(ZoneOrigin.Lines(path: long)).isEmpty)
        // A byte order mark before $ORIGIN: read past, as the reader does.
        let marked = folder + "/marked." + Self.fileName
        try Data([0xEF, 0xBB, 0xBF] + Array("$ORIGIN a.example.\n".utf8)).write(to: URL(fileURLWithPath: marked))
        #expect(ZoneOrigin.resolve(path: marked, explicit: nil) == (try DomainName(zoneName: "a.example")))
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
