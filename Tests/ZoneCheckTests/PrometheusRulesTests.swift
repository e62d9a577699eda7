import Foundation
import DNSKit
import TestSupport
import Testing
import ZoneCheck

/// config/prometheus/zonecheck.rules.yml reads only metrics zonecheck really writes (a renamed metric would
/// silently turn an alert off), and promtool accepts the rules and passes their tests (Scripts/check-prometheus-rules).
@Suite(.ownThreads) struct PrometheusRulesTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/prometheus")

    /// Every metric family `run --prometheus` writes, from a rendered textfile with one zone on two servers.
    static func writtenFamilies() -> Set<String> {
        let now = Date()
        let verdict = ZoneVerdict(
            name: try! DomainName(zoneName: "a.example"),
            servers: [
                ServerStatus(server: "ns1", role: .primary, serial: 2, state: .ok, rtt: .milliseconds(1), detail: nil),
                ServerStatus(
                    server: "ns2", role: .secondary, serial: 1, state: .lagging, rtt: .milliseconds(1), detail: nil),
            ],
            findings: [])
        let text = RunMetrics(
            verdicts: [verdict], servers: ServerRunStats.make([verdict], servers: ["ns1", "ns2"]), lag: [:],
            checkedAt: now, openIncidents: [], runSeconds: 1, vantage: "eu-par1"
        ).render()
        return Set(
            text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
    }

    @Test("every zonecheck_ metric the rules and their tests name is one zonecheck writes")
    func metricNamesMatch() throws {
        let written = Self.writtenFamilies()
        for file in ["zonecheck.rules.yml", "zonecheck.rules.test.yml"] {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
            let named = Set(text.matches(of: #/zonecheck_[a-z_]+/#).map { String($0.output) })
            #expect(named.count >= 5, "\(file) names \(named.sorted())")
            for name in named.sorted() {
                #expect(written.contains(name), "\(file) reads \(name), which zonecheck does not write")
            }
        }
        for needed in [
            "zonecheck_run_start_timestamp_seconds", "zonecheck_run_end_timestamp_seconds",
            "zonecheck_run_last_success_timestamp_seconds",
        ] {
            #expect(written.contains(needed), "\(needed)")
        }
    }

    @Test("promtool check rules and promtool test rules pass", .enabled(if: Lab.which("promtool") != nil))
    func promtool() throws {
        let script = Self.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/check-prometheus-rules").path
        let output = try Command.run(script, [])
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("SUCCESS: 7 rules found"), "\(output.stdout)")
    }
}
