import Foundation

/// The `zonecheck` executable in the build directory the tests run from (any scratch path), so
/// command tests run the real binary as a user would.
enum ZoneCheckBinary {
    static let url: URL? = {
        var candidates: [URL] = []
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        return candidates.map { $0.appendingPathComponent("zonecheck") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}
