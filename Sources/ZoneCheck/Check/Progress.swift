public import Foundation

/// How far one long piece of work has got (a sweep's queries, a deep check's transfers, a batch repair's
/// zones), for a progress line on a terminal. The work reports it from its own task, often: a receiver
/// must be quick and safe to call from any task.
public struct ProgressStep: Sendable, Equatable {
    /// What is counted, plural: "SOA queries", "transfers", "zones repaired".
    public var work: String
    public var done: Int
    public var total: Int

    public init(work: String, done: Int, total: Int) {
        self.work = work
        self.done = done
        self.total = total
    }
}

/// Where long work reports its steps (nil: nobody is watching, nothing is computed).
public typealias ProgressReport = @Sendable (ProgressStep) -> Void

/// The words of a progress line. Pure: the terminal writer adds `\r` and the clock.
public enum ProgressLine {
    /// `12000 of 50005 SOA queries (24 %), about 3 s left`. The time left is the elapsed time scaled by what
    /// remains, said only once a second of work and some steps give a rate worth quoting.
    public static func text(_ step: ProgressStep, elapsed: TimeInterval) -> String {
        let percent = step.total > 0 ? min(100, step.done * 100 / step.total) : 100
        var text = "\(step.done) of \(step.total) \(step.work) (\(percent) %)"
        if step.done > 0, step.done < step.total, elapsed >= 1 {
            let left = elapsed * Double(step.total - step.done) / Double(step.done)
            text += ", about \(TimeText.duration(max(1, left))) left"
        }
        return text
    }
}
