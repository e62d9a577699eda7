import DNSKit

extension RunCycle {
    /// `repair.restore_quorum` before an unattended restore of the primary: the secondaries that serve the
    /// plan's serial are transferred (verified AXFR, RFC 8976 SIMPLE digest, as the deep check does) and
    /// `AutoRepairPolicy.restoreQuorum` decides. A restore that has its quorum keeps its plan, and the digest
    /// its copy must have is returned by zone (the restore refuses a copy that differs by then); one that has
    /// not becomes a skipped decision whose reason is the evidence, in the alert and in the audit log, and
    /// the zone's CRITICAL incident stays open for a human.
    func holdRestoresToQuorum(
        _ decisions: [AutoRepairPolicy.Decision], verdicts: [ZoneVerdict], client: DNSClient
    ) async throws(RunError) -> (decisions: [AutoRepairPolicy.Decision], digests: [String: String]) {
        var result = decisions
        var digests: [String: String] = [:]
        let limits = DeepCheck(fleet: fleet, settings: configuration.check).limits
        // The witnesses' transfers are bounded like every transfer: by the check's deadline from here.
        let deadline = ContinuousClock.now + configuration.check.deadline
        for index in result.indices {
            guard let plan = result[index].plan,
                plan.servers.contains(where: { if case .restorePrimary = $0.action { true } else { false } }),
                let verdict = verdicts.first(where: { $0.zone == plan.zone })
            else { continue }
            var witnesses: [AutoRepairPolicy.RestoreWitness] = []
            for status in verdict.servers where status.role == .secondary {
                var witness = AutoRepairPolicy.RestoreWitness(server: status.server, serial: status.serial)
                if status.serial != nil, status.serial == plan.targetSerial,
                    let member = fleet.member(named: status.server)
                {
                    switch await DeepCheck.transfer(
                        plan.name, from: member.endpoint, limits: limits, deadline: deadline, client: client)
                    {
                    case .transferred(let serial, let digest, _):
                        witness.serial = serial
                        witness.digest = digest
                    case .failed(let error):
                        witness.failure = "\(error)"
                    }
                }
                witnesses.append(witness)
            }
            switch AutoRepairPolicy.restoreQuorum(
                plan: plan, witnesses: witnesses, quorum: configuration.repair.restoreQuorum)
            {
            case .success(let digest):
                digests[plan.zone] = digest
            case .failure(let refusal):
                logger.warning("restore refused", metadata: ["zone": "\(plan.zone)", "why": "\(refusal.text)"])
                try record(
                    AuditEntry(
                        zone: plan.zone, server: fleet.primary.name, action: "restore-refused",
                        serialBefore: verdict.servers.first { $0.role == .primary }?.serial,
                        serialAfter: plan.targetSerial, outcome: "refused", detail: refusal.text))
                result[index] = AutoRepairPolicy.Decision(zone: plan.zone, plan: nil, skipped: refusal.text)
            }
        }
        return (result, digests)
    }
}
