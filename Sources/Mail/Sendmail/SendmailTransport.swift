import Foundation

/// Delivery through a sendmail-compatible program (Postfix's, Exim's, msmtp's `sendmail`), the way cron
/// sends mail: the message on standard input, recipients read from its headers.
///
/// The command runs without a shell (arguments are passed as given); `-t` takes the recipients from the
/// To header, `-oi` keeps a line holding a single "." from ending the message early (the Debian convention,
/// `/usr/sbin/sendmail -t -oi`).
public struct SendmailTransport: MailTransport {
    public static let defaultCommand = ["/usr/sbin/sendmail", "-t", "-oi"]

    /// The program (an absolute path) and its arguments.
    public var command: [String]
    /// How long the program may take before it is stopped and the send reported as failed.
    public var timeout: Duration

    public init(command: [String] = SendmailTransport.defaultCommand, timeout: Duration = .seconds(60)) {
        self.command = command
        self.timeout = timeout
    }

    public func send(_ message: EmailMessage) async throws {
        BrokenPipe.ignore()
        let command = self.command
        let timeout = self.timeout
        let input = Data(message.renderedForSendmail().utf8)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // Waiting for a process blocks a thread: keep that off the cooperative pool.
            Thread.detachNewThread {
                do {
                    try SendmailTransport.run(command, input: input, timeout: timeout)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func run(_ command: [String], input: Data, timeout: Duration) throws(MailError) {
        guard let program = command.first, program.hasPrefix("/") else {
            throw MailError(
                .configuration,
                "sendmail command '\(command.joined(separator: " "))' does not start with a program's full path; "
                    + "set alerts.email.sendmail to e.g. \"/usr/sbin/sendmail -t -oi\"")
        }
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw MailError(
                .program,
                "\(program) does not exist or is not executable, so no mail was sent; install a mail transfer agent "
                    + "(apt-get install postfix, or msmtp-mta for a relay), or set alerts.email.sendmail, "
                    + "or use transport: smtp")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command.dropFirst())
        let stdin = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        process.standardOutput = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw MailError(
                .program, "\(program) could not be started (\(error.localizedDescription)); no mail was sent")
        }
        // Write and read at the same time: a large message or a chatty program would otherwise fill one pipe
        // while the other side waits.
        let errorText = LockedData()
        let readAll = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errorText.set(stderr.fileHandleForReading.readDataToEndOfFile())
            readAll.signal()
        }
        let writer = stdin.fileHandleForWriting
        var writeFailed = false
        do {
            try writer.write(contentsOf: input)
        } catch {
            writeFailed = true
        }
        try? writer.close()

        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            exited.wait()
            throw MailError(
                .timeout,
                "\(program) did not finish within \(timeout) and was stopped; the message may not have been sent. "
                    + "Check the mail system (mailq, /var/log/mail.log)")
        }
        // A daemon forked by the program may keep the pipe open: its output is not worth waiting for.
        _ = readAll.wait(timeout: .now() + 2)
        let said = String(decoding: errorText.get(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal || status != 0 || writeFailed {
            let how =
                process.terminationReason == .uncaughtSignal
                ? "was killed by signal \(status)" : "exited with \(status)"
            throw MailError(
                .program,
                "\(command.joined(separator: " ")) \(how)\(said.isEmpty ? "" : ": \(said)"); the message was not "
                    + "accepted. Check the mail system (mailq, /var/log/mail.log) or alerts.email.sendmail")
        }
    }
}

/// The error output, handed from the reading thread to the waiting one.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data ?? Data() } }
}
