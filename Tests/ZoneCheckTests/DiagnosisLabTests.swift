import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// Why a secondary lags, on the real lab (Scripts/lab on 127.53.60.x port 5360, a BIND primary with BIND,
/// Knot and NSD secondaries): the registrar's record "too long to be replicated" (a TXT of 65,481 octets of
/// RDATA, which BIND loads but cannot put in a TSIG-signed transfer message), diagnosed by `check`, refused
/// at once by `repair`, with what BIND, Knot and NSD say about the zone attached; and `repair --source ns1`
/// fixing same-serial divergence without --deep.
@Suite("diagnosis on the lab", .serialized, .ownThreads)
struct DiagnosisLabTests {
    static let unavailable = Lab.unavailableReason(secondaries: ["bind", "knot", "nsd"])

    static func startLab() throws -> Lab {
        try Lab.started(prefix: "127.53.60", port: 5360, secondaries: ["bind", "knot", "nsd", "bind"])
    }

    /// 255 strings of 255 octets and one of 200: 65,481 octets of RDATA, as in the registrar's incident.
    static let tooLargeTXT: String = {
        let strings =
            Array(repeating: "\"" + String(repeating: "a", count: 255) + "\"", count: 255)
            + ["\"" + String(repeating: "b", count: 200) + "\""]
        return "big\tIN\tTXT\t( " + strings.joined(separator: "\n\t\t") + " )"
    }()

    /// Adds the too-large TXT to `zone` on the primary (new serial, reloaded); returns its line in the file.
    static func addTooLargeRecord(_ lab: Lab, zone: String) throws -> Int {
        let file = lab.directory + "/ns1/zones/\(zone).db"
        var text = try String(contentsOfFile: file, encoding: .utf8)
        if !text.hasSuffix("\n") { text += "\n" }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count
        try (text + tooLargeTXT + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try lab.run(["bump", zone, "--dir", lab.directory])
        return line
    }

    /// The size of every secondary's log now, to read only what is written after.
    static func logSizes(_ lab: Lab) -> [String: UInt64] {
        var sizes: [String: UInt64] = [:]
        for server in ["ns2", "ns3", "ns4", "ns5"] {
            for name in ["named.log", "knot.log", "nsd.log"] {
                let path = "\(lab.directory)/\(server)/\(name)"
                if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
                    sizes[path] = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
                }
            }
        }
        return sizes
    }

    /// What each log got since `sizes`.
    static func logsSince(_ sizes: [String: UInt64]) -> [String: String] {
        sizes.reduce(into: [:]) { result, entry in
            guard let handle = FileHandle(forReadingAtPath: entry.key) else { return }
            defer { try? handle.close() }
            try? handle.seek(toOffset: entry.value)
            result[entry.key] = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        }
    }

    @Test(
        "a TXT too large to transfer: check names the record and the cause, repair refuses at once and sends nothing",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func recordTooLargeToTransfer() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let zone = "zone00001.lab"
        let line = try Self.addTooLargeRecord(lab, zone: zone)
        // The primary got the NOTIFYs' transfer requests and failed each: its log says so.
        let primaryLog = lab.directory + "/ns1/named.log"
        var said = ""
        for _ in 0..<50 {
            said = (try? String(contentsOfFile: primaryLog, encoding: .utf8)) ?? ""
            if said.contains("RR too large for zone transfer") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(said.contains("RR too large for zone transfer"), "BIND did not refuse to send the record")

        let check = try ZoneCheckBinary.check([zone], config: lab.configPath)
        #expect(check.status == 2, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ns1 cannot send \(zone) to its secondaries"), "\(check.stdout)")
        #expect(check.stdout.contains("NOTIFY and retransfer cannot help"), "\(check.stdout)")
        #expect(!check.stdout.contains("NOTIFY was probably lost"), "\(check.stdout)")
        // The cause comes with what the servers say: BIND's own words on the primary, and the status of the
        // zone from BIND (ns2, ns5), Knot (ns3) and NSD (ns4).
        #expect(check.stdout.contains("ns1 log:") && check.stdout.contains("RR too large"), "\(check.stdout)")
        for server in ["ns2", "ns3", "ns4", "ns5"] {
            #expect(check.stdout.contains("\(server) status:"), "no status lines from \(server): \(check.stdout)")
        }
        print("check on the too-large record:\n\(check.stdout)")
        // The lint rule for records too large to transfer names the file and the line.
        #expect(check.stdout.contains("[record-too-large-to-transfer]"), "\(check.stdout)")
        #expect(check.stdout.contains("\(zone).db:\(line)"), "\(check.stdout)")
        #expect(check.stdout.contains("split the record"), "\(check.stdout)")

        Thread.sleep(forTimeInterval: 1)
        let before = Self.logSizes(lab)
        let repair = try ZoneCheckBinary.repair([zone, "--timeout", "30s"], config: lab.configPath)
        print(String(format: "repair on the too-large record: exit %d in %.2f s", repair.status, repair.seconds))
        #expect(repair.status == 2, "\(repair.stdout)\(repair.stderr)")
        #expect(repair.seconds < 5, "repair took \(repair.seconds) s to refuse")
        #expect(repair.stderr.contains("ns1 cannot send \(zone)"), "\(repair.stderr)")
        #expect(repair.stderr.contains("\(zone).db:\(line)"), "the record is named: \(repair.stderr)")
        #expect(repair.stderr.contains("nothing was sent"), "\(repair.stderr)")
        let actions = try lab.auditActions()
        #expect(!actions.contains("notify") && !actions.contains("retransfer"), "\(actions)")
        #expect(actions.contains("plan-refused"), "\(actions)")
        // And the secondaries saw nothing from zonecheck: no NOTIFY received (the retransfer commands would
        // show in the audit log, checked above).
        for (path, text) in Self.logsSince(before) {
            let lines = text.split(separator: "\n").filter { $0.lowercased().contains("notify") }
            #expect(lines.isEmpty, "\(path) after the refused repair:\n\(lines.joined(separator: "\n"))")
        }
    }

    @Test(
        "run: the too-large TXT opens its incident at once; its alert and the digest carry the cause and the servers' lines",
        .enabled(if: unavailable == nil && SMTPSink.unavailableReason() == nil), .timeLimit(.minutes(10)))
    func runAlertsAndDigestCarryTheEvidence() throws {
        let sink = try SMTPSink.started(port: 5364)
        defer { sink.stop() }
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let email =
            "  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: smtp, "
            + "smtp: { host: 127.0.0.1, port: 5364, starttls: false } }"
        // A long grace: only a cause that cannot heal by itself opens an incident in this run.
        try lab.configureForRun(grace: "10m", email: email)
        let zone = "zone00004.lab"
        let line = try Self.addTooLargeRecord(lab, zone: zone)
        Thread.sleep(forTimeInterval: 1)
        let run = try lab.zonecheckRun()
        #expect(run.status == 2, "\(run.stderr)")
        // Two incidents: the primary cannot send the zone, and its file does not lint clean.
        #expect(run.stderr.contains("2 opened"), "\(run.stderr)")
        _ = try sink.waitForMessages(1)
        let mails = try sink.messages()
        #expect(mails.count == 1, "one alert, not \(mails.count)")
        let body = try MailInspection.inspect(mails[0].path).part("text/plain")?.content ?? ""
        #expect(body.contains("ns1 cannot send \(zone) to its secondaries"), "\(body)")
        #expect(body.contains("\(zone).db:\(line)"), "\(body)")
        for server in ["ns2", "ns3", "ns4", "ns5"] {
            #expect(body.contains("\(server) status:"), "no status lines from \(server) in the alert: \(body)")
        }
        #expect(body.contains("Not repaired automatically"), "\(body)")
        let actions = try lab.actions("notify") + lab.actions("retransfer")
        #expect(actions.isEmpty, "the run sent \(actions.map(\.action))")
        let digest = try ZoneCheckBinary.run("digest", ["--since", "1h", "--print"], config: lab.configPath)
        #expect(digest.status == 0, "\(digest.stderr)")
        #expect(digest.stdout.contains("ns1 cannot send \(zone) to its secondaries"), "\(digest.stdout)")
        #expect(digest.stdout.contains("[record-too-large-to-transfer]"), "\(digest.stdout)")
    }

    @Test(
        "transfers failing TSIG on ns5: check names the cause from their logs; repair ends within its timeout",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func transferTSIGAndOneDeadline() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let zone = "zone00003.lab"
        // ns5 (BIND) gets another secret for its transfer key: the primary's answers no longer verify.
        try lab.run(["stop-server", "ns5", "--dir", lab.directory])
        let keyFile = lab.directory + "/keys/xfr-ns5.key"
        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
        let wrong = lab.directory + "/ns5/wrong-xfr.key"
        try key.replacingOccurrences(
            of: #"secret "[^"]*""#, with: "secret \"\(String(repeating: "A", count: 86))==\"",
            options: .regularExpression
        )
        .write(toFile: wrong, atomically: true, encoding: .utf8)
        let conf = lab.directory + "/ns5/named.conf"
        let text = try String(contentsOfFile: conf, encoding: .utf8)
        #expect(text.contains("include \"\(keyFile)\";"), "the lab's ns5 named.conf no longer includes \(keyFile)")
        try text.replacingOccurrences(of: "include \"\(keyFile)\";", with: "include \"\(wrong)\";")
            .write(toFile: conf, atomically: true, encoding: .utf8)
        try lab.run(["start-server", "ns5", "--dir", lab.directory])
        try lab.run(["bump", zone, "--dir", lab.directory])
        // The primary's NOTIFY does not verify on ns5 either (BIND logs that without the zone's name); ns5 asks
        // the primary at its next refresh, made now.
        let rndc = try #require(Lab.which("rndc"))
        _ = try Command.run(rndc, ["-c", lab.directory + "/ns5/rndc.conf", "refresh", zone])
        let log = lab.directory + "/ns5/named.log"
        var said = ""
        for _ in 0..<50 {
            said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if said.lowercased().contains("tsig") && said.contains("failed") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        // The other secondaries take the new serial as usual: only ns5 stays behind.
        let primary = try lab.serial("ns1", zone)
        for server in ["ns2", "ns3", "ns4"] {
            for _ in 0..<50 where try lab.serial(server, zone) != primary {
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        let check = try ZoneCheckBinary.check([zone], config: lab.configPath)
        print("check with ns5's transfers failing TSIG:\n\(check.stdout)")
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("its transfers fail TSIG"), "\(check.stdout)")
        #expect(!check.stdout.contains("probably lost"), "\(check.stdout)")
        // NOTIFY is acknowledged, the retransfer command runs, and still ns5 cannot transfer: the repair
        // gives up at its timeout, not later.
        let repair = try ZoneCheckBinary.repair([zone, "--timeout", "6s"], config: lab.configPath)
        print(
            String(
                format: "repair with a secondary that cannot converge: exit %d in %.2f s", repair.status, repair.seconds
            ))
        #expect(repair.status == 2, "\(repair.stdout)\(repair.stderr)")
        #expect(repair.seconds < 6 + 4, "the repair took \(repair.seconds) s with --timeout 6s")
    }

    @Test(
        "same serial, different content: repair --source ns1 compares content without --deep and fixes it",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func sourceComparesContent() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        let zone = "zone00002.lab"
        try lab.run(["diverge", "ns5", zone, "--dir", lab.directory])
        let plain = try ZoneCheckBinary.check([zone], config: lab.configPath)
        #expect(plain.status == 0, "the serials agree, so a plain check sees nothing: \(plain.stdout)")
        let run = try ZoneCheckBinary.repair([zone, "--source", "ns1", "--timeout", "20s"], config: lab.configPath)
        #expect(run.stdout.contains("comparing content"), "\(run.stdout)")
        #expect(run.stdout.contains("ns5      retransfer"), "\(run.stdout)")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let deep = try ZoneCheckBinary.check(["--deep", zone], config: lab.configPath)
        #expect(deep.status == 0, "\(deep.stdout)\(deep.stderr)")
    }
}
