import ArgumentParser
import Foundation
import TLCore
import TLFormats

/// Writes a random checkpoint laid out like a real Hugging Face hub repo, so the convert
/// benchmark needs no download: GPT-2 shapes as the `gpt2*` repos store them (prefix-less
/// `GPT2Model` names, `h.N.attn.bias` mask buffers, no `lm_head`, one float32
/// `model.safetensors`), and LLaMAs shaped like TinyLlama-1.1B and Llama-3-8B in bfloat16
/// split into shards with a `model.safetensors.index.json`, as `save_pretrained` writes them.
struct SynthCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-checkpoint",
        abstract: "Write a random checkpoint directory in the hub's layout (config.json + safetensors).")

    @Argument(help: "Shape: \(Shape.allCases.map(\.rawValue).joined(separator: ", ")).")
    var shape: Shape
    @Argument(help: "Output directory (created).") var directory: String
    @Option(help: "Shard size in MiB for sharded shapes (save_pretrained's max_shard_size).")
    var shardMib = 1024

    enum Shape: String, CaseIterable, ExpressibleByArgument {
        case gpt2Small = "gpt2-small", gpt2Medium = "gpt2-medium", gpt2Large = "gpt2-large", llama1B = "llama-1b"
        case llama8B = "llama-8b"
    }

    /// One tensor to write and how to fill it.
    struct Planned {
        var info: TensorInfo
        var fill: Fill
    }

    enum Fill {
        /// Uniform in ±scale around `centre` (norm weights sit near 1, matrices near 0).
        case random(centre: Float, scale: Float)
        /// GPT-2's causal mask buffer: a lower-triangular matrix of ones.
        case lowerTriangle
    }

    func run() throws {
        try failing { () throws(TLError) in
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .output(path: directory, problem: "cannot create (\(error.localizedDescription))")
            }
            let start = now()
            var bytes = 0
            switch shape {
            case .gpt2Small: bytes = try writeGPT2(layers: 12, dModel: 768, heads: 12)
            case .gpt2Medium: bytes = try writeGPT2(layers: 24, dModel: 1024, heads: 16)
            case .gpt2Large: bytes = try writeGPT2(layers: 36, dModel: 1280, heads: 20)
            case .llama1B: bytes = try writeLlama(.tinyLlama1B)
            case .llama8B: bytes = try writeLlama(.llama3_8B)
            }
            print("wrote \(directory): \(shape.rawValue), \(bytes) bytes of tensors in \(String(format3: now() - start)) s")
        }
    }

    // MARK: GPT-2

    private func writeGPT2(layers: Int, dModel m: Int, heads: Int) throws(TLError) -> Int {
        let vocab = 50257, positions = 1024
        var tensors = [Planned]()
        func add(_ name: String, _ shape: [Int], _ fill: Fill = .random(centre: 0, scale: 0.04)) {
            tensors.append(Planned(info: TensorInfo(name: name, dtype: .f32, shape: shape), fill: fill))
        }
        add("wte.weight", [vocab, m])
        add("wpe.weight", [positions, m])
        for l in 0..<layers {
            let p = "h.\(l)."
            add(p + "ln_1.weight", [m], .random(centre: 1, scale: 0.1))
            add(p + "ln_1.bias", [m])
            add(p + "attn.bias", [1, 1, positions, positions], .lowerTriangle)
            add(p + "attn.c_attn.weight", [m, 3 * m])
            add(p + "attn.c_attn.bias", [3 * m])
            add(p + "attn.c_proj.weight", [m, m])
            add(p + "attn.c_proj.bias", [m])
            add(p + "ln_2.weight", [m], .random(centre: 1, scale: 0.1))
            add(p + "ln_2.bias", [m])
            add(p + "mlp.c_fc.weight", [m, 4 * m])
            add(p + "mlp.c_fc.bias", [4 * m])
            add(p + "mlp.c_proj.weight", [4 * m, m])
            add(p + "mlp.c_proj.bias", [m])
        }
        add("ln_f.weight", [m], .random(centre: 1, scale: 0.1))
        add("ln_f.bias", [m])
        let config: [(String, JSONValue)] = [
            ("activation_function", .string("gelu_new")),
            ("architectures", .array([.string("GPT2LMHeadModel")])),
            ("attn_pdrop", .double(0.1)),
            ("bos_token_id", .int(50256)),
            ("embd_pdrop", .double(0.1)),
            ("eos_token_id", .int(50256)),
            ("initializer_range", .double(0.02)),
            ("layer_norm_epsilon", .double(1e-05)),
            ("model_type", .string("gpt2")),
            ("n_ctx", .int(Int64(positions))),
            ("n_embd", .int(Int64(m))),
            ("n_head", .int(Int64(heads))),
            ("n_layer", .int(Int64(layers))),
            ("n_positions", .int(Int64(positions))),
            ("resid_pdrop", .double(0.1)),
            ("summary_activation", .null),
            ("summary_first_dropout", .double(0.1)),
            ("summary_proj_to_labels", .bool(true)),
            ("summary_type", .string("cls_index")),
            ("summary_use_proj", .bool(true)),
            ("task_specific_params", .object([("text-generation", .object([("do_sample", .bool(true)), ("max_length", .int(50))]))])),
            ("vocab_size", .int(Int64(vocab))),
        ]
        try writeText(JSONWriter.string(.object(config), pretty: true) + "\n", to: "config.json")
        return try writeSafeTensors(tensors, to: "model.safetensors", metadata: ["format": "pt"])
    }

    // MARK: LLaMA

    /// A LLaMA's sizes and the config fields that differ between the two shapes.
    struct LlamaShape {
        var layers, dModel, heads, kvHeads, dMLP, vocab, context, bos, eos: Int
        var ropeTheta: Double

        /// TinyLlama-1.1B: 22 layers, d_model 2048, 32 heads over 4 key/value heads, d_mlp 5632, vocabulary 32000.
        static let tinyLlama1B = LlamaShape(layers: 22, dModel: 2048, heads: 32, kvHeads: 4, dMLP: 5632, vocab: 32000,
                                            context: 2048, bos: 1, eos: 2, ropeTheta: 10000)
        /// Llama-3-8B: 32 layers, d_model 4096, 32 heads over 8 key/value heads, d_mlp 14336, vocabulary 128256.
        static let llama3_8B = LlamaShape(layers: 32, dModel: 4096, heads: 32, kvHeads: 8, dMLP: 14336, vocab: 128256,
                                          context: 8192, bos: 128000, eos: 128001, ropeTheta: 500000)
    }

    /// A LLaMA of `shape` with an untied `lm_head`, stored in bfloat16.
    private func writeLlama(_ shape: LlamaShape) throws(TLError) -> Int {
        let (layers, m, heads, kvHeads, mlp, vocab) = (shape.layers, shape.dModel, shape.heads, shape.kvHeads,
                                                       shape.dMLP, shape.vocab)
        let dHead = m / heads
        var tensors = [Planned]()
        func add(_ name: String, _ shape: [Int], _ fill: Fill = .random(centre: 0, scale: 0.04)) {
            tensors.append(Planned(info: TensorInfo(name: name, dtype: .bf16, shape: shape), fill: fill))
        }
        // State-dict (module) order: save_pretrained fills shards in this order.
        add("model.embed_tokens.weight", [vocab, m])
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            add(p + "self_attn.q_proj.weight", [heads * dHead, m])
            add(p + "self_attn.k_proj.weight", [kvHeads * dHead, m])
            add(p + "self_attn.v_proj.weight", [kvHeads * dHead, m])
            add(p + "self_attn.o_proj.weight", [m, heads * dHead])
            add(p + "mlp.gate_proj.weight", [mlp, m])
            add(p + "mlp.up_proj.weight", [mlp, m])
            add(p + "mlp.down_proj.weight", [m, mlp])
            add(p + "input_layernorm.weight", [m], .random(centre: 1, scale: 0.1))
            add(p + "post_attention_layernorm.weight", [m], .random(centre: 1, scale: 0.1))
        }
        add("model.norm.weight", [m], .random(centre: 1, scale: 0.1))
        add("lm_head.weight", [vocab, m])

        // Greedy shards of at most `shardMib`, as save_pretrained's max_shard_size does.
        let limit = shardMib << 20
        var shards = [[Planned]]()
        var current = [Planned](), size = 0
        for t in tensors {
            if !current.isEmpty && size + t.info.byteCount > limit {
                shards.append(current)
                current = []
                size = 0
            }
            current.append(t)
            size += t.info.byteCount
        }
        if !current.isEmpty { shards.append(current) }
        guard shards.count >= 2 else { throw .usage("--shard-mib \(shardMib) leaves one shard; pick a smaller size") }

        var weightMap = [(String, JSONValue)]()
        var total = 0
        for (i, shard) in shards.enumerated() {
            let name = String(format: "model-%05d-of-%05d.safetensors", i + 1, shards.count)
            total += try writeSafeTensors(shard, to: name, metadata: ["format": "pt"])
            weightMap += shard.map { ($0.info.name, JSONValue.string(name)) }
        }
        weightMap.sort { $0.0 < $1.0 }
        let index: JSONValue = .object([("metadata", .object([("total_size", .int(Int64(total)))])),
                                        ("weight_map", .object(weightMap))])
        try writeText(JSONWriter.string(index, pretty: true) + "\n", to: "model.safetensors.index.json")

        let config: [(String, JSONValue)] = [
            ("architectures", .array([.string("LlamaForCausalLM")])),
            ("attention_bias", .bool(false)),
            ("bos_token_id", .int(Int64(shape.bos))),
            ("eos_token_id", .int(Int64(shape.eos))),
            ("hidden_act", .string("silu")),
            ("hidden_size", .int(Int64(m))),
            ("initializer_range", .double(0.02)),
            ("intermediate_size", .int(Int64(mlp))),
            ("max_position_embeddings", .int(Int64(shape.context))),
            ("model_type", .string("llama")),
            ("num_attention_heads", .int(Int64(heads))),
            ("num_hidden_layers", .int(Int64(layers))),
            ("num_key_value_heads", .int(Int64(kvHeads))),
            ("pretraining_tp", .int(1)),
            ("rms_norm_eps", .double(1e-05)),
            ("rope_scaling", .null),
            ("rope_theta", .double(shape.ropeTheta)),
            ("tie_word_embeddings", .bool(false)),
            ("torch_dtype", .string("bfloat16")),
            ("transformers_version", .string("4.57.6")),
            ("use_cache", .bool(true)),
            ("vocab_size", .int(Int64(vocab))),
        ]
        try writeText(JSONWriter.string(.object(config), pretty: true) + "\n", to: "config.json")
        return total
    }

    // MARK: Writing

    /// Writes one safetensors file in the order the `safetensors` library uses
    /// (dtype, then name), filling each tensor from a deterministic generator.
    private func writeSafeTensors(_ tensors: [Planned], to name: String, metadata: [String: String]) throws(TLError) -> Int {
        let ordered = tensors.sorted { $0.info.name.utf8.lexicographicallyPrecedes($1.info.name.utf8) }
        let writer = try SafeTensorsWriter(path: FileSystem.join(directory, name), tensors: ordered.map(\.info),
                                           metadata: metadata)
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 16)
        defer { buffer.deallocate() }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = 0
        for t in ordered {
            let count = t.info.byteCount
            if buffer.count < count {
                buffer.deallocate()
                buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            }
            fill(buffer.baseAddress!, t, state: &state)
            try writer.write(name: t.info.name, bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            bytes += count
        }
        try writer.finish()
        return bytes
    }

    private func fill(_ base: UnsafeMutableRawPointer, _ t: Planned, state: inout UInt64) {
        let n = t.info.elementCount
        switch t.fill {
        case .lowerTriangle:
            let side = t.info.shape.last ?? 1
            let out = base.bindMemory(to: Float.self, capacity: n)
            for i in 0..<n { out[i] = (i % side) <= (i / side) % side ? 1 : 0 }
        case .random(let centre, let scale):
            // xorshift64*: fast and deterministic; the top 24 bits give a uniform in [-1, 1).
            var s = state
            let factor = scale * 0x1p-23
            switch t.info.dtype {
            case .bf16:
                let out = base.bindMemory(to: UInt16.self, capacity: n)
                for i in 0..<n {
                    s ^= s >> 12; s ^= s << 25; s ^= s >> 27
                    let r = Float(Int32(truncatingIfNeeded: (s &* 0x2545_F491_4F6C_DD1D) >> 40) - (1 << 23))
                    out[i] = HalfPrecision.floatToBF16(centre + r * factor)
                }
            default:
                let out = base.bindMemory(to: Float.self, capacity: n)
                for i in 0..<n {
                    s ^= s >> 12; s ^= s << 25; s ^= s >> 27
                    let r = Float(Int32(truncatingIfNeeded: (s &* 0x2545_F491_4F6C_DD1D) >> 40) - (1 << 23))
                    out[i] = centre + r * factor
                }
            }
            state = s
        }
    }

    private func writeText(_ text: String, to name: String) throws(TLError) {
        let path = FileSystem.join(directory, name)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw .output(path: path, problem: "cannot write")
        }
    }
}
