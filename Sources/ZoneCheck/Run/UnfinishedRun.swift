public import Foundation

/// A `zonecheck run` that started and never finished: killed (kill -9, the OOM killer, systemd's
/// TimeoutStartSec) or trapped. It could not say so itself, so the next run does, once, as a CRITICAL finding
/// of its own (issue 11: a crash is never silent). Pure.
public struct UnfinishedRun: Sendable, Equatable {
    /// The state database's run id.
    public var id: Int64
    public var started: Date
    public var pid: Int32
    public var host: String

    public init(id: Int64, started: Date, pid: Int32, host: String) {
        self.id = id
        self.started = started
        self.pid = pid
        self.host = host
    }

    /// What the state database's `run.summary` says of it once it has been reported.
    public static let summary = "killed before it finished"

    /// The incident's zone field: the problem is the checker's, not a zone's.
    public static let incidentZone = "(zonecheck run)"

    /// One CRITICAL finding for the runs that did not finish since the last start (nil: none), naming when
    /// each started, and where to look.
    public static func finding(_ runs: [UnfinishedRun]) -> Finding? {
        guard !runs.isEmpty else { return nil }
        let which = runs.map { "started \(TimeText.minute($0.started)) (PID \($0.pid) on \($0.host))" }
        let message =
            (runs.count == 1
                ? "The zonecheck run \(which[0]) did not finish"
                : "\(runs.count) zonecheck runs did not finish: " + which.joined(separator: ", "))
            + ": killed (kill -9, out of memory, a systemd timeout) or crashed, so the checks, repairs and alerts "
            + "of that run may not have happened. Look for its last words in the journal (journalctl -u "
            + "zonecheck-run) or syslog, and for the OOM killer in dmesg; core dumps are off, as memory holds "
            + "TSIG secrets"
        return Finding(
            severity: .critical, kind: .runUnfinished, zone: incidentZone, servers: [], message: message)
    }
}
