import ArgumentParser
import TLModel

/// The processing flags of CONTRACT.md, shared by the commands that build a model
/// (each is the TransformerLens step of the same name; all off by default).
struct ProcessingFlags: ParsableArguments {
    @Flag(name: .customLong(ProcessingOptions.Flag.foldLN.optionName), help: "Fold each norm's weights into the matrices reading it (LN → LNPre, RMS → RMSPre).")
    var foldLN = false

    @Flag(name: .customLong(ProcessingOptions.Flag.centerWritingWeights.optionName), help: "Centre the weights writing to the residual stream (LayerNorm models).")
    var centerWritingWeights = false

    @Flag(name: .customLong(ProcessingOptions.Flag.centerUnembed.optionName), help: "Centre W_U and b_U over the vocabulary (not under a logit soft-cap).")
    var centerUnembed = false

    @Flag(name: .customLong(ProcessingOptions.Flag.foldValueBiases.optionName), help: "Fold the value biases into the attention output bias (not with attention sinks: GPT-OSS).")
    var foldValueBiases = false

    @Flag(name: .customLong(ProcessingOptions.Flag.refactorFactoredAttnMatrices.optionName), help: "Refactor W_Q/W_K and W_V/W_O by SVD (not for rotary or grouped-query models).")
    var refactorFactoredAttnMatrices = false

    @Flag(name: .customLong("tl-defaults"), help: "The first four together, as HookedTransformer.from_pretrained does.")
    var tlDefaults = false

    var options: ProcessingOptions {
        var options = tlDefaults ? ProcessingOptions.tlDefaults : ProcessingOptions()
        options.foldLN = options.foldLN || foldLN
        options.centerWritingWeights = options.centerWritingWeights || centerWritingWeights
        options.centerUnembed = options.centerUnembed || centerUnembed
        options.foldValueBiases = options.foldValueBiases || foldValueBiases
        options.refactorFactoredAttnMatrices = refactorFactoredAttnMatrices
        return options
    }
}
