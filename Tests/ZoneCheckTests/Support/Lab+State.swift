import Foundation
import TestSupport
import Testing
import ZoneCheck

/// What `zonecheck run` left in a lab's state folder, read through ZoneCheck's own types.
extension Lab {
    func state() throws -> StateDatabase {
        try #require(try StateDatabase.openExisting(directory: directory + "/state"))
    }

    func audit() -> AuditLog { AuditLog(directory: directory + "/state") }

    /// The audit log's entries of `action` (on `zone` when given).
    func actions(_ action: String, zone: String? = nil) throws -> [AuditEntry] {
        try audit().records().filter { $0.action == action && (zone == nil || $0.zone == zone) }
    }

    /// Every audit log entry's action, in order.
    func auditActions() throws -> [String] {
        try audit().entries().compactMap { $0["action"] as? String }
    }
}
