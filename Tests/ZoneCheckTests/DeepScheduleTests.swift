import DNSKit
import Foundation
import Testing
import ZoneCheck

/// `DeepSchedule`: which zones a run compares by transfer, and that over a sequence of runs every zone is
/// compared within `check.deep` at about zones / (runs per period) a run.
@Suite struct DeepScheduleTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)
    static let servers = ["ns1", "ns2", "ns3", "ns4", "ns5"]

    static func names(_ count: Int) -> [String] { (0..<count).map { String(format: "zone%05d.example", $0) } }

    static func same(_ serial: UInt32) -> [String: UInt32] {
        Dictionary(uniqueKeysWithValues: servers.map { ($0, serial) })
    }

    /// Runs the schedule at each of `times`, recording every compared zone as the run would; checks that no
    /// zone goes longer than `period` between comparisons, nor from the first run to its first comparison (measured on the clock each run read) and returns
    /// the number compared per run.
    static func simulate(
        zones: [String], times: [Date], period: TimeInterval, serials: (Int, String) -> UInt32 = { _, _ in 1 }
    ) -> (perRun: [Int], plans: [DeepSchedule.Plan]) {
        var last: [String: DeepSchedule.Comparison] = [:]
        var starts: [Date] = []
        var perRun: [Int] = []
        var plans: [DeepSchedule.Plan] = []
        for (run, now) in times.enumerated() {
            let current = Dictionary(uniqueKeysWithValues: zones.map { ($0, same(serials(run, $0))) })
            let plan = DeepSchedule.plan(
                zones: zones, last: last, current: current, now: now, period: period,
                interval: DeepSchedule.runInterval(starts: starts), since: starts.first)
            for zone in plan.zones { last[zone] = DeepSchedule.Comparison(time: now, serials: current[zone]!) }
            // Every zone's last comparison (a zone never compared: the first run) is at most one period old at
            // every run.
            let stale = zones.filter { now.timeIntervalSince(last[$0]?.time ?? times[0]) > period }
            #expect(stale.isEmpty, "run \(run): \(stale.count) zones not compared for more than the period")
            starts.append(now)
            perRun.append(plan.count)
            plans.append(plan)
        }
        return (perRun, plans)
    }

    /// Ten zones with every kind of history (`mixedHistory`): never compared ("new"), long ago, recently,
    /// in the future (a clock gone back), one server silent at the last comparison.
    static let mixedZones = [
        "ancient", "changed", "fresh", "future", "mid", "new", "old", "older", "secondary", "silent",
    ]

    /// The last comparison of each of `mixedZones` but "new", seen at `now` (serial 1 everywhere).
    static func mixedHistory(now: Date) -> [String: DeepSchedule.Comparison] {
        [
            "ancient": .init(time: now - 3500, serials: same(1)),
            "changed": .init(time: now - 60, serials: same(1)),
            "fresh": .init(time: now - 60, serials: same(1)),
            "future": .init(time: now + 600, serials: same(1)),
            "mid": .init(time: now - 1800, serials: same(1)),
            "old": .init(time: now - 3100, serials: same(1)),
            "older": .init(time: now - 3300, serials: same(1)),
            "secondary": .init(time: now - 60, serials: same(1)),
            // ns3 gave no verified serial at the last comparison.
            "silent": .init(time: now - 60, serials: same(1).filter { $0.key != "ns3" }),
        ]
    }

    @Test func whichZonesARunCompares() {
        let now = Self.t0
        let zones = Self.mixedZones
        // "silent": ns3 gave no verified serial at the last comparison; it does now.
        let last = Self.mixedHistory(now: now)
        var current = Dictionary(uniqueKeysWithValues: zones.map { ($0, Self.same(1)) })
        current["changed"] = Self.same(2)
        current["secondary"]!["ns4"] = 2
        // A server that gives no serial now is no change.
        current["fresh"]!["ns2"] = nil
        // 10 zones, period 1 h, a run every 10 min: 6 runs a period, all zones within 5: a share of 2.
        let plan = DeepSchedule.plan(
            zones: zones, last: last, current: current, now: now, period: 3600, interval: 600)
        #expect(plan.share == 2)
        #expect(
            plan.reasons == [
                "changed": .serialChanged, "secondary": .serialChanged, "silent": .serialChanged,
                "future": .clockWentBack,
                // The rotation: never compared first, then the oldest; beyond the share, "older" (3,900 s old at
                // the next run) and "old" (3,700 s) are overdue, "mid" (2,400 s) waits.
                "new": .neverCompared, "ancient": .oldest, "older": .overdue, "old": .overdue,
            ])
        #expect(
            plan.description
                == "8 deep-compared (3 serial changed, 2 overdue, 1 compared in the future, 1 never compared, 1 oldest)"
        )
        // Transfers start with the changed serials, the rotation last.
        #expect(plan.order == ["changed", "secondary", "silent", "old", "older", "future", "new", "ancient"])
    }

    @Test func theShareKeepsOneRunOfMargin() {
        #expect(DeepSchedule.share(zones: 10_000, period: 3600, interval: 300) == 910)  // 10,000 / 11
        #expect(DeepSchedule.share(zones: 10_000, period: 3600, interval: 1200) == 5000)  // 3 runs: 2 to cover all
        #expect(DeepSchedule.share(zones: 10_000, period: 3600, interval: 1800) == 10_000)  // 2 runs: every run
        // Runs rarer than the period: every run.
        #expect(DeepSchedule.share(zones: 10_000, period: 3600, interval: 7200) == 10_000)
        #expect(DeepSchedule.share(zones: 10_000, period: 3600, interval: 0) == 910)  // unknown: 5 min
        #expect(DeepSchedule.share(zones: 5, period: 3600, interval: 60) == 1)
        #expect(DeepSchedule.share(zones: 0, period: 3600, interval: 300) == 0)
    }

    @Test func theRunIntervalIsTheMedianGap() {
        let t = Self.t0
        #expect(DeepSchedule.runInterval(starts: []) == 300)
        #expect(DeepSchedule.runInterval(starts: [t]) == 300)
        #expect(DeepSchedule.runInterval(starts: [t, t + 600]) == 600)
        // One slow gap (a skipped run) does not move the median.
        #expect(DeepSchedule.runInterval(starts: [t, t + 60, t + 120, t + 1000, t + 1060]) == 60)
        // The clock went back between two runs: that gap is left out.
        #expect(DeepSchedule.runInterval(starts: [t, t + 120, t - 5000, t - 4880]) == 120)
        // Only the last runs count: the interval changed from 10 min to 1 min long ago.
        let slow: [Date] = (0..<5).map { (run: Int) -> Date in t + Double(run) * 600 }
        let fast: [Date] = (1...20).map { (run: Int) -> Date in t + 2400 + Double(run) * 60 }
        let starts = slow + fast
        #expect(DeepSchedule.runInterval(starts: starts) == 60)
    }

    /// 10,000 zones, check.deep 1 h, a run every 5 min for 4 hours: the first run compares its share like any
    /// other (its transfers cost about a sweep, not 50,000 transfers at once), 10,000 / 11 = 910 (zones / 12 =
    /// 834 would leave no margin), never-compared zones first, and no zone goes an hour without a comparison.
    @Test func everyZoneWithinThePeriodAtAboutATwelfthPerRun() {
        let zones = Self.names(10_000)
        let times = (0..<48).map { Self.t0 + Double($0) * 300 }
        let (perRun, plans) = Self.simulate(zones: zones, times: times, period: 3600)
        #expect(perRun.allSatisfy { $0 == 910 }, "\(perRun)")
        #expect(plans[0].count(.neverCompared) == 910)
        // The never-compared zones are taken before any zone compared once: 10 runs of 910, then the last 900.
        #expect(plans.prefix(10).allSatisfy { $0.count(.neverCompared) == 910 })
        #expect(plans[10].count(.neverCompared) == 900 && plans[10].count(.oldest) == 10)
        #expect(plans.dropFirst(11).allSatisfy { $0.count(.neverCompared) == 0 })
        #expect(plans.allSatisfy { $0.count(.overdue) == 0 })
    }

    /// A first run that assumed 5 minutes between runs when cron runs it hourly: the second run, an hour later,
    /// compares every zone the first did not (they would pass the period before a third), not its share alone.
    @Test func aFirstRunThatGuessedTheIntervalWrongIsCaughtUpByTheNext() {
        let zones = Self.names(1_100)
        let times = (0..<4).map { Self.t0 + Double($0) * 3600 }
        var last: [String: DeepSchedule.Comparison] = [:]
        var starts: [Date] = []
        for (run, now) in times.enumerated() {
            let plan = DeepSchedule.plan(
                zones: zones, last: last, current: [:], now: now, period: 3600,
                interval: DeepSchedule.runInterval(starts: starts), since: starts.first)
            if run == 0 { #expect(plan.count == 100) }
            if run == 1 {
                #expect(plan.count == 1_100)
                #expect(plan.count(.overdue) == 1_000)
            }
            for zone in plan.zones { last[zone] = DeepSchedule.Comparison(time: now, serials: [:]) }
            starts.append(now)
            #expect(zones.allSatisfy { last[$0] != nil } || run == 0)
        }
    }

    /// The cron line says 5 min but a slow run makes the next one skip (the lock is held): one 10-minute gap an
    /// hour is within the margin.
    @Test func aSkippedRunAnHourKeepsEveryZoneWithinThePeriod() {
        let zones = Self.names(2_000)
        var times: [Date] = []
        var t = Self.t0
        for run in 0..<60 {
            times.append(t)
            t += run % 11 == 5 ? 600 : 300
        }
        let (perRun, _) = Self.simulate(zones: zones, times: times, period: 3600)
        #expect(perRun.dropFirst().allSatisfy { $0 <= 2_000 / 11 + 1 }, "\(perRun)")
    }

    /// 10 zones' serials change at every run (on the primary; the secondaries follow): those are compared the
    /// same run, on top of the share, and the rotation still covers everyone.
    @Test func changedSerialsAreComparedTheSameRun() {
        let zones = Self.names(1_000)
        let times = (0..<30).map { Self.t0 + Double($0) * 300 }
        let (perRun, plans) = Self.simulate(zones: zones, times: times, period: 3600) { run, zone in
            // zone00000 ... zone00009 get a new serial every run.
            zone < "zone00010" ? UInt32(run + 1) : 1
        }
        for plan in plans.dropFirst() {
            #expect(plan.count(.serialChanged) == 10)
            #expect((0..<10).allSatisfy { plan.reasons[String(format: "zone%05d.example", $0)] == .serialChanged })
            #expect(
                plan.count(.oldest) + plan.count(.neverCompared)
                    == DeepSchedule.share(zones: 1_000, period: 3600, interval: 300))
        }
        #expect(perRun.dropFirst().allSatisfy { $0 == 10 + 91 })
    }

    /// Zones added to a fleet whose schedule began more than a period ago are compared at the next run, all of
    /// them; added in the fleet's first period, they come first in the rotation, all compared within the
    /// period of the first run.
    @Test func newZones() {
        let zones = Self.names(1_200)
        let before = Array(zones.prefix(1_000))
        for (addedAt, atOnce) in [(14, true), (6, false)] {
            let times = (0..<24).map { Self.t0 + Double($0) * 300 }
            var last: [String: DeepSchedule.Comparison] = [:]
            for (run, now) in times.enumerated() {
                let fleet = run < addedAt ? before : zones
                let plan = DeepSchedule.plan(
                    zones: fleet, last: last, current: [:], now: now, period: 3600, interval: 300, since: times[0])
                if run == addedAt {
                    // Never-compared zones take the rotation (1,200 / 11 = 110); on the old fleet the other 90
                    // added zones are overdue; on the young one they wait with the zones not yet compared.
                    let added = zones.suffix(200)
                    #expect(added.allSatisfy { plan.reasons[$0] != nil } == atOnce)
                    #expect(plan.count(.neverCompared) == 110)
                    #expect(plan.count(.overdue) == (atOnce ? 90 : 0))
                    #expect(plan.count(.oldest) == 0)
                }
                for zone in plan.zones { last[zone] = DeepSchedule.Comparison(time: now, serials: [:]) }
                // Within the period of the first run: no zone left uncompared.
                if now.timeIntervalSince(times[0]) >= 3600 - 300 {
                    #expect(fleet.allSatisfy { last[$0] != nil }, "run \(run), added at \(addedAt)")
                }
            }
        }
    }

    /// The clock goes back 30 minutes between two runs: the zones compared "in the future" are compared again
    /// (their age is unknown), and from then on every zone stays within the period on the new clock.
    @Test func clockGoingBackwards() {
        let zones = Self.names(1_100)
        var times = (0..<12).map { Self.t0 + Double($0) * 300 }
        let back = times.last! - 1800
        times += (0..<24).map { back + Double($0) * 300 }
        let (perRun, plans) = Self.simulate(zones: zones, times: times, period: 3600)
        // The first run after the step: every zone compared in the last 30 min (on the old clock) is ahead of
        // the new one.
        let step = plans[12]
        #expect(step.count(.clockWentBack) == 600)
        #expect(step.count(.oldest) == 100)
        #expect(perRun.suffix(20).allSatisfy { $0 <= 1_100 / 11 + 1 }, "\(perRun)")
    }

    /// `run --deep`: everything, whatever was compared before.
    @Test func forcedComparesEveryZone() {
        let plan = DeepSchedule.all(["a.example", "b.example"])
        #expect(plan.reasons == ["a.example": .forced, "b.example": .forced])
        #expect(plan.description == "2 deep-compared (2 forced)")
    }

    /// The serials as the sweep hands them over, zone by zone in its order: a failed answer carries none.
    @Test func serialsFromTheSweep() {
        let failed = ServerObservation(
            server: "ns2", role: .secondary,
            answer: .failed(
                QueryError(
                    zone: try! DomainName(presentation: "b.example.", origin: nil),
                    server: ServerEndpoint(name: "ns2", host: "192.0.2.2", port: 53, key: nil), kind: .soa,
                    failure: .timeout(attempts: 1, waited: .seconds(1)))))
        let sweep = [
            [ServerObservation(server: "ns1", role: .primary, answer: .serial(7, rtt: .milliseconds(1)))],
            [ServerObservation(server: "ns1", role: .primary, answer: .serial(9, rtt: .milliseconds(1))), failed],
        ]
        #expect(
            DeepSchedule.serials(sweep, zones: ["a.example", "b.example"])
                == ["a.example": ["ns1": 7], "b.example": ["ns1": 9]])
    }
}
