import DNSKit
import Foundation
import Testing
import ZoneCheck

/// Why a secondary lags, from hand-made evidence: no network, no clock. Each test is one situation an
/// operator meets, with the cause and next step zonecheck must give instead of "a NOTIFY was probably lost".
@Suite struct LagCauseTests {
    static let zone = try! DomainName(presentation: "example.com.", origin: nil)
    static let file = "/var/lib/bind/example.com.db"
    /// What the lint side's rule reports for the 65,481-octet TXT of the registrar's incident.
    static let tooLarge = Diagnostic(
        .error, "record-too-large-to-transfer", at: SourceLocation(file: file, line: 42),
        "big.example.com. TXT needs 65,586 octets in a TSIG-signed transfer message; at most 65,535 fit")

    static func answered(_ server: String, _ serial: UInt32, role: ServerRole = .secondary) -> ServerObservation {
        ServerObservation(server: server, role: role, answer: .serial(serial, rtt: .milliseconds(3)))
    }

    /// ns1 serves 8; ns2 and ns3 are stuck on 7; ns4 is in sync.
    static func lagging(
        file diagnostics: [Diagnostic] = [], transfers: [TransferObservation]? = nil,
        reports: [String: ServerReport] = [:], refusals: [String: NotifyRefusal] = [:]
    ) -> ZoneObservation {
        ZoneObservation(
            zone: zone,
            servers: [answered("ns1", 8, role: .primary), answered("ns2", 7), answered("ns3", 7), answered("ns4", 8)],
            transfers: transfers,
            primaryFile: PrimaryFileObservation(path: file, serial: 8, diagnostics: diagnostics),
            serverReports: reports, notifyRefusals: refusals)
    }

    @Test func recordTooLargeOnThePrimaryIsOneCriticalFindingNamingTheRecord() throws {
        let v = Compare.verdict(Self.lagging(file: [Self.tooLarge]))
        #expect(v.status == .critical)
        let finding = try #require(v.findings.first { $0.kind == .primaryCannotSend })
        #expect(finding.servers == ["ns1", "ns2", "ns3"], "the primary, then every secondary stuck behind it")
        #expect(finding.message.contains("\(Self.file):42"), "\(finding.message)")
        #expect(finding.message.contains("NOTIFY and retransfer cannot help"), "\(finding.message)")
        #expect(finding.message.contains("split the record"), "\(finding.message)")
        #expect(finding.details.contains(Self.tooLarge.description))
        #expect(!v.findings.contains { $0.kind == .lagging }, "no lost NOTIFY is blamed")
        #expect(!v.findings.contains { $0.message.contains("NOTIFY was probably lost") })
        #expect(v.servers.first { $0.server == "ns2" }?.state == .lagging)
        #expect(v.servers.first { $0.server == "ns4" }?.state == .ok)
        // The lint finding on the file stays as well: it is the same record, seen from the file.
        #expect(v.findings.contains { $0.kind == .fileLint })
    }

    /// The lint side's own rule on its fixture (the registrar's TXT), through the file observation as `check`
    /// reads it: the rule id this diagnosis relies on is the one the linter reports.
    @Test func theLintRuleOnTheRegistrarsRecordIsTheCause() throws {
        let path = LintFixtures.invalid.appendingPathComponent("txt-too-large-to-transfer.zone").path
        let report = Linter.lint(path: path, origin: Self.zone, today: LintFixtures.today)
        var observation = Self.lagging(file: report.diagnostics)
        observation.primaryFile?.path = path
        let finding = try #require(Compare.verdict(observation).findings.first { $0.kind == .primaryCannotSend })
        #expect(finding.message.contains("\(path):10"), "\(finding.message)")
    }

    @Test func aLintWarningNearTheLimitIsNotACause() {
        var near = Self.tooLarge
        near.severity = .warning
        let v = Compare.verdict(Self.lagging(file: [near]))
        #expect(v.findings.filter { $0.kind == .lagging }.count == 2)
        #expect(!v.findings.contains { $0.kind == .primaryCannotSend })
    }

    @Test func thePrimarysOwnTransferFailingIsTheCause() throws {
        let endpoint = ServerEndpoint(name: "ns1", host: "192.0.2.1", port: 53, key: nil)
        let stalled = QueryError(
            zone: Self.zone, server: endpoint, kind: .axfr,
            failure: .transferBroken(.stalled(afterRecords: 13, idle: .seconds(15))))
        let v = Compare.verdict(
            Self.lagging(transfers: [TransferObservation(server: "ns1", outcome: .failed(stalled))]))
        let finding = try #require(v.findings.first { $0.kind == .primaryCannotSend })
        #expect(finding.message.contains("zonecheck's own verified transfer from ns1 failed"), "\(finding.message)")
        #expect(finding.message.contains("'zonecheck lint \(Self.file)'"), "\(finding.message)")
        #expect(LagDiagnosis.cause(of: "ns2", Self.lagging()) == .notifyLost)
    }

    @Test func thePrimarysLogSayingItRanOutOfSpaceIsTheCause() throws {
        let line =
            "07-Dec-2026 12:01:02.003 xfer-out: info: client @0x7f 127.53.60.2#4711/key xfr-ns2 (example.com): "
            + "transfer of 'example.com/IN': RR too large for zone transfer (65512 bytes)"
        let v = Compare.verdict(Self.lagging(reports: ["ns1": ServerReport(server: "ns1", log: [line])]))
        let finding = try #require(v.findings.first { $0.kind == .primaryCannotSend })
        #expect(finding.message.contains("RR too large for zone transfer"), "\(finding.message)")
        #expect(finding.details.contains("ns1 log: \(line)"), "\(finding.details)")
    }

    @Test func aFailureTheLogSawBeforeTheLastLoadIsNoCause() {
        let lines = [
            "xfer-out: warning: client (example.com): transfer of 'example.com/IN': RR too large for zone transfer (65510 bytes)",
            "xfer-out: error: client (example.com): transfer of 'example.com/IN': sending zone data: ran out of space",
            "zoneload: info: zone example.com/IN: loaded serial 9",
        ]
        let fixed = Self.lagging(reports: ["ns1": ServerReport(server: "ns1", log: lines)])
        #expect(LagDiagnosis.primaryCause(fixed) == nil, "the record was fixed and the zone reloaded since")
        let current = Self.lagging(reports: ["ns1": ServerReport(server: "ns1", log: [lines[2], lines[0], lines[1]])])
        #expect(LagDiagnosis.primaryCause(current) == .primaryLogSays(lines[0]), "the why, not the 'ran out of space'")
    }

    @Test func aTSIGFailureInTheSecondarysLogIsItsCause() throws {
        let line =
            "transfer of 'example.com/IN' from 127.53.60.1#5360: failed while receiving responses: tsig verify failure"
        let v = Compare.verdict(
            Self.lagging(reports: ["ns2": ServerReport(server: "ns2", status: ["serial: 7"], log: [line])]))
        let ns2 = try #require(v.findings.first { $0.kind == .lagging && $0.servers == ["ns2"] })
        #expect(ns2.message.contains("its transfers fail TSIG"), "\(ns2.message)")
        #expect(!ns2.message.contains("probably lost"), "\(ns2.message)")
        #expect(ns2.details == ["ns2 status: serial: 7", "ns2 log: \(line)"])
        let ns3 = try #require(v.findings.first { $0.kind == .lagging && $0.servers == ["ns3"] })
        #expect(ns3.message.contains("a NOTIFY was probably lost"), "no evidence for ns3: \(ns3.message)")
    }

    @Test func aTSIGFailureFollowedByACompletedTransferIsNotTheCause() {
        let lines = [
            "zone example.com/IN: refresh: failure trying primary 127.53.60.1#5360 (source 0.0.0.0#0): tsig verify failure",
            "transfer of 'example.com/IN' from 127.53.60.1#5360: Transfer completed: 1 messages, 30 records",
        ]
        let observation = Self.lagging(reports: ["ns2": ServerReport(server: "ns2", log: lines)])
        #expect(LagDiagnosis.cause(of: "ns2", observation) == .notifyLost)
        // Knot's and NSD's words for the same failure.
        for line in [
            "[example.com.] refresh, remote ns1, address 127.53.60.1@5360, failed (TSIG, bad signature)",
            "xfrd: zone example.com received error code BADSIG from 127.53.60.1",
        ] {
            let other = Self.lagging(reports: ["ns3": ServerReport(server: "ns3", log: [line])])
            #expect(LagDiagnosis.cause(of: "ns3", other) == .transferTSIG(line), "\(line)")
        }
    }

    @Test func aNOTIFYRefusedBeforeIsTheCauseWithItsTime() throws {
        let time = Date(timeIntervalSince1970: 1_796_644_980)  // 2026-12-07 12:03 UTC
        let refusal = NotifyRefusal(time: time, detail: "ns4 answered REFUSED")
        let observation = Self.lagging(refusals: ["ns3": refusal])
        let clock = LagClock(since: ["ns3": time], now: time.addingTimeInterval(120), grace: .seconds(600))
        let v = Compare.verdict(observation, lag: clock)
        let ns3 = try #require(v.findings.first { $0.servers == ["ns3"] })
        #expect(
            ns3.message.contains("it refused zonecheck's NOTIFY at 12:03 UTC (ns4 answered REFUSED)"), "\(ns3.message)")
        #expect(ns3.message.contains("retransfer command"), "\(ns3.message)")
        #expect(ns3.severity == .warning, "within lag_grace: the lag rules still decide the severity")
    }

    @Test func repairRefusesWhenThePrimaryCannotSendAndPlansNothing() throws {
        let plan = RepairPlan.make(verdict: Compare.verdict(Self.lagging(file: [Self.tooLarge])))
        let refusal = try #require(plan.refusal)
        #expect(refusal.contains("\(Self.file):42") && refusal.contains("nothing was sent"), "\(refusal)")
        #expect(!plan.hasWork)
        #expect(plan.servers.allSatisfy { $0.action == .skip })
        // Without the record, the same lag is repaired by NOTIFY.
        let lost = RepairPlan.make(verdict: Compare.verdict(Self.lagging()))
        #expect(lost.refusal == nil && lost.servers.first { $0.server == "ns2" }?.action == .notify)
    }

    @Test func theEvidenceReachesTheIncidentAndSoTheAlertAndDigest() throws {
        let line = "transfer of 'example.com/IN': RR too large for zone transfer (65510 bytes)"
        let v = Compare.verdict(Self.lagging(reports: ["ns1": ServerReport(server: "ns1", log: [line])]))
        let update = IncidentTracker.track(
            open: [], findings: v.findings, history: [:], now: Date(),
            settings: IncidentSettings(resolveAfter: 2, flapWindow: 10, flapChanges: 4))
        let incident = try #require(update.opened.first { $0.problem == .primaryCannotSend })
        #expect(incident.detail.contains("\n  ns1 log: \(line)"), "\(incident.detail)")
        #expect(incident.severity == .critical && incident.servers == ["ns1", "ns2", "ns3"])
    }

    @Test func theAuditLogsLatestNOTIFYPerServerDecides() throws {
        func line(_ server: String, _ outcome: String, _ time: String, zone: String = "example.com") -> [UInt8] {
            Array(
                (#"{"time":"\#(time)","user":"run","host":"h","zone":"\#(zone)","server":"\#(server)","action":"notify","#
                    + #""serial_before":7,"serial_after":null,"outcome":"\#(outcome)","detail":"\#(server) said REFUSED","prev":"0"}"#)
                    .utf8)
        }
        let refusals = NotifyHistory.refusals(lines: [
            line("ns2", "failed", "2026-12-07T12:00:00.000Z"), line("ns2", "ok", "2026-12-07T12:05:00.000Z"),
            line("ns3", "ok", "2026-12-07T12:00:00.000Z"), line("ns3", "failed", "2026-12-07T12:05:00.000Z"),
            line("ns4", "failed", "2026-12-07T12:05:00.000Z", zone: "example.net"), Array("not json".utf8),
        ])
        #expect(refusals["example.com"]?.keys.sorted() == ["ns3"], "\(refusals)")
        #expect(refusals["example.com"]?["ns3"]?.detail == "ns3 said REFUSED")
        #expect(refusals["example.com"]?["ns3"]?.time == Date(timeIntervalSince1970: 1_796_645_100))
        #expect(refusals["example.net"]?.keys.sorted() == ["ns4"])
    }
}

/// What the servers say, as kept: only lines about the zone, bounded, nothing that can rewrite a terminal.
@Suite struct ServerReportTests {
    @Test func logLinesNameTheZoneAsAWholeName() {
        let output = """
            07-Dec-2026 zone example.com/IN: transferred serial 8
            07-Dec-2026 zone www.example.com/IN: not this one
            07-Dec-2026 zone example.com.au/IN: nor this one
            [example.com.] refresh, remote ns1, failed (TSIG, bad signature)
            transfer of 'EXAMPLE.COM/IN' from 192.0.2.1#53: Transfer completed
            zone example.community/IN: nor this
            """
        #expect(
            ServerReport.logLines(output, zone: "example.com") == [
                "07-Dec-2026 zone example.com/IN: transferred serial 8",
                "[example.com.] refresh, remote ns1, failed (TSIG, bad signature)",
                "transfer of 'EXAMPLE.COM/IN' from 192.0.2.1#53: Transfer completed",
            ])
    }

    @Test func theDigestShowsAnOpenIncidentsEvidenceBounded() {
        let detail =
            (["ns1 cannot send example.com to its secondaries: ..."] + (1...20).map { "  ns1 log: line \($0)" })
            .joined(separator: "\n")
        let note = IncidentNote(
            id: 7, severity: .critical, problem: .primaryCannotSend, servers: ["ns1", "ns2"], zones: ["example.com"],
            headline: "ns1 cannot send example.com to its secondaries", detail: detail,
            openedAt: Date(timeIntervalSince1970: 1_796_644_980))
        let report = DigestReport(
            since: note.openedAt.addingTimeInterval(-86_400), until: note.openedAt.addingTimeInterval(600),
            host: "ns-admin", stillOpen: [note])
        let text = DigestText.render(report)
        #expect(
            text.contains("      ns1 cannot send example.com to its secondaries: ...\n        ns1 log: line 1\n"),
            "\(text)")
        #expect(text.contains("        ns1 log: line 7\n      (13 more lines in the alert)\n"), "\(text)")
        #expect(!text.contains("line 8\n"))
        #expect(DigestHTML.render(report).contains("ns1 log: line 7\n(13 more lines in the alert)</pre>"))
    }

    @Test func linesAreBoundedInNumberAndLengthAndEscaped() {
        let many = (1...50).map { "example.com line \($0)" }.joined(separator: "\n")
        let log = ServerReport.logLines(many, zone: "example.com")
        #expect(log.count == ServerReport.maxLines)
        #expect(log.last == "example.com line 50", "the most recent lines are kept")
        let status = ServerReport.statusLines(many)
        #expect(status.count == ServerReport.maxStatusLines + 1 && status.last == "... 38 more lines")
        let long = ServerReport.lines(of: String(repeating: "x", count: 5000) + "\n\u{1b}[2Jcleared")
        #expect(long[0].utf8.count <= ServerReport.maxLineOctets && long[0].hasSuffix("..."))
        #expect(long[1] == "?[2Jcleared")
    }
}
