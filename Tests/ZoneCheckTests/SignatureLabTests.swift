import Foundation
import Testing
import TestSupport
import ZoneCheck

/// Signatures and NSID seen per server on the real BIND lab (127.53.109.x port 5409): the classic outage of a
/// secondary that keeps an old signed copy whose signatures run out while the primary's are fresh.
///
/// zone00001.lab and zone00002.lab are signed on ns1 (test-only, `LabSigner`): first with signatures ending in
/// 36 hours (zone00001) and ended an hour ago (zone00002); every secondary transfers them. ns3 is stopped, given
/// `server-id "fra1"` (its NSID), and both zones are re-signed on ns1 for 30 days under a new serial, which
/// ns2, ns4 and ns5 transfer; zone00004.lab is signed for the first time then. ns3 comes back holding the old
/// copies (zone00004.lab unsigned). zone00003.lab and example.com stay unsigned everywhere.
@Suite("signatures on the lab", .serialized, .ownThreads)
struct SignatureLabTests {
    static let unavailable = Lab.unavailableReason() ?? LabSigner.unavailableReason

    @Test(
        "a stale signed secondary is named with its date and instance; unsigned zones say nothing of DNSSEC",
        .enabled(if: unavailable == nil, Comment(rawValue: unavailable ?? "")), .timeLimit(.minutes(10)))
    func staleSignedSecondary() throws {
        let lab = try Lab.started(prefix: "127.53.109", port: 5409, zones: 4)
        defer { lab.tearDown() }
        let now = Date()
        let soon = LabSigner.rounded(now.addingTimeInterval(36 * 3600))
        let ended = LabSigner.rounded(now.addingTimeInterval(-3600))
        let fresh = LabSigner.rounded(now.addingTimeInterval(30 * 86_400))
        let began = LabSigner.rounded(now.addingTimeInterval(-7200))
        var signers: [String: (signer: LabSigner, keyTag: UInt16, serial: UInt32)] = [:]
        for (zone, expiration) in [("zone00001.lab", soon), ("zone00002.lab", ended)] {
            let signer = try LabSigner(lab: lab, zone: zone)
            let keyTag = try signer.makeKey()
            let serial = try signer.serial() + 1
            try signer.sign(
                serial: serial, inception: expiration == ended ? began.addingTimeInterval(-86_400 * 3) : began,
                expiration: expiration)
            try lab.waitForSerial(serial, zone: zone, on: lab.servers)
            signers[zone] = (signer, keyTag, serial)
        }

        try lab.run(["stop-server", "ns3", "--dir", lab.directory])
        let conf = lab.directory + "/ns3/named.conf"
        var text = try String(contentsOfFile: conf, encoding: .utf8)
        // A lab that names its instances already (server-id) keeps its name; else ns3 becomes "fra1".
        if !text.contains("server-id ") {
            #expect(text.contains("    recursion no;\n"), "the lab's BIND configuration changed")
            text = text.replacingOccurrences(
                of: "    recursion no;\n", with: "    recursion no;\n    server-id \"fra1\";\n")
            try text.write(toFile: conf, atomically: true, encoding: .utf8)
        }
        let instance = try #require(
            text.firstMatch(of: #/server-id "([^"]+)";/#).map { String($0.output.1) }, "no server-id in \(conf)")
        for (zone, entry) in signers {
            try entry.signer.sign(serial: entry.serial + 1, inception: began, expiration: fresh)
            try lab.waitForSerial(entry.serial + 1, zone: zone, on: ["ns1", "ns2", "ns4", "ns5"])
        }
        // zone00004.lab is signed for the first time while ns3 is down: ns3 keeps it unsigned.
        let late = try LabSigner(lab: lab, zone: "zone00004.lab")
        _ = try late.makeKey()
        let lateSerial = try late.serial() + 1
        try late.sign(serial: lateSerial, inception: began, expiration: fresh)
        try lab.waitForSerial(lateSerial, zone: "zone00004.lab", on: ["ns1", "ns2", "ns4", "ns5"])
        try lab.run(["start-server", "ns3", "--dir", lab.directory])
        for (zone, entry) in signers {
            #expect(lab.servedSerial(zone, on: "ns3") == entry.serial, "ns3 must keep its old copy of \(zone)")
        }

        let run = try ZoneCheckBinary.run("check", [], config: lab.configPath)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        let soonText = SignatureCheck.dateText(soon)
        let endedText = SignatureCheck.dateText(ended)
        let freshText = SignatureCheck.dateText(fresh)
        let tag1 = signers["zone00001.lab"]!.keyTag
        #expect(
            run.stdout.contains(
                "CRITICAL ns3 (instance \(instance)) serves zone00001.lab with signatures that end at \(soonText) (in 1 d 1"
            )
                && run.stdout.contains("RRSIG(SOA) key tag \(tag1)): ns1 serves signatures valid until \(freshText): ")
                && run.stdout.contains(
                    "ns3's copy is stale (serial \(signers["zone00001.lab"]!.serial), ns1 has "
                        + "\(signers["zone00001.lab"]!.serial + 1)); run 'zonecheck repair zone00001.lab'"),
            "\(run.stdout)")
        #expect(
            run.stdout.contains(
                "CRITICAL ns3 (instance \(instance)) serves zone00002.lab with signatures that expired at \(endedText)"),
            "\(run.stdout)")
        #expect(
            run.stdout.contains("ns3 (instance \(instance)) is 1 serial behind ns1 on zone00001.lab"), "\(run.stdout)")
        // The signed side is named with its instances too when the lab names them (server-id on every server).
        let partly = try #require(
            run.stdout.split(separator: "\n").first { $0.contains("CRITICAL zone00004.lab is signed on ns1") },
            "\(run.stdout)")
        #expect(partly.contains(" and unsigned on ns3 (instance \(instance)): "), "\(partly)")
        #expect(["ns2", "ns4", "ns5"].allSatisfy { partly.contains($0) }, "\(partly)")
        // The zones left unsigned say nothing of DNSSEC.
        for line in run.stdout.split(separator: "\n")
        where line.contains("zone00003.lab") || line.contains("example.com") {
            #expect(!line.lowercased().contains("sign"), "\(line)")
        }

        let json = try ZoneCheckBinary.run("check", ["--format", "json"], config: lab.configPath)
        #expect(json.status == 2)
        let iso = ISO8601DateFormatter()
        let ns3 = try ZoneCheckBinary.cell(json.stdout, zone: "zone00001.lab", server: "ns3")
        #expect(ns3["rrsig_expiration"] as? String == iso.string(from: soon), "\(ns3)")
        #expect(ns3["rrsig_inception"] as? String == iso.string(from: began), "\(ns3)")
        #expect(ns3["rrsig_key_tag"] as? Int == Int(tag1), "\(ns3)")
        #expect(ns3["nsid"] as? String == instance, "\(ns3)")
        for server in ["ns1", "ns2", "ns4", "ns5"] {
            let cell = try ZoneCheckBinary.cell(json.stdout, zone: "zone00001.lab", server: server)
            #expect(cell["rrsig_expiration"] as? String == iso.string(from: fresh), "\(server): \(cell)")
            #expect(cell["nsid"] as? String != instance, "\(server) is another instance than ns3: \(cell)")
        }
        let expired = try ZoneCheckBinary.cell(json.stdout, zone: "zone00002.lab", server: "ns3")
        #expect(expired["rrsig_expiration"] as? String == iso.string(from: ended), "\(expired)")
        let unsigned = try ZoneCheckBinary.cell(json.stdout, zone: "zone00003.lab", server: "ns3")
        #expect(unsigned["rrsig_expiration"] is NSNull && unsigned["rrsig_key_tag"] is NSNull, "\(unsigned)")
        #expect(unsigned["nsid"] as? String == instance, "NSID comes with every answer: \(unsigned)")

        let prometheus = try ZoneCheckBinary.run("check", ["--format", "prometheus"], config: lab.configPath)
        #expect(
            prometheus.stdout.contains(
                "zonecheck_rrsig_expiration_timestamp_seconds{zone=\"zone00001.lab\",server=\"ns3\"} "
                    + "\(Int(soon.timeIntervalSince1970))\n"), "\(prometheus.stdout)")

        let query = try ZoneCheckBinary.run("query", ["ns3", "zone00001.lab"], config: lab.configPath)
        #expect(query.status == 0, "\(query.stdout)\(query.stderr)")
        #expect(query.stdout.contains("nsid:     \(instance)\n"), "\(query.stdout)")
        #expect(
            query.stdout.contains(
                "rrsig:    key tag \(tag1), valid \(SignatureCheck.dateText(began)) to \(soonText) (ends in 1 d 1"),
            "\(query.stdout)")
        let plain = try ZoneCheckBinary.run("query", ["ns2", "zone00003.lab"], config: lab.configPath)
        #expect(plain.stdout.contains("rrsig:    none (the zone is unsigned on this server)"), "\(plain.stdout)")
        let ns2Conf = try String(contentsOfFile: lab.directory + "/ns2/named.conf", encoding: .utf8)
        if !ns2Conf.contains("server-id ") {
            #expect(plain.stdout.contains("nsid:     none (the server names no instance)"), "\(plain.stdout)")
        }
    }
}
