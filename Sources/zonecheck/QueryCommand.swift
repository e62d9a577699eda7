import ArgumentParser

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Send one TSIG-signed query to one server and show the answer in full."
    )

    func run() async throws {
        throw CleanExit.message("query: not built yet")
    }
}
