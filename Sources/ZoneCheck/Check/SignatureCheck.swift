public import DNSKit
public import Foundation

/// What one server's SOA answer said of the zone's DNSSEC signatures (the query carries DO, RFC 3225).
public enum SignatureState: Sendable, Equatable {
    /// The answer came with DO and no RRSIG over the SOA: this server serves the zone unsigned.
    case unsigned
    case signed(SOASignature)
}

/// The RRSIG(SOA) a server serves, reduced to its validity window and key (RFC 4034 §3.1.5, §3.1.6).
public struct SOASignature: Sendable, Equatable {
    public var expiration: Date
    public var inception: Date
    public var keyTag: UInt16

    public init(expiration: Date, inception: Date, keyTag: UInt16) {
        self.expiration = expiration
        self.inception = inception
        self.keyTag = keyTag
    }

    /// The signature that ends first (several keys may sign the SOA, during a rollover), its 32-bit times
    /// resolved near `now` (RFC 4034 §3.1.5); nil for none.
    public static func earliest(_ rrsigs: [RRSIG], near now: Date) -> SOASignature? {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        return rrsigs.map { rrsig in
            SOASignature(
                expiration: Date(timeIntervalSince1970: TimeInterval(RRSIG.time(rrsig.expiration, near: seconds))),
                inception: Date(timeIntervalSince1970: TimeInterval(RRSIG.time(rrsig.inception, near: seconds))),
                keyTag: rrsig.keyTag)
        }.min { $0.expiration < $1.expiration }
    }
}

/// The signature findings of one zone from every server's RRSIG(SOA): pure, `now` is the sweep's time.
///
/// Rules:
/// - A zone no server serves signed says nothing of DNSSEC.
/// - A server whose signatures have ended (expiration at or before `now`) or have not begun (inception
///   after `now`) is CRITICAL: validating resolvers reaching it answer SERVFAIL (RFC 4035 §5.3.1).
/// - Signatures ending within `critical` are CRITICAL, within `warning` a WARNING.
/// - Each finding says what to do. A secondary whose signatures end before the primary's serves an older
///   copy: repair it. The primary's own signatures ending means the signer stopped: re-sign there (the
///   secondaries serving the same signatures are named in that one finding, not each in its own).
/// - A zone served signed by some servers and unsigned by others is CRITICAL, naming both sides: once the
///   parent holds a DS, resolvers reaching an unsigned copy fail.
/// Servers that gave no answer, or answered without EDNS, are left out (nothing is known of their copy).
public enum SignatureCheck {
    public static func findings(
        _ servers: [ServerObservation], zone: String, now: Date, thresholds: SignatureWindow = .init()
    ) -> [Finding] {
        let signed = servers.compactMap { observed -> (ServerObservation, SOASignature)? in
            guard case .signed(let signature) = observed.soaSignature else { return nil }
            return (observed, signature)
        }
        guard !signed.isEmpty else { return [] }
        var findings: [Finding] = []
        let unsigned = servers.filter { $0.soaSignature == .unsigned }
        if !unsigned.isEmpty {
            let signedNames = IncidentGrouping.list(signed.map { $0.0.label })
            let unsignedNames = IncidentGrouping.list(unsigned.map(\.label))
            let primaryUnsigned = unsigned.contains { $0.role == .primary }
            let next =
                primaryUnsigned
                ? "the primary serves it unsigned: if the zone is meant to be signed, the signer on the primary "
                    + "stopped or was removed; if not, the secondaries keep an old signed copy: run 'zonecheck "
                    + "repair \(zone)'"
                : "the unsigned cop\(unsigned.count == 1 ? "y is" : "ies are") older or wrongly configured: run "
                    + "'zonecheck repair \(zone)'"
            findings.append(
                Finding(
                    severity: .critical, kind: .partlySigned, zone: zone,
                    servers: unsigned.map(\.server) + signed.map { $0.0.server },
                    message:
                        "\(zone) is signed on \(signedNames) and unsigned on \(unsignedNames): validating resolvers "
                        + "that reach an unsigned copy fail once the parent holds a DS; \(next)"))
        }
        let primary = signed.first { $0.0.role == .primary }
        // Secondaries serving exactly the primary's signatures share its finding.
        var grouped = Set<String>()
        if let (observed, signature) = primary, let problem = problem(signature, now: now, thresholds: thresholds) {
            let same = signed.filter { $0.0.role != .primary && $0.1 == signature }.map(\.0)
            grouped = Set(same.map(\.server))
            let others = same.isEmpty ? "" : " (and \(IncidentGrouping.list(same.map(\.label))), which serve the same)"
            let next: String
            switch problem.kind {
            case .signaturesNotYetValid:
                next =
                    "the signer's clock is ahead, or \(observed.server)'s: check both clocks (NTP) and re-sign "
                    + "\(zone) on \(observed.server)"
            default:
                next =
                    "the signer stopped on \(observed.server): re-sign \(zone) there (the signing job, or BIND's "
                    + "dnssec-policy / Knot's automatic signing) and reload; the secondaries follow by transfer"
            }
            findings.append(
                Finding(
                    severity: problem.severity, kind: problem.kind, zone: zone,
                    servers: [observed.server] + same.map(\.server),
                    message:
                        "\(observed.label)\(others) serves \(zone) with signatures that \(problem.text(signature, now: now)): "
                        + next))
        }
        for (observed, signature) in signed where observed.role != .primary && !grouped.contains(observed.server) {
            guard let problem = problem(signature, now: now, thresholds: thresholds) else { continue }
            var next: String
            if let (primaryObserved, primarySignature) = primary, primarySignature.expiration > signature.expiration {
                next =
                    "\(primaryObserved.server) serves signatures valid until "
                    + "\(Self.dateText(primarySignature.expiration)): \(observed.server)'s copy is stale"
                if let serial = observed.serial, let primarySerial = primaryObserved.serial, serial != primarySerial {
                    next += " (serial \(serial), \(primaryObserved.server) has \(primarySerial))"
                }
                next += "; run 'zonecheck repair \(zone)'"
            } else if problem.kind == .signaturesNotYetValid {
                next = "check \(observed.server)'s clock and the signer's (NTP)"
            } else if primary == nil {
                next =
                    "nothing is known of the primary's signatures (no signed answer from it): check the signer on "
                    + "the primary, then run 'zonecheck repair \(zone)'"
            } else {
                next =
                    "the primary's signatures are no later: check the signer on the primary, then run "
                    + "'zonecheck repair \(zone)'"
            }
            findings.append(
                Finding(
                    severity: problem.severity, kind: problem.kind, zone: zone, servers: [observed.server],
                    message:
                        "\(observed.label) serves \(zone) with signatures that \(problem.text(signature, now: now)): "
                        + next))
        }
        return findings
    }

    struct Problem {
        var severity: Severity
        var kind: FindingKind

        func text(_ signature: SOASignature, now: Date) -> String {
            let key = "RRSIG(SOA) key tag \(signature.keyTag)"
            switch kind {
            case .signaturesExpired:
                return
                    "expired at \(SignatureCheck.dateText(signature.expiration)) "
                    + "(\(TimeText.duration(now.timeIntervalSince(signature.expiration))) ago, \(key))"
            case .signaturesNotYetValid:
                return
                    "are not valid before \(SignatureCheck.dateText(signature.inception)) "
                    + "(in \(TimeText.duration(signature.inception.timeIntervalSince(now))), \(key))"
            default:
                return
                    "end at \(SignatureCheck.dateText(signature.expiration)) "
                    + "(in \(TimeText.duration(signature.expiration.timeIntervalSince(now))), \(key))"
            }
        }
    }

    static func problem(_ signature: SOASignature, now: Date, thresholds: SignatureWindow) -> Problem? {
        if signature.expiration <= now { return Problem(severity: .critical, kind: .signaturesExpired) }
        if signature.inception > now { return Problem(severity: .critical, kind: .signaturesNotYetValid) }
        let left = signature.expiration.timeIntervalSince(now)
        if left < thresholds.critical.timeInterval { return Problem(severity: .critical, kind: .signaturesExpiring) }
        if left < thresholds.warning.timeInterval { return Problem(severity: .warning, kind: .signaturesExpiring) }
        return nil
    }

    /// `2026-12-09 15:00 UTC`, always with the date: an operator compares it with a signer's schedule.
    public static func dateText(_ date: Date) -> String {
        TimeText.minute(date)
    }
}
