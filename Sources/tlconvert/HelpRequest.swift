import ArgumentParser

/// `tlconvert help COMMAND` for a COMMAND that does not exist: ArgumentParser shows the
/// general help and exits 0, which hides the typo from scripts; CONTRACT.md wants exit 2.
enum HelpRequest {
    /// The one-line refusal for `arguments` (without the program name), or nil when they
    /// are not `help` followed by an unknown command name.
    static func refusal(_ arguments: [String], commands: [ParsableCommand.Type]) -> String? {
        guard arguments.first == "help" else { return nil }
        let names = commands.map { $0._commandName }
        guard let unknown = arguments.dropFirst().first(where: { !$0.hasPrefix("-") && !names.contains($0) && $0 != "help" })
        else { return nil }
        return "tlconvert: help: no command '\(unknown)' (commands: \(names.joined(separator: ", ")))"
    }
}
