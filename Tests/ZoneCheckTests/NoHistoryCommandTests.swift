import Foundation
import TestSupport
import Testing

/// `status` and `digest` before the first `zonecheck run`: no state database yet. They say plainly that `run`
/// keeps the history and how to start it, exit 0, send nothing, and create nothing. The configuration comes
/// from ZONECHECK_CONFIG alone, as the README's quick start runs them.
@Suite(.ownThreads) struct NoHistoryCommandTests {
    static func zonecheck(_ arguments: [String], config: String) throws -> Command.Output {
        let binary = try #require(ZoneCheckBinary.url, "zonecheck binary not found next to the test bundle")
        var environment = ProcessInfo.processInfo.environment
        environment["ZONECHECK_CONFIG"] = config
        return try Command.run(binary.path, arguments, environment: environment)
    }

    @Test(arguments: [["status"], ["digest"], ["digest", "--send"]])
    func saysHowToStartTheHistory(_ arguments: [String]) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(ConfigFixture.validYAML)
        let output = try Self.zonecheck(arguments, config: fixture.configPath)
        #expect(output.status == 0, "\(arguments): exit \(output.status): \(output.stderr)")
        #expect(output.stdout.hasPrefix("no history yet: 'zonecheck run' keeps it in "), "\(output.stdout)")
        #expect(output.stdout.contains("Start it: run 'zonecheck run' once"), "\(output.stdout)")
        #expect(!output.stdout.contains("UNKNOWN"), "no digest of unknowns: \(output.stdout)")
        #expect(output.stdout.contains("Nothing was sent.") == arguments.contains("--send"), "\(output.stdout)")
        #expect(
            !FileManager.default.fileExists(atPath: fixture.directory + "/state/state.sqlite"),
            "reading must not create the state database")
    }

    @Test func versionIsPrinted() throws {
        let output = try Self.zonecheck(["--version"], config: "/nonexistent.yaml")
        #expect(output.status == 0)
        #expect(output.stdout.range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression) != nil, "\(output.stdout)")
    }
}
