public import Foundation

/// Which zones `run` repairs by itself this time. Pure: the verdicts, the open incidents, the past attempts
/// and the settings decide.
///
/// - Only with `repair.auto` and a non-zero `repair.max_per_zone_per_hour`.
/// - Only zones with an open CRITICAL incident (a lag within `check.lag_grace` is not one) whose
///   `RepairPlan` has work and no refusal: the plan already refuses untrusted data (TSIG failures, too few
///   answers, serials 2^31 apart, diverged content without a chosen source). Restoring the primary from a
///   secondary only with `repair.primary_from_secondary`.
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
                                "backing off: last automatic repair \(LagClock.durationText(now.timeIntervalSince(last))) "
                                + "ago, next not before \(LagClock.durationText(wait)) after it"))
                    continue
                }
            }
            decisions.append(Decision(zone: verdict.zone, plan: plan, skipped: nil))
        }
        return decisions
    }
}
