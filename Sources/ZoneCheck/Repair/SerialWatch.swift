public import DNSKit

/// Waits for servers to serve target serials, for many zones at once: every zone waiting on a server is
/// asked in one batch per round (`DNSClient.soa(zones:)`), not one query loop per zone, so a batch repair
/// of 300 zones polls a secondary with a few batches a second instead of 300 loops.
///
/// Each wait is asked at once, then after 100 ms, doubling to `longestDelay`, until the serial is the target
/// (true) or the next ask would fall after the deadline (false). `RepairExecutor.poll` backs off to 1 s, which
/// costs a lone zone little; in a batch each zone holds a slot on its servers until its wait ends, and a
/// transfer that lands just after a 700 ms ask would be seen only at 1.7 s, its slots idle meanwhile. So the
/// watch asks at most 250 ms apart: the zones of a round share one batch per server, and the slots stay busy
/// with transfers, not with waiting.
public actor SerialWatch {
    let client: DNSClient
    let options: QueryOptions
    let longestDelay = Duration.milliseconds(250)

    struct Waiter {
        var zone: DomainName
        var target: UInt32
        var deadline: ContinuousClock.Instant
        var due: ContinuousClock.Instant
        var delay: Duration
        var continuation: CheckedContinuation<Bool, Never>
    }

    /// Waiting zones per server name, by a number of their own (a zone may wait on several servers).
    private var waiting: [String: [Int: Waiter]] = [:]
    private var polling: Set<String> = []
    private var nextID = 0

    public init(client: DNSClient, options: QueryOptions) {
        self.client = client
        self.options = options
    }

    /// Returns once `member` serves `target` for `zone` (true) or `deadline` has passed (false).
    public func wait(
        for member: Fleet.Member, zone: DomainName, target: UInt32, until deadline: ContinuousClock.Instant
    ) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = nextID
            nextID += 1
            waiting[member.name, default: [:]][id] = Waiter(
                zone: zone, target: target, deadline: deadline, due: .now, delay: .milliseconds(100),
                continuation: continuation)
            if polling.insert(member.name).inserted {
                Task { await self.poll(member) }
            }
        }
    }

    /// One server's rounds: ask every zone that is due in one batch, answer the waits that are done, sleep
    /// until the next is due (at most 100 ms, so a new wait is asked soon), until nobody waits.
    private func poll(_ member: Fleet.Member) async {
        while let list = waiting[member.name], !list.isEmpty {
            let now = ContinuousClock.now
            let due = list.filter { $0.value.due <= now }.sorted { $0.key < $1.key }
            if due.isEmpty {
                let next = list.values.map(\.due).min()!
                try? await Task.sleep(until: min(next, now + .milliseconds(100)), clock: .continuous)
                continue
            }
            let outcomes = await client.soa(zones: due.map(\.value.zone), at: member.endpoint, options: options)
            let asked = ContinuousClock.now
            for ((id, _), outcome) in zip(due, outcomes) {
                guard var waiter = waiting[member.name]?[id] else { continue }
                if outcome.serial == waiter.target {
                    waiting[member.name]?[id] = nil
                    waiter.continuation.resume(returning: true)
                } else if asked + waiter.delay > waiter.deadline {
                    waiting[member.name]?[id] = nil
                    waiter.continuation.resume(returning: false)
                } else {
                    waiter.due = asked + waiter.delay
                    waiter.delay = min(waiter.delay * 2, longestDelay)
                    waiting[member.name]?[id] = waiter
                }
            }
        }
        polling.remove(member.name)
    }
}
