import Foundation
import TLFormats

/// `tlconvert list`: the zoo as a table for people or JSON for scripts.
public enum ZooListing {
    /// `[{"name", "aliases", "repo", "architecture", "convertible"}, ...]`, one entry a line,
    /// every official name in TransformerLens's order; `repo` is null for names the Hub
    /// does not host; `convertible` says whether `convert` handles the architecture.
    public static func json(_ entries: [ZooEntry] = Zoo.entries, convertible: (String) -> Bool) -> String {
        let lines = entries.map { entry in
            "  " + JSONWriter.string(.object([
                ("name", .string(entry.name)),
                ("aliases", .array(entry.aliases.map(JSONValue.string))),
                ("repo", entry.repo.map(JSONValue.string) ?? .null),
                ("architecture", .string(entry.architecture)),
                ("convertible", .bool(convertible(entry.architecture))),
            ]))
        }
        return "[\n" + lines.joined(separator: ",\n") + "\n]"
    }

    /// Columns NAME, ARCHITECTURE, CONVERTS (yes/no), ALIASES, and a closing count.
    public static func table(_ entries: [ZooEntry] = Zoo.entries, convertible: (String) -> Bool) -> String {
        let rows = entries.map { entry in
            [entry.repo == nil ? entry.name + " *" : entry.name, entry.architecture,
             convertible(entry.architecture) ? "yes" : "no", entry.aliases.joined(separator: ", ")]
        }
        let header = ["NAME", "ARCHITECTURE", "CONVERTS", "ALIASES"]
        let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                text += column < 3 ? cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0) : cell
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        let aliasCount = entries.reduce(0) { $0 + $1.aliases.count }
        var text = ([header] + rows).map(line).joined(separator: "\n")
        let converts = entries.filter { convertible($0.architecture) }.count
        text += "\n\n\(entries.count) models (\(converts) convertible), \(aliasCount) aliases (names and aliases match in any case; any Hugging Face repo id org/name works too)"
        if entries.contains(where: { $0.repo == nil }) {
            text += "\n* not hosted on the Hugging Face Hub: pass a local directory with its weights"
        }
        return text
    }
}
