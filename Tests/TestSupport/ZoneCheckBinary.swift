public import Foundation
import Testing

/// The `zonecheck` executable in the build directory the tests run from (any scratch path), so
/// command tests run the real binary as a user would.
public enum ZoneCheckBinary {
    public static let url: URL? = builtExecutable("zonecheck")

    /// An executable of this package (`zonecheck`, `wan-relay`) in the build directory the tests run from.
    public static func builtExecutable(_ name: String) -> URL? {
        var candidates: [URL] = []
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        return candidates.map { $0.appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// One finished run of the binary: exit status, output and wall time.
    public struct Run: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double

        public init(status: Int32, stdout: String, stderr: String, seconds: Double) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
            self.seconds = seconds
        }
    }

    /// Runs `zonecheck SUBCOMMAND --config CONFIG ARGUMENTS...` with ZONECHECK_CONFIG removed from the
    /// environment, so only the configuration under test is read.
    public static func run(_ subcommand: String, _ arguments: [String], config: String) throws -> Run {
        let binary = try #require(url, "zonecheck binary not found next to the test bundle; run swift build")
        let started = ContinuousClock.now
        let output = try Command.run(
            binary.path, [subcommand, "--config", config] + arguments,
            environment: ProcessInfo.processInfo.environment.filter { $0.key != "ZONECHECK_CONFIG" })
        let elapsed = ContinuousClock.now - started
        return Run(
            status: output.status, stdout: output.stdout, stderr: output.stderr,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
