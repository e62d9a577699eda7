public import Foundation

/// What one `zonecheck run` decides from what it observed and what the previous run left: pure, the clock
/// given, so every rule is unit-tested.
///
/// Each zone is decided once: the lags are dated before the verdict (`ProblemStart.lagClock`: a lag the
/// previous run saw keeps its start, a new one starts now), then the verdict's problems are carried into
/// this run's starts, the lags still within `check.lag_grace` are set aside (normal propagation), a run that
/// did not finish adds its own CRITICAL problem, and `IncidentTracker` opens, escalates and resolves the
/// incidents, with the problems only a transfer shows held on zones this run did not compare (`DeepHold`).
public struct RunDecision: Sendable {
    public var verdicts: [ZoneVerdict]
    /// This run's problem starts, as stored for the next run.
    public var starts: [ProblemStart]
    /// Per zone, its lagging servers' clocks, from `starts`: the incidents' grace and the lag metrics.
    public var clocks: [String: LagClock]
    /// The findings that count (lags within the grace left out), plus an unfinished run's.
    public var problems: [Finding]
    public var update: IncidentTracker.Update
    /// Incidents `DeepHold` kept out of the tracker's reach: still open, unchanged.
    public var held: [Incident]
    /// The worst problem (a lag within the grace is not one): the run's exit code.
    public var status: Severity
    public var stats: [ServerRunStats]
    public var now: Date

    /// - Parameters:
    ///   - previous: the problem starts the previous run stored.
    ///   - unfinished: runs killed or crashed since the last start.
    ///   - hold: the open incidents and flapping history, split by what this run compared.
    ///   - servers: every server's name, in the configuration's order.
    public static func make(
        observations: [ZoneObservation], previous: [ProblemStart], unfinished: [UnfinishedRun], hold: DeepHold,
        servers: [String], now: Date, grace: Duration, settings: IncidentSettings,
        signatures: SignatureWindow = .standard
    ) -> RunDecision {
        let earlier = ProblemStart.earlier(previous)
        let verdicts = observations.map {
            Compare.verdict(
                $0,
                lag: ProblemStart.lagClock(zone: $0.name, servers: servers, carrying: earlier, now: now, grace: grace),
                signatures: signatures)
        }
        let starts = ProblemStart.carry(verdicts, previous: previous, now: now)
        let clocks = ProblemStart.lagClocks(starts, now: now, grace: grace)
        var problems = IncidentTracker.problems(verdicts.flatMap(\.findings), lag: clocks)
        if let crash = UnfinishedRun.finding(unfinished) { problems.append(crash) }
        let update = hold.restore(
            IncidentTracker.track(
                open: hold.open, findings: problems, history: hold.history, now: now, settings: settings))
        return RunDecision(
            verdicts: verdicts, starts: starts, clocks: clocks, problems: problems, update: update, held: hold.held,
            status: problems.map(\.severity).max() ?? .ok, stats: ServerRunStats.make(verdicts, servers: servers),
            now: now)
    }
}
