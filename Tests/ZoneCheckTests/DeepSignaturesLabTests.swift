import Foundation
import Testing
import TestSupport
import ZoneCheck

/// `check --deep` on a signed zone, against the real lab on 127.53.111.x port 5411: a BIND primary and BIND,
/// Knot, NSD and BIND secondaries, signed.lab. signed by ldns-signzone (`Scripts/lab start --signed`), and
/// the lab's `lag` command leaving one secondary on an older signed copy.
@Suite("deep check of signatures, DNSKEY sets and ZONEMD, on the lab", .serialized, .ownThreads)
struct DeepSignaturesLabTests {
    static let secondaries = ["bind", "knot", "nsd", "bind"]
    static let unavailable = Lab.unavailableReason(secondaries: secondaries, signed: true)
    static let dnssecKinds: Set<String> = [
        "signatures-expiring", "signatures-expired", "signatures-not-yet-valid", "dnskey-differs", "partly-signed",
        "zonemd-mismatch",
    ]

    static func startLab() throws -> Lab {
        try Lab.started(prefix: "127.53.111", port: 5411, zones: 3, secondaries: secondaries, signed: true)
    }

    static func check(_ lab: Lab, _ arguments: [String]) throws -> ZoneCheckBinary.Run {
        try ZoneCheckBinary.run("check", ["--deep"] + arguments, config: lab.configPath)
    }

    /// The JSON document's zones by name.
    static func zones(_ run: ZoneCheckBinary.Run) throws -> [String: [String: Any]] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let zones = try #require(root["zones"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: zones.map { ($0["zone"] as? String ?? "?", $0) })
    }

    /// Each server's `dnssec` object of one zone.
    static func dnssec(_ zone: [String: Any]?) throws -> [String: [String: Any]] {
        let servers = try #require(zone?["servers"] as? [String: [String: Any]])
        return try servers.mapValues { try #require($0["dnssec"] as? [String: Any], "no dnssec object: \($0)") }
    }

    /// (kind, severity, servers) of each finding of one zone.
    static func findings(_ zone: [String: Any]?) -> [(kind: String, severity: String, servers: [String])] {
        (zone?["findings"] as? [[String: Any]] ?? []).map {
            ($0["kind"] as? String ?? "", $0["severity"] as? String ?? "", $0["servers"] as? [String] ?? [])
        }
    }

    static func expiration(_ cell: [String: Any]?) throws -> Date {
        let text = try #require(cell?["earliest_rrsig_expiration"] as? String)
        return try #require(ISO8601DateFormatter().date(from: text), "not ISO 8601: \(text)")
    }

    /// `2026-12-09 15:08 UTC`, as findings write dates.
    static func minuteText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// Every zone but signed.lab is unsigned: its copies say so, and no DNSSEC finding is made of it.
    static func expectUnsignedZonesSilent(_ zones: [String: [String: Any]]) throws {
        for (name, zone) in zones where name != "signed.lab" {
            for (server, cell) in try dnssec(zone) {
                #expect(cell["signed"] as? Bool == false, "\(name) on \(server): \(cell)")
                #expect(cell["earliest_rrsig_expiration"] is NSNull, "\(name) on \(server): \(cell)")
            }
            #expect(findings(zone).allSatisfy { !dnssecKinds.contains($0.kind) }, "\(name): \(findings(zone))")
        }
    }

    @Test(
        "a lagging secondary whose signatures end in 2 days is named with the date; 3 days is a warning",
        .enabled(if: unavailable == nil, "\(unavailable ?? "")"), .timeLimit(.minutes(10)))
    func laggingSecondaryNamedWithTheDate() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }

        // Signed for 30 days everywhere: nothing to say, and every copy's ZONEMD (ldns-signzone's) verifies
        // with zonecheck's own RFC 8976 digest.
        let clean = try Self.check(lab, [])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.hasPrefix("zonecheck: OK - 5 zones in sync on 5 servers"), "\(clean.stdout)")
        let cleanZones = try Self.zones(try Self.check(lab, ["--format", "json"]))
        try Self.expectUnsignedZonesSilent(cleanZones)
        for (server, cell) in try Self.dnssec(cleanZones["signed.lab"]) {
            #expect(cell["signed"] as? Bool == true && cell["zonemd"] as? String == "verified", "\(server): \(cell)")
            #expect((cell["dnskeys"] as? [String])?.count == 2, "\(server): \(cell)")
            #expect(try Self.expiration(cell) > Date() + 29 * 86_400, "\(server): \(cell)")
        }

        // ns3 (Knot) keeps a copy signed to end in 2 days; the others follow the primary's 30 days.
        try lab.run(["lag", "ns3", "signed.lab", "--expire-in", "2d", "--dir", lab.directory])
        let text = try Self.check(lab, [])
        #expect(text.status == 2, "\(text.stdout)\(text.stderr)")
        let json = try Self.check(lab, ["--format", "json"])
        #expect(json.status == 2)
        let zones = try Self.zones(json)
        try Self.expectUnsignedZonesSilent(zones)
        let cells = try Self.dnssec(zones["signed.lab"])
        let ns3Ends = try Self.expiration(cells["ns3"])
        #expect(ns3Ends > Date() + 2 * 86_400 - 900 && ns3Ends <= Date() + 2 * 86_400, "\(ns3Ends)")
        for server in ["ns1", "ns2", "ns4", "ns5"] {
            #expect(try Self.expiration(cells[server]) > Date() + 29 * 86_400, "\(server): \(cells[server] ?? [:])")
        }
        let found = Self.findings(zones["signed.lab"])
        #expect(found.contains { $0 == ("signatures-expiring", "CRITICAL", ["ns3"]) }, "\(found)")
        #expect(found.contains { $0.kind == "lagging" && $0.servers == ["ns3"] }, "\(found)")
        #expect(
            text.stdout.contains("ns3 holds signatures of signed.lab that end at \(Self.minuteText(ns3Ends))"),
            "\(text.stdout)")
        #expect(text.stdout.contains("ns3 is stale (serial"), "\(text.stdout)")

        // ns5 (BIND) on a copy that ends in 3 days (ns3 catches up first): a warning, exit 1.
        try lab.run(["lag", "ns5", "signed.lab", "--expire-in", "3d", "--dir", lab.directory])
        let warning = try Self.check(lab, ["--format", "json"])
        #expect(warning.status == 1, "\(warning.stdout)\(warning.stderr)")
        let later = Self.findings(try Self.zones(warning)["signed.lab"])
        #expect(later.contains { $0 == ("signatures-expiring", "WARNING", ["ns5"]) }, "\(later)")
        #expect(!later.contains { $0.servers.contains("ns3") }, "\(later)")
    }

    @Test(
        "an expired copy with another DNSKEY set on the NSD secondary is CRITICAL and named",
        .enabled(if: unavailable == nil, "\(unavailable ?? "")"), .timeLimit(.minutes(10)))
    func expiredCopyWithOtherKeys() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        try lab.run(["lag", "ns4", "signed.lab", "--expire-in", "-1h", "--new-keys", "--dir", lab.directory])
        let json = try Self.check(lab, ["--format", "json"])
        #expect(json.status == 2, "\(json.stdout)\(json.stderr)")
        let zones = try Self.zones(json)
        try Self.expectUnsignedZonesSilent(zones)
        let found = Self.findings(zones["signed.lab"])
        #expect(found.contains { $0 == ("signatures-expired", "CRITICAL", ["ns4"]) }, "\(found)")
        #expect(found.contains { $0 == ("dnskey-differs", "CRITICAL", ["ns4"]) }, "\(found)")
        let cells = try Self.dnssec(zones["signed.lab"])
        #expect(try Self.expiration(cells["ns4"]) < Date())
        #expect((cells["ns4"]?["dnskeys"] as? [String]) != (cells["ns1"]?["dnskeys"] as? [String]))
        #expect((cells["ns2"]?["dnskeys"] as? [String]) == (cells["ns1"]?["dnskeys"] as? [String]))
        let text = try Self.check(lab, [])
        #expect(text.stdout.contains("validating resolvers get SERVFAIL from ns4"), "\(text.stdout)")
        #expect(text.stdout.contains("ns4 serves the DNSKEY set of signed.lab {"), "\(text.stdout)")

        // The findings' next step: 'zonecheck repair signed.lab' brings ns4 up to date, and the deep check
        // then finds nothing more to say.
        let repair = try ZoneCheckBinary.run("repair", ["signed.lab", "--timeout", "20s"], config: lab.configPath)
        #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
        let after = try Self.check(lab, ["signed.lab"])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
    }

    @Test(
        "a ZONEMD mismatch names the server; a stale ZONEMD on the primary names every copy",
        .enabled(if: unavailable == nil, "\(unavailable ?? "")"), .timeLimit(.minutes(10)))
    func zonemdMismatch() throws {
        let lab = try Self.startLab()
        defer { lab.tearDown() }
        // Same serial, one record changed on ns2 (BIND): its copy no longer matches its ZONEMD.
        try lab.run(["diverge", "ns2", "signed.lab", "--dir", lab.directory])
        let diverged = try Self.check(lab, ["--format", "json"])
        #expect(diverged.status == 2, "\(diverged.stdout)\(diverged.stderr)")
        let zones = try Self.zones(diverged)
        let found = Self.findings(zones["signed.lab"])
        #expect(found.contains { $0 == ("zonemd-mismatch", "CRITICAL", ["ns2"]) }, "\(found)")
        #expect(found.contains { $0.kind == "diverged" && $0.servers == ["ns1", "ns2"] }, "\(found)")
        #expect(try Self.dnssec(zones["signed.lab"])["ns2"]?["zonemd"] as? String == "mismatch")

        // The primary's signed file gets a new serial without a new ZONEMD (nor signatures): every server
        // transfers it and every copy fails.
        let path = lab.directory + "/ns1/zones/signed.lab.db"
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let edited = lines.map { line -> String in
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 7, fields[3] == "SOA", let serial = UInt32(fields[6]) else { return line }
            fields[6] = String(serial + 1)
            return fields.joined(separator: " ")
        }
        #expect(edited != lines, "no SOA line in \(path)")
        try edited.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        // rndc reload does nothing unless the file is newer than the last load.
        try FileManager.default.setAttributes([.modificationDate: Date() + 2], ofItemAtPath: path)
        let reload = try Command.run(
            "/usr/sbin/rndc", ["-c", lab.directory + "/ns1/rndc.conf", "reload", "signed.lab"])
        #expect(reload.status == 0, "\(reload.stdout)\(reload.stderr)")
        try lab.run(["wait", "--dir", lab.directory])
        let stale = try Self.check(lab, ["--format", "json"])
        let all = Self.findings(try Self.zones(stale)["signed.lab"]).filter { $0.kind == "zonemd-mismatch" }
        #expect(all.count == 1 && all.first?.servers == ["ns1", "ns2", "ns3", "ns4", "ns5"], "\(all)")
        let text = try Self.check(lab, ["signed.lab"])
        #expect(text.stdout.contains("every copy of signed.lab fails its ZONEMD (RFC 8976), ns1's included"))
    }
}
