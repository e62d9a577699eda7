import Foundation
import TestSupport
import Testing
import ZoneCheck

/// The state database's record of each zone's last verified comparison, as `run` writes it and the next
/// run's `DeepSchedule` reads it, on a real SQLite file.
@Suite struct DeepComparisonStateTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func whatOneRunRecordsTheNextReads() throws {
        let folder = try TemporaryDirectory("zonecheck-state")
        let state = try StateDatabase.open(directory: folder.path)
        #expect(try state.deepComparisons().isEmpty)
        try state.recordDeepComparisons(
            [
                "a.example": ["ns1": 7, "ns2": 7, "ns3": nil],
                "b.example": ["ns1": 4_294_967_295, "ns2": nil],
            ], at: Self.t0, swept: ["a.example", "b.example", "c.example"])
        try state.recordDeepComparisons(
            ["c.example": ["ns1": 1, "ns2": 1]], at: Self.t0 + 300, swept: ["a.example", "b.example", "c.example"])
        let again = try StateDatabase.open(directory: folder.path)
        #expect(
            try again.deepComparisons() == [
                "a.example": .init(time: Self.t0, serials: ["ns1": 7, "ns2": 7]),
                "b.example": .init(time: Self.t0, serials: ["ns1": 4_294_967_295]),
                "c.example": .init(time: Self.t0 + 300, serials: ["ns1": 1, "ns2": 1]),
            ])
        // Compared again: replaced (ns3 answers now); b.example is no longer configured: forgotten.
        try state.recordDeepComparisons(
            ["a.example": ["ns1": 8, "ns2": 8, "ns3": 8]], at: Self.t0 + 600, swept: ["a.example", "c.example"])
        #expect(
            try state.deepComparisons() == [
                "a.example": .init(time: Self.t0 + 600, serials: ["ns1": 8, "ns2": 8, "ns3": 8]),
                "c.example": .init(time: Self.t0 + 300, serials: ["ns1": 1, "ns2": 1]),
            ])
    }

    @Test func theRunsStartTimesInTheOrderTheyRan() throws {
        let folder = try TemporaryDirectory("zonecheck-state")
        let state = try StateDatabase.open(directory: folder.path)
        // The clock went back before the third run: the order is the runs', not the clock's.
        let starts = [Self.t0, Self.t0 + 300, Self.t0 - 1000, Self.t0 - 700]
        for start in starts {
            let run = try state.beginRun(started: start, pid: 1, host: "test")
            try state.finishRun(id: run.id, at: start + 10, summary: "test")
        }
        // A run still going (or killed) is no interval.
        _ = try state.beginRun(started: Self.t0 + 5000, pid: 1, host: "test")
        #expect(try state.recentRunStarts(12) == starts)
        #expect(try state.recentRunStarts(2) == Array(starts.suffix(2)))
        #expect(DeepSchedule.runInterval(starts: try state.recentRunStarts(12)) == 300)
    }

    /// When the deep schedule began: the oldest finished run that compared a zone by transfer (runs with
    /// check.deep "never", and a run killed half-way, do not count).
    @Test func theFirstDeepRun() throws {
        let directory = StateDatabaseTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try StateDatabase.open(directory: directory)
        #expect(try state.firstDeepRunStart() == nil)
        for (offset, deep, finished) in [(0.0, false, true), (300, true, false), (600, true, true), (900, true, true)] {
            let run = try state.beginRun(started: Self.t0 + offset, pid: 1, host: "test")
            let none = IncidentTracker.track(
                open: [], findings: [], history: [:], now: Self.t0 + offset, settings: IncidentSettings(resolveAfter: 1)
            )
            _ = try state.record(
                RunRecord(
                    runID: run.id, time: Self.t0 + offset, deep: deep, verdicts: [], problemStarts: [],
                    incidents: none, servers: [], status: .ok))
            if finished { try state.finishRun(id: run.id, at: Self.t0 + offset + 10, summary: "test") }
        }
        #expect(try state.firstDeepRunStart() == Self.t0 + 600)
    }
}
