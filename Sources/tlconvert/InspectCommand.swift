import ArgumentParser
import TLCore
import TLFormats

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the tensors (name, dtype, shape, bytes) and metadata of a checkpoint file or model directory."
    )

    @Argument(help: "A .safetensors file, a sharded index, a .bin/.pt, an .npz, or a model directory.")
    var path: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let source = try CheckpointOpener.open(path)
            print(json ? InspectReport.json(source) : InspectReport.table(source))
        }
    }
}
