import Foundation
import TestSupport
import Testing

/// Shell completions come from swift-argument-parser's generator (`zonecheck --generate-completion-script
/// SHELL`): the script for each shell the README documents must be produced by the real binary and know
/// every subcommand `zonecheck --help` lists, nested ones (`audit verify`) included; the bash one must parse.
@Suite("shell completions", .ownThreads)
struct CompletionTests {
    /// The subcommands as `zonecheck --help` lists them (two-space indent, then the name).
    static func listedSubcommands(_ binary: URL) throws -> [String] {
        let help = try Command.run(binary.path, ["--help"])
        let parts = help.stdout.components(separatedBy: "SUBCOMMANDS:")
        #expect(parts.count == 2, "zonecheck --help has one SUBCOMMANDS section:\n\(help.stdout)")
        let section = parts.last ?? ""
        return section.split(separator: "\n").compactMap { line in
            // "  lint    Check zone files...", not the continuation lines nor "  See 'zonecheck help ...'".
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                name.allSatisfy({ $0.isLowercase || $0 == "-" })
            else { return nil }
            return String(name)
        }
    }

    @Test("bash, zsh and fish scripts name every subcommand; the bash script is valid bash")
    func everySubcommand() throws {
        let binary = try #require(ZoneCheckBinary.url, "zonecheck binary not found next to the test bundle")
        let listed = try Self.listedSubcommands(binary)
        // The floor, in case --help's layout changes: the commands the README documents.
        for name in ["lint", "query", "check", "repair", "run", "status", "history", "audit", "digest"] {
            #expect(listed.contains(name), "\(name) missing from zonecheck --help: \(listed)")
        }
        for shell in ["bash", "zsh", "fish"] {
            let output = try Command.run(binary.path, ["--generate-completion-script", shell])
            #expect(output.status == 0 && output.stderr.isEmpty, "\(shell): \(output.stderr)")
            for name in listed {
                #expect(output.stdout.contains(name), "\(shell) completion lacks the subcommand \(name)")
            }
            #expect(output.stdout.contains("verify"), "\(shell) completion lacks 'audit verify'")
        }
        let bash = try Command.run(binary.path, ["--generate-completion-script", "bash"])
        let words = try #require(
            bash.stdout.split(separator: "\n").first { $0.contains("compgen -W 'lint ") }, "no top-level word list")
        for name in listed { #expect(words.contains(" \(name) ") || words.contains("'\(name) "), "\(name)") }
        #expect(bash.stdout.contains("_zonecheck_audit_verify()"))
        let script = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonecheck-completion-\(UUID().uuidString.prefix(8)).bash"
        ).path
        try bash.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let syntax = try Command.run("/bin/bash", ["-n", script])
        #expect(syntax.status == 0, "bash -n: \(syntax.stderr)")
    }
}
