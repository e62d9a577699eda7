import Foundation
import Testing
import ZoneCheck

/// `alerts.resolve_after` (clean runs in a row that close an incident): read strictly like every other key.
@Suite struct ResolveAfterConfigTests {
    static func load(_ yaml: String) throws -> (ConfigFixture, Result<Configuration, ConfigError>) {
        let fixture = try ConfigFixture()
        return (fixture, try fixture.load(yaml))
    }

    static func with(_ line: String) -> String {
        ConfigFixture.validYAML.replacingOccurrences(of: "  digest_every: 24h", with: "  digest_every: 24h\n\(line)")
    }

    @Test func defaultsToTwoAndReadsAValue() throws {
        let (plain, defaulted) = try Self.load(ConfigFixture.validYAML)
        defer { plain.remove() }
        #expect(try defaulted.get().alerts.resolveAfter == 2)
        let (fixture, given) = try Self.load(Self.with("  resolve_after: 5"))
        defer { fixture.remove() }
        #expect(try given.get().alerts.resolveAfter == 5)
    }

    @Test(arguments: ["0", "101", "two", "-1"])
    func outOfRangeNamesFileLineAndKey(value: String) throws {
        let yaml = Self.with("  resolve_after: \(value)")
        let (fixture, result) = try Self.load(yaml)
        defer { fixture.remove() }
        guard case .failure(let error) = result else {
            Issue.record("resolve_after: \(value) was accepted")
            return
        }
        let line = try #require(ConfigFixture.line(of: "resolve_after:", in: yaml))
        #expect(error.line == line)
        #expect(error.keyPath == "alerts.resolve_after")
        #expect(
            error.description.hasPrefix(
                "\(fixture.configPath):\(line): alerts.resolve_after: \(value) is not a number of clean runs (1-100)"),
            "\(error)")
    }
}
