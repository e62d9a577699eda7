import Foundation
import TestSupport
import Testing

/// `zonecheck query SERVER [ZONE] --load N` as an operator runs it: the real binary against a real lab.
/// Uses 127.53.7.x port 5307, which no other test uses.
@Suite("query --load", .serialized, .ownThreads)
struct QueryCommandTests {
    static let unavailable = Lab.unavailableReason()

    /// Runs the zonecheck binary built next to the test bundle.
    func zonecheck(_ arguments: [String]) throws -> Command.Output {
        let binary = try #require(ZoneCheckBinary.url, "zonecheck binary not found next to the test bundle")
        return try Command.run(binary.path, arguments)
    }

    /// The number after `label` at the start of a line of `text` ("answered: 300 (...)" -> 300).
    func figure(_ label: String, in text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(label) }
            .flatMap { $0.dropFirst(label.count).split(separator: " ").first }.flatMap { Int($0) }
    }

    @Test(
        "every zone in turn: all answered, exit 0; a zone not served and a stopped server: all failed, exit 2",
        .enabled(if: unavailable == nil, Comment(rawValue: unavailable ?? "")), .timeLimit(.minutes(10)))
    func loadAnsweredThenTimedOut() throws {
        let lab = Lab(prefix: "127.53.7", port: 5307, zones: 5)
        defer { lab.tearDown() }
        try lab.start()

        let run = try zonecheck(["query", "ns1", "--load", "300", "--in-flight", "8", "--config", lab.configPath])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("zones:    6 from zones.names"), "\(run.stdout)")
        #expect(figure("queries:", in: run.stdout) == 300)
        #expect(figure("answered:", in: run.stdout) == 300, "\(run.stdout)")
        #expect(figure("failed:", in: run.stdout) == 0)
        #expect(run.stdout.contains("queries/s") && run.stdout.contains("rtt:      median "), "\(run.stdout)")

        // One zone the server does not serve: every answer is a refusal or a referral, none is counted.
        let unknown = try zonecheck([
            "query", "ns2", "not-served.example", "--load", "20", "--in-flight", "4", "--config", lab.configPath,
        ])
        #expect(unknown.status == 2, "\(unknown.stdout)\(unknown.stderr)")
        #expect(figure("answered:", in: unknown.stdout) == 0, "\(unknown.stdout)")
        #expect(figure("failed:", in: unknown.stdout) == 20)
        #expect(unknown.stderr.contains("not-served.example"), "the error names the zone: \(unknown.stderr)")

        try lab.run(["stop-server", "ns3", "--dir", lab.directory])
        let stopped = try zonecheck([
            "query", "ns3", "zone00001.lab", "--load", "10", "--in-flight", "10", "--timeout", "0.2", "--config",
            lab.configPath,
        ])
        #expect(stopped.status == 2, "\(stopped.stdout)\(stopped.stderr)")
        #expect(figure("answered:", in: stopped.stdout) == 0)
        #expect(figure("failed:", in: stopped.stdout) == 10)
        #expect(figure("  timeout", in: stopped.stdout) == 10, "failures by kind: \(stopped.stdout)")
        #expect(stopped.stderr.contains("ns3"), "the error names the server: \(stopped.stderr)")
    }

    @Test("arguments: a ZONE is required without --load, --load and --axfr exclude each other (exit 3)")
    func arguments() throws {
        let missingZone = try zonecheck(["query", "ns1", "--config", "/nonexistent.yaml"])
        #expect(missingZone.status == 3)
        #expect(missingZone.stderr.contains("name a ZONE"), "\(missingZone.stderr)")
        let both = try zonecheck(["query", "ns1", "example.com", "--load", "5", "--axfr"])
        #expect(both.status == 3)
        #expect(both.stderr.contains("--axfr"), "\(both.stderr)")
        let zero = try zonecheck(["query", "ns1", "--load", "0"])
        #expect(zero.status == 3)
    }

    @Test(
        "a --timeout that cannot be milliseconds is refused with exit 3, never a trap (issue 11: query --timeout 1e300)",
        arguments: ["1e300", "nan", "inf", "-1", "0", "3601"])
    func hostileTimeout(value: String) throws {
        // A configuration that loads, so that without the check the command would reach the conversion.
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(ConfigFixture.validYAML)
        let run = try zonecheck(["query", "ns1", "example.com", "--timeout=\(value)", "--config", fixture.configPath])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("--timeout takes seconds from 0.001 to 3600"), "\(run.stderr)")
    }
}
