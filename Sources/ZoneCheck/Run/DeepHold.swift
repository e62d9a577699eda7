/// Problems only a deep comparison can see (content diverged, the primary's file changed without a new
/// serial, a transfer that failed, a copy's DNSKEY set or ZONEMD) are neither seen nor cleared
/// on a zone this run did not compare: their open incidents and their flapping history are held as they
/// are, out of `IncidentTracker`'s reach, until a run compares the zone again. Without the hold, a run that
/// did not look would count as a clean run and resolve a diverged zone nobody repaired. Pure.
public struct DeepHold: Sendable, Equatable {
    /// The finding kinds that need a transfer to be seen.
    /// (Signatures ending, ended or not yet valid, and a zone signed on some servers only, are also seen by
    /// every sweep's RRSIG(SOA): not held.)
    public static let kinds: Set<FindingKind> = [
        .diverged, .fileSerialNotIncremented, .transferFailed, .dnskeyDiffers, .zonemdMismatch,
    ]

    /// The open incidents the tracker judges this run.
    public var open: [Incident]
    /// The flapping history the tracker extends this run.
    public var history: [ProblemKey: [Bool]]
    /// The open incidents held: still open, unchanged.
    public var held: [Incident]
    /// The history held: stored again unchanged.
    public var heldHistory: [ProblemKey: [Bool]]

    /// - Parameter compared: whether this run compared the zone by transfer.
    public init(open: [Incident], history: [ProblemKey: [Bool]], compared: (String) -> Bool) {
        func isHeld(_ key: ProblemKey) -> Bool { Self.kinds.contains(key.problem) && !compared(key.zone) }
        self.open = open.filter { !isHeld($0.key) }
        held = open.filter { isHeld($0.key) }
        self.history = history.filter { !isHeld($0.key) }
        heldHistory = history.filter { isHeld($0.key) }
    }

    /// The tracker's update with the held history put back.
    public func restore(_ update: IncidentTracker.Update) -> IncidentTracker.Update {
        var update = update
        update.history.merge(heldHistory) { tracked, _ in tracked }
        return update
    }
}
