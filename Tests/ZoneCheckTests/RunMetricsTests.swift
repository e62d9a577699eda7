import DNSKit
import Foundation
import Testing
import ZoneCheck

/// `run --prometheus`: the textfile from hand-made verdicts, a fixed clock and lag start.
@Suite struct RunMetricsTests {
    @Test func perZoneServerAndIncidentFamilies() {
        let checked = Date(timeIntervalSince1970: 1_795_329_660)  // 06:41 UTC
        // A label value with a quote and a backslash: a zone whose name holds a quote, as DNS writes it.
        let name = try! DomainName(zoneName: "ex\\\"ample.com")
        let zoneText = name.displayName
        let verdict = ZoneVerdict(
            name: name,
            servers: [
                ServerStatus(server: "ns1", role: .primary, serial: 12, state: .ok, rtt: .milliseconds(2), detail: nil),
                ServerStatus(
                    server: "ns3", role: .secondary, serial: 10, state: .lagging, rtt: .milliseconds(40), detail: "x"),
                ServerStatus(server: "ns5", role: .secondary, serial: nil, state: .unreachable, rtt: nil, detail: "y"),
            ],
            findings: [
                Finding(severity: .critical, kind: .lagging, zone: zoneText, servers: ["ns3"], message: "")
            ])
        let lag = LagClock(since: ["ns3": checked.addingTimeInterval(-600)], now: checked, grace: .seconds(300))
        let stats = ServerRunStats.make([verdict], servers: ["ns1", "ns3", "ns5"])
        let open = [
            Incident(
                id: 1, zone: zoneText, problem: .lagging, servers: ["ns3"], severity: .critical, detail: "",
                openedAt: checked),
            Incident(
                id: 2, zone: zoneText, problem: .unreachable, servers: ["ns5"], severity: .warning, detail: "",
                openedAt: checked),
        ]
        let text = RunMetrics(
            verdicts: [verdict], servers: stats, lag: [zoneText: lag], checkedAt: checked, openIncidents: open,
            runSeconds: 1.5
        ).render()
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(zoneText == "ex\\\"ample.com")
        let zone = "zone=\"ex\\\\\\\"ample.com\""
        for expected in [
            "zonecheck_zone_serial{\(zone),server=\"ns3\"} 10",
            "zonecheck_zone_up{\(zone),server=\"ns5\"} 0",
            "zonecheck_zone_lag_serials{\(zone),server=\"ns3\"} 2",
            "zonecheck_zone_lag_seconds{\(zone),server=\"ns3\"} 600",
            "zonecheck_zone_status{\(zone)} 2",
            "zonecheck_zone_last_check_timestamp_seconds{\(zone),server=\"ns1\"} 1795329660",
            "zonecheck_server_answer_ratio{server=\"ns5\"} 0.0",
            "zonecheck_server_rtt_median_seconds{server=\"ns3\"} 0.04",
            "zonecheck_incidents_open{severity=\"critical\"} 1",
            "zonecheck_incidents_open{severity=\"warning\"} 1",
            "zonecheck_run_duration_seconds 1.500",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        #expect(!text.contains("zonecheck_zone_serial{\(zone),server=\"ns5\"}"), "no serial without a verified answer")
        // Every sample belongs to a family with HELP and TYPE.
        let families = Set(
            text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            #expect(families.contains(name), "\(name) has no # TYPE line")
        }
    }

    @Test("the run's start, end and last finished run, the lag grace, and the vantage label on every sample")
    func runTimesAndVantage() {
        let started = Date(timeIntervalSince1970: 1_795_329_600)
        let finished = started.addingTimeInterval(12.4)
        let verdict = ZoneVerdict(
            name: try! DomainName(zoneName: "a.example"),
            servers: [
                ServerStatus(server: "ns1", role: .primary, serial: 12, state: .ok, rtt: .milliseconds(2), detail: nil),
                ServerStatus(server: "ns2", role: .secondary, serial: nil, state: .authFailed, rtt: nil, detail: "x"),
            ],
            findings: [])
        let stats = ServerRunStats.make([verdict], servers: ["ns1", "ns2"])
        let text = RunMetrics(
            verdicts: [verdict], servers: stats, lag: [:], checkedAt: started.addingTimeInterval(10),
            openIncidents: [], runSeconds: 12.4, startedAt: started, finishedAt: finished,
            lagGrace: .seconds(300), vantage: "eu-par1"
        ).render()
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            "zonecheck_run_start_timestamp_seconds{vantage=\"eu-par1\"} 1795329600",
            "zonecheck_run_end_timestamp_seconds{vantage=\"eu-par1\"} 1795329612",
            "zonecheck_run_last_success_timestamp_seconds{vantage=\"eu-par1\"} 1795329612",
            "zonecheck_lag_grace_seconds{vantage=\"eu-par1\"} 300",
            "zonecheck_zone_up{vantage=\"eu-par1\",zone=\"a.example\",server=\"ns2\"} 0",
            "zonecheck_zone_status{vantage=\"eu-par1\",zone=\"a.example\"} 0",
            "zonecheck_server_auth_failures{vantage=\"eu-par1\",server=\"ns2\"} \(stats[1].authFailures)",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        #expect(stats[1].authFailures > 0, "ns2 failed TSIG: ServerRunStats counts it")
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.contains("vantage=\"eu-par1\""), "no vantage label: \(line)")
        }
        // check --format prometheus carries it too.
        let check = PrometheusRenderer(vantage: "eu-par1").render(
            CheckReport(servers: ["ns1", "ns2"], verdicts: [verdict], deep: false))
        for line in check.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.contains("{vantage=\"eu-par1\","), "no vantage label: \(line)")
        }
    }
}
