import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// The deep check overlapped with the sweep: which zones start before any answer (`DeepSchedule.Pick`), which
/// an answer adds, what a comparison is recorded with when a serial moves between the SOA answer and the
/// transfer (`DeepSchedule.comparedSerials`), the order of the transfers (`DeepTransferQueue`), and the
/// deadline over transfers handed over late.
@Suite struct DeepOverlapTests {
    static let t0 = DeepScheduleTests.t0
    static let servers = DeepScheduleTests.servers

    static func same(_ serial: UInt32) -> [String: UInt32] { DeepScheduleTests.same(serial) }

    static func name(_ text: String) -> DomainName { try! DomainName(presentation: text, origin: nil) }

    /// The zones that need no answer start at once (the rotation, the overdue, the clock gone back); a changed
    /// serial is picked by its first answer, once; the final plan is what the plan with every serial says,
    /// but for the share, which was taken before the serials were known.
    @Test func theRotationStartsBeforeAnyAnswerAndAChangedSerialWithItsAnswer() {
        let now = Self.t0
        let zones = DeepScheduleTests.mixedZones
        let last = DeepScheduleTests.mixedHistory(now: now)
        var pick = DeepSchedule.Pick.spread(zones: zones, last: last, now: now, period: 3600, interval: 600)
        // Known before the sweep, in the order they start: overdue, the clock gone back, the rotation.
        #expect(pick.early == ["old", "older", "future", "new", "ancient"])
        #expect(pick.plan.share == 2)
        var started: [String] = []
        func answer(_ zone: String, _ server: String, _ serial: UInt32) {
            if pick.answered(zone: zone, server: server, serial: serial) { started.append(zone) }
        }
        for zone in zones { for server in Self.servers { answer(zone, server, 1) } }
        // Unchanged serials pick nothing; ns3's serial on "silent" was not verified last time: a change.
        #expect(started == ["silent"])
        answer("changed", "ns1", 2)
        answer("changed", "ns2", 2)
        answer("secondary", "ns4", 2)
        // Never compared ("new") or compared in the future: already picked, whatever the serial.
        answer("new", "ns1", 9)
        answer("future", "ns1", 9)
        // In the rotation and changed: compared once, for its changed serial.
        answer("ancient", "ns2", 2)
        #expect(started == ["silent", "changed", "secondary"])
        #expect(
            pick.plan.reasons == [
                "changed": .serialChanged, "secondary": .serialChanged, "silent": .serialChanged,
                "ancient": .serialChanged, "future": .clockWentBack, "new": .neverCompared, "older": .overdue,
                "old": .overdue,
            ])
    }

    /// The runs as `RunCycle` makes them (the pick before the sweep, then every answer): 50 zones get a new
    /// serial every run, 20 every third; every zone is still compared within the period (the share, taken
    /// before the serials, counts a changed zone that was among the oldest), the changed ones the run their
    /// serial changes, and no run compares more than the changed plus its share.
    @Test func everyZoneWithinThePeriodWhenTheRunPicksAsTheAnswersArrive() {
        let zones = (0..<1_000).map { String(format: "zone%05d.example", $0) }
        func serial(_ run: Int, _ index: Int) -> UInt32 {
            index < 50 ? UInt32(run + 1) : (500..<520).contains(index) ? UInt32(run / 3 + 1) : 1
        }
        let times = (0..<36).map { Self.t0 + Double($0) * 300 }
        var last: [String: DeepSchedule.Comparison] = [:]
        var starts: [Date] = []
        for (run, now) in times.enumerated() {
            var pick = DeepSchedule.Pick.spread(
                zones: zones, last: last, now: now, period: 3600,
                interval: DeepSchedule.runInterval(starts: starts), since: starts.first)
            let share = pick.plan.share
            var started = Set(pick.early)
            for (index, zone) in zones.enumerated() {
                for server in Self.servers
                where pick.answered(zone: zone, server: server, serial: serial(run, index)) {
                    #expect(started.insert(zone).inserted, "run \(run): \(zone) started twice")
                }
            }
            #expect(started == pick.plan.zones)
            for (index, zone) in zones.enumerated() where started.contains(zone) {
                last[zone] = DeepSchedule.Comparison(time: now, serials: Self.same(serial(run, index)))
            }
            let stale = zones.filter { now.timeIntervalSince(last[$0]?.time ?? times[0]) > 3600 }
            #expect(stale.isEmpty, "run \(run): \(stale.count) zones not compared for more than the period")
            if run > 0 {
                #expect((0..<50).allSatisfy { started.contains(zones[$0]) }, "run \(run)")
                #expect(pick.plan.count <= 50 + (run % 3 == 0 ? 20 : 0) + share, "run \(run): \(pick.plan.count)")
            }
            starts.append(now)
        }
    }

    /// `run --deep`: every zone before any answer, and answers add nothing.
    @Test func forcedStartsEveryZoneAtOnce() {
        var pick = DeepSchedule.Pick.all(["b.example", "a.example"])
        #expect(pick.early == ["a.example", "b.example"])
        let picked = pick.answered(zone: "a.example", server: "ns1", serial: 7)
        #expect(!picked)
        #expect(pick.plan.count(.forced) == 2)
    }

    static func observation(
        soa: [String: UInt32?], transfers: [String: TransferObservation.Outcome]?
    ) -> ZoneObservation {
        let zone = name("a.example.")
        let servers = servers.map { server in
            let endpoint = ServerEndpoint(name: server, host: "192.0.2.1", port: 53, key: nil)
            let role: ServerRole = server == "ns1" ? .primary : .secondary
            guard let serial = soa[server] ?? nil else {
                return ServerObservation(
                    server: server, role: role,
                    answer: .failed(
                        QueryError(
                            zone: zone, server: endpoint, kind: .soa,
                            failure: .timeout(attempts: 4, waited: .seconds(8)))))
            }
            return ServerObservation(server: server, role: role, answer: .serial(serial, rtt: .milliseconds(1)))
        }
        return ZoneObservation(
            zone: zone, servers: servers,
            transfers: transfers.map { outcomes in
                Self.servers.map { TransferObservation(server: $0, outcome: outcomes[$0]!) }
            }, primaryFile: nil, observedAt: t0)
    }

    /// A transfer that started before the SOA answer (the rotation starts with the sweep) copied serial 1; the
    /// zone got serial 2 everywhere before the answers came. The comparison is recorded with what was
    /// compared (1), so the next run sees serial 2 as a change and compares the new copies; recorded with the
    /// answers' 2, the new content would wait for its turn in the rotation.
    @Test func aSerialThatMovesBetweenTheTransferAndTheAnswerIsComparedAgainNextRun() {
        let copy = TransferObservation.Outcome.transferred(serial: 1, digest: "aa", records: [])
        let newer = TransferObservation.Outcome.transferred(serial: 2, digest: "bb", records: [])
        let failed = TransferObservation.Outcome.failed(
            QueryError(
                zone: Self.name("a.example."),
                server: ServerEndpoint(name: "ns5", host: "192.0.2.5", port: 53, key: nil),
                kind: .axfr, failure: .transferBroken("connection reset")))
        let zone = Self.observation(
            soa: ["ns1": 2, "ns2": 2, "ns3": 2, "ns4": nil, "ns5": 2],
            transfers: ["ns1": copy, "ns2": copy, "ns3": newer, "ns4": copy, "ns5": failed])
        let recorded = DeepSchedule.comparedSerials(zone)
        // The copies' serials; a server whose transfer failed keeps its answer's serial (or none): a server
        // that refuses transfers would otherwise have its zone compared at every run.
        #expect(recorded == ["ns1": 1, "ns2": 1, "ns3": 2, "ns4": 1, "ns5": 2])
        let next = DeepSchedule.plan(
            zones: ["a.example"],
            last: ["a.example": .init(time: Self.t0, serials: recorded.compactMapValues { $0 })],
            current: ["a.example": Self.same(2)], now: Self.t0 + 300, period: 3600, interval: 300,
            since: Self.t0)
        #expect(next.reasons == ["a.example": .serialChanged])
        // Nothing moved: nothing to compare again before its turn.
        let steady = DeepSchedule.comparedSerials(
            Self.observation(
                soa: Self.same(2), transfers: Dictionary(uniqueKeysWithValues: Self.servers.map { ($0, newer) })))
        #expect(steady == Self.same(2).mapValues { $0 })
        // Not compared at all: the answers' serials.
        #expect(
            DeepSchedule.comparedSerials(Self.observation(soa: Self.same(3), transfers: nil))
                == Self.same(3).mapValues { $0 })
    }

    /// Urgent zones (a changed serial) start before the early ones not yet started; each server has at most
    /// `perServer` in flight.
    @Test func urgentZonesGoFirstWithinThePerServerCap() {
        var queue = DeepTransferQueue(servers: 2, perServer: 2, openZones: 100)
        for _ in 0..<5 { _ = queue.add(urgent: false) }
        let first = queue.takeAll()
        #expect(first.map(\.zone).sorted() == [0, 0, 1, 1])
        let full = queue.takeAll()
        #expect(full.isEmpty)
        let urgent = queue.add(urgent: true)
        let doneEverywhere = queue.finished(zone: 0, server: 0)
        #expect(!doneEverywhere)
        // Server 0 has room for one: the urgent zone, ahead of zone 2.
        let next = queue.takeAll()
        #expect(next.map(\.zone) == [urgent] && next.map(\.server) == [0])
        let doneNow = queue.finished(zone: 0, server: 1)
        #expect(doneNow)
        // Server 1 joins the urgent zone server 0 opened, ahead of zone 2.
        let joined = queue.takeAll()
        #expect(joined.map(\.zone) == [urgent] && joined.map(\.server) == [1])
    }

    /// Transfers finishing in a random order, one server ten times slower: every zone is transferred once from
    /// every server, never more than `perServer` in flight per server nor `openZones` zones open, and nothing
    /// is left waiting (a slow server holding the window open does not stall the others for good).
    @Test(arguments: [1, 2, 3])
    func everyZoneFromEveryServerWithASlowServer(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let servers = 5
        var queue = DeepTransferQueue(servers: servers, perServer: 8, openZones: 32)
        var inFlight: [(zone: Int, server: Int, left: Int)] = []
        var taken = Set<[Int]>()
        var total = 0
        for _ in 0..<300 { _ = queue.add(urgent: false) }
        var steps = 0
        while true {
            // Urgent zones keep arriving while the early ones transfer.
            if steps % 7 == 0 && queue.count < 400 { _ = queue.add(urgent: true) }
            for (zone, server) in queue.takeAll() {
                #expect(taken.insert([zone, server]).inserted, "zone \(zone) taken twice by \(server)")
                inFlight.append((zone, server, server == 4 ? Int.random(in: 10...40, using: &random) : 1))
            }
            #expect(queue.open <= 32)
            for server in 0..<servers { #expect(inFlight.count { $0.server == server } <= 8) }
            guard !inFlight.isEmpty else { break }
            let i = Int.random(in: 0..<inFlight.count, using: &random)
            inFlight[i].left -= 1
            if inFlight[i].left <= 0 {
                let done = inFlight.remove(at: i)
                if queue.finished(zone: done.zone, server: done.server) { total += 1 }
            }
            steps += 1
        }
        #expect(total == queue.count)
        #expect(taken.count == queue.count * servers)
        #expect(queue.open == 0)
    }

    /// The deadline bounds the transfers handed over late too: a zone the sweep picks after `check.deadline`
    /// is not transferred (no connection is made: nothing listens on 127.53.121.x here), it fails naming the
    /// deadline, and the transfers end when the sweep's hand-over does.
    @Test(.timeLimit(.minutes(1))) func transfersPickedAfterTheDeadlineAreNotStarted() async throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(
            """
            servers:
              - { name: ns1, role: primary, address: 127.53.121.1, port: 5499, key: keys/ns1.key }
              - { name: ns2, role: secondary, address: 127.53.121.2, port: 5499, key: keys/ns2.key }
            zones: { names: [a.example, b.example] }
            """
        ).get()
        let deep = DeepCheck(fleet: try Fleet(configuration: config), settings: config.check)
        let client = try DNSClient()
        let (later, feed) = AsyncStream.makeStream(of: DomainName.self)
        feed.yield(Self.name("b.example."))
        // Given twice: transferred once.
        feed.yield(Self.name("a.example."))
        feed.finish()
        let done = await deep.transfers(
            early: [Self.name("a.example.")], later: later, client: client, deadline: .now - .seconds(1))
        await client.close()
        #expect(Set(done.keys) == [Self.name("a.example."), Self.name("b.example.")])
        for (_, transfers) in done {
            #expect(transfers.map(\.server) == ["ns1", "ns2"])
            for transfer in transfers {
                guard case .failed(let error) = transfer.outcome else {
                    Issue.record("transferred after the deadline")
                    continue
                }
                #expect(error.description.contains("check.deadline"))
            }
        }
    }
}
