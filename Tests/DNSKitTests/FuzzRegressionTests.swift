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

    /// A target without regression inputs would make its replay test pass with zero cases: every target
    /// must keep at least one (the crash it found, or the input that reaches its hardest limit).
    static let targets = ["zonefile", "message", "axfr"]

    /// The replay covers every fuzz target there is (Fuzz/Sources/fuzz-NAME): a new target gets its replay here.
    @Test func everyFuzzTargetIsReplayed() throws {
        let sources = Self.root.deletingLastPathComponent().appendingPathComponent("Sources").path
        let names = try FileManager.default.contentsOfDirectory(atPath: sources).filter { $0.hasPrefix("fuzz-") }
        #expect(Set(names.map { String($0.dropFirst(5)) }) == Set(Self.targets), "fuzz targets in \(sources)")
    }

    @Test(arguments: targets)
    func everyTargetHasRegressionInputs(_ target: String) {
        #expect(!Self.inputs(target).isEmpty, "Fuzz/Regressions/\(target)/ holds no input: the replay tests nothing")
    }

    @Test(arguments: inputs("zonefile"))
    func zoneFileInput(_ path: String) throws {
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        let (records, result) = ZoneFileReader(text: text, fileName: "/nonexistent/fuzz.example.zone").readAll()
        for parsed in records { _ = parsed.record.presentation }
        #expect(result.hasErrors, "\(path): the reader accepted input that once crashed it")
    }

    /// As fuzz-message runs it: what parses is printed, has a wire form and goes into a digest.
    @Test(arguments: inputs("message"))
    func messageInput(_ path: String) throws {
        let wire = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        guard let message = try? Message(wire: wire) else { return }
        let digest = ZoneDigestBuilder(origin: .root)
        for record in message.answers + message.authority + message.additional {
            _ = record.presentation
            #expect(record.rdata.count <= ResourceRecord.maxRDATALength, "\(path): \(record.type) too long")
            _ = try record.canonicalWireForm()
            try digest.include(record)
        }
    }

    /// As fuzz-axfr runs it: the first octet says signed (bit 0) or not, then length-prefixed messages,
    /// each fed to the stream verifier, the records it delivers into a digest.
    @Test(arguments: inputs("axfr"))
    func axfrInput(_ path: String) throws {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        var messages: [[UInt8]] = []
        var i = 1
        while i + 2 <= bytes.count {
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard i + 2 + length <= bytes.count else { break }
            messages.append(Array(bytes[(i + 2)..<(i + 2 + length)]))
            i += 2 + length
        }
        guard let first = messages.first, first.count >= 12 else { return }
        let zone = (try? Message(wire: first))?.questions.first?.name ?? .root
        var stream = AXFRStreamVerifier(zone: zone, requestID: UInt16(first[0]) << 8 | UInt16(first[1]))
        let digest = ZoneDigestBuilder(origin: zone)
        for wire in messages {
            guard let records = try? stream.receive(wire, now: 0) else { break }
            for record in records { try digest.include(record) }
        }
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
