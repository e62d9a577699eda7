public import DNSKit
import Foundation

/// The effects of a check: signed SOA queries to every server for every zone, all at once but bounded,
/// and (for a deep check) verified transfers and the primary's zone files. Produces `ZoneObservation`s;
/// deciding is `Compare`'s job.
public struct Sweep: Sendable {
    public var fleet: Fleet
    public var settings: CheckSettings

    public init(fleet: Fleet, settings: CheckSettings) {
        self.fleet = fleet
        self.settings = settings
    }

    /// What the transport is told: `check.timeout` per attempt, `check.retries` more attempts, and at most
    /// `check.concurrency` requests in flight per server (the transport queues the rest).
    public var queryOptions: QueryOptions {
        QueryOptions(
            timeout: settings.timeout, retries: settings.retries,
            maxInFlightPerServer: max(1, settings.concurrency))
    }

    /// Asks every server for the SOA of every zone. Queries run concurrently, zone by zone across the
    /// servers, at most `check.concurrency` per server at a time, so one server that does not answer
    /// costs `timeout x (retries + 1)` once, not once per zone. Results are in the order of `zones` and
    /// of the fleet's servers.
    public func serials(of zones: [DomainName], client: DNSClient) async -> [[ServerObservation]] {
        let members = fleet.members
        let options = queryOptions
        let total = zones.count * members.count
        var answers = [ServerObservation.Answer?](repeating: nil, count: total)
        let window = max(1, settings.concurrency) * max(1, members.count)
        await withTaskGroup(of: (Int, ServerObservation.Answer).self) { group in
            var next = 0
            func add() {
                let index = next
                let zone = zones[index / members.count]
                let endpoint = members[index % members.count].endpoint
                group.addTask {
                    switch await client.soa(zone: zone, at: endpoint, options: options) {
                    case .answered(let answer): (index, .serial(answer.serial, rtt: answer.rtt))
                    case .failed(let error): (index, .failed(error))
                    }
                }
                next += 1
            }
            while next < min(window, total) { add() }
            while let (index, answer) = await group.next() {
                answers[index] = answer
                if next < total { add() }
            }
        }
        return zones.indices.map { z in
            members.indices.map { m in
                let member = members[m]
                // Every index was filled by the loop above; the fallback only keeps this total.
                let answer =
                    answers[z * members.count + m]
                    ?? .failed(
                        QueryError(
                            zone: zones[z], server: member.endpoint, kind: .soa,
                            failure: .unreachable("no answer recorded")))
                return ServerObservation(server: member.name, role: member.role, answer: answer)
            }
        }
    }

    /// Reads and lints the primary's zone file for `zone`, or nil when the primary has no `zone_file`.
    /// `today` is for the lint rule on serials dated in the future.
    public func primaryFile(of zone: DomainName, today: DateSerial.Day) -> PrimaryFileObservation? {
        guard let path = fleet.primary.config.zoneFile(for: zone) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return PrimaryFileObservation(
                path: path, serial: nil, diagnostics: [], unreadable: "no such file or no permission")
        }
        let report = Linter.lint(path: path, origin: zone, today: today)
        var serial: UInt32?
        // The serial of the file as the server would load it: the reader's SOA, errors or not.
        let result = ZoneFileReader(path: path, origin: zone).read { _ in }
        serial = result.soa?.soaSerial
        return PrimaryFileObservation(path: path, serial: serial, diagnostics: report.diagnostics)
    }

    /// Everything a check observes: serials, the primary's files, and with `deep` the transfers.
    public func observe(
        zones: [DomainName], deep: Bool, today: DateSerial.Day, client: DNSClient
    ) async -> [ZoneObservation] {
        let serials = await serials(of: zones, client: client)
        var transfers: [[TransferObservation]]?
        if deep {
            transfers = await DeepCheck(fleet: fleet, settings: settings).transfers(of: zones, client: client)
        }
        return zones.indices.map { i in
            ZoneObservation(
                zone: zones[i], servers: serials[i], transfers: transfers?[i],
                primaryFile: primaryFile(of: zones[i], today: today))
        }
    }
}
