import DNSKit
import Foundation
import Testing

/// Rough throughput figures, run by hand against a server of your choice (never in CI):
///
///     DNSKIT_BENCH=1 BENCH_HOST=127.0.0.1 BENCH_PORT=5399 BENCH_KEY=/path/k.key BENCH_ZONE=example.com \
///     BENCH_AXFR_ZONE=big.bench swift test -c release -Xswiftc -enable-testing --filter TransportBenchmark
///
/// Prints SOA queries per second (compare with `dnsperf -q 64 -y ...`) and the time of one
/// verified AXFR (compare with `time dig -k KEY axfr ZONE > /dev/null`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["DNSKIT_BENCH"] != nil, "set DNSKIT_BENCH=1"))
struct TransportBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment

    static func server() throws -> ServerEndpoint {
        let key = try environment["BENCH_KEY"].map { try TSIGKey.load(path: $0) }
        return ServerEndpoint(
            name: "bench", host: environment["BENCH_HOST"] ?? "127.0.0.1",
            port: Int(environment["BENCH_PORT"] ?? "53") ?? 53, key: key)
    }

    @Test func soaQueriesPerSecond() async throws {
        let server = try Self.server()
        let zone = Lab.zone(Self.environment["BENCH_ZONE"] ?? "example.com")
        let total = Int(Self.environment["BENCH_QUERIES"] ?? "100000") ?? 100_000
        let window = Int(Self.environment["BENCH_WINDOW"] ?? "64") ?? 64
        let client = try DNSClient()
        let options = QueryOptions(maxInFlightPerServer: window)
        let started = ContinuousClock.now
        var answered = 0
        var slow = 0
        var failures: [String: Int] = [:]
        await withTaskGroup(of: SOAQueryOutcome.self) { group in
            var sent = 0
            while sent < min(window, total) {
                group.addTask { await client.soa(zone: zone, at: server, options: options) }
                sent += 1
            }
            for await outcome in group {
                if case .failed(let error) = outcome {
                    failures[String(describing: error.failure).prefix(60).description, default: 0] += 1
                } else {
                    answered += 1
                    if case .answered(let answer) = outcome, answer.rtt > .seconds(1) { slow += 1 }
                }
                if sent < total {
                    group.addTask { await client.soa(zone: zone, at: server, options: options) }
                    sent += 1
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "BENCH soa: \(answered) answered of \(total) in \(seconds) s = \(Int(Double(answered) / seconds)) q/s; \(slow) after a retransmission; failures \(failures)"
        )
        #expect(answered == total)
        await client.close()
    }

    /// The batch API, as the sweep uses it: `BENCH_QUERIES` SOA queries in batches of 1000.
    @Test func soaBatchQueriesPerSecond() async throws {
        let server = try Self.server()
        let zone = Lab.zone(Self.environment["BENCH_ZONE"] ?? "example.com")
        let total = Int(Self.environment["BENCH_QUERIES"] ?? "100000") ?? 100_000
        let window = Int(Self.environment["BENCH_WINDOW"] ?? "64") ?? 64
        let client = try DNSClient()
        let options = QueryOptions(maxInFlightPerServer: window)
        let started = ContinuousClock.now
        var answered = 0
        var done = 0
        while done < total {
            let count = min(1000, total - done)
            let outcomes = await client.soa(zones: Array(repeating: zone, count: count), at: server, options: options)
            answered += outcomes.filter { $0.serial != nil }.count
            done += count
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "BENCH soa batch: \(answered) answered of \(total) in \(seconds) s = \(Int(Double(answered) / seconds)) q/s"
        )
        #expect(answered == total)
        await client.close()
    }

    @Test func verifiedTransferTime() async throws {
        guard let zoneText = Self.environment["BENCH_AXFR_ZONE"] else { return }
        let server = try Self.server()
        let client = try DNSClient()
        var records = 0
        let outcome = await client.axfr(zone: Lab.zone(zoneText), from: server) { _ in records += 1 }
        print("BENCH axfr: \(outcome)")
        guard case .complete = outcome else {
            Issue.record("\(outcome)")
            return
        }
        await client.close()
    }
}
