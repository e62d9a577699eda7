public import DNSKit

/// The version of a zone before an edit, reduced to what `--previous` needs: its serial and a
/// digest of its content with the serial left out.
public struct PreviousZone: Sendable {
    public var file: String
    public var serial: Serial
    /// Nil when the previous file had errors, so its content cannot be trusted to compare.
    public var contentDigest: [UInt8]?

    public init(file: String, serial: Serial, contentDigest: [UInt8]?) {
        self.file = file
        self.serial = serial
        self.contentDigest = contentDigest
    }

    /// Reads the previous version of the zone `origin` from `path`.
    public static func read(path: String, origin: DomainName, includeDirectory: String? = nil) throws(LintError)
        -> PreviousZone
    {
        let reader = ZoneFileReader(path: path, origin: origin, includeDirectory: includeDirectory)
        let content = ContentDigest(origin: origin)
        let result = reader.read { content.add($0.record) }
        if let failure = result.diagnostics.first(where: { $0.rule == "include" && $0.location.file == path }),
            result.recordCount == 0
        {
            throw .previousUnreadable(path: path, reason: failure.message)
        }
        guard let record = result.soa, let soa = SOA(record: record) else {
            throw .previousUnreadable(path: path, reason: "it has no SOA record for \(origin), so it has no serial")
        }
        return PreviousZone(file: path, serial: soa.serial, contentDigest: result.hasErrors ? nil : content.finish())
    }
}

/// The RFC 8976 zone digest of every record with the apex SOA's serial set to 0: two versions
/// of a zone have the same `ContentDigest` exactly when only the serial (or record order, case,
/// duplicates) differ.
final class ContentDigest {
    private let builder: ZoneDigestBuilder
    private let origin: DomainName

    init(origin: DomainName) {
        self.origin = origin
        self.builder = ZoneDigestBuilder(origin: origin)
    }

    func add(_ record: ResourceRecord) {
        guard record.type == .soa, record.owner == origin, let soa = SOA(record: record) else {
            builder.add(record)
            return
        }
        var unserialled = record
        unserialled.rdata = soa.with(serial: Serial(0)).rdata()
        builder.add(unserialled)
    }

    func finish() -> [UInt8] { builder.finish().digest }
}

/// `serial-not-incremented` and `serial-decreased` (RFC 1982 §3.2 comparison).
///
/// RFC 1996 §2 and RFC 5936 §2 rely on it: a secondary transfers the zone only when the
/// primary's serial is greater than its own, so changed content under the same serial, or a
/// serial that went down, never reaches the secondaries.
struct SerialHistory {
    let previous: PreviousZone
    let content: ContentDigest

    init(previous: PreviousZone, origin: DomainName) {
        self.previous = previous
        self.content = ContentDigest(origin: origin)
    }

    func add(_ record: ResourceRecord) { content.add(record) }

    func findings(current: SOA, at location: SourceLocation) -> [Diagnostic] {
        let old = previous.serial
        let new = current.serial
        switch new.compare(to: old) {
        case .greater:
            return []
        case .less:
            return [
                LintRule.serialDecreased.diagnostic(
                    at: location,
                    "serial \(new) is lower than \(old) in \(previous.file) (RFC 1982 §3.2): secondaries keep the "
                        + "old zone; give it a serial above \(old), e.g. \(old.rawValue &+ 1)")
            ]
        case .undefined:
            return [
                LintRule.serialDecreased.diagnostic(
                    at: location,
                    "serial \(new) is exactly 2^31 away from \(old) in \(previous.file): RFC 1982 §3.2 leaves the "
                        + "order undefined and secondaries may or may not transfer; use \(old.rawValue &+ 1)")
            ]
        case .equal:
            guard let before = previous.contentDigest, before != content.finish() else { return [] }
            return [
                LintRule.serialNotIncremented.diagnostic(
                    at: location,
                    "the content differs from \(previous.file) but the serial is still \(new): secondaries will "
                        + "not transfer the change; raise the serial (e.g. to \(new.rawValue &+ 1))")
            ]
        }
    }
}

/// Why `zonecheck lint` could not do what it was asked (exit code 3, UNKNOWN).
public enum LintError: Error, Sendable, CustomStringConvertible {
    case previousUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .previousUnreadable(let path, let reason):
            "cannot use \(path) as --previous: \(reason); pass the zone file as it was before the edit"
        }
    }
}
