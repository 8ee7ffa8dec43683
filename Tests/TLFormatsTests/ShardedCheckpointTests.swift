import Foundation
import Testing
import TLCore
@testable import TLFormats

/// Sharded indexes built in a temporary folder: one source, and every inconsistency refused.
struct ShardedCheckpointTests {
    private func shard(_ tensors: [(String, [Float])]) -> [UInt8] {
        var members = [String]()
        var data = [UInt8]()
        for (name, values) in tensors {
            members.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(values.count)],\"data_offsets\":[\(data.count),\(data.count + 4 * values.count)]}")
            data += TestSupport.floats(values)
        }
        return TestSupport.safetensors(header: "{" + members.joined(separator: ",") + "}", data: data)
    }

    private func folder(index: String, shards: [String: [UInt8]]) -> String {
        let folder = TestSupport.temporaryDirectory()
        _ = FileManager.default.createFile(atPath: folder + "/model.safetensors.index.json", contents: Data(index.utf8))
        for (name, bytes) in shards { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes)) }
        return folder
    }

    private let shards = ["a.safetensors": [UInt8](), "b.safetensors": []]

    private func failure(_ index: String, _ shards: [String: [UInt8]]) -> String? {
        let dir = folder(index: index, shards: shards)
        return thrownError { () throws(TLError) in try CheckpointOpener.open(dir) }
            .map { "\($0)".replacingOccurrences(of: dir + "/", with: "") }
    }

    @Test func presentsShardsAsOneSource() throws {
        let index = #"{"metadata":{"total_size":20},"weight_map":{"x":"a.safetensors","y":"b.safetensors","z":"a.safetensors"}}"#
        let dir = folder(index: index, shards: ["a.safetensors": shard([("z", [5]), ("x", [1, 2])]),
                                                 "b.safetensors": shard([("y", [3, 4])])])
        let source = try CheckpointOpener.open(dir)
        #expect(source.format == "safetensors-index")
        #expect(source.tensorNames == ["x", "z", "y"])
        #expect(source.metadata == ["total_size": "20"])
        #expect(try source.tensor(named: "y").floats() == [3, 4])
        #expect(try source.tensor(named: "x").floats() == [1, 2])
    }

    @Test func shardsMayBeTorchZips() throws {
        let bin = TestSupport.torchZip(pickle: TestSupport.torchPickle(tensors: [("w", "0", [2], [1], 0, 2)]),
                                       records: [("0", TestSupport.floats([7, 8]))])
        let dir = TestSupport.temporaryDirectory()
        _ = FileManager.default.createFile(atPath: dir + "/pytorch_model.bin.index.json",
                                       contents: Data(#"{"weight_map":{"w":"pytorch_model-00001-of-00001.bin"}}"#.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/pytorch_model-00001-of-00001.bin", contents: Data(bin))
        let source = try CheckpointOpener.open(dir)
        #expect(source.format == "torch-index")
        #expect(try source.tensor(named: "w").floats() == [7, 8])
    }

    @Test func refusesInconsistentIndexes() {
        let a = shard([("x", [1])]), b = shard([("y", [2])])
        #expect(failure(#"{"weight_map":{"x":"a.safetensors","y":"c.safetensors"}}"#, ["a.safetensors": a])
                == "model.safetensors.index.json: shard c.safetensors named by the weight_map does not exist")
        #expect(failure(#"{"weight_map":{"x":"a.safetensors","y":"a.safetensors"}}"#, ["a.safetensors": a])
                == "model.safetensors.index.json: weight_map assigns tensor 'y' to a.safetensors, which does not hold it")
        #expect(failure(#"{"weight_map":{"x":"b.safetensors","y":"b.safetensors"}}"#, ["a.safetensors": a, "b.safetensors": b])
                == "model.safetensors.index.json: weight_map assigns tensor 'x' to b.safetensors, which does not hold it")
        #expect(failure(#"{"weight_map":{"x":"a.safetensors"}}"#, ["a.safetensors": shard([("x", [1]), ("q", [0])])])
                == "model.safetensors.index.json: shard a.safetensors holds tensor 'q', which the weight_map does not list")
        // The same tensor in two shards: the one the map does not name is refused.
        #expect(failure(#"{"weight_map":{"x":"a.safetensors","y":"b.safetensors"}}"#,
                        ["a.safetensors": a, "b.safetensors": shard([("y", [2]), ("x", [9])])])
                == "model.safetensors.index.json: tensor 'x' is in shard b.safetensors but the weight_map assigns it to a.safetensors")
        #expect(failure(#"{"weight_map":{"x":"../a.safetensors"}}"#, [:])
                == "model.safetensors.index.json: weight_map names shard '../a.safetensors', which is not a file beside the index")
        #expect(failure(#"{"weight_map":[]}"#, [:]) == "model.safetensors.index.json: sharded index has no weight_map object")
        #expect(failure(#"{"weight_map":{"x":"a.safetensors""#, [:])?.hasPrefix("model.safetensors.index.json: invalid JSON") == true)
        #expect(failure(#"{"weight_map":{"x":"a.safetensors"}}"#, ["a.safetensors": [1, 2, 3]])
                == "a.safetensors: truncated: 3 bytes, shorter than the 8-byte header length")
    }
}
