import Dispatch

/// Runs the async work of a test on threads of its own instead of Swift's cooperative pool.
///
/// The whole test run shares the cooperative pool (one thread per core: two here), and synchronous tests of
/// other suites hold its threads for seconds while they start labs and wait for processes. A network test
/// with timeouts of its own (a transfer's idle timeout, a UDP attempt) would then see its own request
/// written late and report a silence that the server never caused. `withTaskExecutorPreference(.ownThreads)`
/// keeps such a test's timing its own.
final class OwnThreadsExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = OwnThreadsExecutor()
    private let queue = DispatchQueue(label: "zonecheck-tests.own-threads", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
