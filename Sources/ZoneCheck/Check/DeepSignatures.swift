import DNSKit
import Foundation

/// The deep check's DNSSEC findings, from each server's verified transfer (`TransferSignatures`): pure, the
/// time being the one each transfer ended at.
///
/// Rules (a zone no server serves signed gets none of them):
/// - PARTLY-SIGNED: the primary serves the zone signed and a secondary unsigned (CRITICAL: validating
///   resolvers that ask it get answers the parent's DS says must be signed), or the primary unsigned and a
///   secondary still signed (WARNING: an old copy).
/// - SIGNATURES-EXPIRED / SIGNATURES-EXPIRING: a copy's earliest signature has ended (CRITICAL), ends within
///   `thresholds.critical` (CRITICAL) or within `thresholds.warning` (WARNING); servers with the same serial and the same earliest
///   end share one finding. A secondary behind the primary is stale (repair it); the primary's own copy, or
///   a secondary with the primary's serial, means the signer stopped.
/// - SIGNATURES-NOT-YET-VALID: a signature that begins after the transfer (CRITICAL: a signer's clock ahead).
/// - DNSKEY-DIFFERS: a signed copy whose apex DNSKEY set is not the primary's (CRITICAL when no key is
///   shared, a WARNING when some are: a rollover seen at two stages).
/// - ZONEMD-MISMATCH: a copy whose ZONEMD (RFC 8976) does not match its content or names another serial
///   (CRITICAL). Every copy failing alike means the primary's ZONEMD is stale; some means those copies changed.
public enum DeepSignatures {
    /// One server's transfer as the rules see it.
    public struct Copy: Sendable {
        public var server: String
        public var serial: UInt32
        public var signatures: TransferSignatures

        public init(server: String, serial: UInt32, signatures: TransferSignatures) {
            self.server = server
            self.serial = serial
            self.signatures = signatures
        }
    }

    /// The copies of the servers whose transfer completed and was read, in fleet order.
    public static func copies(_ transfers: [TransferObservation]) -> [Copy] {
        transfers.compactMap { transfer in
            guard case .transferred(let serial, _, _) = transfer.outcome, let signatures = transfer.signatures
            else { return nil }
            return Copy(server: transfer.server, serial: serial, signatures: signatures)
        }
    }

    public static func findings(
        _ copies: [Copy], zone: String, primary: String, thresholds: SignatureWindow = .init()
    ) -> [Finding] {
        guard copies.contains(where: \.signatures.isSigned) else { return [] }
        let reference = copies.first { $0.server == primary }
        var findings = partlySigned(copies, reference: reference, zone: zone, primary: primary)
        findings += expiry(
            copies.filter(\.signatures.isSigned), reference: reference, zone: zone, thresholds: thresholds)
        findings += notYetValid(copies, zone: zone)
        findings += keys(copies, reference: reference, zone: zone, primary: primary)
        findings += zonemd(copies, reference: reference, zone: zone, primary: primary)
        return findings
    }

    /// `2026-12-09 15:08 UTC`: always with the date (a signature's end is read days ahead).
    static func dateText(_ date: Date) -> String { TimeText.minute(date) }

    /// The next step for a copy that is wrong where the primary's is right: behind it, an ordinary repair;
    /// with its serial, a deep repair from the primary's copy.
    static func repair(_ copy: Copy, reference: Copy?, zone: String, primary: String) -> String {
        guard let reference else { return "compare it with \(primary)'s copy once \(primary) transfers" }
        if copy.serial != reference.serial {
            return "\(copy.server) holds serial \(copy.serial), \(primary) \(reference.serial): it is stale; "
                + "'zonecheck repair \(zone)' brings it up to date"
        }
        return "it has \(primary)'s serial (\(copy.serial)) but other content: "
            + "'zonecheck repair \(zone) --deep --source \(primary)' puts \(primary)'s copy back"
    }

    static func names(_ copies: [Copy]) -> String { copies.map(\.server).joined(separator: ", ") }

    static func partlySigned(_ copies: [Copy], reference: Copy?, zone: String, primary: String) -> [Finding] {
        // Without the primary's copy, the signed copies are taken as the reference.
        let primarySigned = reference?.signatures.isSigned ?? true
        let odd = copies.filter { $0.signatures.isSigned != primarySigned && $0.server != primary }
        return odd.map { copy in
            if primarySigned {
                return Finding(
                    severity: .critical, kind: .partlySigned, zone: zone, servers: [copy.server],
                    message: "\(copy.server) serves \(zone) unsigned while \(primary) serves it signed: validating "
                        + "resolvers that ask \(copy.server) fail (the parent's DS says the zone is signed); "
                        + repair(copy, reference: reference, zone: zone, primary: primary))
            }
            return Finding(
                severity: .warning, kind: .partlySigned, zone: zone, servers: [copy.server],
                message: "\(copy.server) serves \(zone) signed while \(primary) serves it unsigned: an old copy "
                    + "whose signatures will end; " + repair(copy, reference: reference, zone: zone, primary: primary))
        }
    }

    static func expiry(_ signed: [Copy], reference: Copy?, zone: String, thresholds: SignatureWindow) -> [Finding] {
        // Grouped by serial and earliest end, in fleet order of each group's first server.
        var groups: [(key: String, copies: [Copy])] = []
        for copy in signed {
            guard let earliest = copy.signatures.earliest else { continue }
            let left = earliest.expiration.timeIntervalSince(copy.signatures.observed)
            guard left <= thresholds.warning.timeInterval else { continue }
            let key = "\(copy.serial) \(earliest.expiration.timeIntervalSince1970)"
            if let i = groups.firstIndex(where: { $0.key == key }) {
                groups[i].copies.append(copy)
            } else {
                groups.append((key, [copy]))
            }
        }
        return groups.map { group in
            let first = group.copies[0]
            let earliest = first.signatures.earliest!
            let left = earliest.expiration.timeIntervalSince(first.signatures.observed)
            let servers = names(group.copies)
            let verb = group.copies.count == 1 ? "holds" : "hold"
            let when = dateText(earliest.expiration)
            let what: String
            let severity: Severity
            let kind: FindingKind
            if left <= 0 {
                (severity, kind) = (.critical, .signaturesExpired)
                what =
                    "\(servers) \(verb) signatures of \(zone) that ended at \(when) (\(TimeText.duration(-left)) "
                    + "ago; first: \(earliest.name)): validating resolvers get SERVFAIL from \(servers)"
            } else {
                severity = left <= thresholds.critical.timeInterval ? .critical : .warning
                kind = .signaturesExpiring
                what =
                    "\(servers) \(verb) signatures of \(zone) that end at \(when) (in \(TimeText.duration(left)); "
                    + "first: \(earliest.name))"
            }
            let behind = reference.map { $0.serial != first.serial } ?? false
            let next: String
            if behind, let reference {
                let primaryEnd =
                    reference.signatures.earliest.map { ", whose signatures run until \(dateText($0.expiration))" }
                    ?? ""
                next =
                    "\(servers) \(group.copies.count == 1 ? "is" : "are") stale (serial \(first.serial), "
                    + "\(reference.server) \(reference.serial)\(primaryEnd)): 'zonecheck repair \(zone)' brings "
                    + "\(group.copies.count == 1 ? "it" : "them") up to date"
            } else {
                let signer = reference?.server ?? "the primary"
                next =
                    "this is \(signer)'s own copy (serial \(first.serial)): the signer stopped re-signing \(zone); "
                    + "sign it again on \(signer) and reload"
            }
            return Finding(
                severity: severity, kind: kind, zone: zone, servers: group.copies.map(\.server),
                message: what + "; " + next)
        }
    }

    static func notYetValid(_ copies: [Copy], zone: String) -> [Finding] {
        copies.compactMap { copy in
            guard let latest = copy.signatures.latestInception, latest.inception > copy.signatures.observed
            else { return nil }
            return Finding(
                severity: .critical, kind: .signaturesNotYetValid, zone: zone, servers: [copy.server],
                message: "\(copy.server) holds signatures of \(zone) that begin only at \(dateText(latest.inception)) "
                    + "(\(latest.name)): validating resolvers reject them until then; the signer's clock is ahead, "
                    + "or it signs with a future inception: check the clock on the signer")
        }
    }

    static func keys(_ copies: [Copy], reference: Copy?, zone: String, primary: String) -> [Finding] {
        // The primary's set, else the set most servers hold (first in fleet order on a tie).
        let signed = copies.filter(\.signatures.isSigned)
        guard
            let wanted = reference.flatMap({ $0.signatures.isSigned ? $0.signatures.keys : nil })
                ?? signed.map(\.signatures.keys).max(by: { a, b in
                    signed.count { $0.signatures.keys == a } < signed.count { $0.signatures.keys == b }
                })
        else { return [] }
        let whose = reference?.signatures.isSigned == true ? primary : "most servers"
        func list(_ keys: [TransferSignatures.Key]) -> String {
            keys.isEmpty ? "no DNSKEY" : keys.map(\.name).joined(separator: ", ")
        }
        return signed.filter { $0.signatures.keys != wanted }.map { copy in
            let shared = !Set(copy.signatures.keys).isDisjoint(with: wanted)
            return Finding(
                severity: shared ? .warning : .critical, kind: .dnskeyDiffers, zone: zone, servers: [copy.server],
                message: "\(copy.server) serves the DNSKEY set of \(zone) {\(list(copy.signatures.keys))} where "
                    + "\(whose) \(whose == primary ? "serves" : "serve") {\(list(wanted))}"
                    + (shared
                        ? ": a key rollover seen at two stages; "
                        : ": no key in common, so a resolver whose DS matches \(whose)'s keys fails on \(copy.server); ")
                    + repair(copy, reference: reference, zone: zone, primary: primary))
        }
    }

    static func zonemd(_ copies: [Copy], reference: Copy?, zone: String, primary: String) -> [Finding] {
        func failure(_ check: ZONEMDCheck) -> String? {
            switch check {
            case .absent, .verified, .unsupported: nil
            case .mismatch(let expected, let computed):
                "its ZONEMD says \(expected.prefix(12))... but the content digests to \(computed.prefix(12))..."
            case .staleSerial(let zonemd, let soa):
                "its ZONEMD is for serial \(zonemd), the SOA says \(soa)"
            }
        }
        let failing = copies.filter { failure($0.signatures.zonemd) != nil }
        guard !failing.isEmpty else { return [] }
        // Every copy fails, the primary's included: the primary publishes a stale ZONEMD.
        if let reference, failing.count == copies.count, failure(reference.signatures.zonemd) != nil {
            return [
                Finding(
                    severity: .critical, kind: .zonemdMismatch, zone: zone, servers: failing.map(\.server),
                    message: "every copy of \(zone) fails its ZONEMD (RFC 8976), \(primary)'s included: "
                        + "\(failure(reference.signatures.zonemd)!); the zone was changed after its digest was "
                        + "made: compute the ZONEMD again when signing on \(primary) (e.g. ldns-signzone -z 1:1)")
            ]
        }
        return failing.map { copy in
            if copy.server == primary {
                return Finding(
                    severity: .critical, kind: .zonemdMismatch, zone: zone, servers: [copy.server],
                    message: "\(primary)'s copy of \(zone) fails its ZONEMD (RFC 8976): "
                        + "\(failure(copy.signatures.zonemd)!): compute the ZONEMD again when signing on \(primary)")
            }
            return Finding(
                severity: .critical, kind: .zonemdMismatch, zone: zone, servers: [copy.server],
                message: "\(copy.server)'s copy of \(zone) fails its ZONEMD (RFC 8976): "
                    + "\(failure(copy.signatures.zonemd)!): its content is not what was published; "
                    + repair(copy, reference: reference, zone: zone, primary: primary))
        }
    }
}
