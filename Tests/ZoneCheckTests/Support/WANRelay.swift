import Foundation
import TestSupport

/// The relay (`wan-relay`, what `Scripts/wan-relay` runs) in front of one lab server: a long, lossy link on
/// loopback. The debug build next to the test bundle (`swift build` builds it with the tests). Stopped by its
/// own PID (SIGTERM), never by name.
final class WANRelay {
    /// The executable; nil when the build did not make it.
    static let binary = ZoneCheckBinary.builtExecutable("wan-relay")

    let process = Process()
    let listenHost: String
    let listenPort: Int
    let statsPath: String

    /// Starts a relay and waits until it says "ready". With `tamperZone`, UDP answers about that zone get one
    /// bit flipped (their TSIG MAC no longer verifies).
    init(
        listen host: String, port: Int, to target: String, rtt: Int, loss: Double, seed: Int? = nil,
        tamperZone: String? = nil
    ) throws {
        listenHost = host
        listenPort = port
        statsPath = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID()).json").path
        guard let binary = WANRelay.binary else {
            throw WANRelayError(message: "wan-relay not found next to the test bundle; run swift build")
        }
        process.executableURL = binary
        var arguments = [
            "--listen", "\(host):\(port)", "--to", target, "--rtt", String(rtt), "--loss", String(loss), "--stats",
            statsPath,
        ]
        if let seed { arguments += ["--seed", String(seed)] }
        if let tamperZone { arguments += ["--tamper-zone", tamperZone] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = output.fileHandleForReading.readData(ofLength: 6)
        guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
            stop()
            throw WANRelayError(message: "wan-relay on \(host):\(port) did not start")
        }
    }

    /// Stops the relay and returns its counters.
    @discardableResult
    func stop() -> [String: Double] {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        defer { try? FileManager.default.removeItem(atPath: statsPath) }
        guard let data = FileManager.default.contents(atPath: statsPath),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGTERM) } }
}

struct WANRelayError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
