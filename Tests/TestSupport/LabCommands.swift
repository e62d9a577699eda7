public import Foundation
import Testing

/// The `zonecheck` commands the lab suites run, and what they read from a lab: one place for helpers
/// several suites use (they were static members of CheckLabTests, RepairLabTests and RunLabTests).
extension ZoneCheckBinary {
    /// `zonecheck check ARGUMENTS --config CONFIG`.
    public static func check(_ arguments: [String], config: String) throws -> Run {
        try run("check", arguments, config: config)
    }

    /// `zonecheck repair ARGUMENTS --config CONFIG`.
    public static func repair(_ arguments: [String], config: String) throws -> Run {
        try run("repair", arguments, config: config)
    }

    /// The `check --format json` document's `zones[zone].servers[server]` cell.
    public static func cell(_ json: String, zone: String, server: String) throws -> [String: Any] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let zones = try #require(root["zones"] as? [[String: Any]])
        let entry = try #require(zones.first { $0["zone"] as? String == zone }, "no \(zone) in the JSON")
        let servers = try #require(entry["servers"] as? [String: [String: Any]])
        return try #require(servers[server])
    }
}

extension Lab {
    /// A copy of the lab's configuration with `replacements` applied to its text; its path.
    public func configCopy(_ replacements: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: configPath, encoding: .utf8)
        for (old, new) in replacements {
            #expect(text.contains(old), "the lab's zonecheck.yaml no longer has '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let path = directory + "/zonecheck-copy.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The serial `server` serves for `zone`, asked with dig (signed, so it is the lab's answer, not a guess).
    public func serial(_ server: String, _ zone: String) throws -> String {
        let dig = try #require(Lab.which("dig"))
        let output = try Command.run(
            dig,
            [
                "+short", "+norec", "-k", keyPath(server), "@\(address(server))", "-p", String(port), zone, "SOA",
            ])
        return String(output.stdout.split(separator: " ").dropFirst(2).first ?? "")
    }

    /// Rewrites the lab's zonecheck.yaml for `zonecheck run`: short timeouts, `grace`, no periodic deep
    /// check, `resolveAfter`, and the email settings given (nil: no email).
    public func configureForRun(
        grace: String, resolveAfter: Int = 1, timeout: String = "1s", retries: Int = 1, email: String? = nil,
        edit: (String) -> String = { $0 }
    ) throws {
        var text = try String(contentsOfFile: configPath, encoding: .utf8)
        let check = "check:   { timeout: 2s, retries: 2, concurrency: 64, lag_grace: 10m, deep: 1h }"
        let mail = "  email: { to: [hostmaster@example.com], from: zonecheck@example.com, transport: sendmail }"
        #expect(text.contains(check) && text.contains(mail), "Scripts/lab writes zonecheck.yaml differently now")
        text = text.replacingOccurrences(
            of: check,
            with:
                "check:   { timeout: \(timeout), retries: \(retries), concurrency: 64, lag_grace: \(grace), deep: never }"
        )
        text = text.replacingOccurrences(of: mail, with: email ?? "")
        text = text.replacingOccurrences(
            of: "  digest_every: 24h", with: "  digest_every: 24h\n  resolve_after: \(resolveAfter)")
        try edit(text).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// `zonecheck run --log stderr ARGUMENTS` on this lab, to completion.
    public func zonecheckRun(_ arguments: [String] = []) throws -> ZoneCheckBinary.Run {
        try ZoneCheckBinary.run("run", ["--log", "stderr"] + arguments, config: configPath)
    }

    /// `zonecheck run` on this lab started in the background (output discarded), for the lock and kill tests.
    public func launchRun(_ arguments: [String] = []) throws -> Process {
        let binary = try #require(ZoneCheckBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["run", "--config", configPath, "--log", "stderr"] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "ZONECHECK_CONFIG" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// Waits (up to `seconds`) until `condition` holds; whether it did.
public func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
