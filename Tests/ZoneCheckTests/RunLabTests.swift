import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// `zonecheck run` (the real binary, as cron runs it) against the real BIND lab on 127.53.8.x port 5308, with a
/// real SQLite state database: the lock, a kill -9 in the middle, a lag that clears within the grace, and a
/// lost NOTIFY on 50 zones of one secondary told as one grouped alert, repaired, then resolved.
@Suite("run on the lab", .serialized, .ownThreads)
struct RunLabTests {
    static let unavailable = Lab.unavailableReason()

    static func startLab(zones: Int = 5) throws -> Lab { try Lab.started(prefix: "127.53.8", port: 5308, zones: zones) }

    @Test(
        "two runs at once: the second exits 3 at once naming the first's PID; the first finishes",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func concurrentRuns() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        // ns5 down and slow timeouts make the first run last a few seconds.
        try lab.configureForRun(grace: "10m", timeout: "2s", retries: 1)
        try lab.run(["stop-server", "ns5", "--dir", lab.directory])
        let first = try lab.launchRun()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let lockPath = lab.directory + "/state/run.lock"
        let holds = try waitUntil(10) {
            ((try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? "").contains("pid \(first.processIdentifier) ")
        }
        #expect(holds, "the first run never wrote its PID into \(lockPath)")
        let second = try lab.zonecheckRun()
        print(String(format: "second run refused in %.3f s", second.seconds))
        #expect(second.status == 3, "\(second.stdout)\(second.stderr)")
        let lines = second.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(second.stderr)")
        #expect(
            second.stderr.contains("another zonecheck run (PID \(first.processIdentifier), started ")
                && second.stderr.contains("holds \(lockPath)"), "\(second.stderr)")
        #expect(second.seconds < 1.5, "the second run waited \(second.seconds) s")
        #expect(first.isRunning, "the first run ended before the second was refused: the test proves nothing")
        first.waitUntilExit()
        #expect(first.terminationStatus == 1, "ns5 down is a WARNING; got \(first.terminationStatus)")
    }

    @Test(
        "kill -9 while repairing: the next run takes the lock, the database is intact, nothing is repaired twice",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func killedRun() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let zone = "zone00002.lab"
        // ns4 refuses zonecheck's NOTIFY (only the primary's transfer key may notify), so the repair goes on to
        // ns4's retransfer command, here a slow one: the run is killed while it runs.
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        try lab.run(["bump", zone, "--dir", lab.directory])
        let conf = lab.directory + "/ns4/named.conf"
        let named = try String(contentsOfFile: conf, encoding: .utf8)
        let allow = "allow-notify { key zonecheck-ns4; key xfr-ns4; };"
        #expect(named.contains(allow), "the lab's ns4 named.conf no longer has '\(allow)'")
        try named.replacingOccurrences(of: allow, with: "allow-notify { key xfr-ns4; };").write(
            toFile: conf, atomically: true, encoding: .utf8)
        try lab.run(["start-server", "ns4", "--dir", lab.directory])
        try lab.configureForRun(grace: "1s") { text in
            var lines = text.components(separatedBy: "\n")
            // ns4's retransfer command (the line after its key_name) becomes a slow one.
            if let index = lines.firstIndex(of: "    key_name: zonecheck-ns4"), lines[index + 1].contains("retransfer:")
            {
                lines[index + 1] = "    retransfer: [sh, -c, \"sleep 5\", sh, \"{zone}\"]"
            }
            return lines.joined(separator: "\n")
        }
        let warm = try lab.zonecheckRun()
        #expect(warm.status == 0, "a lag within the grace is not a problem: \(warm.stdout)\(warm.stderr)")
        Thread.sleep(forTimeInterval: 1.2)
        let doomed = try lab.launchRun()
        let notified = try waitUntil(15) { try !lab.actions("notify", zone: zone).isEmpty }
        #expect(notified, "the run never sent its NOTIFY")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(doomed.isRunning, "the run finished before it could be killed")
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        #expect(doomed.terminationReason == .uncaughtSignal)

        let next = try lab.zonecheckRun()
        #expect(next.status == 2, "still lagging: CRITICAL, not UNKNOWN (the lock is free): \(next.stderr)")
        #expect(!next.stderr.contains("holds"), "\(next.stderr)")
        let state = try lab.state()
        #expect(try state.integrityProblems().isEmpty)
        let attempts = try state.repairAttempts(zone: zone, since: .distantPast, until: Date())
        #expect(attempts.map(\.status) == ["interrupted"], "\(attempts)")
        #expect(try lab.actions("notify", zone: zone).count == 1, "the NOTIFY was repeated")
        #expect(try lab.actions("repair-interrupted", zone: zone).count == 1)
        #expect(try lab.audit().check().firstBreak == nil)
        let runs = try state.runs(since: .distantPast, until: Date())
        #expect(runs.count == 3 && runs.filter { $0.summary == UnfinishedRun.summary }.count == 1)
        let open = try state.openIncidents()
        #expect(open.filter { $0.problem != .runUnfinished }.map(\.zone) == [zone], "one incident, not two")
        #expect(open.filter { $0.problem == .runUnfinished }.count == 1, "the killed run is reported: \(open)")
    }

    @Test(
        "kill -9 at random points of six runs that sweep, record and repair: each next run works, nothing twice",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func killedAtRandomPoints() throws {
        let lab = try Self.startLab(zones: 35)
        defer { lab.tearDown() }
        // No grace: a lag opens an incident and is repaired (NOTIFY) in the same run, so every run writes
        // observations, incidents, repair attempts and audit entries: there is something to interrupt.
        try lab.configureForRun(grace: "0s")
        let rndc = try #require(Lab.which("rndc"))
        /// Five new zones lose their NOTIFY on ns4 (earlier rounds' zones may still be backing off).
        func loseNotifies(round: Int) throws {
            try lab.run(["stop-server", "ns4", "--dir", lab.directory])
            for n in 1...5 {
                try lab.run([
                    "bump", String(format: "zone%05d.lab", round * 5 + n), "--no-reload", "--dir", lab.directory,
                ])
            }
            let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload"])
            #expect(reload.status == 0, "\(reload.stderr)")
            try lab.run(["wait", "--dir", lab.directory, "--timeout", "30"])
            try lab.run(["start-server", "ns4", "--dir", lab.directory])
        }
        // Round 0, not killed: how long such a run takes here, so that the kill points fall inside one.
        try loseNotifies(round: 0)
        let whole = try lab.zonecheckRun()
        #expect(whole.status == 2 && whole.stderr.contains("5 zones repaired"), "\(whole.stderr)")
        var delays: [Double] = []
        var killed = 0
        for round in 1...6 {
            try loseNotifies(round: round)
            let delay = Double.random(in: 0.005...max(0.01, whole.seconds * 0.7))
            delays.append(delay)
            let doomed = try lab.launchRun()
            Thread.sleep(forTimeInterval: delay)
            kill(doomed.processIdentifier, SIGKILL)
            doomed.waitUntilExit()
            if doomed.terminationReason == .uncaughtSignal { killed += 1 }
            // Whatever the point: the database (once created) is whole, the audit chain verifies.
            if let state = try StateDatabase.openExisting(directory: lab.directory + "/state") {
                #expect(try state.integrityProblems().isEmpty, "round \(round), killed after \(delay) s")
            }
            #expect(try lab.audit().check().firstBreak == nil, "round \(round), killed after \(delay) s")
            // The next run takes the lock and finishes (WARNING/CRITICAL while lags remain, never UNKNOWN).
            let next = try lab.zonecheckRun()
            #expect(
                next.status != 3 && !next.stderr.contains("holds"),
                "round \(round), killed after \(delay) s: \(next.stderr)")
        }
        let interrupted = try lab.actions("repair-interrupted").count
        print(
            String(format: "a whole run: %.2f s; killed at (s): ", whole.seconds)
                + delays.map { String(format: "%.3f", $0) }.joined(separator: ", ")
                + "; \(killed) of 6 killed before they finished, \(interrupted) repairs interrupted")
        // Most points must fall inside a run, else the test proves nothing.
        #expect(killed >= 3, "only \(killed) of 6 runs were still running when killed: \(delays)")
        let state = try lab.state()
        #expect(try state.integrityProblems().isEmpty)
        #expect(try lab.audit().check().firstBreak == nil)
        // Nothing repaired twice: at most one NOTIFY per zone, whether its run was killed or not.
        let notified = try lab.actions("notify")
        let perZone = Dictionary(grouping: notified, by: \.zone).mapValues(\.count)
        #expect(perZone.values.allSatisfy { $0 == 1 }, "\(perZone.filter { $0.value > 1 }) (delays \(delays))")
        #expect(notified.allSatisfy { $0.server == "ns4" })
        // Every run is accounted for: the seven completed ones, and each killed one that got as far as
        // recording itself is marked as killed by the run after it (or finished before the kill came).
        let runs = try state.runs(since: .distantPast, until: Date())
        #expect(runs.count >= 7 && runs.count <= 13, "\(runs.count) runs recorded")
        #expect(
            runs.allSatisfy { $0.finished != nil || $0.summary == UnfinishedRun.summary },
            "\(runs.map { "\($0.id): \($0.summary ?? "-")" })")
    }

    @Test(
        "a lag that clears within the grace opens nothing and sends nothing",
        .enabled(if: unavailable == nil && SMTPSink.unavailableReason() == nil), .timeLimit(.minutes(10)))
    func lagWithinGrace() throws {
        let sink = try SMTPSink.started(port: Self.sinkPort)
        defer { sink.stop() }
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.configureForRun(grace: "30s", email: Self.sinkEmail)
        try lab.loseNotify(on: "ns4", zone: "zone00001.lab")
        let first = try lab.zonecheckRun()
        #expect(first.status == 0 && first.stdout.isEmpty && first.stderr.contains("OK"), "\(first.stderr)")
        let state = try lab.state()
        #expect(try state.problemStarts().contains { $0.zone == "zone00001.lab" && $0.server == "ns4" })
        // ns4 catches up by itself (its own refresh), as propagation normally does.
        let rndc = try #require(Lab.which("rndc"))
        _ = try Command.run(rndc, ["-c", lab.directory + "/ns4/rndc.conf", "refresh", "zone00001.lab"])
        try lab.run(["wait", "--dir", lab.directory, "--timeout", "15"])
        let second = try lab.zonecheckRun()
        #expect(second.status == 0 && second.stdout.isEmpty, "\(second.stderr)")
        #expect(try state.incidents(since: .distantPast, until: Date()).isEmpty, "an incident was opened")
        #expect(try lab.actions("alert-sent").isEmpty)
        #expect(try lab.actions("notify").isEmpty, "nothing to repair within the grace")
        #expect(try state.problemStarts().isEmpty)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try sink.messages().isEmpty, "mail was sent")
    }

    static let sinkPort: UInt16 = 5310

    /// The lab's alerts go to the SMTP sink on 127.0.0.1:5310.
    static var sinkEmail: String {
        "  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: smtp, "
            + "smtp: { host: 127.0.0.1, port: \(sinkPort), starttls: false } }"
    }

    @Test(
        "a lost NOTIFY on 50 zones of ns4: one grouped alert, the repair, one resolution notice, the digest",
        .enabled(if: unavailable == nil && SMTPSink.unavailableReason() == nil), .timeLimit(.minutes(10)))
    func fiftyZonesLaggingOnOneSecondary() throws {
        let sink = try SMTPSink.started(port: Self.sinkPort)
        defer { sink.stop() }
        let lab = try Self.startLab(zones: 50)
        defer { lab.tearDown() }
        try lab.configureForRun(grace: "2s", resolveAfter: 1, email: Self.sinkEmail)
        let zones = (1...50).map { String(format: "zone%05d.lab", $0) }
        // ns4 misses the NOTIFYs for 50 changes: down while the primary loads them, back without being told.
        try lab.run(["stop-server", "ns4", "--dir", lab.directory])
        for zone in zones { try lab.run(["bump", zone, "--no-reload", "--dir", lab.directory]) }
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload"])
        #expect(reload.status == 0, "\(reload.stderr)")
        try lab.run(["wait", "--dir", lab.directory, "--timeout", "30"])
        try lab.run(["start-server", "ns4", "--dir", lab.directory])

        // Run 1: the lags are new, within the 2 s grace: nothing opens, nothing is sent.
        let first = try lab.zonecheckRun()
        #expect(first.status == 0 && first.stdout.isEmpty, "\(first.stderr)")
        let state = try lab.state()
        #expect(try state.problemStarts().filter { $0.server == "ns4" && $0.problem == .lagging }.count == 50)
        #expect(try state.incidents(since: .distantPast, until: Date()).isEmpty)
        Thread.sleep(forTimeInterval: 2.2)
        // check reads the state: the lags are dated and, past the grace, CRITICAL.
        let check = try ZoneCheckBinary.run("check", [], config: lab.configPath)
        #expect(check.status == 2, "\(check.stdout)")
        #expect(
            check.stdout.contains("ns4 (instance ns4.iad1) is 1 serial behind ns1 on zone00001.lab since "),
            "\(check.stdout)")

        // Run 2: past the grace: 50 incidents, one alert, 50 repairs.
        let prometheus = lab.directory + "/zonecheck.prom"
        let json = lab.directory + "/zonecheck.json"
        let second = try lab.zonecheckRun(["--prometheus", prometheus, "--json", json])
        print(
            String(format: "run over 51 zones with 50 incidents opened, one alert, 50 repairs: %.2f s", second.seconds))
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("50 opened") && second.stderr.contains("50 zones repaired (50 converged)"))
        var mails = try sink.waitForMessages(1)
        Thread.sleep(forTimeInterval: 0.5)
        mails = try sink.messages()
        #expect(mails.count == 1, "one grouped alert, not \(mails.count)")
        #expect(
            mails[0].subject.contains("CRITICAL: 1 opened (ns4 is behind on 50 zones)"),
            "\(mails[0].subject)")
        #expect(mails[0].recipients == ["hostmaster@example.com"])
        // The alert says what the run did about it, and lists every zone (attached: more than fit the body).
        let alert = try MailInspection.inspect(mails[0].path)
        let body = alert.part("text/plain")?.content ?? ""
        #expect(body.contains("Automatic repair this run (notify ns4): 50 of 50 zones converged"), "\(body)")
        let list = alert.parts.first { $0.filename != nil }?.content ?? ""
        #expect(list.split(whereSeparator: \.isNewline).map(String.init) == zones, "the attached zone list")
        let notified = try lab.actions("notify")
        #expect(Set(notified.map(\.zone)) == Set(zones) && notified.count == 50, "\(notified.count) NOTIFYs")
        #expect(notified.allSatisfy { $0.server == "ns4" && $0.outcome == "ok" && $0.user == "run" })
        #expect(try lab.actions("alert-sent").map(\.outcome) == ["ok"])
        let metrics = try String(contentsOfFile: prometheus, encoding: .utf8)
        #expect(metrics.contains("zonecheck_incidents_open{severity=\"critical\"} 50"))
        #expect(metrics.contains("zonecheck_zone_lag_serials{zone=\"zone00001.lab\",server=\"ns4\"} 1"))
        #expect(metrics.contains("zonecheck_zone_up{zone=\"zone00001.lab\",server=\"ns4\"} 1"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(report is [String: Any], "--json wrote no JSON object")
        let status = try ZoneCheckBinary.run("status", [], config: lab.configPath)
        #expect(status.status == 2 && status.stdout.contains("ns4 is behind on 50 zones"), "\(status.stdout)")

        // Run 3: clean (resolve_after 1): one resolution notice. Run 4: nothing more.
        let third = try lab.zonecheckRun()
        #expect(third.status == 0, "\(third.stderr)")
        mails = try sink.waitForMessages(2)
        #expect(mails.count == 2)
        if mails.count == 2 {
            #expect(
                mails[1].subject.contains("RESOLVED: 1 resolved (ns4 is behind on 50 zones)"),
                "\(mails[1].subject)")
        }
        let fourth = try lab.zonecheckRun()
        #expect(fourth.status == 0)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try sink.messages().count == 2, "a resolved incident was told again")
        #expect(try state.openIncidents().isEmpty)

        // The digest lists it all: the incident opened and resolved, the 50 repairs, ns4's health, the audit.
        let digest = try ZoneCheckBinary.run("digest", ["--since", "1h", "--print"], config: lab.configPath)
        #expect(digest.status == 0, "\(digest.stderr)")
        #expect(digest.stdout.contains("ns4 is behind on 50 zones"), "\(digest.stdout)")
        let gathered = try DigestGathering.report(
            state: state, audit: lab.audit(), configuration: try Configuration.load(path: lab.configPath),
            since: Date().addingTimeInterval(-3600), until: Date(), host: "test")
        #expect(gathered.opened.map(\.headline) == ["ns4 is behind on 50 zones"])
        #expect(gathered.resolved.map(\.headline) == ["ns4 is behind on 50 zones"])
        #expect(gathered.stillOpen.isEmpty)
        #expect(gathered.repairs.count == 50 && gathered.repairs.allSatisfy { $0.outcome == "ok" })
        // A NOTIFY is audited when sent; the serial after comes from what the next run saw ns4 serve.
        #expect(
            gathered.repairs.allSatisfy { repair in
                repair.serialAfter.map { after in repair.serialBefore.map { after == $0 + 1 } ?? false } ?? false
            }, "\(gathered.repairs.map { ($0.serialBefore, $0.serialAfter) })")
        #expect(!digest.stdout.contains("-> ?"), "\(digest.stdout)")
        #expect(gathered.runs == 4 && gathered.zonesChecked == 51)
        #expect(gathered.servers.map(\.server) == ["ns1", "ns2", "ns3", "ns4", "ns5"])
        #expect(gathered.servers.allSatisfy { $0.answerRate == 1 })
        #expect(gathered.audit.chainIntact && gathered.audit.byAction["notify"] == 50)
        let sent = try ZoneCheckBinary.run("digest", ["--since", "1h", "--send"], config: lab.configPath)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try sink.waitForMessages(3).count == 3)
        let history = try ZoneCheckBinary.run("history", ["zone00007.lab"], config: lab.configPath)
        #expect(history.stdout.contains("notify ns4 ok by run"), "\(history.stdout)")
        #expect(history.stdout.contains("resolved after"), "\(history.stdout)")
        let verify = try Command.run(
            try #require(ZoneCheckBinary.url).path, ["audit", "verify", "--config", lab.configPath])
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}
