public import DNSKit
public import Foundation

/// Why a secondary lags, from the evidence one check has: pure, no network, no clock.
///
/// A lag alone does not say what went wrong; the fix differs wholly by cause, so each lag gets the most
/// likely one, first match wins:
/// 1. The primary cannot send the zone (no NOTIFY or retransfer can help; the fix is on the primary):
///    its zone file has a record too large for a TSIG-signed transfer message (the lint rule
///    `record-too-large-to-transfer`, with file and line); or the primary's own log (its `log` command)
///    says so since it last loaded the zone (BIND: "RR too large for zone transfer", "sending zone data:
///    ran out of space"); or zonecheck's own verified transfer from the primary failed (`--deep`).
/// 2. The secondary's transfers fail TSIG: its log (the server's `log` command) says so after its last
///    completed transfer.
/// 3. The secondary refused zonecheck's NOTIFY before (the audit log: a `notify` entry that failed, with no
///    later one acknowledged).
/// 4. Otherwise a NOTIFY was lost: RFC 1996 NOTIFY is one UDP message, and nothing else explains the lag.
public enum LagCause: Sendable, Equatable {
    /// The primary's file holds a record that cannot be put in a transfer message.
    case recordTooLarge(Diagnostic)
    /// zonecheck's verified transfer from the primary failed: the text says how.
    case primaryTransferFails(String)
    /// The primary's own log says it could not send the zone: the line.
    case primaryLogSays(String)
    /// The secondary's log shows its transfer failing TSIG: the line.
    case transferTSIG(String)
    /// The secondary refused zonecheck's NOTIFY before.
    case notifyRefused(NotifyRefusal)
    case notifyLost

    /// The lint rule whose error means the primary cannot send the zone (the lint side of issue 12).
    public static let tooLargeRule = "record-too-large-to-transfer"

    /// Whether the cause is on the primary: then no NOTIFY or retransfer can help, and repair refuses.
    public var isOnPrimary: Bool {
        switch self {
        case .recordTooLarge, .primaryTransferFails, .primaryLogSays: true
        case .transferTSIG, .notifyRefused, .notifyLost: false
        }
    }

    /// The stable name, as JSON and the README's table use it.
    public var name: String {
        switch self {
        case .recordTooLarge: "record-too-large"
        case .primaryTransferFails: "primary-transfer-fails"
        case .primaryLogSays: "primary-cannot-send"
        case .transferTSIG: "transfer-tsig"
        case .notifyRefused: "notify-refused"
        case .notifyLost: "notify-lost"
        }
    }
}

/// A NOTIFY zonecheck sent earlier and the secondary did not acknowledge (from the audit log).
public struct NotifyRefusal: Sendable, Equatable {
    public var time: Date
    /// What the answer was (REFUSED, NOTAUTH, no answer...), as the audit entry says.
    public var detail: String

    public init(time: Date, detail: String) {
        self.time = time
        self.detail = detail
    }
}

public enum LagDiagnosis {
    /// The cause on the primary's side for the whole zone, or nil: checked once per zone, it explains every
    /// secondary's lag at once.
    public static func primaryCause(_ observation: ZoneObservation) -> LagCause? {
        if let file = observation.primaryFile,
            let record = file.diagnostics.first(where: { $0.rule == LagCause.tooLargeRule && $0.severity == .error })
        {
            return .recordTooLarge(record)
        }
        let primary = observation.servers.first { $0.role == .primary }?.server
        if let primary, let line = cannotSendLine(in: observation.serverReports[primary]?.lines ?? []) {
            return .primaryLogSays(line)
        }
        if let transfer = observation.transfers?.first(where: { $0.server == primary }),
            case .failed(let error) = transfer.outcome
        {
            return .primaryTransferFails(error.description)
        }
        return nil
    }

    /// The most likely cause of `secondary`'s lag on the observed zone.
    public static func cause(of secondary: String, _ observation: ZoneObservation) -> LagCause {
        if let cause = primaryCause(observation) { return cause }
        if let line = tsigFailure(in: observation.serverReports[secondary]?.lines ?? []) {
            return .transferTSIG(line)
        }
        if let refusal = observation.notifyRefusals[secondary] { return .notifyRefused(refusal) }
        return .notifyLost
    }

    /// The primary's own word that it cannot send the zone now, from its lines (oldest first): BIND says why
    /// ("RR too large for zone transfer (65510 bytes)", the line quoted) before what followed ("sending zone
    /// data: ran out of space"). Only what came after the last load or completed outgoing transfer counts:
    /// a record fixed and reloaded last week is no cause today.
    static func cannotSendLine(in lines: [String]) -> String? {
        var why: String?
        var what: String?
        for line in lines.reversed() {
            let text = line.lowercased()
            if text.contains("too large") {
                why = why ?? line
            } else if text.contains("ran out of space") {
                what = what ?? line
            } else if text.contains("loaded serial") || text.contains("axfr ended") || text.contains("ixfr ended")
                || (text.contains("outgoing") && text.contains("finished"))
            {
                break
            }
        }
        return why ?? what
    }

    /// The last TSIG failure among `lines` (oldest first) that no completed transfer followed, or nil.
    /// BIND: "tsig verify failure", "bad key"; Knot: "TSIG, bad signature"; NSD: "bad tsig", "BADSIG".
    static func tsigFailure(in lines: [String]) -> String? {
        for line in lines.reversed() {
            let text = line.lowercased()
            if text.contains("transfer completed") || text.contains("transferred serial")
                || text.contains("finished, serial") || text.contains("zone updated")
            {
                return nil
            }
            let tsig =
                text.contains("tsig") || text.contains("badsig") || text.contains("badkey")
                || text.contains("badtime")
            let failed =
                text.contains("fail") || text.contains("bad") || text.contains("error") || text.contains("denied")
                || text.contains("notauth")
            if tsig && failed { return line }
        }
        return nil
    }
}
