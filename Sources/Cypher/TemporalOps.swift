/// Temporal functions, accessors, arithmetic and formatting.
enum TemporalOps {
    static func isFunction(_ name: String) -> Bool { false }
    static func call(_ name: String, _ args: [Value]) throws -> Value { .null }
    static func equals(_ a: Temporal, _ b: Temporal) -> Bool? { a == b }
    static func compare(_ a: Temporal, _ b: Temporal) -> Int? { nil }
    static func order(_ a: Temporal, _ b: Temporal) -> Int { 0 }
    static func component(_ t: Temporal, _ key: String) -> Value? { nil }
    static func format(_ t: Temporal) -> String { "\(t)" }
    static func arithmetic(_ op: BinaryOp, _ a: Temporal, _ b: Value) throws -> Value? { nil }
    static func arithmeticRight(_ op: BinaryOp, _ a: Value, _ b: Temporal) throws -> Value? { nil }
    static func makeDuration(months: Int64, days: Int64, seconds: Int64, nanos: Int64) -> Temporal {
        .duration(months: months, days: days, seconds: seconds, nanos: Int32(nanos))
    }
}
