import TLCore

/// The values a `torch.save` pickle can build under the restricted unpickler.
/// Lists and dicts are reference boxes because pickle mutates them after memoising.
/// Every container knows its nesting depth without walking its items, so the unpickler
/// can refuse a deep tree before building it (freeing a tree recurses once per level).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// Items and the tuple's nesting depth (1 + its deepest item's).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    /// A global the unpickler recognised (never a Python object: just its meaning).
    case global(TorchGlobal)
    /// A storage named by a persistent id: `data/<key>` of `dtype`, `count` elements.
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return "global \(g)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    /// Levels of containers: 0 for a leaf, 1 for a container of leaves (or an empty one).
    var depth: Int {
        switch self {
        case .tuple(_, let depth): return depth
        case .list(let list): return list.depth
        case .dict(let dict): return dict.depth
        default: return 0
        }
    }

    /// The list or dict box, for identity checks.
    var container: PickleContainer? {
        switch self {
        case .list(let list): return list
        case .dict(let dict): return dict
        default: return nil
        }
    }
}

/// A mutable container. Once placed inside another container it is sealed: pickle has
/// filled it by then (the pickler writes a container's items before its parent uses it),
/// so a later change is hostile. Sealing keeps `depth` exact and makes a cycle impossible
/// (only an unsealed box can change, and nothing holds it yet but itself).
class PickleContainer {
    /// 1 + the deepest item's depth; grows only while unsealed.
    var depth = 1
    var isSealed = false
}

final class PickleList: PickleContainer {
    var items: [PickleValue] = []
}

final class PickleDict: PickleContainer {
    var items: [(key: PickleValue, value: PickleValue)] = []
}

/// The only globals a state dict needs. Anything else is refused by name.
enum TorchGlobal: Equatable, CustomStringConvertible {
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case orderedDict
    /// `torch.FloatStorage` and friends, or `torch.float32` and friends (element type).
    case storageType(DType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch", _):
            guard let dtype = TorchGlobal.storageTypes[name] ?? TorchGlobal.dtypeNames[name] else { return nil }
            self = .storageType(dtype)
        default: return nil
        }
    }

    static let storageTypes: [String: DType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool, "UntypedStorage": .u8,
    ]

    static let dtypeNames: [String: DType] = [
        "float32": .f32, "float": .f32, "float16": .f16, "half": .f16, "bfloat16": .bf16,
        "float64": .f64, "double": .f64, "int64": .i64, "long": .i64, "int32": .i32, "int": .i32,
        "int16": .i16, "short": .i16, "int8": .i8, "uint8": .u8, "bool": .bool,
    ]

    var description: String {
        switch self {
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .orderedDict: return "collections.OrderedDict"
        case .storageType(let dtype): return "torch storage type \(dtype.rawValue)"
        }
    }
}

struct TorchStorageRef {
    let key: String
    let dtype: DType
    let count: Int
}

struct TorchTensorRef {
    let storage: TorchStorageRef
    /// In elements of the storage's dtype.
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}
