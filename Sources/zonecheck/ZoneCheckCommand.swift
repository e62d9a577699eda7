import ArgumentParser

import Foundation

@main
struct ZoneCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonecheck",
        abstract:
            "Keep the copies of a DNS zone on a primary and its secondaries identical, and repair them when they are not.",
        version: version,
        subcommands: [
            LintCommand.self, QueryCommand.self, CheckCommand.self, RepairCommand.self, RunCommand.self,
            StatusCommand.self, HistoryCommand.self, AuditCommand.self, DigestCommand.self,
        ]
    )

    /// What `zonecheck --version` prints. Raised by hand with each release.
    static let version = "0.9.0"

    /// Monitoring plugins read exit 3 as UNKNOWN: bad arguments must say so, not exit 64 (EX_USAGE) as
    /// ArgumentParser would.
    static func main() async {
        CoreDumps.disable()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as Failure {
            FileHandle.standardError.write(Data(("zonecheck: " + failure.message + "\n").utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == ExitCode.validationFailure {
                // Print the usage message ArgumentParser would, then exit 3 (UNKNOWN).
                let message = fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                Foundation.exit(3)
            }
            exit(withError: error)
        }
    }
}
