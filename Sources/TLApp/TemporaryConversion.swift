import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ModelConfigs
import TLConversion
import TLCore
import TLFormats
import TLForward
import TLModel

/// A Hugging Face checkpoint made runnable by the streaming `Converter`: written to a
/// temporary folder, mapped, and the folder removed at once (the mapping keeps the file's
/// data until the process ends). Peak memory is the converter's (one group) and then the
/// forward pass's (one layer), never the whole model in float32 arrays. Measured against
/// processing each layer in memory as the forward pass reaches it: see README, "Memory".
///
/// Without processing the tensors keep the checkpoint's dtype when that is exact (one
/// 16-bit dtype throughout and no arithmetic in the family's tensor map, such as Gemma's
/// `1 + w`); otherwise, and whenever a processing step runs, they are float32, as the
/// processing computes them.
enum TemporaryConversion {
    /// The temporary folder's stem in the system's temporary directory (`TMPDIR`, else `/tmp`):
    /// `.tlconvert-model.tmp-PID`, swept by a later run when its process is gone.
    static let stem = "tlconvert-model"

    /// - Returns: the converted model, mapped, and the processing flags that took effect.
    static func load(_ checkpoint: HFCheckpoint, modelID: String, processing: ProcessingOptions, revision: String?,
                     progress: (String) -> Void) throws(TLError) -> (CanonicalModel, ProcessingOptions) {
        let target = FileSystem.join(temporaryDirectory(), stem)
        TemporaryFiles.removeStale(beside: target)
        // One hidden folder per process (what a signal removes and a later run sweeps), and in it
        // one folder per load, so loads on several threads never share a path.
        let processFolder = TemporaryFiles.path(for: target)
        folders.lock()
        TemporaryFiles.register(processFolder)
        let made = Result { () throws(TLError) in try makeLoadFolder(in: processFolder) }
        folders.unlock()
        let folder = try made.get()
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            folders.withLock {
                // Only when no other load is using it; a failing rmdir means one is.
                if rmdir(processFolder) == 0 { TemporaryFiles.unregister(processFolder) }
            }
        }
        let output = FileSystem.join(folder, "model")
        let converter = Converter(dtype: try dtype(for: checkpoint, processing: processing), processing: processing,
                                  revision: revision)
        _ = try converter.convert(checkpoint, modelID: modelID, to: output) { line in
            if line.hasPrefix("note:") { progress(line) }
        }
        let model = try CanonicalModel.load(directory: output)
        let applied = ProcessingOptions(metadata: try SafeTensorsFile(path: FileSystem.join(output, "model.safetensors")).metadata)
        return (model, applied)
    }

    /// Serialises creating and removing the process folder between concurrent loads.
    private static let folders = NSLock()

    /// A fresh folder inside `processFolder`, creating that first.
    private static func makeLoadFolder(in processFolder: String) throws(TLError) -> String {
        if mkdir(processFolder, 0o700) == 0 || errno == EEXIST {
            var template = Array(FileSystem.join(processFolder, "load-XXXXXX").utf8CString)
            if let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) {
                return String(cString: made)
            }
        }
        throw .output(path: processFolder, problem: "cannot create a temporary folder for the converted model (\(String(cString: strerror(errno))))")
    }

    /// The dtype the temporary copy is written in (see the type's comment).
    static func dtype(for checkpoint: HFCheckpoint, processing: ProcessingOptions) throws(TLError) -> DType {
        guard processing.isNone else { return .f32 }
        let stored = Set(checkpoint.weights.tensorInfos.map(\.dtype).filter(\.isFloatingPoint))
        guard stored.count == 1, let only = stored.first, only == .f16 || only == .bf16 else { return .f32 }
        let arithmetic = try checkpoint.module().tensors.contains { rule in
            rule.transforms.contains { transform in
                switch transform {
                case .addOne, .scaleBySqrtDModel: return true
                case .rearrange, .transpose, .split, .dropLeadingRows: return false
                }
            }
        }
        return arithmetic ? .f32 : only
    }

    private static func temporaryDirectory() -> String {
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"], !tmp.isEmpty { return tmp }
        return "/tmp"
    }
}
