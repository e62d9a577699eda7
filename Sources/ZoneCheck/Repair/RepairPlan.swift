public import DNSKit

/// What repair will do to one server for one zone.
public enum RepairAction: Sendable, Equatable {
    /// Already serves the freshest copy.
    case none
    /// Behind: a signed NOTIFY (RFC 1996 §3.7) asks it to check the primary's serial and transfer; the
    /// server's retransfer command is the escalation when it does not.
    case notify
    /// Same serial but different content, or newer than the chosen source: NOTIFY cannot help because a
    /// secondary only transfers when the primary's serial is greater (RFC 1996 §4.7, RFC 1982), so the
    /// server's retransfer command fetches the whole zone again.
    case retransfer
    /// The primary is older than a secondary's copy: transfer that copy (verified AXFR), write it over the
    /// primary's zone file (temp, fsync, rename), run the primary's reload command, then NOTIFY as usual.
    /// Only with `--yes` or `repair.primary_from_secondary`, because it rewrites the master copy.
    case restorePrimary(from: String)
    /// Cannot be acted on (unreachable, zone not served, unusable answer): reported, left alone.
    case skip
}

/// One server's line of the plan.
public struct ServerRepair: Sendable, Equatable {
    public var server: String
    public var role: ServerRole
    public var serial: UInt32?
    public var action: RepairAction
    /// Why, in one sentence an operator can act on.
    public var reason: String

    public init(server: String, role: ServerRole, serial: UInt32?, action: RepairAction, reason: String) {
        self.server = server
        self.role = role
        self.serial = serial
        self.action = action
        self.reason = reason
    }
}

/// The decision for one zone: the freshest copy, and one action per server, or a refusal for the whole
/// zone. Pure: it only reads a verdict, so every rule is unit-tested without servers.
public struct RepairPlan: Sendable, Equatable {
    /// The zone, as the verdict has it: what the executor acts on.
    public var name: DomainName
    /// The zone as operators write it (`example.com`).
    public var zone: String { name.displayName }
    /// The server holding the copy every other server must serve; nil when refused before one was found.
    public var source: String?
    /// The serial every server must serve afterwards.
    public var targetSerial: UInt32?
    public var servers: [ServerRepair]
    /// Why nothing at all will be done to this zone; nil when the plan may run.
    public var refusal: String?
    /// Set when the primary is restored from a secondary that serves the same serial with other content
    /// (`--source` chose it): the restored copy gets this serial, greater than every serial served, so
    /// that every secondary, the source included, transfers it (RFC 1996 §4.7: only a greater serial does).
    public var restoreSerial: UInt32?

    /// Whether there is anything to send.
    public var hasWork: Bool { refusal == nil && servers.contains { $0.action != .none && $0.action != .skip } }

    /// Decides the repair of `verdict`.
    ///
    /// - The freshest copy is the highest serial by RFC 1982 §3.2 among trusted answers (verified by TSIG,
    ///   authoritative); `source` (a server name) overrides it, for the operator who knows better.
    /// - Refused for the whole zone, because it cannot succeed: the primary cannot send the zone (a record
    ///   too large for a transfer message, its own transfer failing: `Compare`'s primary-cannot-send
    ///   finding); NOTIFY and retransfer would only make the secondaries fail again.
    /// - Refused for the whole zone, because acting would spread a guess: any AUTH-FAILED answer (someone
    ///   may be impersonating a server, or keys are wrong: nothing it says or we send is trustworthy);
    ///   INCOMPARABLE serials (RFC 1982 §3.2 leaves their order undefined, so "freshest" has no meaning);
    ///   fewer than a majority of servers answering (the freshest copy may be among the silent ones);
    ///   DIVERGED without `source` (same serial, different content: only the operator knows which is right);
    ///   a primary that did not answer (NOTIFY carries the primary's SOA); a secondary fresher than the
    ///   primary without `allowPrimaryRestore` (restoring the primary rewrites the master copy).
    ///
    /// A secondary strictly fresher than the primary is planned as `.restorePrimary` only when
    /// `allowPrimaryRestore` (`--yes` or `repair.primary_from_secondary`), and refused otherwise. So is a
    /// DIVERGED secondary chosen with `source`: its copy replaces the primary's with the next serial
    /// (`today` decides the next date-style serial), which every secondary then transfers.
    public static func make(
        verdict: ZoneVerdict, source: String? = nil, allowPrimaryRestore: Bool = false,
        today: DateSerial.Day = DateSerial.today()
    ) -> RepairPlan {
        var plan = RepairPlan(name: verdict.name, source: nil, targetSerial: nil, servers: [], refusal: nil)
        let statuses = verdict.servers
        func refuse(_ reason: String) -> RepairPlan {
            plan.refusal = reason
            plan.servers = statuses.map {
                ServerRepair(server: $0.server, role: $0.role, serial: $0.serial, action: .skip, reason: "refused")
            }
            return plan
        }
        // The primary cannot send the zone: no NOTIFY or retransfer can succeed, so none is sent.
        if let cannotSend = verdict.findings.first(where: { $0.kind == .primaryCannotSend }) {
            return refuse(cannotSend.message + "; nothing was sent")
        }
        let authFailed = statuses.filter { $0.state == .authFailed }.map(\.server)
        if !authFailed.isEmpty {
            return refuse(
                "\(authFailed.joined(separator: ", ")) failed TSIG authentication for \(verdict.zone): fix the key "
                    + "(key file in the configuration, key on the server) before repairing; nothing was sent")
        }
        let trusted = statuses.filter { $0.serial != nil }
        if trusted.count * 2 <= statuses.count {
            return refuse(
                "only \(trusted.count) of \(statuses.count) servers gave a verified serial for \(verdict.zone): "
                    + "the freshest copy may be on a silent server; bring the servers back, then repair")
        }
        guard let primary = statuses.first(where: { $0.role == .primary }), let primarySerial = primary.serial
        else {
            return refuse(
                "the primary did not give a verified serial for \(verdict.zone): NOTIFY carries the primary's SOA; "
                    + "bring the primary back, then repair")
        }
        if primary.state == .badAnswer {
            return refuse(
                "the primary gave an unusable answer for \(verdict.zone) (BAD-ANSWER): its copy cannot be the one "
                    + "to spread; fix the primary, then repair")
        }
        if let source, !statuses.contains(where: { $0.server == source }) {
            return refuse("--source \(source) is not a server of the configuration")
        }
        if source == nil, let diverged = statuses.first(where: { $0.state == .diverged }) {
            return refuse(
                "\(diverged.server) serves serial \(diverged.serial.map(String.init) ?? "?") of \(verdict.zone) "
                    + "with different content: say which copy is right with --source SERVER")
        }
        // The freshest copy: every trusted serial must be ordered against every other (RFC 1982 §3.2).
        var freshest = primary
        for status in trusted {
            for other in trusted {
                if Serial(status.serial!).compare(to: Serial(other.serial!)) == .undefined {
                    return refuse(
                        "\(status.server) (\(status.serial!)) and \(other.server) (\(other.serial!)) serve serials "
                            + "2^31 apart for \(verdict.zone): RFC 1982 leaves their order undefined; bump the "
                            + "primary's serial past both, then repair")
                }
            }
            // A BAD-ANSWER server's serial is ordered like the others but its copy is never the freshest.
            if status.state != .badAnswer, Serial(status.serial!).compare(to: Serial(freshest.serial!)) == .greater {
                freshest = status
            }
        }
        if let source {
            guard let chosen = statuses.first(where: { $0.server == source }), chosen.serial != nil else {
                return refuse("--source \(source) did not give a verified serial for \(verdict.zone)")
            }
            guard chosen.state != .badAnswer else {
                return refuse("--source \(source) gave an unusable answer for \(verdict.zone) (BAD-ANSWER)")
            }
            freshest = chosen
        }
        plan.source = freshest.server
        plan.targetSerial = freshest.serial
        let restore =
            freshest.role != .primary
            && Serial(freshest.serial!).compare(to: Serial(primarySerial)) == .greater
            && freshest.state != .diverged
        // Same serial, other content, and the operator chose that copy: the primary takes it with a new serial.
        let sameSerialRestore =
            freshest.role != .primary && freshest.state == .diverged && freshest.serial == primarySerial
        if freshest.role != .primary && (freshest.serial != primarySerial || freshest.state == .diverged)
            && !((restore || sameSerialRestore) && allowPrimaryRestore)
        {
            return refuse(
                "the copy to keep is \(freshest.server)'s (serial \(freshest.serial!) of \(verdict.zone)), not the "
                    + "primary's (serial \(primarySerial)): "
                    + (restore || sameSerialRestore
                        ? "restoring the primary from a secondary rewrites the master copy"
                            + (sameSerialRestore ? " (with the next serial, so every secondary transfers it)" : "")
                            + "; confirm with --yes (or repair.primary_from_secondary: true)"
                        : "a restore needs a serial greater than the primary's; load that copy on the primary by "
                            + "hand with a new serial")
                    + ", or --source \(primary.server) to make the primary's copy win")
        }
        var target = freshest.serial!
        if sameSerialRestore {
            let next = Serial(primarySerial).next(today: today)
            // The new serial must be greater than every serial served, or some secondary would not transfer it.
            if let blocking = trusted.first(where: { Serial($0.serial!).compare(to: next) != .less }) {
                return refuse(
                    "\(blocking.server) serves serial \(blocking.serial!) of \(verdict.zone), not below the serial "
                        + "\(next) the restored copy would get: bump the primary's serial past it by hand, then repair")
            }
            target = next.rawValue
            plan.restoreSerial = target
            plan.targetSerial = target
        }
        let sourceName = freshest.server
        plan.servers = statuses.map { status in
            func line(_ action: RepairAction, _ reason: String) -> ServerRepair {
                ServerRepair(
                    server: status.server, role: status.role, serial: status.serial, action: action, reason: reason)
            }
            if status.role == .primary {
                if sameSerialRestore {
                    return line(
                        .restorePrimary(from: sourceName),
                        "other content than \(sourceName)'s copy at the same serial \(status.serial!): restore from "
                            + "it as serial \(target)")
                }
                if status.serial != target {
                    return line(
                        .restorePrimary(from: sourceName),
                        "older than \(sourceName)'s copy (serial \(status.serial!) < \(target)): restore from it")
                }
                return line(.none, "the source of the copy (serial \(target))")
            }
            switch status.state {
            case .unreachable: return line(.skip, "did not answer: nothing can be sent to it; check it is running")
            case .notServed: return line(.skip, "does not serve the zone: add the zone to its configuration")
            case .badAnswer: return line(.skip, "gave an unusable answer: \(status.detail ?? "see check")")
            default: break
            }
            guard let serial = status.serial else { return line(.skip, "no verified serial") }
            if sameSerialRestore {
                return line(
                    .notify,
                    status.server == sourceName
                        ? "the source: NOTIFY once the primary serves serial \(target)"
                        : "serial \(serial) < \(target) once the primary is restored: NOTIFY")
            }
            if status.state == .diverged {
                return line(.retransfer, "same serial, different content: NOTIFY cannot help, transfer it again")
            }
            switch Serial(serial).compare(to: Serial(target)) {
            case .equal: return line(.none, "in sync (serial \(serial))")
            case .less: return line(.notify, "lagging (serial \(serial) < \(target)): NOTIFY")
            case .greater, .undefined:
                return line(.retransfer, "serves serial \(serial), not the source's \(target): transfer it again")
            }
        }
        return plan
    }
}
