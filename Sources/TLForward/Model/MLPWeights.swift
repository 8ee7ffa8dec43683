import TLCore

/// One expert of a mixture-of-experts MLP, in `nn.Linear` layout as TransformerLens
/// stores it: gate and in rows stacked in `[2·d_mlp, d_model]`, out `[d_model, d_mlp]`.
struct ExpertWeights: Sendable {
    let gateIn: WeightMatrix
    let out: WeightMatrix
    /// GPT-OSS: the gate and in biases side by side `[1, 2·d_mlp]`, and the out bias `[1, d_model]`.
    var gateInBias: Matrix? = nil
    var outBias: Matrix? = nil
}

/// One layer's MLP.
enum MLPWeights: Sendable {
    /// `act(x·W_in + b_in)·W_out + b_out`; SoLU-LN adds `mlp.ln` after the activation.
    case standard(input: WeightMatrix, inputBias: Matrix?, output: WeightMatrix, outputBias: Matrix?, ln: Norm?)
    /// `(act(x·W_gate) · (x·W_in) + b_in)·W_out + b_out`, gate and in packed side by side `[d_model, 2·d_mlp]`.
    case gated(gateIn: WeightMatrix, inputBias: Matrix?, output: WeightMatrix, outputBias: Matrix?)
    /// Top-k routing over gated experts (`mlp.W_gate.weight` is the router, `[experts, d_model]`;
    /// GPT-OSS's router has a bias, `mlp.W_gate.bias`).
    case experts(router: WeightMatrix, routerBias: Matrix?, experts: [ExpertWeights])

    init(layer: Int, spec: ForwardSpec, reader: WeightReader) throws(TLError) {
        let p = "blocks.\(layer).mlp."
        let (d, m) = (spec.dModel, spec.dMLP)
        if spec.experts > 0 {
            let router = try reader.matrix("\(p)W_gate.weight", [spec.experts, d], rows: spec.experts, cols: d)
            let biased = spec.expertKind.hasBiases
            var experts = [ExpertWeights]()
            for e in 0..<spec.experts {
                let q = "\(p)experts.\(e)."
                var expert = ExpertWeights(
                    gateIn: try reader.stacked([(q + "W_gate.weight", [m, d]), (q + "W_in.weight", [m, d])], cols: d),
                    out: try reader.matrix(q + "W_out.weight", [d, m], rows: d, cols: m))
                if biased {
                    let biases = try reader.tensor(q + "W_gate.bias", [m]).values + reader.tensor(q + "W_in.bias", [m]).values
                    expert.gateInBias = Matrix(rows: 1, cols: 2 * m, values: biases)
                    expert.outBias = try reader.vector(q + "W_out.bias", [d])
                }
                experts.append(expert)
            }
            self = .experts(router: router, routerBias: biased ? try reader.vector("\(p)W_gate.bias", [spec.experts]) : nil,
                            experts: experts)
        } else if spec.gated {
            let packed = try reader.sideBySide([("\(p)W_gate", [d, m]), ("\(p)W_in", [d, m])], rows: d)
            self = .gated(gateIn: packed, inputBias: try reader.optionalVector("\(p)b_in", [m]),
                          output: try reader.matrix("\(p)W_out", [m, d], rows: m, cols: d),
                          outputBias: try reader.optionalVector("\(p)b_out", [d]))
        } else {
            var ln: Norm?
            if let kind = spec.mlpHiddenNorm {
                ln = try reader.norm(kind, name: "\(p)ln", width: m, eps: spec.eps)
            }
            self = .standard(input: try reader.matrix("\(p)W_in", [d, m], rows: d, cols: m),
                             inputBias: try reader.optionalVector("\(p)b_in", [m]),
                             output: try reader.matrix("\(p)W_out", [m, d], rows: m, cols: d),
                             outputBias: try reader.optionalVector("\(p)b_out", [d]), ln: ln)
        }
    }
}
