import Testing
import Foundation
import TestSupport

/// Signs a zone of a running lab on its primary, for tests only: BIND's dnssec-keygen and dnssec-signzone
/// with a validity window the test chooses (in the past too), written over ns1's zone file and reloaded. One
/// ECDSA P-256 key signs everything (-z), so the RRSIG(SOA) key tag is that key's.
struct LabSigner {
    let lab: Lab
    let zone: String
    var work: String { lab.directory + "/signing-" + zone }
    var zoneFile: String { lab.directory + "/ns1/zones/\(zone).db" }
    var unsigned: String { work + "/\(zone).unsigned" }

    static var unavailableReason: String? {
        for tool in ["dnssec-keygen", "dnssec-signzone"] where Lab.which(tool) == nil {
            return "\(tool) is not installed (apt-get install bind9-utils): no signed zone for the lab"
        }
        return nil
    }

    /// Keeps the lab's unsigned file (its `; serial` line) and makes the key; returns the key tag.
    init(lab: Lab, zone: String) throws {
        self.lab = lab
        self.zone = zone
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: zoneFile, toPath: unsigned)
    }

    /// `K<zone>.+013+<tag>`: the key's file name; its tag is the number at the end.
    func makeKey() throws -> UInt16 {
        let out = try Lab.run(
            "dnssec-keygen", ["-q", "-K", work, "-a", "ECDSAP256SHA256", "-n", "ZONE", "-f", "KSK", zone])
        let name = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(UInt16(name.split(separator: "+").last ?? ""), "dnssec-keygen printed \(name)")
    }

    /// The serial of the unsigned copy.
    func serial() throws -> UInt32 {
        let text = try String(contentsOfFile: unsigned, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasSuffix("; serial") })
        return try #require(UInt32(line.split(separator: " ").first?.trimmingCharacters(in: .whitespaces) ?? ""))
    }

    /// Signs the unsigned copy under `serial`, valid from `inception` to `expiration`, onto ns1's file, and
    /// reloads the zone there (its NOTIFYs reach the secondaries that run).
    func sign(serial: UInt32, inception: Date, expiration: Date) throws {
        let text = try String(contentsOfFile: unsigned, encoding: .utf8)
        let old = try self.serial()
        try text.replacingOccurrences(of: "\(old) ; serial", with: "\(serial) ; serial")
            .write(toFile: unsigned, atomically: true, encoding: .utf8)
        // -P: no verification after signing (it refuses signatures that have already ended, which a test wants).
        try Lab.run(
            "dnssec-signzone",
            [
                "-q", "-P", "-S", "-z", "-K", work, "-d", work, "-o", zone, "-N", "keep", "-s",
                Self.stamp(inception), "-e", Self.stamp(expiration), "-f", zoneFile + ".tmp", unsigned,
            ])
        // rndc reload does nothing unless the file is newer than its last load.
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(2)], ofItemAtPath: zoneFile + ".tmp")
        guard rename(zoneFile + ".tmp", zoneFile) == 0 else {
            throw Command.Failure(
                command: "rename \(zoneFile).tmp", output: Command.Output(status: errno, stdout: "", stderr: ""))
        }
        try Lab.run("rndc", ["-c", lab.directory + "/ns1/rndc.conf", "reload", zone])
    }

    /// `date` to the whole second, as RRSIG times are.
    static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// `YYYYMMDDHHMMSS` in UTC, as dnssec-signzone takes absolute times.
    static func stamp(_ date: Date) -> String {
        let parts = Calendar.utcGregorian.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02d%02d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0, parts.second ?? 0)
    }
}

extension Calendar {
    static var utcGregorian: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}

extension Lab {
    /// Runs a tool from the system; throws with its output when it exits non-zero.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Command.Output {
        let path = try #require(which(tool), "\(tool) is not installed")
        let output = try Command.run(path, arguments)
        guard output.status == 0 else {
            throw Command.Failure(command: ([tool] + arguments).joined(separator: " "), output: output)
        }
        return output
    }

    /// The serial `server` serves for `zone` (dig, no TSIG: the lab answers plain queries), or nil.
    func servedSerial(_ zone: String, on server: String) -> UInt32? {
        guard
            let output = try? Lab.run(
                "dig",
                ["+short", "+norecurse", "+time=1", "+tries=1", "-p", String(port), "@" + address(server), zone, "SOA"])
        else { return nil }
        let fields = output.stdout.split(separator: " ")
        return fields.count >= 3 ? UInt32(fields[2]) : nil
    }

    /// Waits (at most `seconds`) until each of `servers` serves `serial` for `zone`.
    func waitForSerial(_ serial: UInt32, zone: String, on servers: [String], seconds: Int = 60) throws {
        for _ in 0..<(seconds * 4) {
            if servers.allSatisfy({ servedSerial(zone, on: $0) == serial }) { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        let seen = servers.map { "\($0): \(servedSerial(zone, on: $0).map(String.init) ?? "no answer")" }
        Issue.record("\(zone) not at serial \(serial) after \(seconds) s (\(seen.joined(separator: ", ")))")
        throw Command.Failure(
            command: "wait for \(zone) serial \(serial)", output: Command.Output(status: 1, stdout: "", stderr: ""))
    }
}
