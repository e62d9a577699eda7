import Foundation

/// A test server from Scripts/ (smtp-sink, webhook-sink) run by /usr/bin/python3 in the background: its
/// output goes to DIR/sink.log, it is ready once DIR/ready exists, and `stop` ends it and removes DIR.
enum ScriptServer {
    /// Starts `python3 ARGUMENTS` and waits (15 s at most) until DIR/ready appears; `what` names it in errors.
    static func start(_ arguments: [String], directory: String, what: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SMTPSink.python)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let log = directory + "/sink.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        let deadline = ContinuousClock.now + .seconds(15)
        while !FileManager.default.fileExists(atPath: directory + "/ready") {
            guard process.isRunning, ContinuousClock.now < deadline else {
                let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                stop(process, directory: directory)
                throw SMTPSink.SinkFailure(message: "\(what) did not start: \(said)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return process
    }

    /// SIGTERM, SIGKILL after 5 s; then removes what the server stored.
    static func stop(_ process: Process, directory: String) {
        if process.isRunning {
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(5)
            while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
