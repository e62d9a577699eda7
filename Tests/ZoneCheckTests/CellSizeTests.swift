import DNSKit
import Foundation
import Testing
import ZoneCheck

/// Memory at registrar scale (issue 14): a sweep holds one `ServerObservation` per zone and server, and its
/// verdicts one `ServerStatus`, all at once: 500,000 of each at 100,000 zones x 5 servers. What is large and
/// rare (a failure's `QueryError`, a deep check's DNSSEC) is kept out of line, so a cell is the size of the
/// common case. Measured by heaptrack before (docs/benchmarks.md): 2.1 KB of verdict and 1.2 KB of
/// observations per zone at 100,000 zones, 368 MB of heap in all.
@Suite("cell sizes")
struct CellSizeTests {
    @Test("an answer, a sweep cell and a verdict cell stay small; a failure is out of line")
    func sizes() {
        #expect(MemoryLayout<QueryError>.size > 64, "the failure a cell would carry inline if it were not boxed")
        #expect(MemoryLayout<ServerObservation.Answer>.size <= 40, "\(MemoryLayout<ServerObservation.Answer>.size)")
        #expect(MemoryLayout<ServerObservation>.stride <= 128, "\(MemoryLayout<ServerObservation>.stride)")
        #expect(MemoryLayout<ServerStatus>.stride <= 128, "\(MemoryLayout<ServerStatus>.stride)")
    }

    @Test("a failure and a deep check's DNSSEC read back whole from their boxes, and compare by value")
    func boxedValuesReadBack() throws {
        let zone = try DomainName(zoneName: "example.com")
        let endpoint = ServerEndpoint(name: "ns2", host: "127.53.117.2", port: 5417, key: nil)
        let error = QueryError(
            zone: zone, server: endpoint, kind: .soa, failure: .timeout(attempts: 4, waited: .seconds(4)))
        let cell = ServerObservation(server: "ns2", role: .secondary, answer: .failed(error))
        guard case .failed(let back) = cell.answer else {
            Issue.record("the failure did not come back")
            return
        }
        #expect(back == error && back.description.contains("did not answer"))

        let dnssec = TransferSignatures(
            observed: Date(timeIntervalSince1970: 1_800_000_000), signatureCount: 12, earliest: nil,
            latestInception: nil, keys: [], zonemd: .mismatch(expected: "ab", computed: "cd"))
        var status = ServerStatus(server: "ns2", role: .secondary, serial: 7, state: .ok, rtt: nil, detail: nil)
        #expect(status.signatures == nil)
        var same = status
        status.signatures = dnssec
        #expect(status.signatures == dnssec)
        #expect(status != same, "a cell with DNSSEC differs from one without")
        same.signatures = dnssec
        #expect(status == same, "two boxes of equal values are equal")
        var other = dnssec
        other.signatureCount = 13
        same.signatures = other
        #expect(status != same && status.signatures?.signatureCount == 12, "a copy's box is its own")
        status.signatures = nil
        #expect(status.signatures == nil)
    }
}
