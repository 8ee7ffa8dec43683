import ModelConfigs
import TLCore
import TLFormats

/// A multimodal checkpoint's language-model tensors under the text family's own names
/// (`language_model.model.X` → `model.X`), with the vision tower and projector left out.
/// Anything else in the file is kept under its own name, so the mapper rejects it as unexpected.
struct LanguageModelWeights: TensorSource {
    let base: any TensorSource
    let tensorInfos: [TensorInfo]
    /// Text-family name → the name in the file.
    private let fileNames: [String: String]
    /// How many tensors were left out (vision tower, projector).
    let leftOutCount: Int

    init(_ base: any TensorSource) {
        self.base = base
        var infos = [TensorInfo](), names = [String: String](), leftOut = 0
        for info in base.tensorInfos {
            if MultimodalWrapper.isLeftOut(info.name) { leftOut += 1; continue }
            let name = MultimodalWrapper.languageModelName(info.name) ?? info.name
            infos.append(TensorInfo(name: name, dtype: info.dtype, shape: info.shape))
            names[name] = info.name
        }
        tensorInfos = infos
        fileNames = names
        leftOutCount = leftOut
    }

    var path: String { base.path }
    var format: String { base.format }
    var metadata: [String: String] { base.metadata }

    func tensor(named name: String) throws(TLError) -> Tensor {
        try base.tensor(named: fileNames[name] ?? name)
    }

    func releasePages(of name: String) { base.releasePages(of: fileNames[name] ?? name) }
}
