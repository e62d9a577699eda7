import Foundation
import Testing

import DNSKit

/// Reading speed on a big zone, only when asked for:
/// `ZONEFILE_BENCH=/path/example.com.zone ZONEFILE_BENCH_RECORDS=1000000 swift test -c release
/// -Xswiftc -enable-testing --filter ZoneFileBenchmark`. The zone must be clean; the time goes to stdout.
@Suite("Zone file reader: benchmark")
struct ZoneFileBenchmarkTests {
    static let path = ProcessInfo.processInfo.environment["ZONEFILE_BENCH"]

    @Test(.enabled(if: path != nil))
    func readsBigZoneStreaming() throws {
        let path = try #require(Self.path)
        let expected = ProcessInfo.processInfo.environment["ZONEFILE_BENCH_RECORDS"].flatMap(Int.init)
        let clock = ContinuousClock()
        var octets = 0
        let start = clock.now
        let result = ZoneFileReader(path: path).read { parsed in
            octets &+= parsed.record.rdata.count
        }
        let elapsed = clock.now - start
        let peak =
            (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? "VmHWM: unknown"
        print("zone-file reader: \(result.recordCount) records, \(octets) RDATA octets in \(elapsed); \(peak)")
        #expect(!result.hasErrors, "\(result.diagnostics.prefix(5))")
        if let expected { #expect(result.recordCount == expected) }
    }
}
