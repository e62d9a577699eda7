public import DNSKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The effects of a repair: NOTIFY, polling, the retransfer command, each step appended to the audit log.
/// Deciding is `RepairPlan`'s job; this only carries a plan out.
public struct RepairExecutor: Sendable {
    public var fleet: Fleet
    public var options: QueryOptions
    /// How long the whole repair may take (`repair.converge_timeout`): every server's NOTIFY, retransfer
    /// and polling share this one deadline, so a repair of four lagging secondaries ends within it too.
    public var timeout: Duration
    public var audit: AuditLog
    /// Progress lines for the operator.
    public var say: @Sendable (String) -> Void
    /// Set by a batch repair: every wait for a serial goes through this one watch, which asks a server about
    /// all the zones waiting on it in one batch per round (nil: each wait polls on its own).
    public var watch: SerialWatch? = nil
    /// Runs the reload and retransfer commands (no shell; output to stderr), stopped at the repair's deadline.
    func commands(until deadline: ContinuousClock.Instant) -> CommandRunner {
        CommandRunner(output: .toStandardError, timeout: max(deadline - ContinuousClock.now, .milliseconds(1)))
    }

    public init(
        fleet: Fleet, options: QueryOptions, timeout: Duration, audit: AuditLog,
        say: @escaping @Sendable (String) -> Void
    ) {
        self.fleet = fleet
        self.options = options
        self.timeout = timeout
        self.audit = audit
        self.say = say
    }

    /// Carries out `plan` on its zone. Returns whether every acted-on server reached the target serial.
    /// Audit failures are thrown: a repair that cannot be recorded must not go on. With `requiredDigest`
    /// (`run`'s restore quorum), a restore writes only a copy with that RFC 8976 SIMPLE digest.
    public func execute(
        _ plan: RepairPlan, client: DNSClient, requiredDigest: String? = nil
    ) async throws(AuditError) -> Bool {
        guard plan.refusal == nil, let target = plan.targetSerial else { return false }
        let zone = plan.name
        let name = plan.zone
        // The last gate before a command or a path: discovery refuses such names already.
        if let reason = ZoneNameRule.refusal(zone) {
            say("\(zone): not repaired: \(reason)")
            return false
        }
        let deadline = ContinuousClock.now + timeout
        var options = self.options
        options.deadline = min(options.deadline ?? deadline, deadline)
        if let line = plan.servers.first(where: { if case .restorePrimary = $0.action { true } else { false } }),
            case .restorePrimary(let from) = line.action
        {
            // Recorded before the master copy is touched: a repair killed half-way still leaves a trace of
            // what it was about to do.
            try audit.append(
                AuditEntry(
                    zone: name, server: fleet.primary.name, action: "restore-primary", serialBefore: line.serial,
                    serialAfter: target, outcome: "started",
                    detail: "transferring from \(from); the current file is kept under backups before it is replaced"))
            let (result, backup) = await restorePrimary(
                zone: zone, from: from, serial: plan.restoreSerial, requiredDigest: requiredDigest, until: deadline,
                client: client)
            let kept = backup.map { "; previous file kept as \($0)" } ?? ""
            let renumbered = plan.restoreSerial.map { " as serial \($0)" } ?? ""
            try audit.append(
                AuditEntry(
                    zone: name, server: fleet.primary.name, action: "restore-primary", serialBefore: line.serial,
                    serialAfter: result == nil ? target : nil, outcome: result == nil ? "ok" : "failed",
                    detail: (result ?? "copy of \(from) written\(renumbered) and reloaded") + kept))
            if let result {
                say("\(fleet.primary.name): restore from \(from) failed: \(result)")
                return false
            }
            say("\(fleet.primary.name): restored from \(from), reloaded\(kept)")
            guard await poll(fleet.primary, zone: zone, target: target, until: deadline, client: client) else {
                say("\(fleet.primary.name): did not serve serial \(target) after the reload within \(timeout)")
                return false
            }
        }
        // NOTIFY carries the primary's SOA (RFC 1996 §3.7): asked again now, verified, so a secondary
        // compares against what the primary serves at this moment.
        let primarySOA: ResourceRecord?
        switch await client.soa(zone: zone, at: fleet.primary.endpoint, options: options) {
        case .answered(let answer) where answer.serial == target: primarySOA = answer.soa
        case .answered(let answer):
            say("the primary now serves serial \(answer.serial), not \(target): run repair again")
            try audit.append(
                AuditEntry(
                    zone: name, server: fleet.primary.name, action: "plan-refused", serialBefore: target,
                    serialAfter: answer.serial, outcome: "refused", detail: "the primary's serial changed"))
            return false
        case .failed(let error):
            say("cannot ask the primary for its SOA again: \(error)")
            try audit.append(
                AuditEntry(
                    zone: name, server: fleet.primary.name, action: "plan-refused", serialBefore: target,
                    serialAfter: nil, outcome: "refused", detail: "the primary's SOA: \(error)"))
            return false
        }
        var allConverged = true
        for line in plan.servers where line.action == .notify || line.action == .retransfer {
            guard let member = fleet.member(named: line.server) else { continue }
            var converged = false
            if line.action == .notify {
                let outcome = await client.notify(zone: zone, soa: primarySOA, at: member.endpoint, options: options)
                let acknowledged: Bool
                if case .acknowledged = outcome { acknowledged = true } else { acknowledged = false }
                try audit.append(
                    AuditEntry(
                        zone: name, server: member.name, action: "notify", serialBefore: line.serial,
                        serialAfter: nil, outcome: acknowledged ? "ok" : "failed", detail: outcome.description))
                say("\(member.name): \(outcome)")
                // With a retransfer command to fall back on, NOTIFY gets half the time.
                let notifyDeadline =
                    member.config.retransfer == nil
                    ? deadline : ContinuousClock.now + (deadline - ContinuousClock.now) / 2
                if acknowledged {
                    converged = await poll(
                        member, zone: zone, target: target, until: notifyDeadline, client: client)
                }
            }
            if !converged, let command = member.config.retransfer {
                let outcome = await commands(until: deadline).run(command, zone: name)
                try audit.append(
                    AuditEntry(
                        zone: name, server: member.name, action: "retransfer", serialBefore: line.serial,
                        serialAfter: nil, outcome: outcome.succeeded ? "ok" : "failed",
                        detail: "retransfer command \(outcome)"))
                say("\(member.name): retransfer command \(outcome)")
                if outcome.succeeded {
                    converged = await poll(member, zone: zone, target: target, until: deadline, client: client)
                }
            }
            if !converged {
                say("\(member.name): did not serve serial \(target) within \(timeout)")
                allConverged = false
            }
        }
        return allConverged
    }

    /// Transfers `zone` from `from` (verified AXFR, RFC 5936), lints the copy (a copy that does not lint
    /// clean of errors is not written), keeps the primary's current file as a backup under the state
    /// directory, writes the copy over the primary's zone file (`AtomicFile`: the real file behind a link, its
    /// mode, owner and group kept, never a half-written master copy) and runs the primary's reload command. With `serial`, the
    /// copy's SOA gets that serial (the same-serial case: the copy must be newer than what everyone serves).
    /// Returns why it failed (nil on success) and where the previous file was kept.
    func restorePrimary(
        zone: DomainName, from: String, serial: UInt32?, requiredDigest: String? = nil,
        until deadline: ContinuousClock.Instant, client: DNSClient
    ) async -> (
        failure: String?, backup: String?
    ) {
        var backup: String? = nil
        func failed(_ reason: String) -> (failure: String?, backup: String?) { (reason, backup) }
        let primary = fleet.primary
        guard let source = fleet.member(named: from) else { return failed("\(from) is not in the configuration") }
        guard let path = primary.config.zoneFile(for: zone) else {
            return failed("\(primary.name) has no zone_file in the configuration: cannot write the copy")
        }
        guard let reload = primary.config.reload else {
            return failed("\(primary.name) has no reload command in the configuration: cannot load the copy")
        }
        var lines: [String] = []
        var seenSOA = false
        let digest = ZoneDigestBuilder(origin: zone)
        // The transfer may not outlast the repair either.
        var limits = AXFRLimits()
        let left = max(deadline - ContinuousClock.now, .milliseconds(1))
        limits.totalTimeout = min(limits.totalTimeout, left)
        limits.idleTimeout = min(limits.idleTimeout, left)
        limits.connectTimeout = min(limits.connectTimeout, left)
        let outcome = await client.axfr(zone: zone, from: source.endpoint, limits: limits) { record in
            digest.add(record)
            // AXFR ends with the SOA again (RFC 5936 §2.2): one SOA in the file.
            var record = record
            if record.type == .soa {
                if seenSOA { return }
                seenSOA = true
                if let serial, let soa = SOA(record: record) { record.rdata = soa.with(serial: Serial(serial)).rdata() }
            }
            lines.append(record.presentation)
        }
        if case .failed(let error, _) = outcome { return failed("transfer from \(from) failed: \(error)") }
        if let requiredDigest, digest.finish().digestHex != requiredDigest {
            return failed("the copy from \(from) changed since the restore quorum agreed on it: nothing written")
        }
        let text = "; restored by zonecheck repair from \(from)\n" + lines.joined(separator: "\n") + "\n"
        let report = Linter.lint(text: text, fileName: path, origin: zone, today: DateSerial.today())
        if report.errorCount > 0 {
            let first = report.diagnostics.first { $0.severity == .error }.map { "\($0)" } ?? ""
            return failed("the copy from \(from) does not lint clean (\(report.errorCount) errors, first: \(first))")
        }
        do {
            // The real file behind any link: the backup is its content, and the copy replaces it with its
            // mode, owner and group (AtomicFile), so a link stays a link and named can still read the file.
            let target = try AtomicFile.realTarget(path)
            if FileManager.default.fileExists(atPath: target) {
                backup = try keepBackup(of: target, zone: zone)
            }
            try AtomicFile.write(Array(text.utf8), to: target, attributes: .replacingOperatorFile)
        } catch let error as AtomicFileError {
            return failed("cannot write \(path): \(error.reason)")
        } catch {
            return failed("cannot keep a backup of \(path): \(error)")
        }
        let reloaded = await commands(until: deadline).run(reload, zone: zone.description)
        return reloaded.succeeded ? (nil, backup) : failed("the reload command \(reloaded)")
    }

    /// Copies the primary's current file to `<state>/backups/ZONE.UTC-TIME.db` before anything replaces it.
    /// The time has milliseconds and a counter is added when the name exists, so a second restore never
    /// overwrites an earlier backup; the copy is written by `AtomicFile` (0600), so a backup that exists is
    /// complete.
    private func keepBackup(of path: String, zone: DomainName) throws -> String {
        let state = (audit.path as NSString).deletingLastPathComponent
        let directory = state + "/backups"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withFractionalSeconds, .withTimeZone]
        let stamp = formatter.string(from: Date()).replacingOccurrences(of: ":", with: "")
        var backup = "\(directory)/\(zone.displayName).\(stamp).db"
        var counter = 1
        while FileManager.default.fileExists(atPath: backup) {
            counter += 1
            backup = "\(directory)/\(zone.displayName).\(stamp)-\(counter).db"
        }
        let contents = try RegularFile.read(path, limit: RegularFile.zoneFileLimit)
        try AtomicFile.write(contents, to: backup, attributes: AtomicFile.Attributes(mode: 0o600))
        return backup
    }

    /// Asks `member` for the serial with backoff (100 ms doubling to 1 s) until it is `target` or `deadline`.
    func poll(
        _ member: Fleet.Member, zone: DomainName, target: UInt32, until deadline: ContinuousClock.Instant,
        client: DNSClient
    ) async -> Bool {
        if let watch { return await watch.wait(for: member, zone: zone, target: target, until: deadline) }
        var delay = Duration.milliseconds(100)
        // A query's own retries must not outlast the repair: it is cut at the deadline too.
        var bounded = options
        bounded.deadline = min(options.deadline ?? deadline, deadline)
        while true {
            if await client.soa(zone: zone, at: member.endpoint, options: bounded).serial == target { return true }
            if ContinuousClock.now + delay > deadline { return false }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
        }
    }
}

extension RepairExecutor {
    /// Reads `--timeout` exactly as the configuration reads durations (`500ms`, `10s`, `1m`).
    public static func duration(_ text: String) -> Duration? { Duration(configText: text) }
}
