import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// The sweep engine and catalog discovery against the real lab (Scripts/lab on 127.53.12.x port 5312),
/// with `Scripts/wan-relay` (127.53.15.x port 6315) in front of the servers for long and lossy links.
@Suite("sweep and catalog on the lab", .serialized, .ownThreads)
struct SweepLabTests {
    static let unavailable = Lab.unavailableReason()

    static func fleet(_ lab: Lab, _ adjust: (inout CheckSettings) -> Void = { _ in }) throws -> (Fleet, CheckSettings) {
        let configuration = try Configuration.load(path: lab.configPath)
        var settings = configuration.check
        adjust(&settings)
        return (try Fleet(configuration: configuration), settings)
    }

    /// Relays in front of every server of `fleet` (rtt in ms and loss per server, in fleet order), and the
    /// fleet rerouted through them.
    static func throughRelays(_ fleet: Fleet, rtt: [Int], loss: [Double]) throws -> (Fleet, [WANRelay]) {
        var fleet = fleet
        var relays: [WANRelay] = []
        for (i, member) in fleet.members.enumerated() {
            let host = "127.53.15.\(i + 1)"
            let relay = try WANRelay(
                listen: host, port: 6315, to: "\(member.endpoint.host):\(member.endpoint.port)", rtt: rtt[i],
                loss: loss[i], seed: 20_261_122 + i)
            relays.append(relay)
            fleet.members[i].endpoint.host = host
            fleet.members[i].endpoint.port = 6315
        }
        return (fleet, relays)
    }

    static func zones(_ lab: Lab) -> [DomainName] {
        (1...lab.zones).map { try! DomainName(presentation: String(format: "zone%05d.lab.", $0), origin: nil) }
            + [try! DomainName(presentation: "example.com.", origin: nil)]
    }

    static func failures(_ rows: [[ServerObservation]], server: Int) -> [QueryError] {
        rows.compactMap { if case .failed(let error) = $0[server].answer { error } else { nil } }
    }

    @Test(
        "zones.catalog: the members of the primary's catalog.lab, by verified AXFR; version 1 is refused",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func catalog() async throws {
        let lab = try Lab.started(prefix: "127.53.12", port: 5312)
        defer { lab.tearDown() }
        let (fleet, _) = try Self.fleet(lab)
        let client = try DNSClient()
        let zones = try await ZoneDiscovery.discover(
            arguments: [], sources: ZoneSources(names: ["example.com"], catalog: "catalog.lab"),
            primary: fleet.primary.endpoint, client: client
        ).zones
        #expect(Set(zones.map(\.name)) == Set(Self.zones(lab)))
        #expect(zones.count == lab.zones + 1, "example.com is named twice and listed once")
        #expect(zones[0].source == .names(index: 0))
        #expect(zones[1].source.description.hasPrefix("catalog catalog.lab. ("))
        do {
            _ = try await ZoneDiscovery.discover(
                arguments: [], sources: ZoneSources(catalog: "catalog-v1.lab"), primary: fleet.primary.endpoint,
                client: client)
            Issue.record("a version 1 catalog was read")
        } catch {
            #expect(error.description.contains("schema version \"1\""), "\(error)")
            #expect(error.path.contains("from ns1"))
        }
        // With another server's key the primary refuses the transfer: the catalog is not read.
        var wrongKey = fleet.primary.endpoint
        wrongKey.key = fleet.members[1].endpoint.key
        await #expect(throws: ConfigError.self) {
            _ = try await CatalogZone.fetch(
                try DomainName(presentation: "catalog.lab.", origin: nil), from: wrongKey, client: client)
        }
        await client.close()

        // The primary's own named.conf (BIND loads it; its includes are the key files): every zone of the
        // lab plus the two catalogs, all type primary.
        let conf = try NamedConfReader.primaryZones(path: lab.directory + "/ns1/named.conf")
        let catalogs = ["catalog.lab.", "catalog-v1.lab."].map { try! DomainName(presentation: $0, origin: nil) }
        #expect(Set(conf.map(\.name)) == Set(Self.zones(lab) + catalogs))
        #expect(conf.first?.file == lab.directory + "/ns1/zones/zone00001.lab.db", "relative to options { directory }")

        // The binary, with the catalog as the only source.
        var text = try String(contentsOfFile: lab.configPath, encoding: .utf8)
        let names = try #require(text.range(of: "  names: [")?.lowerBound)
        let end = try #require(text.range(of: "]\n", range: names..<text.endIndex)?.upperBound)
        text.replaceSubrange(names..<end, with: "  catalog: catalog.lab.\n")
        let path = lab.directory + "/catalog.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ZoneCheckBinary.run("check", [], config: path)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout == "zonecheck: OK - \(lab.zones + 1) zones in sync on 5 servers\n")
    }

    @Test(
        "a server down: zonecheck check ends by check.deadline, only that server's cells fail",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func serverDownDeadline() throws {
        let lab = try Lab.started(prefix: "127.53.12", port: 5312)
        defer { lab.tearDown() }
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        // Without the deadline ns4 would cost 1 s (probe) + 1 s + 2 s + 2 s; the deadline cuts it at 3 s.
        // The built binary is timed (in-process, other suites' blocking tests can starve the task pool).
        var text = try String(contentsOfFile: lab.configPath, encoding: .utf8)
        let start = try #require(text.range(of: "\ncheck:")?.upperBound)
        let end = try #require(text.range(of: "\n", range: start..<text.endIndex)?.lowerBound)
        text.replaceSubrange(start..<end, with: " { timeout: 2s, retries: 2, deadline: 3s }")
        let path = lab.directory + "/deadline.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ZoneCheckBinary.run("check", ["--format", "json"], config: path)
        #expect(run.status == 1, "one secondary down is a WARNING: \(run.stdout)\(run.stderr)")
        #expect(run.seconds >= 2.9 && run.seconds < 4.5, "took \(run.seconds) s")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let zones = try #require(root["zones"] as? [[String: Any]])
        #expect(zones.count == lab.zones + 1)
        for zone in zones {
            let servers = try #require(zone["servers"] as? [String: [String: Any]])
            for (server, cell) in servers {
                let state = cell["state"] as? String
                #expect(state == (server == "ns4" ? "UNREACHABLE" : "OK"), "\(zone["zone"] ?? "?") \(server): \(cell)")
            }
        }
    }

    @Test(
        "a silent server is not asked more than its first batches: the rest are 'not asked', long before the deadline",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func silentServerNotAskedForever() async throws {
        let lab = try Lab.started(prefix: "127.53.12", port: 5312, zones: 40)
        defer { lab.tearDown() }
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        // 41 zones, batches of 16, 2 in flight, so two batches (32 zones) are handed out: when the first has
        // timed out without one answer, the 9 zones left are never sent, and what still waits behind the 2
        // in flight is dropped.
        let (fleet, settings) = try Self.fleet(lab) {
            $0.timeout = .milliseconds(300)
            $0.retries = 0
            $0.concurrency = 2
            $0.deadline = .seconds(30)
        }
        let client = try DNSClient()
        // On threads of its own: other suites' blocking lab starts hold the cooperative pool for seconds,
        // which would stretch this sweep's 300 ms waits into false timeouts on healthy servers.
        let zones = Self.zones(lab)
        let rows = await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            await Sweep(fleet: fleet, settings: settings).serials(of: zones, client: client)
        }
        await client.close()
        let ns4 = try #require(fleet.members.firstIndex { $0.name == "ns4" })
        let failed = Self.failures(rows, server: ns4)
        #expect(failed.count == 41)
        let neverSent = failed.filter { $0.description.contains("not asked: ns4 answered none of the first 16") }
        #expect(neverSent.count == 41 - 32, "\(failed.map(\.description))")
        let timedOut = failed.filter { if case .timeout = $0.failure { true } else { false } }
        #expect(timedOut.count >= 16 && timedOut.count <= 32, "\(timedOut.count) timed out")
        // No bound on the time here: in-process, the full suite's blocking tests can starve the task pool for
        // seconds (the deadline itself is timed on the binary, above).
        for m in fleet.members.indices where m != ns4 { #expect(Self.failures(rows, server: m).isEmpty) }
    }

    @Test(
        "lost answers are retried after the server's measured round trip, not after check.timeout",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func adaptiveTimeout() async throws {
        let lab = try Lab.started(prefix: "127.53.12", port: 5312, zones: 40)
        defer { lab.tearDown() }
        let (direct, settings) = try Self.fleet(lab) {
            $0.timeout = .seconds(5)
            $0.retries = 3
        }
        let (fleet, relays) = try Self.throughRelays(
            direct, rtt: [200, 200, 200, 200, 200], loss: [0.2, 0.2, 0.2, 0.2, 0.2])
        let client = try DNSClient()
        // On threads of its own: other suites' blocking lab starts hold the cooperative pool for seconds,
        // which would stretch this sweep's 300 ms waits into false timeouts on healthy servers.
        let zones = Self.zones(lab)
        let rows = await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            await Sweep(fleet: fleet, settings: settings).serials(of: zones, client: client)
        }
        await client.close()
        let stats = relays.map { $0.stop() }
        let rtts = rows.flatMap { $0 }.compactMap { if case .serial(_, let rtt) = $0.answer { rtt } else { nil } }
        let dropped = stats.reduce(0) { $0 + ($1["udp_queries_dropped"] ?? 0) + ($1["udp_answers_dropped"] ?? 0) }
        #expect(dropped > 0, "the relays dropped nothing: the test proves nothing")
        // An answer after 900 ms on a 200 ms link needed a retry. With a fixed 5 s timeout, every one of them
        // would take more than 5 s; adaptive, most come back after the first retry, about 1.2 s.
        let retried = rtts.filter { $0 > .milliseconds(900) }
        #expect(!retried.isEmpty, "no answer needed a retry")
        let early = retried.filter { $0 < .seconds(4) }
        #expect(early.count * 2 > retried.count, "retried answers took \(retried)")
        #expect(rtts.allSatisfy { $0 >= .milliseconds(195) }, "every answer crossed the 200 ms link")
    }

    @Test(
        "30 % loss on one server: only that server's cells fail, as timeouts; the others are all answered",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func lossyServer() async throws {
        let lab = try Lab.started(prefix: "127.53.12", port: 5312, zones: 40)
        defer { lab.tearDown() }
        // One retry: a query fails when both attempts lose the query or the answer (0.51^2 = 26 %).
        let (direct, settings) = try Self.fleet(lab) {
            $0.retries = 1
            $0.deadline = .seconds(20)
        }
        let (fleet, relays) = try Self.throughRelays(
            direct, rtt: [80, 160, 190, 260, 310], loss: [0, 0, 0.3, 0, 0])
        let client = try DNSClient()
        // On threads of its own: other suites' blocking lab starts hold the cooperative pool for seconds,
        // which would stretch this sweep's 300 ms waits into false timeouts on healthy servers.
        let zones = Self.zones(lab)
        let rows = await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            await Sweep(fleet: fleet, settings: settings).serials(of: zones, client: client)
        }
        await client.close()
        for relay in relays { relay.stop() }
        for m in fleet.members.indices {
            let failed = Self.failures(rows, server: m)
            if m == 2 {
                #expect(!failed.isEmpty, "41 zones at 26 % each and none failed")
                #expect(failed.allSatisfy { if case .timeout = $0.failure { true } else { false } }, "\(failed)")
                #expect(failed.count < rows.count, "some of ns3's answers got through")
            } else {
                #expect(failed.isEmpty, "\(fleet.members[m].name): \(failed.map(\.description))")
            }
        }
        let verdicts = zip(Self.zones(lab), rows).map { zone, servers in
            Compare.verdict(ZoneObservation(zone: zone, servers: servers, transfers: nil, primaryFile: nil))
        }
        #expect(verdicts.contains { $0.status != .ok }, "ns3's failures show in the verdicts")
    }
}
