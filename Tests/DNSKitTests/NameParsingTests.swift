import Testing

@testable import DNSKit

@Suite("Domain names in presentation format")
struct NameParsingTests {
    let origin = try! DomainName(presentation: "example.com.", origin: nil)

    @Test func absoluteRelativeAtAndRoot() throws {
        #expect(try DomainName(presentation: "a.b.", origin: origin).wire == [1, 97, 1, 98, 0])
        #expect(try DomainName(presentation: "www", origin: origin).description == "www.example.com.")
        #expect(try DomainName(presentation: "@", origin: origin) == origin)
        #expect(try DomainName(presentation: ".", origin: origin) == .root)
        #expect(try DomainName(presentation: "www", origin: nil).description == "www.")
    }

    @Test func zoneNameAsTyped() throws {
        let absolute = try DomainName(presentation: "example.com.", origin: nil)
        #expect(try DomainName(zoneName: "example.com") == absolute, "the final dot is optional")
        #expect(try DomainName(zoneName: "example.com.") == absolute)
        #expect(try DomainName(zoneName: "Example.COM").description == "Example.COM.", "case is kept")
        #expect(try DomainName(zoneName: ".") == .root)
        #expect(try DomainName(zoneName: "a\\.").labels.count == 1, "an escaped dot is not the final dot")
        #expect(throws: NameError.emptyLabel) { try DomainName(zoneName: "a..b") }
        #expect(throws: NameError.labelTooLong(64)) { try DomainName(zoneName: String(repeating: "a", count: 64)) }
    }

    @Test func escapes() throws {
        let dotted = try DomainName(presentation: "a\\.b.example.", origin: nil)
        #expect(dotted.labels.count == 2)
        #expect(Array(dotted.labels[0]) == Array("a.b".utf8))
        let decimal = try DomainName(presentation: "\\065\\000z.", origin: nil)
        #expect(decimal.wire == [3, 65, 0, 122, 0])
        #expect(try DomainName(presentation: "\\@.", origin: nil).wire == [1, 64, 0])
        #expect(dotted.description == "a\\.b.example.")
    }

    @Test func caseIsKept() throws {
        let name = try DomainName(presentation: "WwW.Example.", origin: nil)
        #expect(name.wire == [3, 87, 119, 87, 7] + Array("Example".utf8) + [0])
        #expect(name == (try DomainName(presentation: "www.example.", origin: nil)))
    }

    @Test func limits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(throws: Never.self) { try DomainName(presentation: label63 + ".", origin: nil) }
        #expect(throws: NameError.labelTooLong(64)) {
            try DomainName(presentation: label63 + "a.", origin: nil)
        }
        // 4 labels of 63 = 256 octets of labels + root: over 255.
        let long = Array(repeating: label63, count: 4).joined(separator: ".") + "."
        #expect(throws: NameError.nameTooLong(257)) { try DomainName(presentation: long, origin: nil) }
        // Exactly 255: 3 x 63 + 61 (+ 4 length octets + root).
        let exact =
            Array(repeating: label63, count: 3).joined(separator: ".") + "." + String(repeating: "c", count: 61) + "."
        #expect(try DomainName(presentation: exact, origin: nil).wire.count == 255)
        // Relative name that only becomes too long with the origin.
        let relative =
            Array(repeating: label63, count: 3).joined(separator: ".") + "." + String(repeating: "c", count: 55)
        #expect(throws: NameError.nameTooLong(261)) { try DomainName(presentation: relative, origin: origin) }
    }

    @Test func malformed() {
        #expect(throws: NameError.emptyLabel) { try DomainName(presentation: "a..b.", origin: nil) }
        #expect(throws: NameError.emptyLabel) { try DomainName(presentation: ".a.", origin: nil) }
        #expect(throws: NameError.emptyLabel) { try DomainName(presentation: "", origin: nil) }
        #expect(throws: NameError.self) { try DomainName(presentation: "a\\25.", origin: nil) }
        #expect(throws: NameError.self) { try DomainName(presentation: "a\\256.", origin: nil) }
        #expect(throws: NameError.self) { try DomainName(presentation: "a\\", origin: nil) }
    }
}
