import ArgumentParser

@main
struct ZoneCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonecheck",
        abstract:
            "Keep the copies of a DNS zone on a primary and its secondaries identical, and repair them when they are not.",
        subcommands: [LintCommand.self, QueryCommand.self]
    )
}
