import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The state database on a real SQLite file in a temporary directory: what one run writes is what the next
/// reads, and a run over 1,000 zones costs little.
@Suite struct StateDatabaseTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-state-\(UUID().uuidString)").path
    }

    static let servers = ["ns1", "ns2", "ns3", "ns4", "ns5"]

    /// `zones` zones; ns3 lags on the first `lagging` of them.
    static func verdicts(zones: Int, lagging: Int) -> [ZoneVerdict] {
        (0..<zones).map { index in
            let zone = String(format: "zone%05d.example", index)
            var findings: [Finding] = []
            let cells = servers.enumerated().map { position, server in
                let behind = server == "ns3" && index < lagging
                if behind {
                    findings.append(
                        Finding(severity: .critical, kind: .lagging, zone: zone, servers: [server], message: "behind"))
                }
                return ServerStatus(
                    server: server, role: position == 0 ? .primary : .secondary, serial: behind ? 9 : 10,
                    state: behind ? .lagging : .ok, rtt: .milliseconds(Int64(2 + position)), detail: nil)
            }
            return ZoneVerdict(name: try! DomainName(zoneName: zone), servers: cells, findings: findings)
        }
    }

    static func record(
        _ state: StateDatabase, verdicts: [ZoneVerdict], at time: Date, previous: [ProblemStart] = []
    ) throws -> (starts: [ProblemStart], stored: [Incident], seconds: Double) {
        let begin = ContinuousClock.now
        let run = try state.beginRun(started: time, pid: 1, host: "test")
        let starts = ProblemStart.carry(verdicts, previous: previous, now: time)
        let update = IncidentTracker.track(
            open: try state.openIncidents(), findings: verdicts.flatMap(\.findings), history: try state.flapHistory(),
            now: time, settings: IncidentSettings(resolveAfter: 1))
        let stored = try state.record(
            RunRecord(
                runID: run.id, time: time, deep: false, verdicts: verdicts, problemStarts: starts, incidents: update,
                servers: ServerRunStats.make(verdicts, servers: servers), status: .critical))
        try state.finishRun(id: run.id, at: time, summary: "test")
        let elapsed = ContinuousClock.now - begin
        return (starts, stored, elapsed.timeInterval)
    }

    @Test("a corrupt database is moved aside, kept, and a new one started: the cron job does not stop on it")
    func corruptDatabaseIsMovedAsideAndReplaced() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A database (closed at the end of the block, as a run's is when the process ends), then its header
        // overwritten, as a failing disk or a copy gone wrong leaves it.
        let path = StateDatabase.path(directory: directory)
        do {
            let first = try StateDatabase.open(directory: directory)
            #expect(first.corruptMovedTo == nil)
            _ = try Self.record(first, verdicts: Self.verdicts(zones: 3, lagging: 1), at: Date())
        }
        let garbage = Data(repeating: 0x5A, count: 4096)
        try garbage.write(to: URL(fileURLWithPath: path))

        let second = try StateDatabase.open(directory: directory)
        let moved = try #require(second.corruptMovedTo)
        #expect(moved.hasPrefix(path + ".corrupt-"))
        #expect(FileManager.default.contents(atPath: moved) == garbage, "the corrupt file is kept as it was")
        #expect(try second.openIncidents().isEmpty, "the new database starts empty")
        _ = try Self.record(second, verdicts: Self.verdicts(zones: 3, lagging: 1), at: Date())
        #expect(try second.openIncidents().count == 1)

        // A sound database is never moved.
        let third = try StateDatabase.open(directory: directory)
        #expect(third.corruptMovedTo == nil)
        #expect(try third.openIncidents().count == 1)
    }

    @Test("read-only commands name a corrupt database and say what to do, and move nothing")
    func corruptDatabaseForReaders() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try StateDatabase.open(directory: directory)
        let path = StateDatabase.path(directory: directory)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: path))
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        do {
            _ = try StateDatabase.openExisting(directory: directory)
            Issue.record("a corrupt database was opened")
        } catch {
            #expect(error.isCorruption)
            #expect(error.description.contains("corrupt; move it aside"))
        }
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func whatOneRunWritesTheNextReads() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try StateDatabase.open(directory: directory)
        let t0 = Date(timeIntervalSince1970: 1_795_329_060)
        let first = try Self.record(state, verdicts: Self.verdicts(zones: 20, lagging: 3), at: t0)
        #expect(first.stored.count == 3 && first.stored.allSatisfy { $0.id != nil })
        // Reopened from the file: the lag starts and incidents are there.
        let again = try StateDatabase.open(directory: directory)
        let starts = try again.problemStarts()
        #expect(starts.count == 3 && starts.allSatisfy { $0.since == t0 && $0.server == "ns3" })
        #expect(
            try again.openIncidents().map(\.zone) == ["zone00000.example", "zone00001.example", "zone00002.example"])
        // Second run: the lag start is carried, not restarted.
        let t1 = t0.addingTimeInterval(300)
        let second = try Self.record(again, verdicts: Self.verdicts(zones: 20, lagging: 2), at: t1, previous: starts)
        #expect(second.starts.allSatisfy { $0.since == t0 })
        #expect(try again.openIncidents().count == 2, "zone00002 was clean once: resolved (resolve_after 1)")
        let lagClocks = ProblemStart.lagClocks(try again.problemStarts(), now: t1, grace: .seconds(600))
        #expect(lagClocks["zone00000.example"]?.sinceText("ns3") == "since 06:31 UTC (5 min)")
        // The change log holds the changes only: 20 zones x 5 servers first, then zone00002's ns3 catching up.
        let log = try again.observations(zone: "zone00002.example", since: t0, until: t1)
        #expect(log.count == 6)
        #expect(log.last?.server == "ns3" && log.last?.state == "OK" && log.last?.time == t1)
        #expect(try again.integrityProblems().isEmpty)
        #expect(try again.runs(since: t0, until: t1).count == 2)
    }

    /// The digest's server table reads each server's earliest RRSIG(SOA) end and its instances (NSIDs) from the
    /// runs: the earliest over the zones, the instances sorted, nothing for a server with neither.
    @Test func serverRunsKeepSignaturesEndAndInstances() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try StateDatabase.open(directory: directory)
        let t0 = Date(timeIntervalSince1970: 1_795_329_060)
        var verdicts = Self.verdicts(zones: 3, lagging: 0)
        for (index, days) in [9.0, 2.5, 30].enumerated() {
            verdicts[index].servers[2].soaSignature = .signed(
                SOASignature(
                    expiration: t0.addingTimeInterval(days * 86_400), inception: t0.addingTimeInterval(-86_400),
                    keyTag: 1))
            verdicts[index].servers[2].nsid = index == 1 ? "fra1" : "ams1"
        }
        verdicts[0].servers[1].soaSignature = .unsigned
        _ = try Self.record(state, verdicts: verdicts, at: t0)
        let rows = try state.serverRuns(since: t0, until: t0)
        let ns3 = try #require(rows.first { $0.stats.server == "ns3" }?.stats)
        #expect(ns3.signaturesEnd == t0.addingTimeInterval(2.5 * 86_400))
        #expect(ns3.instances == ["ams1", "fra1"])
        let ns2 = try #require(rows.first { $0.stats.server == "ns2" }?.stats)
        #expect(ns2.signaturesEnd == nil && ns2.instances.isEmpty)
        let health = DigestGathering.assemble(
            incidents: [], runs: [], serverRuns: rows, audit: [], chain: nil,
            servers: Self.servers.enumerated().map { ($1, $0 == 0 ? ServerRole.primary : .secondary) }, since: t0,
            until: t0, host: "test"
        ).servers
        #expect(health.first { $0.server == "ns3" }?.signaturesEnd == t0.addingTimeInterval(2.5 * 86_400))
        #expect(health.first { $0.server == "ns3" }?.instances == ["ams1", "fra1"])
    }

    @Test func aKilledRunsAttemptIsInterruptedAndStillCounts() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try StateDatabase.open(directory: directory)
        let t0 = Date(timeIntervalSince1970: 1_795_329_060)
        let run = try state.beginRun(started: t0, pid: 1, host: "test")
        _ = try state.startAttempt(runID: run.id, zone: "a.example", actions: "notify ns3", at: t0)
        // The run dies here; the next one starts.
        let next = try state.beginRun(started: t0.addingTimeInterval(60), pid: 2, host: "test")
        #expect(next.interrupted.map(\.zone) == ["a.example"])
        #expect(try state.repairAttempts(since: t0.addingTimeInterval(-3600))["a.example"]?.count == 1)
        let rows = try state.repairAttempts(zone: "a.example", since: t0, until: t0.addingTimeInterval(60))
        #expect(rows.map(\.status) == ["interrupted"])
        #expect(try state.runs(since: t0, until: t0).first?.summary == "killed before it finished")
    }

    @Test func aRunThatNeverFinishedIsReportedOnceByTheNext() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try StateDatabase.open(directory: directory)
        let t0 = Date(timeIntervalSince1970: 1_795_329_060)
        let done = try state.beginRun(started: t0, pid: 10, host: "checker")
        #expect(done.unfinished.isEmpty)
        try state.finishRun(id: done.id, at: t0.addingTimeInterval(5), summary: "ok")
        #expect(try state.lastFinishedRun() == t0.addingTimeInterval(5))
        let killed = try state.beginRun(started: t0.addingTimeInterval(300), pid: 11, host: "checker")
        // Killed here. The next run reports it, with its start; the one after that does not again.
        let next = try state.beginRun(started: t0.addingTimeInterval(600), pid: 12, host: "checker")
        #expect(
            next.unfinished
                == [UnfinishedRun(id: killed.id, started: t0.addingTimeInterval(300), pid: 11, host: "checker")])
        try state.finishRun(id: next.id, at: t0.addingTimeInterval(605), summary: "ok")
        #expect(try state.beginRun(started: t0.addingTimeInterval(900), pid: 13, host: "checker").unfinished.isEmpty)
        #expect(try state.lastFinishedRun() == t0.addingTimeInterval(605))
        let finding = try #require(UnfinishedRun.finding(next.unfinished))
        #expect(finding.severity == .critical && finding.kind == .runUnfinished)
        #expect(
            finding.message.hasPrefix(
                "The zonecheck run started 2026-11-22 06:36 UTC (PID 11 on checker) did not finish"),
            "\(finding.message)")
        #expect(UnfinishedRun.finding([]) == nil)
    }

    /// A thousand zones on five servers, 300 lagging on ns3: the database part of a run stays well under a
    /// second (batched inserts, one transaction, a change log instead of every observation).
    @Test func aThousandZonesCostLittle() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try StateDatabase.open(directory: directory)
        let t0 = Date(timeIntervalSince1970: 1_795_329_060)
        let verdicts = Self.verdicts(zones: 1000, lagging: 300)
        let first = try Self.record(state, verdicts: verdicts, at: t0)
        let second = try Self.record(state, verdicts: verdicts, at: t0.addingTimeInterval(300), previous: first.starts)
        print(
            String(
                format: "state database, 1000 zones x 5 servers, 300 incidents: first run %.3f s, next run %.3f s",
                first.seconds, second.seconds))
        #expect(first.stored.count == 300)
        #expect(try state.openIncidents().count == 300)
        let notes = IncidentGrouping.notes(try state.openIncidents(), serverOrder: Self.servers, now: t0)
        #expect(notes.map(\.headline) == ["ns3 is behind on 300 zones"])
        #expect(first.seconds < 2 && second.seconds < 1, "first \(first.seconds) s, second \(second.seconds) s")
    }
}
