public import Foundation

/// Which zones `run` repairs by itself this time. Pure: the verdicts, the open incidents, the past attempts
/// and the settings decide.
///
/// - Only with `repair.auto` and a non-zero `repair.max_per_zone_per_hour`.
/// - Only zones with an open CRITICAL incident (a lag within `check.lag_grace` is not one) whose
///   `RepairPlan` has work and no refusal: the plan already refuses untrusted data (TSIG failures, too few
///   answers, serials 2^31 apart, diverged content without a chosen source). Restoring the primary from a
///   secondary only with `repair.primary_from_secondary`.
/// - A restore of the primary only when `repair.restore_quorum` secondaries serve the plan's serial with the
///   same verified content (`restoreQuorum`): checked after `decide`, on transfers made for it.
/// - At most `max_per_zone_per_hour` attempts per zone in the last hour, and after `n` recent attempts
///   the next waits `backoff x 2^(n-1)`: a repair that does not hold is not hammered. An attempt a killed
///   run left "started" counts like any other, so it is never silently repeated at once.
public enum AutoRepairPolicy {
    public struct Decision: Sendable, Equatable {
        public var zone: String
        /// The plan to carry out; nil when skipped.
        public var plan: RepairPlan?
        /// Why not (nil when the plan runs).
        public var skipped: String?
    }

    public static let backoff: TimeInterval = 300

    public static func decide(
        verdicts: [ZoneVerdict], open: [Incident], attempts: [String: [Date]], settings: RepairSettings, now: Date
    ) -> [Decision] {
        guard settings.auto, settings.maxPerZonePerHour > 0 else { return [] }
        let critical = Set(open.filter { $0.isOpen && $0.severity == .critical }.map(\.zone))
        var decisions: [Decision] = []
        for verdict in verdicts where critical.contains(verdict.zone) {
            let plan = RepairPlan.make(verdict: verdict, allowPrimaryRestore: settings.primaryFromSecondary)
            guard plan.hasWork else {
                if let refusal = plan.refusal {
                    decisions.append(Decision(zone: verdict.zone, plan: nil, skipped: refusal))
                }
                continue
            }
            let recent = (attempts[verdict.zone] ?? []).filter { now.timeIntervalSince($0) < 3600 }.sorted()
            if recent.count >= settings.maxPerZonePerHour {
                decisions.append(
                    Decision(
                        zone: verdict.zone, plan: nil,
                        skipped: "\(recent.count) automatic repairs in the last hour (repair.max_per_zone_per_hour: "
                            + "\(settings.maxPerZonePerHour)): left to a human; run 'zonecheck repair \(verdict.zone)'")
                )
                continue
            }
            if let last = recent.last {
                let wait = backoff * pow(2, Double(recent.count - 1))
                if now.timeIntervalSince(last) < wait {
                    decisions.append(
                        Decision(
                            zone: verdict.zone, plan: nil,
                            skipped:
                                "backing off: last automatic repair \(TimeText.duration(now.timeIntervalSince(last))) "
                                + "ago, next not before \(TimeText.duration(wait)) after it"))
                    continue
                }
            }
            decisions.append(Decision(zone: verdict.zone, plan: plan, skipped: nil))
        }
        return decisions
    }

    /// One secondary's copy as the quorum sees it: the serial it answered in the sweep, and the RFC 8976
    /// SIMPLE digest of a verified AXFR when it was transferred (or why the transfer failed).
    public struct RestoreWitness: Sendable, Equatable {
        public var server: String
        public var serial: UInt32?
        public var digest: String?
        public var failure: String?

        public init(server: String, serial: UInt32?, digest: String? = nil, failure: String? = nil) {
            self.server = server
            self.serial = serial
            self.digest = digest
            self.failure = failure
        }
    }

    /// Whether `plan`'s restore of the primary may run unattended: at least `quorum` witnesses serve its
    /// target serial with the digest of its source's copy. Returns that digest (the restore writes only a
    /// copy with it), or the refusal with the evidence for a human: every witness's serial and digest.
    public static func restoreQuorum(plan: RepairPlan, witnesses: [RestoreWitness], quorum: Int) -> Result<
        String, QuorumRefusal
    > {
        let target = plan.targetSerial
        let source = witnesses.first { $0.server == plan.source }
        let agreeing = witnesses.filter {
            $0.serial == target && $0.digest != nil && $0.digest == source?.digest
        }
        if let digest = source?.digest, target != nil, agreeing.count >= quorum { return .success(digest) }
        let evidence = witnesses.map { witness -> String in
            var text = "\(witness.server) serial \(witness.serial.map(String.init) ?? "none")"
            if let digest = witness.digest { text += " digest \(digest.prefix(16))" }
            if let failure = witness.failure { text += " (no verified copy: \(failure))" }
            return text
        }.joined(separator: "; ")
        return .failure(
            QuorumRefusal(
                text: "restoring the primary of \(plan.zone) unattended needs \(quorum) secondaries serving serial "
                    + "\(target.map(String.init) ?? "?") with the same content (repair.restore_quorum); "
                    + "\(agreeing.count) do (\(evidence)). Left to a human: check which copy is right, then "
                    + "'zonecheck repair \(plan.zone) --yes', or bump the primary's serial past it"))
    }

    /// Why a restore was not done unattended, with the evidence.
    public struct QuorumRefusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String { text }
    }
}
