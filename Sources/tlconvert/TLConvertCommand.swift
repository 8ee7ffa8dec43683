import ArgumentParser
import TLCore
import TLFormats

@main
struct TLConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlconvert",
        abstract: "Convert Hugging Face checkpoints into TransformerLens's hooked weight layout, and prove the result right.",
        version: TLConvertVersion.string,
        subcommands: [ConvertCommand.self, InspectCommand.self, VerifyCommand.self, ListCommand.self,
                      DownloadCommand.self, TokenizeCommand.self, RunCommand.self, GenerateCommand.self],
        defaultSubcommand: ConvertCommand.self
    )

    /// Like ArgumentParser's own entry point, except that usage errors exit with
    /// status 2 in one line as CONTRACT.md requires (ArgumentParser's default is 64, with
    /// the usage below), and that SIGINT, SIGTERM and SIGHUP remove the outputs being written.
    static func main() {
        SignalCleanup.install()
        if let refusal = HelpRequest.refusal(Array(CommandLine.arguments.dropFirst()), commands: configuration.subcommands) {
            Console.error(refusal)
            exit(withError: ExitCode(2))
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            TemporaryFiles.waitWhileCleaningUp()
        } catch {
            TemporaryFiles.waitWhileCleaningUp()
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "bad usage"
            Console.error("tlconvert: \(message)")
            exit(withError: ExitCode(2))
        }
    }
}
