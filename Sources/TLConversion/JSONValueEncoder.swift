import TLFormats

/// Encodes an `Encodable` value into a `JSONValue`, keeping keys in the order the
/// value encodes them and doubles as doubles (`8.0`, not `8`), so `config.json`
/// lists TransformerLens's fields in its own order with Python-faithful types.
/// Supports what configs hold: objects, arrays, strings, numbers, booleans, null.
struct JSONValueEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = NodeEncoder()
        try value.encode(to: encoder)
        return encoder.node.value
    }
}

/// A mutable tree node the containers write into.
private final class Node {
    enum Kind { case empty, scalar(JSONValue), object([(String, Node)]), array([Node]) }
    var kind: Kind = .empty

    var value: JSONValue {
        switch kind {
        case .empty: return .null
        case .scalar(let v): return v
        case .object(let members): return .object(members.map { ($0.0, $0.1.value) })
        case .array(let items): return .array(items.map(\.value))
        }
    }

    func member(_ key: String) -> Node {
        let child = Node()
        if case .object(var members) = kind {
            members.removeAll { $0.0 == key }
            members.append((key, child))
            kind = .object(members)
        } else {
            kind = .object([(key, child)])
        }
        return child
    }

    func appended() -> Node {
        let child = Node()
        if case .array(var items) = kind { items.append(child); kind = .array(items) } else { kind = .array([child]) }
        return child
    }
}

private final class NodeEncoder: Encoder, SingleValueEncodingContainer {
    let node: Node
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(node: Node = Node()) { self.node = node }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.kind {} else { node.kind = .object([]) }
        return KeyedEncodingContainer(Keyed<Key>(node: node))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case .array = node.kind {} else { node.kind = .array([]) }
        return Unkeyed(node: node)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { self }

    func encodeNil() throws { node.kind = .scalar(.null) }
    func encode(_ value: Bool) throws { node.kind = .scalar(.bool(value)) }
    func encode(_ value: String) throws { node.kind = .scalar(.string(value)) }
    func encode(_ value: Double) throws { node.kind = .scalar(.double(value)) }
    func encode(_ value: Float) throws { node.kind = .scalar(.double(Double(value))) }
    func encode(_ value: Int) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: Int8) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: Int16) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: Int32) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: Int64) throws { node.kind = .scalar(.int(value)) }
    func encode(_ value: UInt) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: UInt8) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: UInt16) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: UInt32) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode(_ value: UInt64) throws { node.kind = .scalar(.int(Int64(value))) }
    func encode<T: Encodable>(_ value: T) throws { try value.encode(to: NodeEncoder(node: node)) }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [CodingKey] = []

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).kind = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try value.encode(to: NodeEncoder(node: node.member(key.stringValue)))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.member(key.stringValue)).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(node: node.member(key.stringValue)).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.member("super")) }
    mutating func superEncoder(forKey key: Key) -> Encoder { NodeEncoder(node: node.member(key.stringValue)) }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [CodingKey] = []
    var count: Int {
        if case .array(let items) = node.kind { return items.count }
        return 0
    }

    mutating func encodeNil() throws { node.appended().kind = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: NodeEncoder(node: node.appended())) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.appended()).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { NodeEncoder(node: node.appended()).unkeyedContainer() }
    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.appended()) }
}
