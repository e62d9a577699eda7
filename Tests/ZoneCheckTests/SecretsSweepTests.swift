import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// No secret anywhere: a full scenario on the lab (127.53.27.x port 5327) runs every command an operator
/// and cron use, on good days and bad ones (a lost NOTIFY, a primary restore, a wrong key, a server down),
/// collects everything they leave behind (stdout, stderr, every file under the state directory: audit log,
/// backups, state database, Prometheus and JSON files, mail) and searches it for every TSIG secret of the
/// lab, in every form one could leak in: base64 as written, base64 without padding, hex (both cases) and
/// the raw key bytes.
@Suite("no secret in any output", .serialized, .ownThreads)
struct SecretsSweepTests {
    static let unavailable = Lab.unavailableReason() ?? SMTPSink.unavailableReason()
    static let sinkPort: UInt16 = 5328

    static var sinkEmail: String {
        "  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: smtp, "
            + "smtp: { host: 127.0.0.1, port: \(sinkPort), starttls: false } }"
    }

    /// What one scenario left behind, by where it came from.
    struct Collected {
        var blobs: [(label: String, data: Data)] = []

        mutating func add(_ label: String, _ run: ZoneCheckBinary.Run) {
            blobs.append(("\(label) stdout", Data(run.stdout.utf8)))
            blobs.append(("\(label) stderr", Data(run.stderr.utf8)))
        }

        /// Every regular file below `directory`, recursively.
        mutating func addFiles(under directory: String) {
            guard let walker = FileManager.default.enumerator(atPath: directory) else { return }
            for case let relative as String in walker {
                let path = directory + "/" + relative
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    let data = FileManager.default.contents(atPath: path)
                else { continue }
                blobs.append((path, data))
            }
        }
    }

    /// Every secret in the key files under `directory`, in the forms it could leak in.
    static func secretForms(keyDirectory directory: String) throws -> [(name: String, bytes: Data)] {
        var forms: [(String, Data)] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".key") {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("secret") {
                let parts = line.split(separator: "\"")
                guard parts.count >= 2 else { continue }
                let base64 = String(parts[1])
                let raw = try #require(Data(base64Encoded: base64), "\(file): secret is not base64")
                let hex = raw.map { String(format: "%02x", $0) }.joined()
                forms.append(("\(file) base64", Data(base64.utf8)))
                forms.append(("\(file) base64 unpadded", Data(base64.trimmingCharacters(in: ["="]).utf8)))
                forms.append(("\(file) hex", Data(hex.utf8)))
                forms.append(("\(file) HEX", Data(hex.uppercased().utf8)))
                forms.append(("\(file) raw bytes", raw))
            }
        }
        return forms
    }

    @Test(
        "check, repair, query, lint, run, status, history, audit verify, digest, mail; a wrong key, a server down",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func fullScenario() throws {
        let sink = try SMTPSink.started(port: Self.sinkPort)
        defer { sink.stop() }
        let lab = try Lab.started(prefix: "127.53.27", port: 5327)
        defer { lab.tearDown() }
        var collected = Collected()
        func zonecheck(_ label: String, _ subcommand: String, _ arguments: [String], config: String? = nil) throws {
            collected.add(label, try ZoneCheckBinary.run(subcommand, arguments, config: config ?? lab.configPath))
        }

        for format in ["text", "json", "nagios", "prometheus"] {
            try zonecheck("check \(format)", "check", ["--all", "--format", format])
        }
        try zonecheck("check --deep", "check", ["--deep", "--format", "json"])
        try zonecheck("query", "query", ["ns2", "zone00001.lab"])
        try zonecheck("query --axfr", "query", ["ns3", "zone00001.lab", "--axfr"])
        try zonecheck("lint", "lint", [lab.directory + "/ns1/zones/zone00001.lab.db"])

        // A lost NOTIFY repaired; the primary rolled back and restored (backup, audit entries).
        try lab.loseNotify(on: "ns4", zone: "zone00002.lab")
        try zonecheck("check lagging", "check", ["--format", "json"])
        try zonecheck("repair notify", "repair", ["zone00002.lab", "--timeout", "10s"])
        let file = lab.directory + "/ns1/zones/zone00003.lab.db"
        let old = try String(contentsOfFile: file, encoding: .utf8)
        try lab.run(["bump", "zone00003.lab", "--dir", lab.directory])
        try lab.run(["wait", "--dir", lab.directory])
        try old.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: file)
        let rndc = try #require(Lab.which("rndc"))
        _ = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", "zone00003.lab"])
        try zonecheck("repair restore", "repair", ["zone00003.lab", "--yes", "--timeout", "10s"])

        // cron's view: run (lag past a short grace: an incident, an alert mailed to the sink, an automatic
        // repair), with the Prometheus and JSON files, then every reading command and the digest, mailed too.
        try lab.configureForRun(grace: "1s", email: Self.sinkEmail)
        try lab.loseNotify(on: "ns3", zone: "zone00004.lab")
        let prometheus = lab.directory + "/state/zonecheck.prom"
        let json = lab.directory + "/state/zonecheck.json"
        for round in 1...3 {
            try zonecheck("run \(round)", "run", ["--log", "stderr", "--prometheus", prometheus, "--json", json])
            Thread.sleep(forTimeInterval: 1.1)
        }
        try zonecheck("status", "status", [])
        try zonecheck("history", "history", ["zone00004.lab"])
        try zonecheck("audit verify", "audit", ["verify"])
        try zonecheck("digest --print", "digest", ["--print"])
        try zonecheck("digest --send", "digest", ["--send"])
        let mails = try sink.waitForMessages(2)
        #expect(mails.count >= 2, "expected the alert and the digest in the sink")
        for (index, mail) in mails.enumerated() { collected.blobs.append(("mail \(index + 1)", mail.raw)) }

        // Bad days: a wrong key for ns2 (its secret is a secret too), a server down.
        let keygen = try #require(Lab.which("tsig-keygen"))
        let wrong = try Command.run(keygen, ["-a", "hmac-sha512", "zonecheck-ns2"])
        let wrongKeys = lab.directory + "/wrong-keys"
        try FileManager.default.createDirectory(atPath: wrongKeys, withIntermediateDirectories: true)
        #expect(
            FileManager.default.createFile(
                atPath: wrongKeys + "/ns2.key", contents: Data(wrong.stdout.utf8),
                attributes: [.posixPermissions: 0o600]))
        let wrongConfig = try lab.configCopy([(lab.keyPath("ns2"), wrongKeys + "/ns2.key")])
        try zonecheck("check wrong key", "check", ["--format", "json"], config: wrongConfig)
        try zonecheck("repair wrong key", "repair", ["zone00002.lab"], config: wrongConfig)
        try zonecheck("query wrong key", "query", ["ns2", "zone00001.lab", "--axfr"], config: wrongConfig)
        try lab.run(["stop-server", "ns5", "--dir", lab.directory])
        try zonecheck("check server down", "check", ["--format", "nagios"])

        collected.addFiles(under: lab.directory + "/state")
        #expect(collected.blobs.contains { $0.label.hasSuffix("audit.jsonl") }, "the audit log was not collected")
        #expect(collected.blobs.contains { $0.label.contains("/backups/") }, "no backup was collected")
        #expect(collected.blobs.contains { $0.label.hasSuffix("state.sqlite") }, "the state database was not collected")
        #expect(collected.blobs.contains { $0.label.hasSuffix("zonecheck.prom") }, "no Prometheus file")

        var forms = try Self.secretForms(keyDirectory: lab.directory + "/keys")
        forms += try Self.secretForms(keyDirectory: wrongKeys)
        // 5 zonecheck keys + 4 transfer keys + the wrong one, 5 forms each.
        #expect(forms.count == 10 * 5, "found \(forms.count) secret forms: the key files were not all read")
        var leaks: [String] = []
        for (label, data) in collected.blobs {
            for form in forms where data.range(of: form.bytes) != nil {
                leaks.append("\(form.name) in \(label)")
            }
        }
        #expect(leaks.isEmpty, "secrets found: \(leaks)")
        // The search itself works: run over the key files, it finds every base64 secret.
        var control = Collected()
        control.addFiles(under: lab.directory + "/keys")
        control.addFiles(under: wrongKeys)
        for form in forms where form.name.hasSuffix(" base64") {
            #expect(control.blobs.contains { $0.data.range(of: form.bytes) != nil }, "\(form.name) not found")
        }
    }
}
