import ArgumentParser
import ModelConfigs
import TLHub

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every model name TransformerLens knows, with its aliases, Hub repo, architecture and whether tlconvert converts it."
    )

    @Flag(help: "Print a JSON array of {name, aliases, repo, architecture, convertible} instead of a table.")
    var json = false

    func run() throws {
        // The same set convert accepts: the families' architectures and the multimodal wrappers'.
        let accepted = Set(ArchitectureRegistry.convertibleArchitectures)
        let convertible = { (architecture: String) in accepted.contains(architecture) }
        print(json ? ZooListing.json(convertible: convertible) : ZooListing.table(convertible: convertible))
    }
}
