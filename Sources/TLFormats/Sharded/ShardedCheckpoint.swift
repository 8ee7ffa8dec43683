import TLCore

/// A checkpoint split over several files by `model.safetensors.index.json` or
/// `pytorch_model.bin.index.json` (`weight_map`: tensor name → shard file), presented
/// as one tensor source. Opening checks every shard exists and holds exactly what the
/// map says: no missing tensor, no tensor in two shards, no unlisted tensor.
public struct ShardedCheckpoint: TensorSource {
    public let path: String
    public let format: String
    public let tensorInfos: [TensorInfo]
    /// The index's `metadata` (e.g. `total_size`), values as strings.
    public let metadata: [String: String]
    /// Shard file names in order, as the index spells them.
    public let shardNames: [String]
    private let shards: [String: any TensorSource]
    private let owner: [String: String]

    public static func isIndexPath(_ path: String) -> Bool { path.hasSuffix(".index.json") }

    public init(indexPath path: String) throws(TLError) {
        func fail(_ problem: String) -> TLError { .badFile(path: path, problem: problem) }
        let json = try JSONParser.parseObjectFile(path)
        guard let map = json["weight_map"]?.objectMembers else { throw fail("sharded index has no weight_map object") }
        var metadata = [String: String]()
        if let members = json["metadata"]?.objectMembers {
            for (key, value) in members {
                switch value {
                case .string(let s): metadata[key] = s
                case .null, .array, .object: continue
                default: metadata[key] = JSONWriter.string(value)
                }
            }
        }

        var owner = [String: String]()
        var shardNames = [String]()
        for (tensor, value) in map {
            guard let shard = value.stringValue else { throw fail("weight_map entry '\(tensor)' is not a file name") }
            guard !shard.isEmpty, !shard.hasPrefix("/"),
                  !shard.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                throw fail("weight_map names shard '\(shard)', which is not a file beside the index")
            }
            if owner.updateValue(shard, forKey: tensor) != nil { throw fail("weight_map lists tensor '\(tensor)' twice") }
            if !shardNames.contains(shard) { shardNames.append(shard) }
        }
        shardNames.sort()
        guard !shardNames.isEmpty else { throw fail("weight_map is empty") }

        let folder = FileSystem.directory(of: path)
        var shards = [String: any TensorSource]()
        var infos = [TensorInfo]()
        var kinds = Set<String>()
        for shard in shardNames {
            let shardPath = FileSystem.join(folder, shard)
            guard FileSystem.isFile(shardPath) else { throw fail("shard \(shard) named by the weight_map does not exist") }
            let source = try CheckpointOpener.openFile(shardPath)
            kinds.insert(source.format)
            for info in source.tensorInfos {
                guard let listed = owner[info.name] else {
                    throw fail("shard \(shard) holds tensor '\(info.name)', which the weight_map does not list")
                }
                guard listed == shard else {
                    throw fail("tensor '\(info.name)' is in shard \(shard) but the weight_map assigns it to \(listed)")
                }
                infos.append(info)
            }
            shards[shard] = source
        }
        // Every listed tensor must have been found in its shard (duplicates across shards
        // were caught above: a tensor is accepted only from the shard the map names).
        var present = Set<String>()
        for info in infos where !present.insert(info.name).inserted {
            throw fail("tensor '\(info.name)' appears twice in shard \(owner[info.name] ?? "")")
        }
        for (tensor, _) in map where !present.contains(tensor) {
            throw fail("weight_map assigns tensor '\(tensor)' to \(owner[tensor] ?? ""), which does not hold it")
        }
        self.path = path
        self.format = (kinds.count == 1 ? kinds.first ?? "mixed" : "mixed") + "-index"
        self.tensorInfos = infos
        self.metadata = metadata
        self.shardNames = shardNames
        self.shards = shards
        self.owner = owner
    }

    public func tensor(named name: String) throws(TLError) -> Tensor {
        guard let shard = owner[name], let source = shards[shard] else {
            throw .badTensor(name: name, problem: "not found in \(path)")
        }
        return try source.tensor(named: name)
    }

    public func releasePages(of name: String) {
        guard let shard = owner[name] else { return }
        shards[shard]?.releasePages(of: name)
    }

    /// The shard file a tensor lives in.
    public func shard(of name: String) -> String? { owner[name] }
}
