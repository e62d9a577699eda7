import DNSKit
public import Foundation

/// Where the audit log's hash chain breaks, and the likeliest reason.
public struct AuditBreak: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

/// The audit log's length and the SHA-256 of its last line at some moment (stored by `run` in the state
/// database). A hash chain proves every line but the last; comparing with this proves the end was not edited
/// or cut off since.
public struct AuditHead: Sendable, Equatable {
    public var lines: Int
    public var hash: String
    public var time: Date

    public init(lines: Int, hash: String, time: Date) {
        self.lines = lines
        self.hash = hash
        self.time = time
    }
}

extension AuditLog {
    /// The log's head now; nil when it is empty.
    public func head(at time: Date = Date()) throws(AuditError) -> AuditHead? {
        let lines: [[UInt8]]
        do {
            lines = try Self.lines(of: path)
        } catch {
            throw AuditError(path: path, reason: "cannot read: \(error)")
        }
        guard let last = lines.last else { return nil }
        return AuditHead(lines: lines.count, hash: SHA256.hex(of: last), time: time)
    }

    /// Whether the log still holds `recorded` at the same place: nil when it does, else where it breaks.
    public func check(against recorded: AuditHead) throws(AuditError) -> AuditBreak? {
        let lines: [[UInt8]]
        do {
            lines = try Self.lines(of: path)
        } catch {
            throw AuditError(path: path, reason: "cannot read: \(error)")
        }
        if lines.count < recorded.lines {
            return AuditBreak(
                line: lines.count + 1,
                reason: "the log has \(lines.count) lines but had \(recorded.lines) when the run of "
                    + "\(ISO8601DateFormatter().string(from: recorded.time)) finished: lines were cut off its end")
        }
        if SHA256.hex(of: lines[recorded.lines - 1]) != recorded.hash {
            return AuditBreak(
                line: recorded.lines,
                reason:
                    "was the last line when the run of \(ISO8601DateFormatter().string(from: recorded.time)) finished and has been edited since "
                    + "(its SHA-256 differs from the one recorded in the state database)")
        }
        return nil
    }

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
                time: time, user: object["user"] as? String ?? "",
                realUser: object["real_user"] as? String ?? object["user"] as? String ?? "",
                sudoUser: object["sudo_user"] as? String, host: object["host"] as? String ?? "",
                zone: object["zone"] as? String ?? "", server: object["server"] as? String ?? "",
                action: object["action"] as? String ?? "", serialBefore: serial("serial_before"),
                serialAfter: serial("serial_after"), outcome: object["outcome"] as? String ?? "",
                detail: object["detail"] as? String ?? "")
        }
    }
}
