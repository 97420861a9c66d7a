/// Abstract syntax of a parsed Cypher statement.
indirect enum Expr: Equatable, Sendable {
    case literal(Value)
    case param(String)
    case variable(String)
    case property(Expr, String)
    case index(Expr, Expr)
    case slice(Expr, Expr?, Expr?)
    case hasLabels(Expr, [String])
    case list([Expr])
    case map([MapEntry])
    case not(Expr)
    case negate(Expr)
    case binary(BinaryOp, Expr, Expr)
    case comparison(Expr, [ComparisonStep])
    case isNull(Expr, negated: Bool)
    case function(String, distinct: Bool, args: [Expr])
    case aggregate(AggregateCall)
    case caseExpr(subject: Expr?, whens: [CaseWhen], otherwise: Expr?)
    case listComprehension(variable: String, list: Expr, filter: Expr?, map: Expr?)
    case quantifier(Quantifier, variable: String, list: Expr, predicate: Expr?)
    case reduce(accumulator: String, initial: Expr, variable: String, list: Expr, body: Expr)
    case patternComprehension(pathVariable: String?, pattern: PatternPart, filter: Expr?, map: Expr)
    case patternPredicate(PatternPart)
    case exists(patterns: [PatternPart], filter: Expr?)
    case mapProjection(Expr, [MapProjectionItem])
    /// `EXISTS { MATCH … RETURN … }`: true when the inner query yields a row.
    case subquery([Clause])
}

struct MapEntry: Equatable, Sendable { var key: String; var value: Expr }
struct CaseWhen: Equatable, Sendable { var when: Expr; var then: Expr }
struct ComparisonStep: Equatable, Sendable { var op: ComparisonOp; var rhs: Expr }

enum MapProjectionItem: Equatable, Sendable {
    case property(String)
    case literal(String, Expr)
    case variable(String)
    case allProperties
}

enum BinaryOp: String, Sendable {
    case or = "OR", xor = "XOR", and = "AND"
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "^"
    case inList = "IN", startsWith = "STARTS WITH", endsWith = "ENDS WITH", contains = "CONTAINS", regex = "=~"
}

enum ComparisonOp: String, Sendable { case eq = "=", ne = "<>", lt = "<", gt = ">", le = "<=", ge = ">=" }
enum Quantifier: String, Sendable { case all, any, none, single }

/// An aggregate call; `id` is unique within a statement so results can be looked up per group.
struct AggregateCall: Equatable, Sendable {
    var id: Int
    var name: String          // lowercased: count, sum, avg, min, max, collect, stdev, stdevp, percentilecont, percentiledisc
    var distinct: Bool
    var args: [Expr]          // empty for count(*)
    var star: Bool
    static func == (a: AggregateCall, b: AggregateCall) -> Bool {
        a.name == b.name && a.distinct == b.distinct && a.args == b.args && a.star == b.star
    }
}


struct NodePattern: Equatable, Sendable {
    var variable: String?
    var labels: [String]
    var properties: Expr?
}

struct RelPattern: Equatable, Sendable {
    var variable: String?
    var types: [String]
    var properties: Expr?
    var direction: Direction
    /// nil for a single hop; otherwise (min, max) where nil means unbounded / default.
    var range: VarLength?
}

struct VarLength: Equatable, Sendable { var min: Int?; var max: Int? }

struct PatternPart: Equatable, Sendable {
    var pathVariable: String?
    var nodes: [NodePattern]
    var rels: [RelPattern]
    var shortest: ShortestKind?
}
enum ShortestKind: Equatable, Sendable { case single, all }

struct ProjectionItem: Equatable, Sendable {
    var expr: Expr
    var name: String
    var aliased: Bool
}

struct YieldItem: Equatable, Sendable { var output: String; var variable: String }

struct SortItem: Equatable, Sendable { var expr: Expr; var descending: Bool }

struct Projection: Equatable, Sendable {
    var distinct: Bool
    var star: Bool
    var items: [ProjectionItem]
    var orderBy: [SortItem]
    var skip: Expr?
    var limit: Expr?
    var filter: Expr?
}

enum SetItem: Equatable, Sendable {
    case property(target: Expr, key: String, value: Expr)
    case replace(variable: String, value: Expr)
    case merge(variable: String, value: Expr)
    case labels(variable: String, labels: [String])
}

enum RemoveItem: Equatable, Sendable {
    case property(target: Expr, key: String)
    case labels(variable: String, labels: [String])
}

enum Clause: Equatable, Sendable {
    case match(optional: Bool, patterns: [PatternPart], filter: Expr?)
    case unwind(Expr, String)
    case with(Projection)
    case ret(Projection)
    case create([PatternPart])
    case merge(PatternPart, onCreate: [SetItem], onMatch: [SetItem])
    case set([SetItem])
    case remove([RemoveItem])
    case delete([Expr], detach: Bool)
    /// `yields`: nil without YIELD, empty for `YIELD *`; each item maps an output to a variable.
    case call(procedure: String, args: [Expr]?, yields: [YieldItem]?)

    var isUpdating: Bool {
        switch self {
        case .create, .merge, .set, .remove, .delete: return true
        default: return false
        }
    }
}

/// One single query (a sequence of clauses) or a UNION of several.
struct Statement: Sendable {
    var parts: [[Clause]]
    var unionAll: [Bool]
    var explain: Bool
    var profile: Bool
    /// Positions of clause starts (for error messages).
    var clausePositions: [[SourcePos]]
}
