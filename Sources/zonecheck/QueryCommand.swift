import ArgumentParser
import DNSKit
import Foundation
import ZoneCheck

/// `zonecheck query SERVER ZONE [--axfr]`: one signed query, shown in full, for debugging.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Send one TSIG-signed query to one server and show the answer in full.",
        discussion: """
            Exit 0 when the answer is trusted (signed, verified, authoritative), 2 when it is not or the \
            server failed, 3 for a bad configuration or arguments.
            """
    )

    @OptionGroup var options: ConfigOption

    @Argument(help: "A server name from the configuration (ns1, ns2, ...).")
    var server: String

    @Argument(help: "The zone to ask about.")
    var zone: String

    @Flag(help: "Transfer the whole zone (verified AXFR) and show counts per type and the content digest.")
    var axfr = false

    @Option(help: "Per-query timeout in seconds (default: the configuration's check.timeout).")
    var timeout: Double?

    func run() async throws {
        let configuration = try options.load()
        let zoneName: DomainName
        do {
            zoneName = try DomainName(presentation: zone.hasSuffix(".") ? zone : zone + ".", origin: nil)
        } catch {
            throw Failure.unknown("'\(zone)' is not a zone name: \(error)")
        }
        let fleet: Fleet
        do {
            fleet = try Fleet(configuration: configuration)
        } catch {
            throw Failure.unknown("\(options.path): \(error)")
        }
        guard let member = fleet.member(named: server) else {
            let names = fleet.members.map(\.name).joined(separator: ", ")
            throw Failure.unknown("no server '\(server)' in \(options.path) (servers: \(names))")
        }
        let client: DNSClient
        do {
            client = try DNSClient()
        } catch {
            throw Failure.unknown("cannot open a UDP socket: \(error)")
        }
        defer { Task { await client.close() } }
        let waitLimit = timeout.map { Duration.milliseconds(Int($0 * 1000)) } ?? configuration.check.timeout

        print("server:   \(member.name) (\(member.role), \(member.endpoint.address))")
        print("key:      \(member.endpoint.key.map(String.init(describing:)) ?? "none")")
        print("zone:     \(zoneName)")
        if axfr {
            try await transfer(zoneName, from: member, client: client, timeout: waitLimit)
        } else {
            try await askSOA(zoneName, at: member, client: client, configuration: configuration, timeout: waitLimit)
        }
    }

    private func askSOA(
        _ zone: DomainName, at member: Fleet.Member, client: DNSClient, configuration: Configuration,
        timeout: Duration
    ) async throws {
        let outcome = await client.soa(
            zone: zone, at: member.endpoint,
            options: QueryOptions(timeout: timeout, retries: configuration.check.retries))
        switch outcome {
        case .answered(let answer):
            print("outcome:  answered")
            print("serial:   \(answer.serial)")
            print("aa:       \(answer.authoritative ? "yes" : "no")")
            print("tsig:     \(answer.tsig)")
            print(
                "rtt:      \(Self.milliseconds(answer.rtt)) ms\(answer.overTCP ? " (over TCP, the UDP answer was truncated)" : "")"
            )
            print("soa:      \(answer.soa.presentation)")
        case .failed(let error):
            print("outcome:  failed")
            throw Failure.critical(error.description)
        }
    }

    private func transfer(_ zone: DomainName, from member: Fleet.Member, client: DNSClient, timeout: Duration)
        async throws
    {
        let digest = ZoneDigestBuilder(origin: zone)
        var limits = AXFRLimits()
        limits.idleTimeout = max(timeout, limits.idleTimeout)
        let outcome = await client.axfr(zone: zone, from: member.endpoint, limits: limits) { record in
            digest.add(record)
        }
        switch outcome {
        case .complete(let stats):
            let summary = digest.finish()
            print("outcome:  transfer complete and verified")
            print("serial:   \(stats.serial.map(String.init) ?? "?")")
            print("tsig:     \(stats.tsig)")
            print("messages: \(stats.messages)")
            print("bytes:    \(stats.bytes)")
            print("time:     \(Self.milliseconds(stats.duration)) ms")
            print("records:  \(summary.recordCount)")
            for (type, count) in summary.countsByType.sorted(by: { $0.key < $1.key }) {
                print("  \(String(describing: type).padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)")
            }
            print("digest:   SHA-384 \(summary.digestHex) (RFC 8976 SIMPLE)")
            if case .absent = summary.zonemd {
            } else {
                print("zonemd:   \(summary.zonemd)")
            }
        case .failed(let error, let stats):
            print("outcome:  transfer failed after \(stats.messages) messages, \(stats.records) records: discarded")
            throw Failure.critical(error.description)
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
