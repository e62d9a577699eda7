import Foundation
import TestSupport
import Testing

/// A real HTTP(S) server for webhook tests: `Scripts/webhook-sink serve` (Python's http.server) on
/// 127.0.0.1:PORT, storing every POST with its headers and exact body, answering scripted statuses
/// (`--statuses 500,200`, then 200). Webhook tests own ports 2540-2549; one port per test.
struct WebhookSink {
    let port: UInt16
    let directory: String
    private let process: Process

    static let script = Lab.repositoryRoot.appendingPathComponent("Scripts/webhook-sink").path

    struct Request {
        var path: String
        /// Header names as received.
        var headers: [String: String]
        var body: Data
        var bodyPath: String

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    private struct Stored: Decodable {
        var path: String
        var headers: [String: String]
    }

    static func started(port: UInt16, statuses: [Int] = [], certificate: TestCertificate? = nil) throws -> WebhookSink {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zonecheck-webhook-\(port)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = [script, "serve", "--port", String(port), "--dir", directory]
        if !statuses.isEmpty { arguments += ["--statuses", statuses.map(String.init).joined(separator: ",")] }
        if let certificate { arguments += ["--cert", certificate.serverCertificate, "--key", certificate.serverKey] }
        let process = try ScriptServer.start(
            arguments, directory: directory, what: "webhook sink on 127.0.0.1:\(port)")
        return WebhookSink(port: port, directory: directory, process: process)
    }

    /// The requests received so far, in order of arrival.
    func requests() throws -> [Request] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map { name in
            let base = directory + "/" + name.dropLast(5)
            let stored = try JSONDecoder().decode(
                Stored.self, from: Data(contentsOf: URL(fileURLWithPath: base + ".json")))
            return Request(
                path: stored.path, headers: stored.headers,
                body: try Data(contentsOf: URL(fileURLWithPath: base + ".body")), bodyPath: base + ".body")
        }
    }

    /// HMAC-SHA256 of a stored body under the secret file's first line, computed by Python's hmac.
    static func signature(secretFile: String, bodyPath: String) throws -> String {
        let output = try Command.run(SMTPSink.python, [script, "sign", secretFile, bodyPath])
        guard output.status == 0 else { throw Command.Failure(command: "webhook-sink sign", output: output) }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (SIGTERM, SIGKILL after 5 s) and removes what it stored.
    func stop() {
        ScriptServer.stop(process, directory: directory)
    }
}
