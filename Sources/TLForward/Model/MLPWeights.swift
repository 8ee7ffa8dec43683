import TLCore

/// One expert of a mixture-of-experts MLP, in `nn.Linear` layout as TransformerLens
/// stores it: gate and in rows stacked in `[2·d_mlp, d_model]`, out `[d_model, d_mlp]`.
struct ExpertWeights: Sendable {
    let gateIn: Matrix
    let out: Matrix
    /// GPT-OSS: the gate and in biases side by side `[1, 2·d_mlp]`, and the out bias `[1, d_model]`.
    var gateInBias: Matrix? = nil
    var outBias: Matrix? = nil
}

/// One layer's MLP.
enum MLPWeights: Sendable {
    /// `act(x·W_in + b_in)·W_out + b_out`; SoLU-LN adds `mlp.ln` after the activation.
    case standard(input: Matrix, inputBias: Matrix?, output: Matrix, outputBias: Matrix?, ln: Norm?)
    /// `(act(x·W_gate) · (x·W_in) + b_in)·W_out + b_out`, gate and in packed side by side `[d_model, 2·d_mlp]`.
    case gated(gateIn: Matrix, inputBias: Matrix?, output: Matrix, outputBias: Matrix?)
    /// Top-k routing over gated experts (`mlp.W_gate.weight` is the router, `[experts, d_model]`;
    /// GPT-OSS's router has a bias, `mlp.W_gate.bias`).
    case experts(router: Matrix, routerBias: Matrix?, experts: [ExpertWeights])

    init(layer: Int, spec: ForwardSpec, reader: WeightReader) throws(TLError) {
        let p = "blocks.\(layer).mlp."
        let (d, m) = (spec.dModel, spec.dMLP)
        if spec.experts > 0 {
            let router = try reader.matrix("\(p)W_gate.weight", [spec.experts, d], rows: spec.experts, cols: d)
            let biased = spec.expertKind.hasBiases
            var experts = [ExpertWeights]()
            for e in 0..<spec.experts {
                let x = "\(p)experts.\(e)."
                let gate = try reader.tensor("\(x)W_gate.weight", [m, d])
                let input = try reader.tensor("\(x)W_in.weight", [m, d])
                let out = try reader.matrix("\(x)W_out.weight", [d, m], rows: d, cols: m)
                var expert = ExpertWeights(gateIn: Matrix(rows: 2 * m, cols: d, values: gate.values + input.values), out: out)
                if biased {
                    let biases = try reader.tensor("\(x)W_gate.bias", [m]).values + reader.tensor("\(x)W_in.bias", [m]).values
                    expert.gateInBias = Matrix(rows: 1, cols: 2 * m, values: biases)
                    expert.outBias = try reader.vector("\(x)W_out.bias", [d])
                }
                experts.append(expert)
            }
            self = .experts(router: router, routerBias: biased ? try reader.vector("\(p)W_gate.bias", [spec.experts]) : nil,
                            experts: experts)
        } else if spec.gated {
            let gate = try reader.tensor("\(p)W_gate", [d, m])
            let input = try reader.tensor("\(p)W_in", [d, m])
            let packed = Matrix(rows: d, cols: 2 * m)
            gate.values.withUnsafeBufferPointer { g in
                input.values.withUnsafeBufferPointer { i in
                    for r in 0..<d {
                        packed.row(r).update(from: g.baseAddress! + r * m, count: m)
                        (packed.row(r) + m).update(from: i.baseAddress! + r * m, count: m)
                    }
                }
            }
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
