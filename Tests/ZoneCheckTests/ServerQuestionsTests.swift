import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The servers' `status` and `log` commands: configured like `retransfer` (no shell), run bounded in time and
/// size, their lines about the zone kept. Real programs (printf, grep, sleep), no DNS.
@Suite struct ServerQuestionsTests {
    static func server(status: String?, log: String?) throws -> ServerConfig {
        ServerConfig(
            name: "ns2", role: .secondary, address: "192.0.2.2", keyPath: "/dev/null",
            status: try status.map { try ServerCommand(parsing: $0) },
            log: try log.map { try ServerCommand(parsing: $0) })
    }

    @Test func statusAndLogAreReadFromTheConfiguration() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = ConfigFixture.validYAML.replacingOccurrences(
            of: "    retransfer: \"rndc -s ns2 retransfer {zone}\"\n",
            with: "    retransfer: \"rndc -s ns2 retransfer {zone}\"\n    status: rndc -s ns2 zonestatus {zone}\n"
                + "    log: [journalctl, -u, named, -n, \"500\", --grep, \"{zone}\"]\n")
        #expect(yaml != ConfigFixture.validYAML, "the fixture no longer has ns2's retransfer line")
        let config = try fixture.load(yaml).get()
        #expect(
            config.servers[1].status?.arguments(zone: "example.com.") == [
                "rndc", "-s", "ns2", "zonestatus", "example.com",
            ])
        #expect(config.servers[1].log?.words.last == "{zone}")
        #expect(config.servers[0].status == nil && config.servers[0].log == nil, "both are optional")
        // A status command must name the zone; one that needs a shell is refused like retransfer's.
        let noZone = yaml.replacingOccurrences(of: "zonestatus {zone}", with: "status")
        guard case .failure(let error) = try fixture.load(noZone) else {
            Issue.record("a status command without {zone} was accepted")
            return
        }
        #expect("\(error)".contains("servers[1].status") && "\(error)".contains("{zone}"), "\(error)")
        let piped = yaml.replacingOccurrences(
            of: "    log: [journalctl, -u, named, -n, \"500\", --grep, \"{zone}\"]\n",
            with: "    log: journalctl -u named | grep {zone}\n")
        guard case .failure(let shell) = try fixture.load(piped) else {
            Issue.record("a log command with a pipe was accepted")
            return
        }
        #expect("\(shell)".contains("servers[1].log") && "\(shell)".contains("script"), "\(shell)")
    }

    @Test func theLinesAboutTheZoneAreKept() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-log-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: log) }
        try """
        zone example.org/IN: transferred serial 5
        zone example.com/IN: refresh: failure trying primary 192.0.2.1#53: tsig verify failure
        zone www.example.com/IN: not about the zone
        """.write(to: log, atomically: true, encoding: .utf8)
        let server = try Self.server(
            status: "printf 'name: %s\\nserial: 7\\n' {zone}",
            log: "grep -F -e example {log}".replacingOccurrences(of: "{log}", with: log.path))
        let report = await ServerQuestions.ask(server, zone: "example.com.")
        #expect(report.status == ["name: example.com", "serial: 7"])
        #expect(
            report.log == ["zone example.com/IN: refresh: failure trying primary 192.0.2.1#53: tsig verify failure"])
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test func aHungCommandIsStoppedAndSaidSo() async throws {
        let server = try Self.server(status: "printf 'serial: 7 %s\\n' {zone}", log: "sleep 30")
        // No wall-clock bound: under the full suite the few threads of the test process stall for minutes.
        // "was stopped" is said only when the runner's time limit ended the command (a 30 s sleep left to
        // finish would end on its own and say nothing).
        let report = await ServerQuestions.ask(server, zone: "example.com", timeout: .milliseconds(500))
        #expect(report.status == ["serial: 7 example.com"])
        #expect(report.log.isEmpty)
        #expect(
            report.problems.count == 1 && report.problems[0].contains("the log command was stopped"),
            "\(report.problems)")
    }

    @Test func aFailingStatusCommandSaysWhatItSaid() async throws {
        let server = try Self.server(status: "ls /nonexistent-zonecheck-{zone}", log: "grep -F -e {zone} /dev/null")
        let report = await ServerQuestions.ask(server, zone: "example.com")
        #expect(report.problems.count == 1, "grep finding nothing is not a problem: \(report.problems)")
        #expect(report.problems.first?.hasPrefix("the status command exited 2") == true, "\(report.problems)")
        #expect(report.problems.first == "the status command exited 2", "its words are among the status lines")
        #expect(
            report.findingLines.contains { $0.hasPrefix("ns2 status: ") && $0.contains("ls: cannot access") },
            "\(report.findingLines)")
    }
}

/// The edge that gathers evidence: which zones and servers are asked, and the audit log's refusals.
@Suite struct EvidenceTests {
    @Test func onlyTheFirstProblemZonesAreAskedAndEveryZoneGetsItsRefusals() async throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = ConfigFixture.validYAML.replacingOccurrences(
            of: "    retransfer: \"rndc -s ns2 retransfer {zone}\"\n",
            with: "    retransfer: \"rndc -s ns2 retransfer {zone}\"\n    status: printf 'zone %s\\n' {zone}\n")
        let fleet = try Fleet(configuration: try fixture.load(yaml).get())
        let audit = AuditLog(directory: fixture.directory + "/state")
        try audit.append(
            AuditEntry(
                zone: "b.example", server: "ns2", action: "notify", serialBefore: 1, serialAfter: nil,
                outcome: "failed",
                detail: "ns2 answered REFUSED"))
        func observation(_ zone: String, ns2: UInt32) throws -> ZoneObservation {
            ZoneObservation(
                zone: try DomainName(presentation: zone + ".", origin: nil),
                servers: [
                    ServerObservation(server: "ns1", role: .primary, answer: .serial(2, rtt: .milliseconds(1))),
                    ServerObservation(server: "ns2", role: .secondary, answer: .serial(ns2, rtt: .milliseconds(1))),
                    ServerObservation(server: "ns3", role: .secondary, answer: .serial(2, rtt: .milliseconds(1))),
                ])
        }
        let observed = [
            try observation("a.example", ns2: 2), try observation("b.example", ns2: 1),
            try observation("c.example", ns2: 1),
        ]
        let gathered = await Evidence(fleet: fleet, auditLog: audit.path, maxZones: 1).gather(observed)
        #expect(gathered[0].serverReports.isEmpty, "in sync: nobody is asked")
        #expect(gathered[1].serverReports["ns2"]?.status == ["zone b.example"])
        #expect(gathered[1].serverReports.count == 1, "ns1 and ns3 have no commands")
        #expect(gathered[2].serverReports.isEmpty, "maxZones 1: the second problem zone is not asked")
        #expect(gathered[1].notifyRefusals["ns2"]?.detail == "ns2 answered REFUSED")
        #expect(gathered[2].notifyRefusals.isEmpty)
        let finding = try #require(Compare.verdict(gathered[1]).findings.first)
        #expect(finding.message.contains("it refused zonecheck's NOTIFY"), "\(finding.message)")
        #expect(finding.details == ["ns2 status: zone b.example"])
    }
}
