import Foundation
import Testing
import TLCore
@testable import TLHub

struct CheckpointFilesTests {
    @Test func prefersSafetensorsAndSkipsOtherFrameworks() throws {
        let siblings = ["config.json", "pytorch_model.bin", "model.safetensors", "tf_model.h5", "flax_model.msgpack",
                        "rust_model.ot", "onnx/model.onnx", "tokenizer.json", "vocab.json", "merges.txt", "README.md",
                        "generation_config.json", "64-8bits.tflite"]
        let plan = try CheckpointFiles.plan(repo: "r", siblings: siblings)
        #expect(plan == .init(weights: "model.safetensors", sharded: false, tokenizer: ["tokenizer.json", "vocab.json", "merges.txt"]))
    }

    @Test func takesTheIndexWhenSharded() throws {
        let siblings = ["config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors", "pytorch_model.bin.index.json", "consolidated.safetensors",
                        "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"]
        let plan = try CheckpointFiles.plan(repo: "r", siblings: siblings)
        #expect(plan.weights == "model.safetensors.index.json" && plan.sharded)
        #expect(plan.tokenizer == ["tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"])
    }

    /// Qwen v1's repos hold their tokenizer as a tiktoken rank file (and its Python class, not fetched).
    @Test func fetchesQwenTiktoken() throws {
        let siblings = ["config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                        "qwen.tiktoken", "tokenization_qwen.py", "tokenizer_config.json", "modeling_qwen.py"]
        let plan = try CheckpointFiles.plan(repo: "Qwen/Qwen-1_8B", siblings: siblings)
        #expect(plan.tokenizer == ["tokenizer_config.json", "qwen.tiktoken"])
    }

    @Test func fallsBackToPytorchBin() throws {
        let plan = try CheckpointFiles.plan(repo: "r", siblings: ["config.json", "pytorch_model.bin", "tf_model.h5"])
        #expect(plan.weights == "pytorch_model.bin" && !plan.sharded)
    }

    @Test func refusesReposWithoutUsableWeights() {
        #expect(throws: TLError.self) { try CheckpointFiles.plan(repo: "r", siblings: ["config.json", "tf_model.h5"]) }
        #expect(throws: TLError.self) { try CheckpointFiles.plan(repo: "r", siblings: ["model.safetensors"]) }
    }

    @Test func shardNamesMustStayInTheFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let index = folder.path + "/model.safetensors.index.json"
        try #"{"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors", "c": "s1.safetensors"}}"#
            .write(toFile: index, atomically: true, encoding: .utf8)
        #expect(try CheckpointFiles.shards(ofIndex: index) == ["s1.safetensors", "s2.safetensors"])
        try #"{"weight_map": {"a": "../../../etc/passwd"}}"#.write(toFile: index, atomically: true, encoding: .utf8)
        #expect(throws: TLError.self) { try CheckpointFiles.shards(ofIndex: index) }
    }

    @Test func reportsWhatADirectoryLacks() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        #expect(CheckpointFiles.missing(in: folder.path).count == 2)
        _ = FileManager.default.createFile(atPath: folder.path + "/config.json", contents: Data("{}".utf8))
        try #"{"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}}"#
            .write(toFile: folder.path + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: folder.path + "/s1.safetensors", contents: Data())
        #expect(CheckpointFiles.missing(in: folder.path) == ["s2.safetensors (listed in model.safetensors.index.json)"])
        _ = FileManager.default.createFile(atPath: folder.path + "/s2.safetensors", contents: Data())
        #expect(CheckpointFiles.missing(in: folder.path).isEmpty)
    }
}
