import Foundation

/// How a sweep asks the servers.
public struct CheckSettings: Sendable, Equatable {
    /// The longest wait for one answer: the ceiling of the adaptive per-server timeout, which otherwise
    /// follows each server's measured round trips (RFC 6298; see `RoundTripEstimator`).
    public var timeout: Duration
    /// How many times to ask again after a timeout. 3: on links losing 1 % of packets each way an attempt
    /// fails 2 % of the time, and a zone is falsely reported once in 1 / 0.02^4 = 6 million queries (with
    /// 2 retries: once in 125,000, about one false alarm in five sweeps of 5,000 zones x 5 servers).
    public var retries: Int
    /// The most queries in flight at once per server: the ceiling of its send window (`SendWindow`). A
    /// server under 2 ms away (loopback, a LAN) keeps 256 in flight, its answers clock the sends; a farther
    /// one is paced over its round trip and starts at 1,024 once its first round trip is measured, growing
    /// while answers come back without queueing and halving on loss, up to this ceiling. 4,096 by default:
    /// a 5,000-zone sweep over 80-310 ms links took 2.9-3.1 s with it and 7.5-7.8 s with 256 on this
    /// project's lab (BIND servers with 4 MiB socket buffers: no datagram dropped; docs/benchmarks.md).
    /// Lower it for servers that must not see more than a few thousand queries a second from one checker.
    public var concurrency: Int
    /// How long a secondary may be behind the primary before it is a problem (NOTIFY and transfer take time).
    public var lagGrace: Duration
    /// The longest a zone goes without a deep check (verified AXFR from every server) under `run`, which
    /// compares a share of the zones each run (`DeepSchedule`); nil: never.
    public var deep: Duration?
    /// The longest a sweep of serials may take: queries still unanswered then are reported as timed out
    /// (or "not asked") and the sweep ends, so a cron run ends on time even when a server is down.
    /// It bounds the deep check's transfers too: a transfer still running then is cut off and its server
    /// reported BAD-ANSWER with what it sent.
    public var deadline: Duration
    /// The most one zone transfer may carry, in octets (`check.max_transfer_size`): a server streaming more
    /// is cut off and reported BAD-ANSWER. 256 MiB: about three million records of a typical zone.
    public var maxTransferSize: Int
    /// The most records one zone transfer may carry (`check.max_transfer_records`), likewise.
    public var maxTransferRecords: Int
    /// How close to its end a server's RRSIG(SOA) is a WARNING (`check.signatures.warning`, 7 days) or
    /// CRITICAL (`check.signatures.critical`, 2 days).
    public var signatures = SignatureWindow()

    public static let defaultMaxTransferSize = 256 << 20
    public static let defaultMaxTransferRecords = 5_000_000

    public init(
        timeout: Duration = .seconds(2), retries: Int = 3, concurrency: Int = 4096, lagGrace: Duration = .seconds(600),
        deep: Duration? = .seconds(3600), deadline: Duration = .seconds(60),
        maxTransferSize: Int = defaultMaxTransferSize, maxTransferRecords: Int = defaultMaxTransferRecords
    ) {
        self.maxTransferSize = maxTransferSize
        self.maxTransferRecords = maxTransferRecords
        self.timeout = timeout
        self.retries = retries
        self.concurrency = concurrency
        self.lagGrace = lagGrace
        self.deep = deep
        self.deadline = deadline
    }
}

extension CheckSettings {
    /// An amount of octets as `check.max_transfer_size` is written: `268435456`, `512KiB`, `256MiB`, `2GiB`
    /// (binary units; `K`, `M`, `G` alone mean the same); nil for anything else, zero, or over 1 TiB.
    public static func octets(configText text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard !digits.isEmpty, digits.count <= 13, let number = Int(digits) else { return nil }
        let shift: Int
        switch unit {
        case "", "b": shift = 0
        case "k", "kib", "kb": shift = 10
        case "m", "mib", "mb": shift = 20
        case "g", "gib", "gb": shift = 30
        default: return nil
        }
        let (value, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow, value > 0, value <= 1 << 40 else { return nil }
        return value
    }
}

/// How close to their end signatures may come before a finding (`check.signatures`): WARNING within
/// `warning`, CRITICAL within `critical` (and when already ended). The defaults are 7 and 2 days.
public struct SignatureWindow: Sendable, Equatable {
    public var warning: Duration
    public var critical: Duration

    public init(warning: Duration = .seconds(7 * 86_400), critical: Duration = .seconds(2 * 86_400)) {
        self.warning = warning
        self.critical = critical
    }

    public static let standard = SignatureWindow()
}
