import Foundation
import TestSupport
import Testing
import ZoneCheck

/// `zonecheck run` spreading the deep check over its runs, against the real BIND lab on 127.53.90.x port 5390:
/// every run, the first too, compares its share (never compared first, then the oldest) plus the zones whose
/// serial changed, the JSON says how many, and a diverged zone a run did not compare stays open.
@Suite("deep check spread over runs, on the lab", .serialized, .ownThreads)
struct DeepSpreadLabTests {
    static let unavailable = Lab.unavailableReason()

    /// The run's `--json` document's `deep` and `deep_zones`, its log line, and the finding kinds per zone.
    static func run(_ lab: Lab, _ arguments: [String] = []) throws -> (
        deep: Bool, deepZones: Int, log: String, kinds: [String: [String]]
    ) {
        let json = lab.directory + "/run.json"
        let run = try lab.zonecheckRun(["--json", json] + arguments)
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var kinds: [String: [String]] = [:]
        for zone in document["zones"] as? [[String: Any]] ?? [] {
            let findings = zone["findings"] as? [[String: Any]] ?? []
            kinds[zone["zone"] as? String ?? "?"] = findings.compactMap { $0["kind"] as? String }
        }
        return (
            try #require(document["deep"] as? Bool), try #require(document["deep_zones"] as? Int), run.stderr, kinds
        )
    }

    @Test(
        "each run its share, never compared first, plus the changed; a diverged zone not compared stays open",
        .enabled(if: unavailable == nil, "\(unavailable ?? "")"))
    func spread() throws {
        let lab = try Lab.started(prefix: "127.53.90", port: 5390, zones: 5)
        defer { lab.tearDown() }
        // check.deep 1 h; resolve_after 1, so a run that wrongly counted as clean would resolve at once.
        try lab.configureForRun(grace: "10m", edit: { $0.replacingOccurrences(of: "deep: never", with: "deep: 1h") })
        let zones = ["example.com"] + (1...5).map { String(format: "zone%05d.lab", $0) }

        // The first run compares its share like any other: six zones, a run every 5 min assumed (no runs
        // recorded), a share of one, the first by name.
        let first = try Self.run(lab)
        #expect(!first.deep && first.deepZones == 1)
        #expect(first.log.contains("1 deep-compared (1 never compared)"), "\(first.log)")
        #expect(try Set(lab.state().deepComparisons().keys) == ["example.com"])

        // Same serial, other content on ns3: only a deep comparison of zone00005.lab sees it.
        try lab.run(["diverge", "ns3", "zone00005.lab", "--dir", lab.directory])
        let second = try Self.run(lab)
        // Never-compared zones before the oldest comparison.
        #expect(!second.deep && second.deepZones == 1)
        #expect(second.log.contains("1 deep-compared (1 never compared)"), "\(second.log)")
        #expect(try Set(lab.state().deepComparisons().keys) == ["example.com", "zone00001.lab"])
        #expect(second.kinds["zone00005.lab"] == [], "\(second.kinds)")

        let third = try Self.run(lab, ["--deep"])
        #expect(third.deep && third.deepZones == 6)
        #expect(try Set(lab.state().deepComparisons().keys) == Set(zones))
        let diverged = ProblemKey(zone: "zone00005.lab", problem: .diverged)
        #expect(try lab.state().openIncidents().map(\.key).contains(diverged))

        // Not compared (example.com's turn): neither seen nor counted clean.
        let fourth = try Self.run(lab)
        #expect(fourth.deepZones == 1)
        let held = try #require(try lab.state().openIncidents().first { $0.key == diverged })
        #expect(held.cleanRuns == 0)

        // A new serial on zone00002.lab: compared the next run, with its turn's zone (zone00001.lab, whose file
        // on the primary was edited without a new serial: its file is digested and compared too).
        let before = try #require(try lab.state().deepComparisons()["zone00002.lab"])
        try lab.run(["bump", "zone00002.lab", "--dir", lab.directory])
        try lab.run(["wait", "--dir", lab.directory])
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: lab.directory + "/ns1/zones/zone00001.lab.db"))
        try file.seekToEnd()
        try file.write(contentsOf: Data("spread-test 3600 IN TXT \"no new serial\"\n".utf8))
        try file.close()
        let fifth = try Self.run(lab)
        #expect(fifth.deepZones == 2)
        #expect(fifth.log.contains("2 deep-compared (1 serial changed, 1 oldest)"), "\(fifth.log)")
        #expect(fifth.kinds["zone00001.lab"] == ["file-serial-not-incremented"], "\(fifth.kinds)")
        #expect(fourth.kinds["zone00001.lab"] == [])
        let after = try #require(try lab.state().deepComparisons()["zone00002.lab"])
        #expect(after.time > before.time && after.serials != before.serials)
    }
}
