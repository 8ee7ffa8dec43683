import TLCore
import TLModel

/// TransformerLens's `center_unembed`: W_U and b_U lose their mean over the vocabulary.
/// That adds the same amount to every logit of a position, which softmax ignores: log-probs
/// are unchanged, logits are not. Not valid under an output soft-cap (tanh is not
/// shift-invariant); `ProcessingPipeline` skips it there, as `from_pretrained` does.
public enum CenterUnembed: ProcessingStep {
    public static func apply(to group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
        guard group == .unembed else { return }
        let dims = try Dims(config)
        // Only the shape is read here: holding the tensor would make the in-place update copy it.
        guard let shape = weights["unembed.W_U"]?.shape else { throw .badTensor(name: "unembed.W_U", problem: "missing") }
        guard shape.count == 2 else {
            throw .badTensor(name: "unembed.W_U", problem: "shape \(shape), expected [\(dims.dModel), d_vocab_out]")
        }
        let vocab = shape[1]
        var w = try Param.take("unembed.W_U", &weights, shape: [dims.dModel, vocab])
        Kernels.centre(&w.values, outer: dims.dModel, axis: vocab, inner: 1)
        weights["unembed.W_U"] = w
        var b = try Param.takeOrZeros("unembed.b_U", &weights, shape: [vocab])
        Kernels.centre(&b.values, outer: 1, axis: vocab, inner: 1)
        weights["unembed.b_U"] = b
    }
}
