public import Foundation

/// Turns one run's findings into incident changes. Pure: no database, no clock (`now` is given), so every
/// rule is unit-tested.
///
/// - A lag within `check.lag_grace` (its `LagClock` says so) is normal propagation: it opens nothing and
///   counts as clean.
/// - A (zone, problem) seen with no open incident opens one; seen again it updates it (severity, servers,
///   detail) and its clean count goes back to zero. It is *escalated* when its severity rose or it reached
///   servers it was not on.
/// - An open incident whose problem was not seen counts a clean run; after `resolveAfter` clean runs in a row
///   it is resolved, unless it flaps.
/// - Flapping: over the last `flapWindow` runs, the problem appeared or disappeared `flapChanges` times or
///   more. A flapping incident stays open (marked) until it has settled, so people hear of it once rather
///   than at every change.
public enum IncidentTracker {
    public struct Update: Sendable, Equatable {
        /// New incidents (no id yet).
        public var opened: [Incident]
        /// Existing incidents with their new state (updated, escalated, cleaner, resolved, flapping...).
        public var changed: [Incident]
        public var escalated: Set<ProblemKey>
        public var resolved: Set<ProblemKey>
        /// The presence history to keep for the next run (problems with nothing recent are dropped).
        public var history: [ProblemKey: [Bool]]
    }

    /// The findings that count as problems this run: every finding except lags still within the grace.
    public static func problems(_ findings: [Finding], lag: [String: LagClock]) -> [Finding] {
        findings.filter { finding in
            guard finding.kind == .lagging else { return true }
            guard let clock = lag[finding.zone] else { return true }
            return finding.servers.contains { clock.isBeyondGrace($0) }
        }
    }

    /// - Parameters:
    ///   - open: the incidents open before this run.
    ///   - findings: this run's findings on every checked zone, already filtered by `problems(_:lag:)`.
    ///   - history: per problem, whether it was seen at each of the last runs (oldest first).
    public static func track(
        open: [Incident], findings: [Finding], history: [ProblemKey: [Bool]], now: Date, settings: IncidentSettings
    ) -> Update {
        var seen: [ProblemKey: (servers: [String], severity: Severity, detail: [String])] = [:]
        var order: [ProblemKey] = []
        for finding in findings {
            let key = ProblemKey(zone: finding.zone, problem: finding.kind)
            if seen[key] == nil {
                seen[key] = ([], .ok, [])
                order.append(key)
            }
            for server in finding.servers where !seen[key]!.servers.contains(server) {
                seen[key]!.servers.append(server)
            }
            seen[key]!.severity = max(seen[key]!.severity, finding.severity)
            // With the evidence under it (what the servers said, the record that cannot be sent), so the alert and
            // the digest carry it; record diffs and lint diagnostics stay in the check's own report.
            let evidence = finding.kind == .diverged || finding.kind == .fileLint ? [] : finding.details
            seen[key]!.detail.append(([finding.message] + evidence.map { "  " + $0 }).joined(separator: "\n"))
        }

        // Presence history, for flapping: every problem seen now, known before, or open.
        var newHistory: [ProblemKey: [Bool]] = [:]
        let openByKey = Dictionary(open.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for key in Set(history.keys).union(seen.keys).union(openByKey.keys) {
            var bits = history[key] ?? []
            bits.append(seen[key] != nil)
            if bits.count > settings.flapWindow { bits.removeFirst(bits.count - settings.flapWindow) }
            if bits.contains(true) || openByKey[key] != nil { newHistory[key] = bits }
        }
        func flaps(_ key: ProblemKey) -> Bool {
            guard let bits = newHistory[key], bits.count > 1 else { return false }
            return zip(bits, bits.dropFirst()).count { $0 != $1 } >= settings.flapChanges
        }

        var update = Update(opened: [], changed: [], escalated: [], resolved: [], history: newHistory)
        for key in order {
            let now_ = seen[key]!
            let detail = now_.detail.joined(separator: "\n")
            if var incident = openByKey[key] {
                let grew = !Set(now_.servers).isSubset(of: Set(incident.servers))
                if now_.severity > incident.severity || grew { update.escalated.insert(key) }
                incident.servers = now_.servers
                incident.severity = now_.severity
                incident.detail = detail
                incident.updatedAt = now
                incident.cleanRuns = 0
                mark(&incident, flapping: flaps(key))
                update.changed.append(incident)
            } else {
                var incident = Incident(
                    zone: key.zone, problem: key.problem, servers: now_.servers, severity: now_.severity,
                    detail: detail, openedAt: now)
                incident.flapping = flaps(key)
                update.opened.append(incident)
            }
        }
        for incident in open where seen[incident.key] == nil {
            var incident = incident
            incident.cleanRuns += 1
            mark(&incident, flapping: flaps(incident.key))
            if incident.cleanRuns >= settings.resolveAfter && !incident.flapping {
                incident.resolvedAt = now
                update.resolved.insert(incident.key)
            }
            update.changed.append(incident)
        }
        return update
    }

    /// A new flapping spell is announced once: the notice flag is cleared when the spell ends.
    private static func mark(_ incident: inout Incident, flapping: Bool) {
        if incident.flapping && !flapping { incident.flapNotified = false }
        incident.flapping = flapping
    }
}
