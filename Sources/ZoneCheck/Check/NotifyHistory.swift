import Foundation

/// Which secondaries refused zonecheck's NOTIFY before, from the audit log every repair (`repair` and
/// `run`'s automatic ones) appends to: per zone and server, the latest `notify` entry, when it failed.
/// A secondary that refused the last NOTIFY will refuse the next one, so its lag is not "a NOTIFY lost".
public enum NotifyHistory {
    /// How much of the log's end is read: the recent past is what matters, and the log grows for ever.
    public static let tailOctets = 1 << 20

    /// zone -> server -> the refusal, from the audit log at `path` (missing or unreadable: none).
    public static func refusals(auditLog path: String) -> [String: [String: NotifyRefusal]] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [:] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return [:] }
        let start = size > UInt64(tailOctets) ? size - UInt64(tailOctets) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return [:] }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        // A read that starts mid-file starts mid-line: that first piece is not an entry.
        if start > 0, !lines.isEmpty { lines.removeFirst() }
        return refusals(lines: lines.map { Array($0) })
    }

    /// The refusals in audit-log lines (oldest first): pure, for tests.
    public static func refusals(lines: [[UInt8]]) -> [String: [String: NotifyRefusal]] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var latest: [String: [String: NotifyRefusal?]] = [:]
        for line in lines {
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                entry["action"] as? String == "notify", let zone = entry["zone"] as? String,
                let server = entry["server"] as? String, let outcome = entry["outcome"] as? String
            else { continue }
            if outcome == "ok" {
                latest[zone, default: [:]][server] = .some(nil)
            } else {
                let time = (entry["time"] as? String).flatMap { formatter.date(from: $0) } ?? .distantPast
                latest[zone, default: [:]][server] = NotifyRefusal(
                    time: time, detail: String((entry["detail"] as? String ?? outcome).prefix(300)))
            }
        }
        return latest.compactMapValues { servers in
            let refused = servers.compactMapValues { $0 }
            return refused.isEmpty ? nil : refused
        }
    }
}
