/// The edge that gathers what `LagDiagnosis` reads beyond the sweep: the NOTIFYs secondaries refused before
/// (the audit log) for every zone, and what the servers say (their `status` and `log` commands) for the
/// first `maxZones` zones with a problem, so a sweep over 5,000 lagging zones does not start 50,000
/// commands. `Compare` then decides with it, pure as ever.
public struct Evidence: Sendable {
    public var fleet: Fleet
    /// The audit log's path (`<state.directory>/audit.jsonl`).
    public var auditLog: String
    /// Zones whose servers are asked why, per sweep.
    public var maxZones: Int

    public init(fleet: Fleet, auditLog: String, maxZones: Int = 5) {
        self.fleet = fleet
        self.auditLog = auditLog
        self.maxZones = maxZones
    }

    /// `observations` with their NOTIFY refusals and, for the first zones with a problem, the servers'
    /// reports: the primary's and those of every server a finding names.
    /// Consumed and changed in place: the caller's array is not kept beside a copy (100,000 zones of a
    /// registrar's sweep are about 15 MB of observations).
    public func gather(_ observations: consuming [ZoneObservation]) async -> [ZoneObservation] {
        let refusals = NotifyHistory.refusals(auditLog: auditLog)
        var result = observations
        for index in result.indices { result[index].notifyRefusals = refusals[result[index].name] ?? [:] }
        let askable = fleet.members.filter { $0.config.status != nil || $0.config.log != nil }
        guard !askable.isEmpty else { return result }
        // Which servers of which zones: the first zones with a problem, their primary and every server named.
        var questions: [(index: Int, server: ServerConfig)] = []
        for index in result.indices {
            guard Set(questions.map(\.index)).count < maxZones else { break }
            let verdict = Compare.verdict(result[index])
            guard verdict.status != .ok else { continue }
            let names = Set(verdict.findings.flatMap(\.servers) + [fleet.primary.name])
            questions += askable.filter { names.contains($0.name) }.map { (index, $0.config) }
        }
        // All at once: a hung command costs one timeout, not one per zone.
        let zones = result.map(\.name)
        let answers = await withTaskGroup(of: (Int, ServerReport).self) { group in
            for (index, server) in questions {
                group.addTask { (index, await ServerQuestions.ask(server, zone: zones[index])) }
            }
            var answers: [(Int, ServerReport)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        for (index, report) in answers { result[index].serverReports[report.server] = report }
        return result
    }
}
