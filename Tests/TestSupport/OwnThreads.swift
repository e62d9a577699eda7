import Foundation
public import Testing

/// Runs a test's async work on threads of its own instead of Swift's cooperative pool, and starts another
/// thread whenever every thread it has is busy.
///
/// Swift's cooperative pool has one thread per core (two on the project's machines), and the whole test run
/// shares it. A test that waits synchronously (a lab starting for a minute, `zonecheck` run as a process,
/// `Thread.sleep`) holds one of those threads; two such tests hold them all, and every other test stops
/// where it stands: a transfer written late finds BIND's idle timeout already past, a test with a time limit
/// runs out of it doing nothing. (CI failed that way once: two AXFRs "closed after 0 records" and a 60 s
/// limit exceeded by a test that needs milliseconds.) A suite marked `.ownThreads` waits on these threads,
/// so it never takes the pool from the others, and it never waits for one of them to finish blocking.
public final class OwnThreadsExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = OwnThreadsExecutor()

    private let condition = NSCondition()
    /// Jobs not yet taken, oldest first from `head`.
    private var jobs: [UnownedJob] = []
    private var head = 0
    /// Threads waiting for a job.
    private var idle = 0

    /// The name its threads carry (`top -H`, a debugger).
    public static let threadName = "zc-tests-own"

    /// A thread with nothing to do for this long ends.
    private static let idleLife: TimeInterval = 30

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        let waiting = jobs.count - head
        // Every idle thread will take one job; a job beyond them gets a new thread.
        let startOne = waiting > idle
        condition.signal()
        condition.unlock()
        if startOne {
            let thread = Thread { [self] in work() }
            thread.start()
        }
    }

    private func work() {
        // Set from the thread itself (Linux keeps 15 characters), not inherited from the one starting it.
        Thread.current.name = Self.threadName
        while true {
            condition.lock()
            while head == jobs.count {
                idle += 1
                let signalled = condition.wait(until: Date(timeIntervalSinceNow: Self.idleLife))
                idle -= 1
                if !signalled && head == jobs.count {
                    condition.unlock()
                    return
                }
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// `@Suite(.ownThreads)`: the suite's tests (and each case of a parameterized one) run on
/// `OwnThreadsExecutor`, so their synchronous waits never hold Swift's cooperative pool.
public struct OwnThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Runs the suite or test on threads of its own (see `OwnThreadsExecutor`).
    public static var ownThreads: Self { Self() }
}
