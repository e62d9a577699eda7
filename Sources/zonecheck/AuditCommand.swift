import ArgumentParser
import Foundation
import ZoneCheck

/// `zonecheck audit verify`: is the audit log's hash chain intact?
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit log (<state.directory>/audit.jsonl).",
        subcommands: [AuditVerifyCommand.self]
    )
}

/// Exit 0 intact, 2 naming the first line whose chain breaks and why, 3 unreadable.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit log's hash chain; name the first line that breaks it.",
        discussion: """
            Each line carries the SHA-256 of the line before it, so an edited, deleted or moved line breaks the \
            chain at or right after it. Exit status: 0 intact, 2 broken (the line and why), 3 unreadable.
            """
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        let audit = AuditLog(directory: configuration.state.directory)
        let result: (entries: Int, firstBreak: AuditBreak?)
        do {
            result = try audit.check()
        } catch {
            throw Failure.unknown(error.description)
        }
        // The chain proves every line but the last; the head `run` recorded proves the end.
        var broken = result.firstBreak
        if broken == nil, let state = try StateReading.state(configuration) {
            do {
                if let head = try state.auditHead() { broken = try audit.check(against: head) }
            } catch {
                throw Failure.unknown("\(error)")
            }
        }
        if let broken {
            throw Failure.critical(
                "\(audit.path): chain broken at line \(broken.line) of \(result.entries): \(broken.reason); "
                    + "keep a copy of the file for investigation, compare with backups")
        }
        print("\(audit.path): intact, \(result.entries) entr\(result.entries == 1 ? "y" : "ies")")
    }
}
