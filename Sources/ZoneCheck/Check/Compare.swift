public import DNSKit
import Foundation

/// The verdict on one zone from what a sweep observed: pure, no network, no clock.
///
/// Serials are compared with RFC 1982 §3.2 sequence-space arithmetic (`Serial.compare(to:)`), the primary's
/// serial being the reference. Only verified answers carry a serial: a failure (timeout, TSIG error,
/// REFUSED, ...) is reported as such and never compared.
///
/// Severity rules:
/// - LAGGING (secondary behind the primary) is a WARNING while it may still be propagation. With a `LagClock`
///   (from the state database: since when each secondary lags) the finding says since when, and a lag
///   older than `check.lag_grace` is CRITICAL. Without one (no state yet) it stays a WARNING and says
///   nothing about "since".
///   Every lag gets its most likely cause (`LagDiagnosis`): a TSIG failure in the secondary's log, a NOTIFY
///   it refused before, else a lost NOTIFY; each with its own next step.
/// - PRIMARY-CANNOT-SEND: secondaries lag because the primary cannot send the zone (a record too large for
///   a transfer message in its file, its own transfer failing, its log saying so). One CRITICAL finding
///   naming the primary and every secondary stuck behind it, instead of one "lost NOTIFY" per secondary:
///   NOTIFY and retransfer cannot help, the fix is on the primary.
/// - AHEAD (secondary newer than the primary) is CRITICAL: NOTIFY cannot fix it (RFC 1996 §4.7: a secondary
///   only transfers a greater serial).
/// - INCOMPARABLE (exactly 2^31 apart, RFC 1982 §3.2's undefined pair) is CRITICAL and never repaired.
/// - UNREACHABLE is CRITICAL for the primary, a WARNING for one secondary, CRITICAL when two or more
///   secondaries are unreachable (too few copies left to trust).
/// - AUTH-FAILED (BADSIG, BADKEY, BADTIME, a MAC that does not verify, an unsigned reply), NOT-SERVED
///   (REFUSED, SERVFAIL, NXDOMAIN at the apex, not authoritative) and BAD-ANSWER are CRITICAL.
/// - Deep: DIVERGED (same serial as the primary, different RFC 8976 digest) is CRITICAL, with the
///   differing records; a failed transfer is CRITICAL. Signatures, DNSKEY sets and ZONEMD: `DeepSignatures`.
/// - The primary's file: a serial newer than what the primary serves is CRITICAL; lint errors are
///   CRITICAL, lint warnings a WARNING.
public enum Compare {
    /// How many differing records or diagnostics a finding lists before it only counts the rest.
    public static let detailLimit = 20

    public static func verdict(_ observation: ZoneObservation) -> ZoneVerdict {
        verdict(observation, lag: nil)
    }

    /// The verdict, with lags dated and escalated past the grace by `lag` (nil: nobody knows since when), and
    /// the servers' signatures judged by `signatures`: the RRSIG(SOA) of the sweep at its time
    /// (`SignatureCheck`) and, with `--deep`, every signature of each transfer (`DeepSignatures`).
    public static func verdict(
        _ observation: ZoneObservation, lag: LagClock?, signatures window: SignatureWindow = .standard
    ) -> ZoneVerdict {
        let zone = observation.name
        var findings: [Finding] = []
        var statuses: [ServerStatus] = []
        // Exactly one per server: appended one by one, five cells would take a buffer of eight (every
        // verdict of a 100,000-zone sweep is held until the report is made).
        statuses.reserveCapacity(observation.servers.count)
        let primary = observation.servers.first { $0.role == .primary }
        let primaryName = primary?.server ?? "the primary"
        let primarySerial = primary?.serial
        let primaryCause = LagDiagnosis.primaryCause(observation)
        // Secondaries behind a primary that cannot send the zone: one finding for all of them, after the loop.
        var stuck: [(server: String, serial: UInt32)] = []
        let unreachableSecondaries = observation.servers.filter {
            guard $0.role == .secondary, case .failed(let error) = $0.answer else { return false }
            return state(of: error.failure) == .unreachable
        }.count

        for observed in observation.servers {
            switch observed.answer {
            case .failed(let error):
                let state = state(of: error.failure)
                var severity = Severity.critical
                if state == .unreachable && observed.role == .secondary && unreachableSecondaries < 2 {
                    severity = .warning
                }
                let message = error.description + next(for: state)
                findings.append(
                    Finding(
                        severity: severity, kind: kind(of: state), zone: zone, servers: [observed.server],
                        message: message))
                statuses.append(
                    ServerStatus(
                        server: observed.server, role: observed.role, serial: nil, state: state, rtt: nil,
                        detail: error.description))
            case .serial(let serial, let rtt):
                var status = ServerStatus(
                    server: observed.server, role: observed.role, serial: serial, state: .ok, rtt: rtt, detail: nil,
                    soaSignature: observed.soaSignature, nsid: observed.nsid)
                if observed.role == .secondary {
                    if let primarySerial {
                        if let primaryCause,
                            Serial(serial).compare(to: Serial(primarySerial)) == .less
                        {
                            stuck.append((observed.server, serial))
                            status.state = .lagging
                            status.detail =
                                "behind \(primaryName) (serial \(serial) < \(primarySerial)): \(primaryName) cannot "
                                + "send \(zone) (\(primaryCause.name)); see the primary-cannot-send finding"
                        } else if let finding = compare(
                            secondary: observed.server, serial, primary: primaryName, primarySerial, zone: zone,
                            lag: lag, cause: LagDiagnosis.cause(of: observed.server, observation),
                            instance: observed.nsid)
                        {
                            status.state = finding.state
                            status.detail = finding.finding.message
                            findings.append(finding.finding)
                        }
                    } else {
                        status.state = .unchecked
                        status.detail = "\(primaryName) gave no serial to compare with"
                    }
                }
                statuses.append(status)
            }
        }

        if let primaryCause, let primarySerial, !stuck.isEmpty {
            findings.append(
                cannotSend(
                    primaryCause, primary: primaryName, primarySerial, stuck: stuck, zone: zone,
                    file: observation.primaryFile?.path))
        }
        findings += AnycastCheck.findings(observation.servers, zone: zone)
        if let transfers = observation.transfers {
            findings += deepFindings(transfers, statuses: &statuses, zone: zone, primary: primaryName)
            let copies = DeepSignatures.copies(transfers)
            findings += DeepSignatures.findings(copies, zone: zone, primary: primaryName, thresholds: window)
            for copy in copies {
                if let index = statuses.firstIndex(where: { $0.server == copy.server }) {
                    statuses[index].signatures = copy.signatures
                }
            }
        }
        if let now = observation.observedAt ?? lag?.now {
            // The RRSIG(SOA) of every server; a finding a deep check already made from the whole transfer
            // (same kind, its servers named there) is not repeated.
            let deep = findings
            findings += SignatureCheck.findings(observation.servers, zone: zone, now: now, thresholds: window)
                .filter { soa in
                    !deep.contains { $0.kind == soa.kind && Set(soa.servers).isSubset(of: $0.servers) }
                }
        }
        if let file = observation.primaryFile {
            var servedDigest: (serial: UInt32, digest: String)?
            if let transfer = observation.transfers?.first(where: { $0.server == primaryName }),
                case .transferred(let serial, let digest, _) = transfer.outcome
            {
                servedDigest = (serial, digest)
            }
            findings += fileFindings(
                file, zone: zone, primary: primaryName, served: primarySerial, servedDigest: servedDigest)
        }
        // What the servers said about the zone goes under every finding that names them (the file's lint
        // findings have their own diagnostics).
        if !observation.serverReports.isEmpty {
            for index in findings.indices where findings[index].kind != .fileLint {
                findings[index].details += findings[index].servers.flatMap {
                    observation.serverReports[$0]?.findingLines ?? []
                }
            }
        }
        return ZoneVerdict(name: observation.zone, servers: statuses, findings: findings)
    }

    // MARK: causes

    /// The one finding for every secondary held back by a primary that cannot send the zone.
    static func cannotSend(
        _ cause: LagCause, primary: String, _ primarySerial: UInt32, stuck: [(server: String, serial: UInt32)],
        zone: String, file: String?
    ) -> Finding {
        let names = stuck.map(\.server)
        let who = IncidentGrouping.list(names)
        let behind =
            "\(who) \(names.count == 1 ? "stays" : "stay") behind (serial "
            + Set(stuck.map(\.serial)).sorted().map(String.init).joined(separator: ", ")
            + " < \(primarySerial)). NOTIFY and retransfer cannot help: "
        let fix: String
        var details: [String] = []
        switch cause {
        case .recordTooLarge(let record):
            details.append(record.description)
            fix =
                "\(primary)'s zone file has a record too large for a TSIG-signed transfer message at "
                + "\(record.location) (the lint diagnostic below); \(behind)split the record (several TXT records) or "
                + "shorten it in \(record.location.file), increment the serial and reload \(primary)"
        case .primaryTransferFails(let text):
            fix =
                "zonecheck's own verified transfer from \(primary) failed (\(text)); \(behind)find why "
                + "\(primary) cannot send the zone in its log"
                + (file.map { " and with 'zonecheck lint \($0)'" } ?? "")
                + ", fix it, increment the serial and reload \(primary)"
        case .primaryLogSays(let line):
            // The line is among the primary's own lines under the finding too.
            fix =
                "\(primary)'s log says it could not send the zone (\(line)); \(behind)"
                + (file.map { "find the record with 'zonecheck lint \($0)', " } ?? "find the record too large, ")
                + "split or shorten it, increment the serial and reload \(primary)"
        case .transferTSIG, .notifyRefused, .notifyLost:
            fix = behind
        }
        return Finding(
            severity: .critical, kind: .primaryCannotSend, zone: zone, servers: [primary] + names,
            message: "\(primary) cannot send \(zone) to its secondaries: " + fix, details: details)
    }

    /// The next step of a lag whose cause is on the secondary's side.
    static func next(for cause: LagCause, secondary: String, zone: String, now: Date?) -> String {
        switch cause {
        case .transferTSIG(let line):
            return
                "its transfers fail TSIG (its log: \(line)): NOTIFY and retransfer cannot help until the key "
                + "\(secondary) uses for transfers from the primary (name, algorithm, secret) is one the primary "
                + "allows; fix it, then run 'zonecheck repair \(zone)'"
        case .notifyRefused(let refusal):
            let when = TimeText.minute(refusal.time, now: now ?? refusal.time)
            return
                "it refused zonecheck's NOTIFY at \(when) (\(refusal.detail)): another NOTIFY will not help; "
                + "'zonecheck repair \(zone)' goes on to its retransfer command (configure retransfer for "
                + "\(secondary) if it has none); allow zonecheck's key to NOTIFY it (BIND: allow-notify)"
        case .recordTooLarge, .primaryTransferFails, .primaryLogSays, .notifyLost:
            return "a NOTIFY was probably lost; run 'zonecheck repair \(zone)'"
        }
    }

    // MARK: serials

    /// The RFC 1982 comparison of one secondary's serial with the primary's; nil when equal.
    static func compare(
        secondary: String, _ serial: UInt32, primary: String, _ primarySerial: UInt32, zone: String,
        lag: LagClock? = nil, cause: LagCause = .notifyLost, instance: String? = nil
    ) -> (state: ServerState, finding: Finding)? {
        // The message names the instance that answered (NSID); the finding's servers stay plain names.
        let who = instance.map { "\(secondary) (instance \($0))" } ?? secondary
        let mine = Serial(serial)
        let theirs = Serial(primarySerial)
        switch mine.compare(to: theirs) {
        case .equal:
            return nil
        case .less:
            let behind = mine.distance(to: theirs) ?? 0
            var since = ""
            var severity = Severity.warning
            var next = next(for: cause, secondary: secondary, zone: zone, now: lag?.now)
            if let lag, let text = lag.sinceText(secondary) {
                since = " " + text
                if lag.isBeyondGrace(secondary) {
                    severity = .critical
                    next += " (longer than lag_grace \(TimeText.duration(lag.grace.timeInterval)))"
                } else if cause == .notifyLost {
                    next =
                        "within lag_grace \(TimeText.duration(lag.grace.timeInterval)), probably still "
                        + "transferring; 'zonecheck repair \(zone)' if it stays behind"
                }
            }
            let message =
                "\(who) is \(behind) serial\(behind == 1 ? "" : "s") behind \(primary) on \(zone)\(since) "
                + "(serial \(serial) < \(primarySerial)): \(next)"
            return (
                .lagging,
                Finding(severity: severity, kind: .lagging, zone: zone, servers: [secondary], message: message)
            )
        case .greater:
            let ahead = theirs.distance(to: mine) ?? 0
            let message =
                "\(who) is \(ahead) serial\(ahead == 1 ? "" : "s") ahead of \(primary) on \(zone) "
                + "(serial \(serial) > \(primarySerial)): NOTIFY cannot fix this; was \(primary) restored from an "
                + "older copy? Raise the serial on \(primary) above \(serial), or restore \(primary) from the freshest copy with "
                + "'zonecheck repair \(zone) --yes'"
            return (
                .ahead, Finding(severity: .critical, kind: .ahead, zone: zone, servers: [secondary], message: message)
            )
        case .undefined:
            let message =
                "\(secondary) and \(primary) serve \(zone) with serials exactly 2^31 apart (\(serial) and "
                + "\(primarySerial)): RFC 1982 cannot order them, nothing will be repaired automatically; "
                + "raise the serial on \(primary) so that it is clearly newer, then send a NOTIFY"
            return (
                .incomparable,
                Finding(severity: .critical, kind: .incomparable, zone: zone, servers: [secondary], message: message)
            )
        }
    }

    // MARK: failures

    /// The matrix state for a failed query.
    public static func state(of failure: QueryFailure) -> ServerState {
        switch failure {
        case .timeout, .connectionRefused, .unreachable: .unreachable
        case .notAuth, .macDidNotVerify, .clockSkew, .unsignedReply: .authFailed
        case .refused, .servfail, .nxdomainAtApex, .notAuthoritative: .notServed
        case .transferBroken(let fault) where fault.isAuthenticationFailure: .authFailed
        case .formerr, .unexpectedRcode, .malformed, .transferBroken, .noMatchingAnswer: .badAnswer
        }
    }

    static func kind(of state: ServerState) -> FindingKind {
        switch state {
        case .unreachable: .unreachable
        case .authFailed: .authFailed
        case .notServed: .notServed
        default: .badAnswer
        }
    }

    /// The check-specific next step added after the transport's own advice.
    static func next(for state: ServerState) -> String {
        state == .authFailed ? " (its serial is not trusted, so it is not compared)" : ""
    }

    // MARK: deep check

    static func deepFindings(
        _ transfers: [TransferObservation], statuses: inout [ServerStatus], zone: String, primary: String
    ) -> [Finding] {
        var findings: [Finding] = []
        var reference: (serial: UInt32, digest: String, records: [ResourceRecord])?
        if let first = transfers.first(where: { $0.server == primary }),
            case .transferred(let serial, let digest, let records) = first.outcome
        {
            reference = (serial, digest, records)
        }
        // Every secondary transferred, all with the primary's serial, all with the same content that is not
        // the primary's: the primary's content changed without a new serial (a hand edit on each secondary
        // is far less likely).
        let secondaryCopies = transfers.filter { $0.server != primary }.map { transfer -> String? in
            guard case .transferred(let serial, let digest, _) = transfer.outcome, serial == reference?.serial
            else { return nil }
            return digest
        }
        let primaryChanged =
            secondaryCopies.count >= 2 && Set(secondaryCopies).count == 1
            && secondaryCopies[0] != nil && secondaryCopies[0] != reference?.digest
        for transfer in transfers {
            guard let index = statuses.firstIndex(where: { $0.server == transfer.server }) else { continue }
            switch transfer.outcome {
            case .failed(let error):
                // A server whose SOA query already failed has its finding; the transfer adds nothing.
                guard statuses[index].serial != nil else { continue }
                let message = error.description + " (the deep check could not compare its contents)"
                findings.append(
                    Finding(
                        severity: .critical, kind: .transferFailed, zone: zone, servers: [transfer.server],
                        message: message))
                // A stream that failed TSIG may have been altered on the way: its serial is no longer
                // trusted either, so repair refuses instead of acting on this server's word.
                if case .transferBroken(let fault) = error.failure, fault.isAuthenticationFailure {
                    statuses[index].state = .authFailed
                    statuses[index].detail = message
                } else if case .transferBroken(let fault) = error.failure, fault.isProtocolViolation {
                    // A stream against the rules is an unusable answer: the matrix says so (not OK), and
                    // repair skips the server rather than call it in sync. A reset or a stall stays OK
                    // with its transfer-failed finding: the network, not the server's word.
                    statuses[index].state = .badAnswer
                    statuses[index].detail = message
                }
            case .transferred(let serial, let digest, let records):
                guard transfer.server != primary, let reference, serial == reference.serial,
                    digest != reference.digest
                else { continue }
                let details = recordDiff(
                    primary: primary, reference.records, other: transfer.server, records, limit: detailLimit)
                let sameContent =
                    "\(transfer.server) serves \(zone) with the same serial as \(primary) (\(serial)) but different "
                    + "content (digest \(digest.prefix(12))... vs \(reference.digest.prefix(12))...): "
                let message =
                    primaryChanged
                    ? sameContent + "every secondary has this same other copy, so \(primary)'s content probably "
                        + "changed without a new serial; increment the serial on \(primary) and reload (or force "
                        + "them to \(primary)'s copy with 'zonecheck repair \(zone) --deep --source \(primary)')"
                    : sameContent + "a change was made on \(transfer.server) by hand or its copy is corrupt; bring it "
                        + "back to \(primary)'s copy with 'zonecheck repair \(zone) --deep --source \(primary)'"
                findings.append(
                    Finding(
                        severity: .critical, kind: .diverged, zone: zone, servers: [primary, transfer.server],
                        message: message, details: details))
                statuses[index].state = .diverged
                statuses[index].detail = message
            }
        }
        return findings
    }

    /// The records on only one of the two servers, canonical form compared, presentation shown:
    /// `only on ns1: ...` then `only on ns3: ...`, at most `limit` lines, then a count of the rest.
    public static func recordDiff(
        primary: String, _ primaryRecords: [ResourceRecord], other: String, _ otherRecords: [ResourceRecord],
        limit: Int
    ) -> [String] {
        func canonical(_ records: [ResourceRecord]) -> [[UInt8]: ResourceRecord] {
            var byWire: [[UInt8]: ResourceRecord] = [:]
            for record in records { byWire[record.canonicalWire()] = record }
            return byWire
        }
        let left = canonical(primaryRecords)
        let right = canonical(otherRecords)
        let onlyLeft = left.filter { right[$0.key] == nil }.values.map(\.presentation).sorted()
        let onlyRight = right.filter { left[$0.key] == nil }.values.map(\.presentation).sorted()
        let all = onlyLeft.map { "only on \(primary): \($0)" } + onlyRight.map { "only on \(other): \($0)" }
        var lines = Array(all.prefix(limit))
        if all.count > limit {
            lines.append("... and \(all.count - limit) more differing records (\(all.count) in all)")
        }
        return lines
    }

    // MARK: primary's file

    /// - Parameter servedDigest: the serial and digest of the primary's verified transfer (deep checks).
    static func fileFindings(
        _ file: PrimaryFileObservation, zone: String, primary: String, served: UInt32?,
        servedDigest: (serial: UInt32, digest: String)? = nil
    ) -> [Finding] {
        if let reason = file.unreadable {
            return [
                Finding(
                    severity: .warning, kind: .fileLint, zone: zone, servers: [primary],
                    message: "cannot read \(primary)'s zone file \(file.path) for \(zone): \(reason); "
                        + "check zone_file in the configuration")
            ]
        }
        var findings: [Finding] = []
        if let fileSerial = file.serial, let served, Serial(fileSerial).compare(to: Serial(served)) == .greater {
            findings.append(
                Finding(
                    severity: .critical, kind: .fileNotLoaded, zone: zone, servers: [primary],
                    message: "\(primary) serves \(zone) with serial \(served) but its file \(file.path) has "
                        + "\(fileSerial): \(primary) has not loaded the file: check its log or reload"))
        }
        // The forgotten serial increment: the file says the same serial as the primary serves, but other
        // content. A reload may or may not load it, and no secondary would ever transfer it.
        if let fileSerial = file.serial, let fileDigest = file.digest, let servedDigest,
            servedDigest.serial == fileSerial, servedDigest.digest != fileDigest
        {
            findings.append(
                Finding(
                    severity: .critical, kind: .fileSerialNotIncremented, zone: zone, servers: [primary],
                    message: "\(primary)'s zone file \(file.path) for \(zone) has other content than \(primary) "
                        + "serves (digest \(fileDigest.prefix(12))... vs \(servedDigest.digest.prefix(12))...) "
                        + "under the same serial \(fileSerial): the change was made without incrementing the serial, "
                        + "so no secondary would transfer it; increment the serial in the file, then reload"))
        }
        let errors = file.diagnostics.filter { $0.severity == .error }
        if !file.diagnostics.isEmpty {
            let warnings = file.diagnostics.count - errors.count
            let severity: Severity = errors.isEmpty ? .warning : .critical
            var counts: [String] = []
            if !errors.isEmpty { counts.append("\(errors.count) error\(errors.count == 1 ? "" : "s")") }
            if warnings > 0 { counts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
            let ordered = errors + file.diagnostics.filter { $0.severity != .error }
            var details = ordered.prefix(5).map(\.description)
            if ordered.count > 5 { details.append("... and \(ordered.count - 5) more") }
            findings.append(
                Finding(
                    severity: severity, kind: .fileLint, zone: zone, servers: [primary],
                    message:
                        "\(primary)'s zone file for \(zone) does not lint clean (\(counts.joined(separator: ", "))): "
                        + "run 'zonecheck lint \(file.path)' and fix it before the next reload",
                    details: details))
        }
        return findings
    }
}
