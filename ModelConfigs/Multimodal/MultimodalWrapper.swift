import TLCore
import TLFormats

/// A multimodal checkpoint whose language model is converted (as TransformerLens users do by passing
/// the wrapper's language model as `hf_model`): its `text_config` describes a text family this
/// package knows, its tensors sit under a language-model prefix, and what is not the language model
/// (vision tower, projector) is left out. Adding a wrapper is one declaration in `wrappers`.
public struct MultimodalWrapper: Sendable {
    /// A short human name ("LLaVA").
    public let family: String
    /// `architectures[0]` values of the outer `config.json`.
    public let architectures: [String]
    /// transformers' `model_type` of the text config when it names none.
    public let defaultTextModelType: String
    /// Outer keys the text config takes when it lacks them (legacy files keep the vocabulary outside).
    public let inheritedKeys: [String]
    /// What TransformerLens records as `original_architecture` (nil: the language model's own).
    public let transformerLensArchitecture: String?

    /// Language-model prefixes of both layouts transformers has written → the text family's names:
    /// `language_model.model.*` + `language_model.lm_head.*` (before 4.52, and what 4.57 still saves),
    /// `model.language_model.*` + `lm_head.*` (the in-memory layout, saved by later releases).
    public static let languageModelPrefixes: [(file: String, text: String)] = [
        ("language_model.model.", "model."), ("language_model.lm_head.", "lm_head."),
        ("model.language_model.", "model."), ("lm_head.", "lm_head."),
    ]
    /// Prefixes of the parts that are not the language model, in both layouts.
    public static let leftOutPrefixes = ["vision_tower.", "multi_modal_projector.",
                                         "model.vision_tower.", "model.multi_modal_projector."]

    /// Every wrapper, by architecture string.
    public static let wrappers: [MultimodalWrapper] = [
        MultimodalWrapper(family: "LLaVA", architectures: ["LlavaForConditionalGeneration"],
                          defaultTextModelType: "llama", inheritedKeys: ["vocab_size"],
                          transformerLensArchitecture: nil),
        MultimodalWrapper(family: "Gemma 3 (multimodal)", architectures: ["Gemma3ForConditionalGeneration"],
                          defaultTextModelType: "gemma3_text", inheritedKeys: ["vocab_size"],
                          transformerLensArchitecture: "Gemma3ForConditionalGeneration"),
    ]

    /// The wrapper declared for `architecture`, if any.
    public static func wrapper(for architecture: String?) -> MultimodalWrapper? {
        guard let architecture else { return nil }
        return wrappers.first { $0.architectures.contains(architecture) }
    }

    /// The language model's config: `text_config` with the inherited outer keys it lacks, and
    /// `architectures` naming the text family its `model_type` is (as transformers' `CONFIG_MAPPING`).
    public func languageModelConfig(of outer: HFConfig) throws(TLError) -> HFConfig {
        guard let text = outer.object("text_config"), var members = text.objectMembers else {
            throw .badFile(path: outer.path, problem: "\(architectures[0]) config has no 'text_config' object (the language model's config)")
        }
        let modelType = text["model_type"]?.stringValue ?? defaultTextModelType
        guard let architecture = TextModelTypes.architecture(for: modelType) else {
            throw .unsupported("\(outer.path): text_config model_type '\(modelType)' is not a supported language model; supported: \(TextModelTypes.modelTypes.joined(separator: ", "))")
        }
        let present = Set(members.map(\.key))
        for key in inheritedKeys where !present.contains(key) {
            if let value = outer.json[key], !value.isNull { members.append((key: key, value: value)) }
        }
        members.removeAll { $0.key == "architectures" }
        members.append((key: "architectures", value: .array([.string(architecture)])))
        var config = try HFConfig(json: .object(members), path: outer.path)
        config.recordedArchitecture = transformerLensArchitecture
        return config
    }

    /// The text family's name for a checkpoint tensor, nil when it is not the language model's.
    public static func languageModelName(_ name: String) -> String? {
        for (file, text) in languageModelPrefixes where name.hasPrefix(file) {
            return text + name.dropFirst(file.count)
        }
        return nil
    }

    /// Whether a checkpoint tensor belongs to the parts that are left out.
    public static func isLeftOut(_ name: String) -> Bool {
        leftOutPrefixes.contains { name.hasPrefix($0) }
    }
}

extension HFConfig {
    /// The config of the language model this file describes: itself, or a wrapper's text config.
    public func languageModel() throws(TLError) -> HFConfig {
        guard let wrapper = MultimodalWrapper.wrapper(for: architecture) else { return self }
        return try wrapper.languageModelConfig(of: self)
    }
}
