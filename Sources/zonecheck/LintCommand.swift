import ArgumentParser

struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check zone files strictly and report file:line diagnostics."
    )

    func run() async throws {
        throw CleanExit.message("lint: not built yet")
    }
}
