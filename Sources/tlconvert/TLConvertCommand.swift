import ArgumentParser
import TLCore

@main
struct TLConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlconvert",
        abstract: "Convert Hugging Face checkpoints into TransformerLens's hooked weight layout, and prove the result right.",
        version: TLConvertVersion.string,
        subcommands: [ConvertCommand.self, InspectCommand.self, VerifyCommand.self, ListCommand.self,
                      DownloadCommand.self, TokenizeCommand.self, RunCommand.self],
        defaultSubcommand: ConvertCommand.self
    )

    /// Like ArgumentParser's own entry point, except that usage errors exit with
    /// status 2 as CONTRACT.md requires (ArgumentParser's default is 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            Console.error(fullMessage(for: error))
            exit(withError: ExitCode(2))
        }
    }
}
