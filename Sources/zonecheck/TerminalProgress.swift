#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import Synchronization
import ZoneCheck

/// The progress line of long work (a sweep, a deep check, a batch repair) on stderr, rewritten in place
/// with `\r`: `2400 of 50005 SOA queries (4 %), about 40 s left`. Only when stderr is a terminal, so cron
/// mail, JSON, Nagios and Prometheus output and a captured stderr never see it. Work that ends within
/// `quiet` shows nothing; the line is redrawn at most every `every`, and cleared before the command
/// prints anything else (`interrupt`, `clear`).
final class TerminalProgress: Sendable {
    private struct State {
        var started: [String: ContinuousClock.Instant] = [:]
        var drawn: ContinuousClock.Instant?
        var showing = false
    }

    private let state = Mutex(State())
    private let created = ContinuousClock.now
    let quiet = Duration.milliseconds(200)
    let every = Duration.milliseconds(100)
    /// Erase from the cursor to the end of the line (ECMA-48 EL).
    static let eraseLine = "\r\u{1B}[K"

    private init() {}

    /// A progress line for this process, or nil when stderr is not a terminal (or TERM is dumb).
    static func onStderr() -> TerminalProgress? {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return nil }
        return TerminalProgress()
    }

    /// What the work calls with each step.
    var report: ProgressReport { { [self] step in show(step) } }

    func show(_ step: ProgressStep) {
        let now = ContinuousClock.now
        state.withLock { state in
            let started = state.started[step.work] ?? now
            state.started[step.work] = started
            guard now - created >= quiet else { return }
            if let drawn = state.drawn, now - drawn < every, step.done < step.total { return }
            state.drawn = now
            state.showing = true
            Self.emit(
                Self.eraseLine + ProgressLine.text(step, elapsed: (now - started).timeInterval), to: STDERR_FILENO)
        }
    }

    /// Clears the line (if shown) and writes `text` and a newline on stdout; the next step draws it again.
    func interrupt(_ text: String) {
        state.withLock { state in
            if state.showing { Self.emit(Self.eraseLine, to: STDERR_FILENO) }
            state.showing = false
            state.drawn = nil
            Self.emit(text + "\n", to: STDOUT_FILENO)
        }
    }

    /// Clears the line, if one is shown: before the command's result is printed.
    func clear() {
        state.withLock { state in
            if state.showing { Self.emit(Self.eraseLine, to: STDERR_FILENO) }
            state.showing = false
        }
    }

    private static func emit(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
