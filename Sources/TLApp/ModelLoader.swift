import Foundation
import TLConversion
import TLCore
import TLFormats
import TLForward
import TLModel
import TLProcessing

/// A model ready for the forward pass, with where it came from.
public struct LoadedModel: Sendable {
    public let model: CanonicalModel
    /// The source's repo id or absolute path (a converted directory: its absolute path).
    public let modelID: String
    /// The directory holding the model's tokenizer files (source checkpoint or converted output).
    public let directory: String
    /// The processing these weights carry: the flags that took effect while loading, or for a
    /// converted directory the flags its `model.safetensors` metadata records as applied.
    public let processing: ProcessingOptions
}

/// The one way the commands that run a model (`verify`, `run`) get it: a directory written
/// by `tlconvert convert` as it is (mapped, read in place), or a Hugging Face model (directory,
/// repo id, zoo name) converted exactly as `convert` would write it, to a temporary file read
/// in place the same way (`TemporaryConversion`).
public enum ModelLoader {
    /// - Parameters:
    ///   - model: a converted directory, or any MODEL `convert` accepts.
    ///   - processing: the processing flags (only for a Hugging Face checkpoint), applied
    ///     by TLProcessing's pipeline.
    ///   - progress: gets a `note:` line for each requested step that does not apply to the model.
    public static func load(_ model: String, processing: ProcessingOptions = .none, revision: String? = nil,
                            offline: Bool = false, progress: (String) -> Void = { _ in }) throws(TLError) -> LoadedModel {
        if CanonicalModel.isCanonicalDirectory(model) {
            guard processing.isNone else {
                throw .usage("\(model): processing flags apply to Hugging Face checkpoints; a converted directory is already processed")
            }
            return LoadedModel(model: try CanonicalModel.load(directory: model), modelID: absolutePath(model),
                               directory: model, processing: try recordedProcessing(model))
        }
        let source = try ModelSource.resolve(model, revision: revision, offline: offline)
        let checkpoint = try HFCheckpoint.open(source.directory)
        let (converted, applied) = try TemporaryConversion.load(checkpoint, modelID: source.modelID, processing: processing,
                                                                revision: revision, progress: progress)
        return LoadedModel(model: converted, modelID: source.modelID, directory: source.directory, processing: applied)
    }

    /// The processing flags `convert` recorded in a converted directory's `__metadata__`.
    private static func recordedProcessing(_ directory: String) throws(TLError) -> ProcessingOptions {
        ProcessingOptions(metadata: try SafeTensorsFile(path: FileSystem.join(directory, "model.safetensors")).metadata)
    }

    private static func absolutePath(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.path
    }
}
