public import Foundation

/// What people must be told after a run, decided from the incidents' state rather than from what changed in
/// this run: an alert that could not be sent (mail down, run killed) is still owed at the next run. Pure.
///
/// - Opened: a CRITICAL incident nobody was told about.
/// - Escalated: a CRITICAL incident that got worse than what people were told (more severe, more servers),
///   or that started flapping (told once, marked).
/// - Resolved: an incident people were told about, now resolved, whose resolution was not yet told.
/// WARNINGs are not mailed: they are in `zonecheck status` and the digest.
public struct AlertPlan: Sendable, Equatable {
    public var opened: [Incident]
    public var escalated: [Incident]
    public var resolved: [Incident]

    public var isEmpty: Bool { opened.isEmpty && escalated.isEmpty && resolved.isEmpty }

    public static func make(_ incidents: [Incident]) -> AlertPlan {
        var plan = AlertPlan(opened: [], escalated: [], resolved: [])
        for incident in incidents {
            if incident.resolvedAt != nil {
                if incident.alertedSeverity != nil && !incident.resolutionNotified { plan.resolved.append(incident) }
                continue
            }
            guard incident.severity == .critical else { continue }
            if incident.flapping {
                if !incident.flapNotified { plan.escalated.append(incident) }
                continue
            }
            guard let told = incident.alertedSeverity else {
                plan.opened.append(incident)
                continue
            }
            if incident.severity > told || !Set(incident.servers).isSubset(of: Set(incident.alertedServers)) {
                plan.escalated.append(incident)
            }
        }
        return plan
    }

    /// The incidents as they are once the alert went out (to be stored).
    public func told() -> [Incident] {
        (opened + escalated).map { incident in
            var incident = incident
            incident.alertedSeverity = incident.severity
            incident.alertedServers = incident.servers
            if incident.flapping { incident.flapNotified = true }
            return incident
        }
            + resolved.map { incident in
                var incident = incident
                incident.resolutionNotified = true
                return incident
            }
    }

    /// The grouped batch for the mail composer.
    public func batch(serverOrder: [String], time: Date, host: String) -> AlertBatch {
        AlertBatch(
            opened: IncidentGrouping.notes(opened, serverOrder: serverOrder, now: time),
            escalated: IncidentGrouping.notes(escalated, serverOrder: serverOrder, now: time),
            resolved: IncidentGrouping.notes(resolved, serverOrder: serverOrder, now: time), time: time, host: host)
    }
}
