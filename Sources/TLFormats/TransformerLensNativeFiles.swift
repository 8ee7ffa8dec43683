import TLCore

/// Which `.pth` of a TransformerLens-native repo (NeelNanda's toy models) holds the weights,
/// as TransformerLens picks it: the file ending `final.pth`, or for a training checkpoint
/// `checkpoints/<anything>_<step>.pth`. Shared by the Hub download and the directory reader.
public enum TransformerLensNativeFiles {
    /// The final weights among a repo's (relative) file names; nil when there are none.
    public static func finalWeights(in files: [String]) -> String? {
        files.filter { $0.hasSuffix("final.pth") }.sorted().first
    }

    /// The training checkpoints `get_checkpoint_labels` finds (`checkpoints/…_<digits>.pth`),
    /// in label order.
    public static func checkpoints(in files: [String]) -> [(label: Int, file: String)] {
        var found = [(label: Int, file: String)]()
        for file in files where file.hasPrefix("checkpoints/") && file.hasSuffix(".pth") {
            let stem = file.dropLast(4)
            guard let underscore = stem.lastIndex(of: "_") else { continue }
            let digits = stem[stem.index(after: underscore)...]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let label = Int(digits) else { continue }
            found.append((label, file))
        }
        return found.sorted { ($0.label, $0.file) < ($1.label, $1.file) }
    }

    /// The weights file for `checkpointValue` (nil: the final weights). An unknown step is an
    /// error listing the available ones. TransformerLens takes the first name merely ending in
    /// `<value>.pth` (so step 0 could pick step 1000's file); the label must match exactly here.
    public static func weights(in files: [String], checkpointValue: Int?, source: String) throws(TLError) -> String {
        guard let value = checkpointValue else {
            guard let final = finalWeights(in: files) else {
                throw .notFound("\(source): no *final.pth weights (a TransformerLens-native repo holds config.json and *final.pth)")
            }
            return final
        }
        let available = checkpoints(in: files)
        guard let match = available.first(where: { $0.label == value }) else {
            throw .notFound("\(source): no training checkpoint \(value); available: \(labelList(available.map(\.label)))")
        }
        return match.file
    }

    /// A readable list of checkpoint labels (long lists elided in the middle).
    public static func labelList(_ labels: [Int]) -> String {
        guard !labels.isEmpty else { return "none" }
        let text = labels.count <= 12 ? labels.map(String.init)
            : labels.prefix(6).map(String.init) + ["…"] + labels.suffix(4).map(String.init)
        return text.joined(separator: ", ")
    }

    /// The relative file names of a local directory and its `checkpoints/` folder.
    public static func listing(of directory: String) -> [String] {
        var files = (try? FileSystem.contents(of: directory)) ?? []
        let folder = FileSystem.join(directory, "checkpoints")
        if FileSystem.isDirectory(folder) {
            files += ((try? FileSystem.contents(of: folder)) ?? []).map { "checkpoints/" + $0 }
        }
        return files
    }
}
