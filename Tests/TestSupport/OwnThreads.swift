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
            } else if head >= 1024 && head * 2 >= jobs.count {
                // A queue that never drains does not keep every job it ever held.
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// `@Suite(.ownThreads)`: the suite's tests (and each case of a parameterized one) run on
/// `OwnThreadsExecutor`, so their synchronous waits never hold Swift's cooperative pool; at most
/// `HeavyTestSlots.shared.limit` of them at once (labs, processes), so the machine is not buried under
/// every lab of the run starting together and tests with short timeouts keep their timing.
public struct OwnThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await HeavyTestSlots.shared.acquire()
        do {
            // A child task starts on its preferred executor; `withTaskExecutorPreference` would run the
            // test's first stretch, up to its first suspension, on the thread that called it (measured:
            // a test that never suspends ran wholly on the cooperative pool).
            // (The group waits for its child: `function` does not outlive this call.)
            try await withoutActuallyEscaping(function) { function in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask(executorPreference: OwnThreadsExecutor.shared) { try await function() }
                    try await group.waitForAll()
                }
            }
        } catch {
            await HeavyTestSlots.shared.release()
            throw error
        }
        await HeavyTestSlots.shared.release()
    }
}

/// How many `.ownThreads` tests run at once: `ZONECHECK_TEST_SLOTS`, or one more than the machine's cores,
/// at most 4. Without a bound, the 30-odd lab suites start their labs together: the run is shorter, but a
/// test with a 500 ms query timeout then sees a loaded scripted server miss it (measured on 2 cores: twice
/// as fast, two hostile-fleet tests failing on timing). At most 4 because a container may count the host's
/// cores, not the ones it may use.
public actor HeavyTestSlots {
    public static let shared = HeavyTestSlots(
        limit: ProcessInfo.processInfo.environment["ZONECHECK_TEST_SLOTS"].flatMap { Int($0) }
            ?? min(4, ProcessInfo.processInfo.activeProcessorCount + 1))

    public let limit: Int
    private var used = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) { self.limit = max(1, limit) }

    public func acquire() async {
        if used < limit {
            used += 1
            return
        }
        // The slot is handed over by `release`, which keeps `used` as it is.
        await withCheckedContinuation { waiting.append($0) }
    }

    public func release() {
        if waiting.isEmpty {
            used -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Runs the suite or test on threads of its own (see `OwnThreadsExecutor`).
    public static var ownThreads: Self { Self() }
}
