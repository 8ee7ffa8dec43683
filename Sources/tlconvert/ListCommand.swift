import ArgumentParser
import TLHub

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every model name TransformerLens knows, with its aliases, Hub repo and architecture."
    )

    @Flag(help: "Print a JSON array of {name, aliases, repo, architecture} instead of a table.")
    var json = false

    func run() throws {
        print(json ? ZooListing.json() : ZooListing.table())
    }
}
