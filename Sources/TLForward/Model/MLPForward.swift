import Foundation
import TLCore
import TLModel

/// One layer's MLP: standard, gated, or mixture of experts with renormalised top-k
/// routing (as Hugging Face's Mixtral computes it).
struct MLPForward {
    let spec: ForwardSpec
    let layer: Int
    let weights: MLPWeights
    /// The layer's xIELU coefficients, when the activation has its own (no default: every caller decides).
    let xielu: XIELU?

    func callAsFunction(_ x: Matrix, hooks: HookSite) -> Matrix {
        let name = "blocks.\(layer).mlp"
        let m = spec.dMLP
        let out = Matrix(rows: x.rows, cols: spec.dModel)
        guard let activation = spec.activation else { return out }
        switch weights {
        case .standard(let input, let inputBias, let output, let outputBias, let ln):
            let pre = Matrix(uninitializedRows: x.rows, cols: m)
            BLAS.product(x, input, bias: inputBias, into: pre)
            hooks.record("\(name).hook_pre", pre, shape: hooks.tokenShape + [m])
            if let xielu {
                xielu.apply(pre.data, rows: pre.rows, count: m, stride: m)
            } else {
                activation.apply(pre.data, rows: pre.rows, count: m, stride: m)
            }
            if let ln {
                hooks.record("\(name).hook_mid", pre, shape: hooks.tokenShape + [m])
                ln.apply(pre, into: pre, hooks: hooks)
            }
            hooks.record("\(name).hook_post", pre, shape: hooks.tokenShape + [m])
            BLAS.product(pre, output, bias: outputBias, into: out)
        case .gated(let gateIn, let inputBias, let output, let outputBias):
            let both = Matrix(uninitializedRows: x.rows, cols: 2 * m)
            BLAS.product(x, gateIn, into: both)
            if hooks.isActive {
                hooks.record("\(name).hook_pre", columns(both, 0, m), shape: hooks.tokenShape + [m])
                hooks.record("\(name).hook_pre_linear", columns(both, m, m), shape: hooks.tokenShape + [m])
            }
            let post = Matrix(uninitializedRows: x.rows, cols: m)
            Parallel.rows(x.rows, workPerRow: m) { range in
                for r in range {
                    let g = both.row(r)
                    let p = post.row(r)
                    for i in 0..<m { p[i] = activation.scalar(g[i]) * g[m + i] }
                    if let inputBias { for i in 0..<m { p[i] += inputBias.data[i] } }
                }
            }
            hooks.record("\(name).hook_post", post, shape: hooks.tokenShape + [m])
            BLAS.product(post, output, bias: outputBias, into: out)
        case .experts(let router, let routerBias, let experts):
            mixture(x, router: router, routerBias: routerBias, experts: experts, activation: activation, into: out, hooks: hooks)
        }
        return out
    }

    private func columns(_ matrix: Matrix, _ start: Int, _ count: Int) -> Matrix {
        let result = Matrix(rows: matrix.rows, cols: count)
        for r in 0..<matrix.rows { result.row(r).update(from: matrix.row(r) + start, count: count) }
        return result
    }

    private func mixture(_ x: Matrix, router: WeightMatrix, routerBias: Matrix?, experts: [ExpertWeights],
                         activation: ActivationKind, into out: Matrix, hooks: HookSite) {
        let name = "blocks.\(layer).mlp"
        let (tokens, e, k, m, d) = (x.rows, experts.count, spec.expertsPerToken, spec.dMLP, spec.dModel)
        let probabilities = Matrix(rows: tokens, cols: e)
        BLAS.product(x, router, transposeB: true, bias: routerBias, into: probabilities)
        for t in 0..<tokens { softmaxRow(probabilities.row(t), count: e) }
        if spec.expertKind == .gated {
            hooks.record("\(name).hook_expert_weights", probabilities, shape: [tokens, e])
        }
        // Per expert: the tokens routed to it and their weights (renormalised unless norm_topk_prob is false).
        var routed = [[(token: Int, weight: Float)]](repeating: [], count: e)
        var chosen = [Float]()
        for t in 0..<tokens {
            let p = probabilities.row(t)
            let order = (0..<e).sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(k)
            var total: Float = 0
            for i in order { total += p[i] }
            // GPT-OSS softmaxes the top-k logits among themselves: the same as renormalising.
            let divisor = spec.renormalisesTopK || spec.expertKind != .gated ? total : 1
            for i in order { routed[i].append((t, p[i] / divisor)) }
            chosen += order.map(Float.init)
        }
        if spec.expertKind != .gated && hooks.wants("\(name).hook_expert_weights") {
            // TransformerLens 2.18's GptOssMoE records the chosen weights, zeros elsewhere.
            let weights = Matrix(rows: tokens, cols: e)
            for (index, rows) in routed.enumerated() { for item in rows { weights.row(item.token)[index] = item.weight } }
            hooks.record("\(name).hook_expert_weights", weights, shape: [tokens, e])
        }
        hooks.record("\(name).hook_expert_indices", FloatTensor(shape: [tokens, k], values: chosen))
        for (index, expert) in experts.enumerated() where !routed[index].isEmpty {
            let rows = routed[index]
            let input = Matrix(rows: rows.count, cols: d)
            for (i, item) in rows.enumerated() { input.row(i).update(from: x.row(item.token), count: d) }
            let both = Matrix(rows: rows.count, cols: 2 * m)
            BLAS.product(input, expert.gateIn, transposeB: true, bias: expert.gateInBias, into: both)
            let post = Matrix(rows: rows.count, cols: m)
            for r in 0..<rows.count {
                let g = both.row(r)
                let p = post.row(r)
                switch spec.expertKind {
                case .gated:
                    for i in 0..<m { p[i] = activation.scalar(g[i]) * g[m + i] }
                case .clampedSwiGLU(let alpha, let limit):
                    for i in 0..<m {
                        let gate = min(g[i], limit), up = min(max(g[m + i], -limit), limit)
                        p[i] = (up + 1) * gate / (1 + expf(-alpha * gate))
                    }
                }
            }
            let result = Matrix(rows: rows.count, cols: d)
            BLAS.product(post, expert.out, transposeB: true, bias: expert.outBias, into: result)
            for (i, item) in rows.enumerated() {
                let source = result.row(i)
                let target = out.row(item.token)
                for j in 0..<d { target[j] += item.weight * source[j] }
            }
        }
    }
}
