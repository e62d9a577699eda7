import DNSKit
import Foundation
import Testing

/// Time and memory of `ZoneDigestBuilder` on a large zone. A measurement, not a check of
/// speed: it runs only when ZONECHECK_DIGEST_RECORDS is set, best in a release build:
///
///     ZONECHECK_DIGEST_RECORDS=1000000 swift test -c release -Xswiftc -enable-testing \
///         --filter ZoneDigestPerformanceTests
///
/// It prints the figures and checks what must hold whatever the speed: every generated record
/// is counted once, and feeding the same zone in another order gives the same digest.
@Suite("Zone digest performance", .serialized)
struct ZoneDigestPerformanceTests {
    static let recordCount = ProcessInfo.processInfo.environment["ZONECHECK_DIGEST_RECORDS"].flatMap { Int($0) }

    @Test(.enabled(if: recordCount != nil, "set ZONECHECK_DIGEST_RECORDS to measure"))
    func millionRecordZone() throws {
        let count = try #require(Self.recordCount)
        let clock = ContinuousClock()
        let origin = try DomainName(labels: ["bench", "example"].map { Array($0.utf8) })

        // The generator alone, so its cost can be told apart from the builder's.
        var generated = 0
        let generateStart = clock.now
        Self.generate(count: count, origin: origin, reversed: false) { generated += $0.rdata.count > 0 ? 1 : 0 }
        let elapsedGenerate = clock.now - generateStart
        #expect(generated == count)

        var inOrder = ZoneSummary?.none
        var elapsedAdd = Duration.zero
        var elapsedFinish = Duration.zero
        for reversed in [false, true] {
            let builder = ZoneDigestBuilder(origin: origin)
            let start = clock.now
            Self.generate(count: count, origin: origin, reversed: reversed) { builder.add($0) }
            let added = clock.now
            let summary = builder.finish()
            let finished = clock.now
            if let inOrder {
                #expect(summary.digest == inOrder.digest, "the reversed stream must give the same digest")
            } else {
                inOrder = summary
                elapsedAdd = added - start
                elapsedFinish = finished - added
            }
            #expect(summary.recordCount == count)
        }
        let summary = try #require(inOrder)
        let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        print(
            """
            digest benchmark: \(count) records (\(summary.countsByType.count) types)
              generate records only \(String(format: "%.3f", seconds(elapsedGenerate))) s
              generate + add        \(String(format: "%.3f", seconds(elapsedAdd))) s
              finish                \(String(format: "%.3f", seconds(elapsedFinish))) s (sort, dedupe, SHA-384)
              peak RSS \(Self.peakRSSMegabytes()) MB (whole test process, generator included)
              digest \(summary.digestHex)
            """)
    }

    static let zoneFile = ProcessInfo.processInfo.environment["ZONECHECK_DIGEST_FILE"]

    /// The reader alone, then reader and digest, on a zone file (e.g. one Scripts/gen-zone wrote):
    ///
    ///     ZONECHECK_DIGEST_FILE=bench-results/bench-1000000.zone swift test -c release \
    ///         -Xswiftc -enable-testing --filter ZoneDigestPerformanceTests
    @Test(.enabled(if: zoneFile != nil, "set ZONECHECK_DIGEST_FILE to measure"))
    func zoneFileReadAndDigested() throws {
        let path = try #require(Self.zoneFile)
        let clock = ContinuousClock()
        var count = 0
        let readStart = clock.now
        let alone = ZoneFileReader(path: path).read { _ in count += 1 }
        let readOnly = clock.now - readStart
        #expect(!alone.hasErrors, "\(alone.diagnostics.prefix(3))")

        let start = clock.now
        let builder = ZoneDigestBuilder(origin: alone.origin)
        _ = ZoneFileReader(path: path).read { builder.add($0.record) }
        let added = clock.now
        let summary = builder.finish()
        let finished = clock.now
        #expect(summary.recordCount <= count)
        #expect(summary.soa != nil)
        let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        print(
            """
            digest of \(path): \(count) records read, \(summary.recordCount) digested
              read only              \(String(format: "%.3f", seconds(readOnly))) s
              read + add             \(String(format: "%.3f", seconds(added - start))) s
              finish                 \(String(format: "%.3f", seconds(finished - added))) s
              peak RSS \(Self.peakRSSMegabytes()) MB (whole test process)
              digest \(summary.digestHex)
              ZONEMD \(summary.zonemd)
            """)
    }

    /// A registrar-like mix: per host A, AAAA, MX, and a TXT; every tenth host a long DKIM TXT
    /// instead. Hosts numbered so the stream is not in canonical order (host10 < host9).
    /// `reversed` gives exactly the same records, last first.
    static func generate(
        count: Int, origin: DomainName, reversed: Bool, _ body: (ResourceRecord) -> Void
    ) {
        let mail = try! DomainName(labels: ["mail", "bench", "example"].map { Array($0.utf8) })
        let dkim = [UInt8](repeating: 0x41, count: 255)
        let soaData = SOA(
            mname: mail, rname: mail, serial: Serial(2_026_112_200), refresh: 3600, retry: 900,
            expire: 1_209_600, minimum: 300
        ).rdata()
        body(ResourceRecord(owner: origin, type: .soa, ttl: 3600, rdata: soaData))
        var owner = origin
        var ownerNumber = -1
        for index in 0..<(count - 1) {
            let i = reversed ? count - 2 - index : index
            let n = i / 4
            if n != ownerNumber {
                owner = try! DomainName(labels: [Array("host\(n)".utf8), Array("bench".utf8), Array("example".utf8)])
                ownerNumber = n
            }
            let rdata: [UInt8]
            let type: RecordType
            switch i % 4 {
            case 0: (type, rdata) = (.a, [192, 0, UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)])
            case 1:
                type = .aaaa
                rdata =
                    [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 8)
                    + withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }
            case 2: (type, rdata) = (.mx, [0, 10] + mail.wire)
            default:
                type = .txt
                rdata =
                    n % 10 == 0
                    ? [255] + dkim + [40] + [UInt8](repeating: 0x42, count: 40) : [15] + Array("v=spf1 mx -all ".utf8)
            }
            body(ResourceRecord(owner: owner, type: type, ttl: 3600, rdata: rdata))
        }
    }

    static func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return kilobytes / 1024
    }
}
