import TLCore

/// Interprets the pickle opcodes `torch.save` emits (protocols 2–5) into plain values,
/// calling nothing: the only globals it knows are tensor rebuilders, storage types and
/// `OrderedDict`, and it only *records* their meaning. Any other global (`posix.system`,
/// `builtins.eval`, …) stops the load with an error naming it. Stack, memo, nesting depth
/// and the values placed into containers are bounded so hostile input cannot exhaust
/// memory, run long, or build a tree too deep to free: memo references let a few bytes
/// stand for a large shared structure, so the count of placed values is bounded by
/// `workLimit` rather than by the size of the input alone.
struct RestrictedUnpickler {
    static let maxStack = 1 << 20
    static let maxMemo = 1 << 20
    static let maxMarks = 1 << 16
    static let maxGlobalLength = 256
    /// Real state dicts nest a handful of levels; freeing a tree recurses once per level.
    static let maxDepth = 1000

    /// Values a pickle of `byteCount` bytes may place into containers (and a walk of its
    /// result may visit): generous for any real state dict — each placed value costs the
    /// pickler at least a byte — yet small enough to stop a memo-reuse bomb in well under a second.
    static func workLimit(byteCount: Int) -> Int { (1 << 18) + 4 * byteCount }

    private var cursor: ByteCursor
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [UInt32: PickleValue] = [:]
    private let workLimit: Int
    private var work = 0

    /// Reads one pickle from `bytes`; `path` names the file (or zip entry) in errors.
    static func load(_ bytes: UnsafeRawBufferPointer, path: String) throws(TLError) -> PickleValue {
        var unpickler = RestrictedUnpickler(cursor: ByteCursor(bytes, path: path))
        return try unpickler.run()
    }

    private init(cursor: ByteCursor) {
        self.cursor = cursor
        self.workLimit = Self.workLimit(byteCount: cursor.bytes.count)
    }

    private func fail(_ problem: String) -> TLError { cursor.fail("pickle: \(problem)") }

    private mutating func push(_ value: PickleValue) throws(TLError) {
        guard stack.count < Self.maxStack else { throw fail("stack exceeds \(Self.maxStack) items (hostile input?)") }
        stack.append(value)
    }

    private mutating func pop(_ opcode: String) throws(TLError) -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else {
            throw fail("\(opcode) on an empty stack")
        }
        return value
    }

    private mutating func top(_ opcode: String) throws(TLError) -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw fail("\(opcode) on an empty stack") }
        return value
    }

    /// The items pushed since the last MARK, removing them and the mark.
    private mutating func popToMark(_ opcode: String) throws(TLError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("\(opcode) without a MARK") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    /// Places `items` into a container of depth `depth` so far and returns its new depth;
    /// each item counts against the work limit and is sealed.
    private mutating func place(_ items: [PickleValue], depth: Int = 1) throws(TLError) -> Int {
        work += items.count
        guard work <= workLimit else {
            throw fail("builds more than \(workLimit) container items (a memoised structure reused over and over? hostile input?)")
        }
        var deepest = depth
        for item in items {
            item.container?.isSealed = true
            deepest = max(deepest, item.depth + 1)
        }
        guard deepest <= Self.maxDepth else {
            throw fail("nests containers deeper than \(Self.maxDepth) levels (hostile input?)")
        }
        return deepest
    }

    /// Adds `items` to the list or dict `box` that `opcode` changes.
    private mutating func extend(_ box: PickleContainer, with items: [PickleValue], _ opcode: String) throws(TLError) {
        func kind() -> String { box is PickleList ? "list" : "dict" }
        guard !box.isSealed else {
            throw fail("\(opcode) changes a \(kind()) already placed inside another container (hostile input?)")
        }
        guard !items.contains(where: { $0.container === box }) else {
            throw fail("\(opcode) puts a \(kind()) inside itself")
        }
        box.depth = try place(items, depth: box.depth)
    }

    private mutating func tuple(_ items: [PickleValue]) throws(TLError) -> PickleValue {
        .tuple(items, depth: try place(items))
    }

    private mutating func memoize(_ index: UInt32) throws(TLError) {
        let value = try top("PUT")
        guard memo.count < Self.maxMemo || memo[index] != nil else {
            throw fail("memo exceeds \(Self.maxMemo) entries (hostile input?)")
        }
        memo[index] = value
    }

    private mutating func recall(_ index: UInt32) throws(TLError) {
        guard let value = memo[index] else { throw fail("GET of memo entry \(index), which was never stored") }
        try push(value)
    }

    private mutating func string(length: Int, _ opcode: String) throws(TLError) -> String {
        let bytes = try cursor.slice(length, "\(opcode) string")
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("\(opcode) string is not valid UTF-8") }
        return text
    }

    private mutating func line(_ what: String) throws(TLError) -> String {
        var bytes = [UInt8]()
        while true {
            let byte = try cursor.u8(what)
            if byte == 0x0A { break }
            bytes.append(byte)
            guard bytes.count <= Self.maxGlobalLength else { throw fail("\(what) is longer than \(Self.maxGlobalLength) bytes") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func resolve(module: String, name: String) throws(TLError) -> PickleValue {
        guard let known = TorchGlobal(module: module, name: name) else {
            throw fail("refuses global '\(module).\(name)': only tensor-rebuilding globals are allowed (nothing was executed)")
        }
        return .global(known)
    }

    private mutating func run() throws(TLError) -> PickleValue {
        while true {
            let at = cursor.offset
            let opcode = try cursor.u8("an opcode (missing STOP)")
            switch opcode {
            case 0x80:  // PROTO
                let version = try cursor.u8()
                guard (2...5).contains(version) else { throw fail("protocol \(version) is not supported (2–5)") }
            case 0x95:  // FRAME: a length hint only
                _ = try cursor.u64("FRAME length")
            case 0x2E:  // STOP
                guard marks.isEmpty else { throw fail("STOP with an unclosed MARK") }
                guard stack.count == 1, let result = stack.last else {
                    throw fail("STOP with \(stack.count) values on the stack, expected 1")
                }
                return result
            case 0x28:  // MARK
                guard marks.count < Self.maxMarks else { throw fail("too many nested MARKs") }
                marks.append(stack.count)
            case 0x30:  // POP
                if marks.last == stack.count { marks.removeLast() } else { _ = try pop("POP") }
            case 0x31:  // POP_MARK
                _ = try popToMark("POP_MARK")
            case 0x7D: try push(.dict(PickleDict()))  // EMPTY_DICT
            case 0x5D: try push(.list(PickleList()))  // EMPTY_LIST
            case 0x29: try push(.tuple([], depth: 1))  // EMPTY_TUPLE
            case 0x4E: try push(.none)  // NONE
            case 0x88: try push(.bool(true))  // NEWTRUE
            case 0x89: try push(.bool(false))  // NEWFALSE
            case 0x4A: try push(.int(Int64(Int32(bitPattern: try cursor.u32()))))  // BININT
            case 0x4B: try push(.int(Int64(try cursor.u8())))  // BININT1
            case 0x4D: try push(.int(Int64(try cursor.u16())))  // BININT2
            case 0x8A:  // LONG1
                let count = Int(try cursor.u8())
                let bytes = try cursor.slice(count, "LONG1 value")
                guard count <= 8 else { throw fail("LONG1 integer of \(count) bytes is too large") }
                var value: UInt64 = 0
                for (i, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
                if count > 0 && count < 8 && bytes[count - 1] & 0x80 != 0 {
                    value |= ~0 << (8 * UInt64(count))  // sign-extend
                }
                try push(.int(Int64(bitPattern: value)))
            case 0x47:  // BINFLOAT (big-endian)
                let bits = try cursor.u64("BINFLOAT value")
                try push(.float(Double(bitPattern: bits.byteSwapped)))
            case 0x58:  // BINUNICODE
                let length = Int(try cursor.u32())
                try push(.string(try string(length: length, "BINUNICODE")))
            case 0x8C:  // SHORT_BINUNICODE
                let length = Int(try cursor.u8())
                try push(.string(try string(length: length, "SHORT_BINUNICODE")))
            case 0x8D:  // BINUNICODE8
                let raw = try cursor.u64()
                guard let length = ByteCursor.checkedInt(raw, limit: cursor.remaining) else {
                    throw fail("BINUNICODE8 length \(raw) runs past the end of the data")
                }
                try push(.string(try string(length: length, "BINUNICODE8")))
            case 0x54, 0x55:  // BINSTRING, SHORT_BINSTRING (protocol-1 byte strings)
                let length = opcode == 0x54 ? Int(Int32(bitPattern: try cursor.u32())) : Int(try cursor.u8())
                guard length >= 0 else { throw fail("negative BINSTRING length") }
                let bytes = try cursor.slice(length, "BINSTRING")
                try push(.string(String(decoding: bytes, as: UTF8.self)))
            case 0x42, 0x43:  // BINBYTES, SHORT_BINBYTES
                let length = opcode == 0x42 ? Int(try cursor.u32()) : Int(try cursor.u8())
                try push(.bytes(Array(try cursor.slice(length, "BINBYTES"))))
            case 0x71: try memoize(UInt32(try cursor.u8()))  // BINPUT
            case 0x72: try memoize(try cursor.u32())  // LONG_BINPUT
            case 0x94: try memoize(UInt32(truncatingIfNeeded: memo.count))  // MEMOIZE
            case 0x68: try recall(UInt32(try cursor.u8()))  // BINGET
            case 0x6A: try recall(try cursor.u32())  // LONG_BINGET
            case 0x85:  // TUPLE1
                let a = try pop("TUPLE1")
                try push(try tuple([a]))
            case 0x86:  // TUPLE2
                let b = try pop("TUPLE2"), a = try pop("TUPLE2")
                try push(try tuple([a, b]))
            case 0x87:  // TUPLE3
                let c = try pop("TUPLE3"), b = try pop("TUPLE3"), a = try pop("TUPLE3")
                try push(try tuple([a, b, c]))
            case 0x74: try push(try tuple(try popToMark("TUPLE")))  // TUPLE
            case 0x73:  // SETITEM
                let value = try pop("SETITEM"), key = try pop("SETITEM")
                guard case .dict(let dict) = try top("SETITEM") else { throw fail("SETITEM on a non-dict") }
                try extend(dict, with: [key, value], "SETITEM")
                dict.items.append((key, value))
            case 0x75:  // SETITEMS
                let items = try popToMark("SETITEMS")
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
                guard case .dict(let dict) = try top("SETITEMS") else { throw fail("SETITEMS on a non-dict") }
                try extend(dict, with: items, "SETITEMS")
                for i in stride(from: 0, to: items.count, by: 2) { dict.items.append((items[i], items[i + 1])) }
            case 0x61:  // APPEND
                let value = try pop("APPEND")
                guard case .list(let list) = try top("APPEND") else { throw fail("APPEND on a non-list") }
                try extend(list, with: [value], "APPEND")
                list.items.append(value)
            case 0x65:  // APPENDS
                let items = try popToMark("APPENDS")
                guard case .list(let list) = try top("APPENDS") else { throw fail("APPENDS on a non-list") }
                try extend(list, with: items, "APPENDS")
                list.items.append(contentsOf: items)
            case 0x63:  // GLOBAL
                let module = try line("GLOBAL module name")
                let name = try line("GLOBAL name")
                try push(try resolve(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                guard case .string(let name) = try pop("STACK_GLOBAL"),
                      case .string(let module) = try pop("STACK_GLOBAL") else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                try push(try resolve(module: module, name: name))
            case 0x51:  // BINPERSID
                try push(try persistentLoad(try pop("BINPERSID")))
            case 0x52:  // REDUCE
                let arguments = try pop("REDUCE"), callable = try pop("REDUCE")
                guard case .tuple(let args, _) = arguments else { throw fail("REDUCE arguments are not a tuple") }
                try push(try reduce(callable, args))
            case 0x62:  // BUILD: state of OrderedDict (`_metadata`) or tensors carries no data we need
                _ = try pop("BUILD")
                switch try top("BUILD") {
                case .dict, .tensor: break
                case let other: throw fail("BUILD on a \(other.kind) is not allowed")
                }
            default:
                throw fail("opcode 0x\(String(opcode, radix: 16)) at offset \(at) is not supported by the restricted unpickler")
            }
        }
    }

    /// `('storage', storage_type, key, location, numel)` → a storage reference.
    private func persistentLoad(_ id: PickleValue) throws(TLError) -> PickleValue {
        guard case .tuple(let parts, _) = id, parts.count == 5,
              case .string("storage") = parts[0] else {
            throw fail("persistent id is not ('storage', type, key, location, numel)")
        }
        guard case .global(.storageType(let dtype)) = parts[1] else {
            throw fail("persistent id names \(parts[1].kind), not a storage type")
        }
        let key: String
        switch parts[2] {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        default: throw fail("storage key is a \(parts[2].kind)")
        }
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }), !key.contains("..") else {
            throw fail("storage key '\(key)' is not a plain name")
        }
        guard case .int(let count) = parts[4], count >= 0, let elements = Int(exactly: count) else {
            throw fail("storage '\(key)' has no valid element count")
        }
        return .storage(TorchStorageRef(key: key, dtype: dtype, count: elements))
    }

    private mutating func reduce(_ callable: PickleValue, _ args: [PickleValue]) throws(TLError) -> PickleValue {
        guard case .global(let global) = callable else { throw fail("REDUCE calls a \(callable.kind)") }
        switch global {
        case .orderedDict:
            let dict = PickleDict()
            if let first = args.first {
                guard args.count == 1, case .list(let pairs) = first else { throw fail("OrderedDict with unexpected arguments") }
                var keysAndValues = [PickleValue]()
                keysAndValues.reserveCapacity(2 * pairs.items.count)
                for pair in pairs.items {
                    guard case .tuple(let kv, _) = pair, kv.count == 2 else { throw fail("OrderedDict item is not a pair") }
                    keysAndValues += kv
                }
                try extend(dict, with: keysAndValues, "OrderedDict")
                for i in stride(from: 0, to: keysAndValues.count, by: 2) { dict.items.append((keysAndValues[i], keysAndValues[i + 1])) }
            }
            return .dict(dict)
        case .rebuildTensorV2:
            guard args.count == 6 || args.count == 7 else {
                throw fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got \(args.count)")
            }
            guard case .storage(let storage) = args[0] else { throw fail("_rebuild_tensor_v2 storage is a \(args[0].kind)") }
            guard case .int(let rawOffset) = args[1], rawOffset >= 0, let offset = Int(exactly: rawOffset) else {
                throw fail("_rebuild_tensor_v2 storage offset is not a non-negative integer")
            }
            let shape = try integers(args[2], "size"), strides = try integers(args[3], "stride")
            guard shape.count == strides.count else {
                throw fail("_rebuild_tensor_v2 size \(shape) and stride \(strides) differ in rank")
            }
            return .tensor(TorchTensorRef(storage: storage, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            guard args.count >= 3, args.count <= 4, case .tensor = args[0] else {
                throw fail("\(global) expects (tensor, requires_grad, hooks[, state])")
            }
            return args[0]
        case .storageType:
            throw fail("REDUCE calls \(global), which is not callable here")
        }
    }

    private func integers(_ value: PickleValue, _ what: String) throws(TLError) -> [Int] {
        guard case .tuple(let items, _) = value, items.count <= 64 else { throw fail("tensor \(what) is not a tuple of integers") }
        var out = [Int]()
        for item in items {
            guard case .int(let raw) = item, raw >= 0, let v = Int(exactly: raw) else {
                throw fail("tensor \(what) holds \(item.kind) or a negative value")
            }
            out.append(v)
        }
        return out
    }
}
