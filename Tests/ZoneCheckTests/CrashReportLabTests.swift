import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// A crash is never silent (issue 11): `zonecheck run` (the real binary) killed with SIGKILL in the middle of
/// its sweep on the BIND lab (127.53.40.x, port 5340) is reported by the next run as a CRITICAL incident of
/// its own, with the time it started, mailed (to the SMTP sink on 127.0.0.1:5341) naming the vantage; the run
/// after that does not report it again. The killed process had core dumps off.
@Suite("crash reports on the lab", .serialized, .ownThreads)
struct CrashReportLabTests {
    static let unavailable = Lab.unavailableReason()
    static let sinkPort: UInt16 = 5341

    @Test(
        "kill -9 mid-sweep: the next run reports it once as CRITICAL with its start time, mailed with the vantage",
        .enabled(if: unavailable == nil && SMTPSink.unavailableReason() == nil), .timeLimit(.minutes(10)))
    func killedMidSweepIsReported() throws {
        let sink = try SMTPSink.started(port: Self.sinkPort)
        defer { sink.stop() }
        let lab = try Lab.started(prefix: "127.53.40", port: 5340)
        defer { lab.tearDown() }
        let email =
            "  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: smtp, "
            + "smtp: { host: 127.0.0.1, port: \(Self.sinkPort), starttls: false } }"
        // ns5 down with a 2 s timeout: every sweep lasts seconds, so the kill falls inside one.
        try lab.configureForRun(grace: "10m", timeout: "2s", retries: 1, email: email) {
            $0 + "\nvantage: eu-par1\n"
        }
        try lab.run(["stop-server", "ns5", "--dir", lab.directory])
        let warm = try lab.zonecheckRun()
        #expect(warm.status == 1, "ns5 down is a WARNING: \(warm.stderr)")

        let doomed = try lab.launchRun()
        defer { if doomed.isRunning { kill(doomed.processIdentifier, SIGKILL) } }
        var started: Date?
        let sweeping = try waitUntil(15) {
            guard let state = try StateDatabase.openExisting(directory: lab.directory + "/state") else { return false }
            started = try state.runs(since: .distantPast, until: Date().addingTimeInterval(60))
                .first { $0.finished == nil && $0.summary == nil }?.started
            return started != nil
        }
        #expect(sweeping, "the run never recorded its start")
        // Core dumps are off in the process that holds the TSIG keys.
        let limits = try String(contentsOfFile: "/proc/\(doomed.processIdentifier)/limits", encoding: .utf8)
        let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }
        #expect(
            core?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"],
            "\(core ?? "")")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(doomed.isRunning, "the run finished before it could be killed: the test proves nothing")
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        #expect(doomed.terminationReason == .uncaughtSignal)
        let start = try #require(started)

        let metrics = lab.directory + "/zonecheck.prom"
        let next = try lab.zonecheckRun(["--prometheus", metrics])
        #expect(next.status == 2, "an unfinished run is CRITICAL: \(next.stderr)")
        #expect(next.stderr.contains("; 1 earlier run did not finish"), "\(next.stderr)")
        let state = try lab.state()
        let incident = try #require(try state.openIncidents().first { $0.problem == .runUnfinished })
        #expect(incident.severity == .critical && incident.zone == UnfinishedRun.incidentZone)
        let clock = Self.clock(start)
        #expect(
            incident.detail.contains("The zonecheck run started \(clock) (PID \(doomed.processIdentifier) on "),
            "\(incident.detail)")
        let mails = try sink.waitForMessages(1)
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail.subject.contains("[zonecheck eu-par1] CRITICAL"), "\(mail.subject)")
        #expect(mail.text.contains("a zonecheck run did not finish (killed or crashed)"), "\(mail.text.prefix(800))")
        #expect(mail.text.contains("X-Zonecheck-Vantage: eu-par1"))
        // The textfile: this run's times and the vantage label.
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        let end = Int(try #require(try state.lastFinishedRun()).timeIntervalSince1970)
        #expect(text.contains("zonecheck_run_last_success_timestamp_seconds{vantage=\"eu-par1\"} \(end)\n"), "\(text)")
        #expect(text.contains("zonecheck_run_end_timestamp_seconds{vantage=\"eu-par1\"} \(end)\n"))
        #expect(text.contains("zonecheck_run_start_timestamp_seconds{vantage=\"eu-par1\"} "))

        // Told once: the run after that does not report it again (and, clean once, resolves it).
        let after = try lab.zonecheckRun()
        #expect(after.status == 1, "only ns5 down remains: \(after.stderr)")
        #expect(!after.stderr.contains("did not finish"), "\(after.stderr)")
        #expect(try state.openIncidents().allSatisfy { $0.problem != .runUnfinished })
    }

    /// `2026-12-07 12:05 UTC`, as alerts write times.
    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
