import Glibc

/// What the relay did, written as JSON to --stats on exit. The keys are the Python relay's, which
/// Scripts/bench and the test helper read.
struct Counters {
    var udpQueries = 0
    var udpQueriesDropped = 0
    var udpAnswers = 0
    var udpAnswersDropped = 0
    var udpAnswersTampered = 0
    var tcpConnections = 0
    var tcpBytes = 0
    var sendErrors = 0
    var upstreamErrors = 0
    var bufferErrors = 0
    /// Packets the line released, and how late after their due time (nanoseconds: the sum, negative when
    /// early, and the worst each way): the emulator's own accuracy, which a busy machine spoils first.
    var released = 0
    var lateSum: Int64 = 0
    var lateMax: Int64 = 0
    var earlyMax: Int64 = 0
    /// Returns from epoll_wait: what the relay's CPU goes to, beside the kernel's UDP path.
    var wakeUps = 0

    /// Milliseconds with three decimals (microseconds).
    private func String(format value: Double) -> Swift.String {
        let micro = Int((abs(value) * 1000).rounded())
        let fraction = "00\(micro % 1000)".suffix(3)
        return "\(value < 0 && micro > 0 ? "-" : "")\(micro / 1000).\(fraction)"
    }

    func json(rttMilliseconds: Double, loss: Double, realtime: Bool) -> String {
        let fields: [(String, String)] = [
            ("udp_queries", "\(udpQueries)"), ("udp_queries_dropped", "\(udpQueriesDropped)"),
            ("udp_answers", "\(udpAnswers)"), ("udp_answers_dropped", "\(udpAnswersDropped)"),
            ("udp_answers_tampered", "\(udpAnswersTampered)"), ("tcp_connections", "\(tcpConnections)"),
            ("tcp_bytes", "\(tcpBytes)"), ("send_errors", "\(sendErrors)"), ("upstream_errors", "\(upstreamErrors)"),
            ("buffer_errors", "\(bufferErrors)"), ("rtt_ms", "\(rttMilliseconds)"), ("loss", "\(loss)"),
            ("released", "\(released)"),
            ("release_late_ms_mean", String(format: released == 0 ? 0 : Double(lateSum) / Double(released) / 1e6)),
            ("release_late_ms_max", String(format: Double(lateMax) / 1e6)),
            ("release_early_ms_max", String(format: Double(earlyMax) / 1e6)), ("wake_ups", "\(wakeUps)"),
            ("realtime", realtime ? "1" : "0"),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
    }

    /// Writes the JSON to `path` through a temporary file renamed over it, so a reader never sees half.
    func write(to path: String, rttMilliseconds: Double, loss: Double, realtime: Bool) -> Bool {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else { return false }
        let text = json(rttMilliseconds: rttMilliseconds, loss: loss, realtime: realtime)
        let written = fputs(text, file) >= 0
        guard fclose(file) == 0, written else { return false }
        return rename(temporary, path) == 0
    }
}
