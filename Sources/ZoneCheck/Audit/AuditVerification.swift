import DNSKit
public import Foundation

/// Where the audit log's hash chain breaks, and the likeliest reason.
public struct AuditBreak: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var reason: String

    public var description: String { "line \(line): \(reason)" }
}

extension AuditLog {
    /// Walks the chain: the number of lines and the first break (nil when intact). Says why a line breaks it:
    /// not an entry at all (edited by hand, truncated), or a `prev` that is not the SHA-256 of the line
    /// before, and whether it matches another line (lines deleted or moved) or none (the line before edited).
    public func check() throws(AuditError) -> (entries: Int, firstBreak: AuditBreak?) {
        let lines: [[UInt8]]
        do {
            lines = try Self.lines(of: path)
        } catch {
            throw AuditError(path: path, reason: "cannot read: \(error)")
        }
        let hashes = lines.map { SHA256.hex(of: $0) }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                return (
                    lines.count, AuditBreak(line: number, reason: "is not a JSON entry (edited by hand or cut off)")
                )
            }
            guard let prev = object["prev"] as? String else {
                return (
                    lines.count, AuditBreak(line: number, reason: "has no \"prev\" hash (not written by zonecheck)")
                )
            }
            let expected = index == 0 ? Self.firstPrev : hashes[index - 1]
            if prev == expected { continue }
            let short = { (hash: String) in String(hash.prefix(12)) + "..." }
            if index == 0 {
                return (
                    lines.count,
                    AuditBreak(
                        line: number,
                        reason: "is the first line but its prev is \(short(prev)), not zeros: the lines before it "
                            + "were deleted")
                )
            }
            if let other = hashes.firstIndex(of: prev) {
                return (
                    lines.count,
                    AuditBreak(
                        line: number,
                        reason: "its prev is the hash of line \(other + 1), not of line \(index): lines were "
                            + (other < index - 1 ? "deleted before it" : "reordered"))
                )
            }
            return (
                lines.count,
                AuditBreak(
                    line: number,
                    reason: "its prev (\(short(prev))) is not the SHA-256 of line \(index) (\(short(expected))): "
                        + "line \(index) was edited, or lines were deleted or moved")
            )
        }
        return (lines.count, nil)
    }

    /// The entries as values (lines that do not parse are left out: `check()` reports them).
    public func records() throws(AuditError) -> [AuditEntry] {
        let objects: [[String: Any]]
        do {
            objects = try entries()
        } catch {
            throw AuditError(path: path, reason: "cannot read: \(error)")
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return objects.compactMap { object in
            guard let timeText = object["time"] as? String, let time = formatter.date(from: timeText) else {
                return nil
            }
            func serial(_ key: String) -> UInt32? { (object[key] as? NSNumber).map { $0.uint32Value } }
            return AuditEntry(
                time: time, user: object["user"] as? String ?? "", host: object["host"] as? String ?? "",
                zone: object["zone"] as? String ?? "", server: object["server"] as? String ?? "",
                action: object["action"] as? String ?? "", serialBefore: serial("serial_before"),
                serialAfter: serial("serial_after"), outcome: object["outcome"] as? String ?? "",
                detail: object["detail"] as? String ?? "")
        }
    }
}
