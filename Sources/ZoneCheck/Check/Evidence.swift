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
    public func gather(_ observations: [ZoneObservation]) async -> [ZoneObservation] {
        let refusals = NotifyHistory.refusals(auditLog: auditLog)
        var result = observations.map { observation in
            var observation = observation
            observation.notifyRefusals = refusals[observation.name] ?? [:]
            return observation
        }
        let askable = fleet.members.filter { $0.config.status != nil || $0.config.log != nil }
        guard !askable.isEmpty else { return result }
        var asked = 0
        for index in result.indices where asked < maxZones {
            let verdict = Compare.verdict(result[index])
            guard verdict.status != .ok else { continue }
            asked += 1
            var names = Set(verdict.findings.flatMap(\.servers))
            names.insert(fleet.primary.name)
            let zone = result[index].name
            let members = askable.filter { names.contains($0.name) }
            let reports = await withTaskGroup(of: ServerReport.self) { group in
                for member in members {
                    group.addTask { await ServerQuestions.ask(member.config, zone: zone) }
                }
                var reports: [String: ServerReport] = [:]
                for await report in group { reports[report.server] = report }
                return reports
            }
            result[index].serverReports = reports
        }
        return result
    }
}
