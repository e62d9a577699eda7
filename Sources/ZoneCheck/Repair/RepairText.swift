import Foundation

/// What `repair` prints: the plan, then the verification. Pure.
public enum RepairText {
    /// `example.com: freshest copy on ns1, serial 2026120701`, then one line per server: its action and why.
    public static func plan(_ plan: RepairPlan) -> String {
        var lines: [String] = []
        if let source = plan.source, let serial = plan.targetSerial {
            lines.append("\(plan.zone): freshest copy on \(source), serial \(serial)")
        } else {
            lines.append("\(plan.zone): no freshest copy")
        }
        for line in plan.servers {
            let action: String =
                switch line.action {
                case .none: "none"
                case .notify: "notify"
                case .retransfer: "retransfer"
                case .skip: "skip"
                case .restorePrimary: "restore"
                }
            lines.append(
                "  \(line.server.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(action.padding(toLength: 10, withPad: " ", startingAt: 0)) \(line.reason)")
        }
        return lines.joined(separator: "\n")
    }
}

/// How a single-zone repair ended: each server's serial before and after against the plan's target, the
/// `verify` audit entries, and whether every server now serves the same serial (and no other content). Pure.
public struct RepairVerification: Sendable {
    public var plan: RepairPlan
    public var before: ZoneVerdict
    public var after: ZoneVerdict

    public init(plan: RepairPlan, before: ZoneVerdict, after: ZoneVerdict) {
        self.plan = plan
        self.before = before
        self.after = after
    }

    /// Every server gave a verified serial, the same one, and none serves other content.
    public var converged: Bool {
        let serials = Set(after.servers.map(\.serial))
        return serials.count == 1 && serials.first! != nil && !after.servers.contains { $0.state == .diverged }
    }

    struct Row {
        var server: String
        var before: UInt32?
        var after: UInt32?
        var result: String
        var detail: String
    }

    var rows: [Row] {
        after.servers.map { status in
            Row(
                server: status.server, before: before.servers.first { $0.server == status.server }?.serial,
                after: status.serial,
                result: status.serial == plan.targetSerial && status.state != .diverged ? "OK" : status.state.rawValue,
                detail: status.detail ?? "serves the target serial")
        }
    }

    /// `verification:` and a server / before / after / result table.
    public var table: String {
        func cells(_ texts: [String]) -> String {
            texts.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        var lines = ["verification:", "  " + cells(["server", "before", "after"]) + "  result"]
        for row in rows {
            lines.append(
                "  " + cells([row.server, row.before.map(String.init) ?? "-", row.after.map(String.init) ?? "-"])
                    + "  " + row.result)
        }
        return lines.joined(separator: "\n")
    }

    /// One `verify` entry per server.
    public var entries: [AuditEntry] {
        rows.map {
            AuditEntry(
                zone: plan.zone, server: $0.server, action: "verify", serialBefore: $0.before, serialAfter: $0.after,
                outcome: $0.result == "OK" ? "ok" : "failed", detail: $0.detail)
        }
    }

    /// `example.com: all servers serve serial 2026120701 (1.20 s)`, or that they still differ.
    public func line(seconds: Double) -> String {
        let serial = Set(after.servers.map(\.serial)).first.flatMap { $0 }
        return "\(plan.zone): "
            + (converged
                ? "all servers serve serial \(serial.map(String.init) ?? "-")"
                : "servers still differ (serial or content)")
            + String(format: " (%.2f s)", seconds)
    }
}
