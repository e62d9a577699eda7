public import DNSKit
import Foundation

/// What `check`, `repair` and `run` share: the fleet with its TSIG keys read once, one DNS client, the zones
/// to look at, and one look at them (the sweep, then the evidence of each problem's cause). Opened by `with`,
/// which closes the client on every path. The commands parse their options, call a session and print.
public struct CheckSession: Sendable {
    public var configuration: Configuration
    /// The configuration file, named in messages.
    public var configPath: String
    public var fleet: Fleet
    public var client: DNSClient
    public var sweep: Sweep
    public var evidence: Evidence

    /// Opens a session on `configuration` (its fleet and a UDP socket), runs `body`, closes the client.
    /// A fleet that cannot be built (a key file unreadable) or no socket is `CommandFailure.unknown`.
    /// - Parameter progress: where the sweep reports its steps (a terminal's progress line).
    public static func with<T>(
        _ configuration: Configuration, path: String, progress: ProgressReport? = nil,
        _ body: (CheckSession) async throws -> T
    ) async throws -> T {
        let fleet: Fleet
        do {
            fleet = try Fleet(configuration: configuration)
        } catch {
            throw CommandFailure.unknown("\(path): \(error)")
        }
        let client: DNSClient
        do {
            client = try DNSClient()
        } catch {
            throw CommandFailure.unknown("cannot open a UDP socket: \(error)")
        }
        var sweep = Sweep(fleet: fleet, settings: configuration.check)
        sweep.progress = progress
        let session = CheckSession(
            configuration: configuration, configPath: path, fleet: fleet, client: client, sweep: sweep,
            evidence: Evidence(fleet: fleet, auditLog: AuditLog(directory: configuration.state.directory).path))
        let result: T
        do {
            result = try await body(session)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return result
    }

    /// The zones to look at (`ZoneDiscovery`): `arguments`, else every source of the configuration merged
    /// (names, directory, named.conf, the catalog transferred from the primary). A name outside
    /// `ZoneNameRule`'s set never reaches a command or a path: it goes to `warn` (cron mail, the journal) and
    /// the other zones are looked at as usual. No zone at all is UNKNOWN: checking nothing must not say OK.
    public func zones(arguments: [String] = [], warn: (String) -> Void) async throws -> [DomainName] {
        let names: [DomainName]
        do {
            let found = try await ZoneDiscovery.discover(
                arguments: arguments, sources: configuration.zones, primary: fleet.primary.endpoint, client: client,
                limits: DeepCheck(fleet: fleet, settings: configuration.check).limits)
            for refused in found.refused { warn("\(refused)") }
            names = found.names
        } catch {
            throw CommandFailure.unknown(error.description)
        }
        guard !names.isEmpty else {
            throw CommandFailure.unknown(
                "no zone to check: name zones on the command line or list them under zones.names, zones.directory, "
                    + "zones.named_conf or zones.catalog in \(configPath)")
        }
        return names
    }

    /// One look at `zones`: signed SOA queries (with `deep`, verified transfers too), then the evidence of
    /// each problem's cause (NOTIFYs refused before, what the servers say).
    public func observe(_ zones: [DomainName], deep: Bool) async -> [ZoneObservation] {
        await evidence.gather(await sweep.observe(zones: zones, deep: deep, today: DateSerial.today(), client: client))
    }

    /// `check`: one look at `zones`, decided, with the lags dated by the state `zonecheck run` keeps (read
    /// only; before the first run there is none, and a lag says nothing about "since").
    public func check(_ zones: [DomainName], deep: Bool) async -> CheckReport {
        let observed = await sweep.observe(zones: zones, deep: deep, today: DateSerial.today(), client: client)
        let dropped = await sweep.droppedAnswers(client: client)
        let observations = await evidence.gather(observed)
        let starts =
            (try? StateDatabase.openExisting(directory: configuration.state.directory)?.problemStarts()) ?? []
        let clocks = ProblemStart.lagClocks(starts, now: Date(), grace: configuration.check.lagGrace)
        var report = CheckReport(
            servers: fleet.members.map(\.name),
            verdicts: observations.map {
                Compare.verdict($0, lag: clocks[$0.name], signatures: configuration.check.signatures)
            },
            deep: deep)
        report.droppedAnswers = dropped
        return report
    }
}
