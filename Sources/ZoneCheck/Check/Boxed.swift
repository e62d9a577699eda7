/// A value kept out of line: a struct field that is large and seldom set (in every cell of a sweep's
/// 100,000 zones x 5 servers) costs one pointer when boxed instead of its whole size inline. Immutable,
/// so sharing the box between copies is safe; compared by value.
final class Boxed<Value: Sendable & Equatable>: Sendable, Equatable {
    let value: Value

    init(_ value: Value) { self.value = value }

    static func == (lhs: Boxed, rhs: Boxed) -> Bool { lhs === rhs || lhs.value == rhs.value }
}
