import Foundation
import Testing

@testable import DNSKit

/// Every input a fuzz target ever crashed on (Fuzz/Regressions/TARGET/, one file each, named for the
/// defect), replayed through the same code the target runs: each must now be handled without a crash.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Regressions")

    static func inputs(_ target: String) -> [String] {
        let directory = root.appendingPathComponent(target).path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map {
            directory + "/" + $0
        }
    }

    @Test(arguments: inputs("zonefile"))
    func zoneFileInput(_ path: String) throws {
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        let (records, result) = ZoneFileReader(text: text, fileName: "/nonexistent/fuzz.example.zone").readAll()
        for parsed in records { _ = parsed.record.presentation }
        #expect(result.hasErrors, "\(path): the reader accepted input that once crashed it")
    }

    @Test(arguments: inputs("message"))
    func messageInput(_ path: String) throws {
        let wire = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        if let message = try? Message(wire: wire) {
            for record in message.answers + message.authority + message.additional { _ = record.presentation }
        }
    }

    @Test(arguments: inputs("axfr"))
    func axfrInput(_ path: String) throws {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        guard bytes.count > 3 else { return }
        var stream = AXFRStreamVerifier(zone: try DomainName(presentation: "example.com.", origin: nil), requestID: 0)
        _ = try? stream.receive(Array(bytes.dropFirst(3)), now: 0)
    }

    /// The base32hex crash: a control byte 0x10-0x19 in an NSEC3 hash was taken for a digit and trapped.
    @Test func base32HexRejectsControlBytesAndKeepsBothCases() {
        func read(_ hash: String) -> ZoneFileResult {
            let text = """
                $ORIGIN example.com.
                $TTL 3600
                @ SOA ns1 hostmaster 1 7200 3600 1209600 3600
                @ NS ns1
                ns1 A 192.0.2.1
                2t7b4g4vsa5smi47k61mv5bv1a22bojr NSEC3 1 0 10 AABBCCDD \(hash) A RRSIG

                """
            return ZoneFileReader(text: text, fileName: "/nonexistent/example.com.zone").readAll().1
        }
        #expect(!read("2t7b4g4vsa5smi47k61mv5bv1a22bojr").hasErrors)
        #expect(!read("2T7B4G4VSA5SMI47K61MV5BV1A22BOJR").hasErrors)
        for control in ["\u{10}", "\u{13}", "\u{19}"] {
            let result = read("2t7b4g4vsa5smi47k61mv5bv1a22\(control)ojr")
            #expect(result.hasErrors)
            #expect(result.diagnostics.contains { $0.message.contains("is not base32hex") }, "\(result.diagnostics)")
        }
    }

    /// The zonefile crash: ldns reads `TYPE327680` as a type past 16 bits.
    @Test func typeNumbersBeyondSixteenBitsAreNotTypes() {
        #expect(RecordType(mnemonic: "TYPE327680") == nil)
        #expect(RecordType(mnemonic: "TYPE65535")?.rawValue == 65535)
        #expect(RecordType(mnemonic: "TYPE65536") == nil)
    }
}
