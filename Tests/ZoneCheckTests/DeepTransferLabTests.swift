import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// The deep check's transfers against real servers (Scripts/lab --secondaries bind,knot,nsd,bind on
/// 127.53.107.x port 5407): several zones one after another on one connection per server
/// (`DNSClient.axfrSeries`), and `DeepCheck.transfers` giving every zone the digest of the primary's file.
@Suite("deep transfers on reused connections, on a mixed lab", .serialized)
struct DeepTransferLabTests {
    static let kinds = ["bind", "knot", "nsd", "bind"]
    static let unavailable = Lab.unavailableReason(secondaries: kinds)

    @Test(
        "one connection carries a server's transfers; every copy's digest is the primary file's",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func transfersOnReusedConnections() async throws {
        let lab = try Lab.started(prefix: "127.53.107", port: 5407, zones: 30, secondaries: Self.kinds)
        defer { lab.tearDown() }
        let (fleet, settings) = try SweepLabTests.fleet(lab)
        let zones = SweepLabTests.zones(lab)
        let client = try DNSClient()

        // Each server's 31 zones in one series: all complete, each with its own SOA serial and records.
        for (member, kind) in zip(fleet.members, ["bind"] + Self.kinds) {
            var pending = zones[...]
            var outcomes: [(DomainName, AXFROutcome)] = []
            var records = 0
            let connections = await client.axfrSeries(
                from: member.endpoint, next: { pending.popFirst().map { ($0, AXFRLimits()) } },
                onRecord: { _ in records += 1 }, finished: { outcomes.append(($0, $1)) })
            #expect(outcomes.map(\.0) == zones, "\(member.name)")
            for (zone, outcome) in outcomes {
                guard case .complete(let stats) = outcome else {
                    Issue.record("\(member.name) (\(kind)) \(zone): \(outcome)")
                    continue
                }
                #expect(
                    stats.serial != nil && stats.records > 1
                        && stats.tsig == .verified(keyName: member.endpoint.key!.name))
            }
            #expect(records > zones.count)
            // BIND keeps the connection open between transfers: one for all 31. Knot and NSD may close it
            // after each (RFC 7766 lets them); the series then opens the next, never more than one a zone.
            if kind == "bind" {
                #expect(connections == 1, "\(member.name) (\(kind)): \(connections) connections")
            } else {
                #expect((1...zones.count).contains(connections), "\(member.name) (\(kind)): \(connections)")
            }
        }

        // The deep check, 3 connections per server: every copy's digest is that of the primary's zone file
        // (read from disk, not transferred).
        let deep = DeepCheck(fleet: fleet, settings: settings, parallelTransfers: 3)
        let observed = await deep.transfers(of: zones, client: client)
        let sweep = Sweep(fleet: fleet, settings: settings)
        #expect(observed.count == zones.count)
        for (zone, row) in zip(zones, observed) {
            let file = try #require(sweep.primaryFile(of: zone, today: DateSerial.today(), digest: true)?.digest)
            #expect(row.map(\.server) == fleet.members.map(\.name))
            for transfer in row {
                guard case .transferred(_, let digest, _) = transfer.outcome else {
                    Issue.record("\(transfer.server) \(zone): \(transfer.outcome)")
                    continue
                }
                #expect(digest == file, "\(transfer.server) \(zone)")
            }
        }
    }
}
