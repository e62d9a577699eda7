import Foundation
import ZoneCheck

/// A temporary directory holding a zonecheck.yaml and the key files it names, for configuration tests.
/// The keys are made-up test values in BIND key-file syntax, not secrets of any server.
struct ConfigFixture {
    let directory: String
    var configPath: String { directory + "/zonecheck.yaml" }

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        for index in 1...5 {
            try writeKey("keys/ns\(index).key", names: ["zonecheck-ns\(index)"])
        }
    }

    /// Writes a key file with one `key` statement per name, mode 0600 unless told otherwise.
    func writeKey(_ relativePath: String, names: [String], mode: Int = 0o600) throws {
        let text = names.map {
            "key \"\($0)\" {\n\talgorithm hmac-sha512;\n\tsecret \"dGVzdC1vbmx5LW5vdC1hLXNlY3JldA==\";\n};\n"
        }.joined()
        let path = directory + "/" + relativePath
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func write(_ yaml: String) throws {
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Writes `yaml` and loads it; the error, if any, is returned rather than thrown.
    func load(_ yaml: String) throws -> Result<Configuration, ConfigError> {
        try write(yaml)
        do {
            return .success(try Configuration.load(path: configPath))
        } catch {
            return .failure(error)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The 1-based line of the first line of `yaml` containing `text`.
    static func line(of text: String, in yaml: String) -> Int? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.firstIndex { $0.contains(text) }.map { $0 + 1 }
    }

    /// The docs/configuration.md example with keys relative to the configuration file.
    static let validYAML = """
        servers:
          - name: ns1
            role: primary
            address: 192.0.2.53
            port: 53
            key: keys/ns1.key
            key_name: zonecheck-ns1
            zone_file: /var/lib/bind/{zone}.db
            reload: "rndc reload {zone}"
          - name: ns2
            role: secondary
            address: 198.51.100.53
            key: keys/ns2.key
            retransfer: "rndc -s ns2 retransfer {zone}"
          - name: ns3
            role: secondary
            address: 2001:db8::53
            port: 5353
            key: keys/ns3.key
        zones:
          names: [example.com, example.net.]
          catalog: catalog.example.
        check:   { timeout: 2s, retries: 2, concurrency: 64, lag_grace: 10m, deep: 1h }
        repair:  { auto: true, primary_from_secondary: false, max_per_zone_per_hour: 3, converge_timeout: 60s }
        alerts:
          email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: sendmail }
          digest_every: 24h
        state:   { directory: state }

        """
}
