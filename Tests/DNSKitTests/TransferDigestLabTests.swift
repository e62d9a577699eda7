import DNSKit
import Foundation
import TestSupport
import Testing

/// The promise the deep check stands on: a zone read from the primary's file and the same zone
/// received by verified AXFR from each of the five servers give the same counts and the same digest.
/// (An extension of the serialized lab suite, so it never runs beside another lab on 127.53.2.x.)
extension TransportLabTests {
    @Test func transferDigestEqualsFileDigestOnEveryServer() async throws {
        let lab = try Self.startLab(zones: 3)
        defer { lab.tearDown() }
        let client = try DNSClient()
        defer { Task { await client.close() } }

        for zoneText in ["example.com", "zone00002.lab"] {
            let zone = Lab.zone(zoneText)
            let fileDigest = ZoneDigestBuilder(origin: zone)
            let result = ZoneFileReader(path: "\(lab.directory)/ns1/zones/\(zoneText).db", origin: zone).read {
                fileDigest.add($0.record)
            }
            #expect(!result.hasErrors, "the lab's zone file \(zoneText) does not read cleanly: \(result.diagnostics)")
            let fromFile = fileDigest.finish()
            #expect(fromFile.recordCount > 10)

            for server in 1...5 {
                let transferDigest = ZoneDigestBuilder(origin: zone)
                let outcome = await client.axfr(zone: zone, from: try lab.endpoint(server)) { transferDigest.add($0) }
                guard case .complete(let stats) = outcome else {
                    Issue.record("AXFR of \(zoneText) from ns\(server) failed: \(outcome)")
                    continue
                }
                let fromTransfer = transferDigest.finish()
                #expect(fromTransfer.countsByType == fromFile.countsByType, "ns\(server) \(zoneText) counts")
                #expect(fromTransfer.recordCount == fromFile.recordCount, "ns\(server) \(zoneText) total")
                #expect(
                    fromTransfer.digestHex == fromFile.digestHex,
                    "ns\(server) \(zoneText): AXFR digest \(fromTransfer.digestHex) != file \(fromFile.digestHex)")
                #expect(stats.serial == fromFile.soa?.serial.rawValue)
            }
        }

        // A change on the primary changes the digest of what it serves: the comparison can fail.
        let zone = Lab.zone("zone00002.lab")
        let before = ZoneDigestBuilder(origin: zone)
        _ = await client.axfr(zone: zone, from: try lab.endpoint(1)) { before.add($0) }
        try lab.run(["bump", "zone00002.lab", "--dir", lab.directory])
        let after = ZoneDigestBuilder(origin: zone)
        _ = await client.axfr(zone: zone, from: try lab.endpoint(1)) { after.add($0) }
        #expect(before.finish().digestHex != after.finish().digestHex)
    }
}
