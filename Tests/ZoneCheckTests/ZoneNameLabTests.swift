import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// Zone names from a catalog served by the real BIND primary (127.53.71.x port 5371): a member whose name holds
/// a backtick command substitution is reported and never checked, repaired, or handed to a command.
@Suite("zone names on the lab", .serialized, .ownThreads)
struct ZoneNameLabTests {
    static let unavailable = Lab.unavailableReason()

    @Test(
        "a catalog member with a backtick is reported by check and run, never reaches a command or a path",
        .enabled(if: unavailable == nil), .timeLimit(.minutes(10)))
    func backtickMember() throws {
        let lab = try Lab.started(prefix: "127.53.71", port: 5371)
        defer { lab.tearDown() }
        let marker = lab.directory + "/pwned"
        // The catalog gets a member named x`touch MARKER`.lab. (a space is \032 in a master file) and a new serial.
        let catalog = lab.directory + "/ns1/zones/catalog.lab.db"
        var text = try String(contentsOfFile: catalog, encoding: .utf8)
        let serialPattern = try #require(text.firstRange(of: /\( (\d+) 3600/))
        let serial = try #require(UInt32(text[serialPattern].dropFirst(2).prefix { $0.isNumber }))
        text.replaceSubrange(serialPattern, with: "( \(serial + 1) 3600")
        text += "evil.zones\tIN\tPTR\tx`touch\\032\(marker)`.lab.\n"
        try text.write(toFile: catalog, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: catalog)
        let rndc = try #require(Lab.which("rndc"))
        let reload = try Command.run(rndc, ["-c", lab.directory + "/ns1/rndc.conf", "reload", "catalog.lab"])
        #expect(reload.status == 0, "\(reload.stderr)")
        // Every command zonecheck may run records its arguments instead of acting.
        let recorder = lab.directory + "/record-arguments"
        let recorded = lab.directory + "/recorded"
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '\(recorded)'\n".write(
            toFile: recorder, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: recorder)
        try lab.configureForRun(grace: "10m") { yaml in
            var lines = yaml.components(separatedBy: "\n").map { line -> String in
                if line.hasPrefix("    retransfer: ") { return "    retransfer: [\(recorder), retransfer, \"{zone}\"]" }
                if line.hasPrefix("    reload: ") { return "    reload: [\(recorder), reload, \"{zone}\"]" }
                return line
            }
            if let index = lines.firstIndex(of: "zones:") { lines.insert("  catalog: catalog.lab", at: index + 1) }
            return lines.joined(separator: "\n")
        }
        let check = try ZoneCheckBinary.check(["--all"], config: lab.configPath)
        #expect(check.stderr.contains("catalog catalog.lab. (evil.zones.catalog.lab.)"), "\(check.stderr)")
        #expect(check.stderr.contains("refused") && check.stderr.contains("'`'"), "\(check.stderr)")
        #expect(check.stdout.contains("zone00001.lab"), "the other members are checked: \(check.stdout)")
        #expect(!check.stdout.contains("touch"), "\(check.stdout)")

        // A run with a lost NOTIFY: repairs run, and no command ever sees the refused name.
        try lab.loseNotify(on: "ns4", zone: "zone00002.lab")
        let run = try lab.zonecheckRun()
        #expect(run.stderr.contains("catalog catalog.lab. (evil.zones.catalog.lab.)"), "\(run.stderr)")
        let entries = try lab.audit().records()
        #expect(!entries.contains { $0.zone.contains("touch") || $0.detail.contains("touch") })
        let arguments = (try? String(contentsOfFile: recorded, encoding: .utf8)) ?? ""
        #expect(!arguments.contains("touch"), "a command got the name: \(arguments)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the backtick ran")
    }
}
