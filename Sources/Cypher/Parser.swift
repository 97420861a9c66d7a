/// Recursive-descent parser for the openCypher subset; nesting is bounded by `maxDepth` so hostile input
/// gives a `SyntaxError` instead of exhausting the stack.
struct Parser {
    static let maxDepth = 150
    /// Clauses per single query; also bounds how deep values built clause by clause (collect of collect…) get.
    static let maxClauses = 1000

    private let tokens: TokenStream
    private var lexer: Lexer { tokens.lexer }
    private var p = 0
    private var depth = 0
    private var nextAggregateId = 0

    init(_ text: String) throws(CypherError) {
        tokens = TokenStream(Lexer(text))
    }

    static func parse(_ text: String) throws(CypherError) -> Statement {
        var parser = try Parser(text)
        return try parser.statement()
    }

    // MARK: token helpers

    private var tok: Token { tokens[p] }
    private func peekKind(_ d: Int = 0) -> TokenKind { tokens[p + d].kind }

    private func pos(_ t: Token? = nil) -> SourcePos { lexer.position((t ?? tokens[p]).offset) }

    private func isKeyword(_ kw: String, _ d: Int = 0) -> Bool {
        if case .ident(let s, false) = peekKind(d) { return s.uppercased() == kw }
        return false
    }
    private func isSym(_ s: String, _ d: Int = 0) -> Bool { peekKind(d) == .sym(s) }

    private mutating func acceptKeyword(_ kw: String) -> Bool {
        if isKeyword(kw) { p += 1; return true }
        return false
    }
    private mutating func acceptSym(_ s: String) -> Bool {
        if isSym(s) { p += 1; return true }
        return false
    }
    private mutating func expectKeyword(_ kw: String) throws(CypherError) {
        guard acceptKeyword(kw) else { throw unexpected("expected \(kw)") }
    }
    private mutating func expectSym(_ s: String) throws(CypherError) {
        guard acceptSym(s) else { throw unexpected("expected '\(s)'") }
    }

    private func describe(_ k: TokenKind) -> String {
        switch k {
        case .ident(let s, _): return "'\(s)'"
        case .integer(let s): return s
        case .float(let d): return "\(d)"
        case .string: return "a string"
        case .param(let s): return "$\(s)"
        case .sym(let s): return "'\(s)'"
        case .eof: return "end of input"
        }
    }

    private func unexpected(_ what: String) -> CypherError {
        if tok.kind == .eof, let e = tokens.error { return e }
        return .syntax("UnexpectedSyntax", "\(what), found \(describe(tok.kind))", at: pos())
    }

    private mutating func enter() throws(CypherError) {
        depth += 1
        if depth > Parser.maxDepth {
            throw .syntax("NestingTooDeep", "query nesting exceeds the limit of \(Parser.maxDepth) levels", at: pos())
        }
    }
    private mutating func leave() { depth -= 1 }

    private mutating func symbolicName() throws(CypherError) -> String {
        if case .ident(let s, _) = tok.kind { p += 1; return s }
        throw unexpected("expected a name")
    }

    private func text(from a: Int, to b: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: lexer.chars[a..<b])
        return String(s)
    }

    // MARK: statements

    mutating func statement() throws(CypherError) -> Statement {
        var explain = false, profile = false
        if acceptKeyword("EXPLAIN") { explain = true } else if acceptKeyword("PROFILE") { profile = true }
        var parts: [[Clause]] = []
        var positions: [[SourcePos]] = []
        var unionAll: [Bool] = []
        let (first, fp) = try singleQuery()
        parts.append(first); positions.append(fp)
        while acceptKeyword("UNION") {
            unionAll.append(acceptKeyword("ALL"))
            let (q, qp) = try singleQuery()
            parts.append(q); positions.append(qp)
        }
        _ = acceptSym(";")
        guard peekKind() == .eof, tokens.error == nil else { throw unexpected("expected end of query") }
        return Statement(parts: parts, unionAll: unionAll, explain: explain, profile: profile, clausePositions: positions)
    }

    private mutating func singleQuery() throws(CypherError) -> ([Clause], [SourcePos]) {
        var clauses: [Clause] = []
        var positions: [SourcePos] = []
        while true {
            let at = pos()
            guard let c = try clause() else { break }
            clauses.append(c); positions.append(at)
            if clauses.count > Parser.maxClauses {
                throw .syntax("QueryTooLarge", "a query may have at most \(Parser.maxClauses) clauses", at: at)
            }
        }
        if clauses.isEmpty { throw unexpected("expected a clause") }
        return (clauses, positions)
    }

    private mutating func clause() throws(CypherError) -> Clause? {
        if isKeyword("OPTIONAL") && isKeyword("MATCH", 1) { p += 2; return try matchClause(optional: true) }
        if acceptKeyword("MATCH") { return try matchClause(optional: false) }
        if acceptKeyword("UNWIND") {
            let e = try expression()
            try expectKeyword("AS")
            return .unwind(e, try symbolicName())
        }
        if acceptKeyword("WITH") {
            var proj = try projection(isReturn: false)
            if acceptKeyword("WHERE") { proj.filter = try expression() }
            return .with(proj)
        }
        if acceptKeyword("RETURN") { return .ret(try projection(isReturn: true)) }
        if acceptKeyword("CREATE") { return .create(try patternList()) }
        if acceptKeyword("MERGE") {
            let part = try patternPart()
            var onCreate: [SetItem] = [], onMatch: [SetItem] = []
            while isKeyword("ON") {
                p += 1
                if acceptKeyword("CREATE") { try expectKeyword("SET"); onCreate += try setItems() }
                else if acceptKeyword("MATCH") { try expectKeyword("SET"); onMatch += try setItems() }
                else { throw unexpected("expected CREATE or MATCH after ON") }
            }
            return .merge(part, onCreate: onCreate, onMatch: onMatch)
        }
        if acceptKeyword("SET") { return .set(try setItems()) }
        if acceptKeyword("REMOVE") { return .remove(try removeItems()) }
        if acceptKeyword("DELETE") { return .delete(try expressionList(), detach: false) }
        if isKeyword("DETACH") && isKeyword("DELETE", 1) { p += 2; return .delete(try expressionList(), detach: true) }
        if acceptKeyword("CALL") { return try callClause() }
        return nil
    }

    private mutating func callClause() throws(CypherError) -> Clause {
        var name = try symbolicName()
        while acceptSym(".") { name += "." + (try symbolicName()) }
        var args: [Expr]? = nil
        if acceptSym("(") {
            var a: [Expr] = []
            if !isSym(")") { a = try expressionList() }
            try expectSym(")")
            args = a
        }
        var yields: [YieldItem]? = nil
        if acceptKeyword("YIELD") {
            if acceptSym("*") { yields = [] } else {
                var y: [YieldItem] = []
                repeat {
                    let n = try symbolicName()
                    if acceptKeyword("AS") { y.append(YieldItem(output: n, variable: try symbolicName())) } else { y.append(YieldItem(output: n, variable: n)) }
                } while acceptSym(",")
                yields = y
            }
            if isKeyword("WHERE") { p += 1; _ = try expression() }
        }
        return .call(procedure: name, args: args, yields: yields)
    }

    private mutating func matchClause(optional: Bool) throws(CypherError) -> Clause {
        let patterns = try patternList()
        var filter: Expr? = nil
        if acceptKeyword("WHERE") { filter = try expression() }
        return .match(optional: optional, patterns: patterns, filter: filter)
    }

    private mutating func expressionList() throws(CypherError) -> [Expr] {
        var out = [try expression()]
        while acceptSym(",") { out.append(try expression()) }
        return out
    }

    private mutating func projection(isReturn: Bool) throws(CypherError) -> Projection {
        let distinct = acceptKeyword("DISTINCT")
        var star = false
        var items: [ProjectionItem] = []
        if acceptSym("*") {
            star = true
            if acceptSym(",") { items = try projectionItems() }
        } else {
            items = try projectionItems()
        }
        var order: [SortItem] = []
        if isKeyword("ORDER") {
            p += 1
            try expectKeyword("BY")
            repeat {
                let e = try expression()
                var desc = false
                if acceptKeyword("DESC") || acceptKeyword("DESCENDING") { desc = true }
                else { _ = acceptKeyword("ASC") || acceptKeyword("ASCENDING") }
                order.append(SortItem(expr: e, descending: desc))
            } while acceptSym(",")
        }
        var skip: Expr? = nil, limit: Expr? = nil
        if acceptKeyword("SKIP") { skip = try expression() }
        if acceptKeyword("LIMIT") { limit = try expression() }
        return Projection(distinct: distinct, star: star, items: items, orderBy: order, skip: skip, limit: limit, filter: nil)
    }

    private mutating func projectionItems() throws(CypherError) -> [ProjectionItem] {
        var items: [ProjectionItem] = []
        repeat {
            let startTok = tok
            let e = try expression()
            let endTok = tokens[p - 1]
            if acceptKeyword("AS") {
                items.append(ProjectionItem(expr: e, name: try symbolicName(), aliased: true))
            } else {
                var name = text(from: startTok.offset, to: endTok.end)
                if case .variable(let v) = e { name = v }
                items.append(ProjectionItem(expr: e, name: name, aliased: false))
            }
        } while acceptSym(",")
        return items
    }

    private mutating func setItems() throws(CypherError) -> [SetItem] {
        var out: [SetItem] = []
        repeat {
            let at = pos()
            let lhs = try postfixExpression()
            if case .hasLabels(.variable(let v), let labels) = lhs {
                out.append(.labels(variable: v, labels: labels))
            } else if acceptSym("=") {
                let value = try expression()
                switch lhs {
                case .property(let target, let key): out.append(.property(target: target, key: key, value: value))
                case .variable(let v): out.append(.replace(variable: v, value: value))
                default: throw .syntax("UnexpectedSyntax", "invalid SET target", at: at)
                }
            } else if acceptSym("+=") {
                guard case .variable(let v) = lhs else { throw .syntax("UnexpectedSyntax", "invalid SET target", at: at) }
                out.append(.merge(variable: v, value: try expression()))
            } else {
                throw unexpected("expected '=' or '+=' in SET")
            }
        } while acceptSym(",")
        return out
    }

    private mutating func removeItems() throws(CypherError) -> [RemoveItem] {
        var out: [RemoveItem] = []
        repeat {
            let at = pos()
            let e = try postfixExpression()
            switch e {
            case .hasLabels(.variable(let v), let labels): out.append(.labels(variable: v, labels: labels))
            case .property(let target, let key): out.append(.property(target: target, key: key))
            default: throw .syntax("UnexpectedSyntax", "invalid REMOVE item", at: at)
            }
        } while acceptSym(",")
        return out
    }

    // MARK: patterns

    private mutating func patternList() throws(CypherError) -> [PatternPart] {
        var out = [try patternPart()]
        while acceptSym(",") { out.append(try patternPart()) }
        return out
    }

    private mutating func patternPart() throws(CypherError) -> PatternPart {
        var pathVar: String? = nil
        if case .ident(let name, _) = peekKind(), isSym("=", 1) {
            p += 2
            pathVar = name
        }
        var shortest: ShortestKind? = nil
        if (isKeyword("SHORTESTPATH") || isKeyword("ALLSHORTESTPATHS")) && isSym("(", 1) {
            shortest = isKeyword("SHORTESTPATH") ? .single : .all
            p += 2
            var part = try patternElement()
            try expectSym(")")
            part.pathVariable = pathVar; part.shortest = shortest
            return part
        }
        var part = try patternElement()
        part.pathVariable = pathVar
        return part
    }

    private mutating func patternElement() throws(CypherError) -> PatternPart {
        // Extra parentheses around a whole pattern element are allowed: ((a)-->(b)).
        if isSym("(") && isSym("(", 1) {
            p += 1
            try enter(); defer { leave() }
            let inner = try patternElement()
            try expectSym(")")
            return inner
        }
        var nodes = [try nodePattern()]
        var rels: [RelPattern] = []
        while isSym("-") || isSym("<-") || isSym("u-") {
            rels.append(try relPattern())
            nodes.append(try nodePattern())
        }
        return PatternPart(pathVariable: nil, nodes: nodes, rels: rels, shortest: nil)
    }

    private mutating func nodePattern() throws(CypherError) -> NodePattern {
        try expectSym("(")
        var v: String? = nil
        if case .ident(let name, _) = peekKind() { p += 1; v = name }
        var labels: [String] = []
        while acceptSym(":") {
            labels.append(try symbolicName())
        }
        var props: Expr? = nil
        if isSym("{") { props = try mapLiteral() } else if case .param(let name) = peekKind() { p += 1; props = .param(name) }
        try expectSym(")")
        return NodePattern(variable: v, labels: labels, properties: props)
    }

    private mutating func relPattern() throws(CypherError) -> RelPattern {
        var leftArrow = false
        if acceptSym("<-") { leftArrow = true } else if !acceptSym("u-") { try expectSym("-") }
        var v: String? = nil
        var types: [String] = []
        var props: Expr? = nil
        var range: VarLength? = nil
        if acceptSym("[") {
            if case .ident(let name, _) = peekKind() { p += 1; v = name }
            if acceptSym(":") {
                types.append(try symbolicName())
                while acceptSym("|") {
                    _ = acceptSym(":")
                    types.append(try symbolicName())
                }
            }
            if isSym("..") { throw .syntax("InvalidRelationshipPattern", "variable length needs '*' before '..'", at: pos()) }
            if acceptSym("*") {
                if isSym("-") { throw .syntax("InvalidRelationshipPattern", "variable length bounds must not be negative", at: pos()) }
                var minV: Int? = nil, maxV: Int? = nil
                if case .integer(let s) = peekKind() { p += 1; minV = Int(s) ?? Int.max }
                if acceptSym("..") {
                    if case .integer(let s) = peekKind() { p += 1; maxV = Int(s) ?? Int.max }
                } else {
                    maxV = minV
                }
                range = VarLength(min: minV, max: maxV)
            }
            if isSym("{") { props = try mapLiteral() } else if case .param(let name) = peekKind() { p += 1; props = .param(name) }
            try expectSym("]")
            if acceptSym("->") {
                return RelPattern(variable: v, types: types, properties: props, direction: leftArrow ? .both : .outgoing, range: range)
            }
            if !acceptSym("u-") { try expectSym("-") }
        } else if acceptSym("-") || acceptSym("u-") {
        } else if acceptSym("->") {
            return RelPattern(variable: nil, types: [], properties: nil, direction: leftArrow ? .both : .outgoing, range: nil)
        } else {
            throw unexpected("expected a relationship pattern")
        }
        let rightArrow = acceptSym(">")
        var dir: Direction = .both
        if leftArrow && !rightArrow { dir = .incoming } else if rightArrow && !leftArrow { dir = .outgoing }
        return RelPattern(variable: v, types: types, properties: props, direction: dir, range: range)
    }

    // MARK: expressions

    mutating func expression() throws(CypherError) -> Expr {
        try enter(); defer { leave() }
        return try orExpr()
    }

    private mutating func orExpr() throws(CypherError) -> Expr {
        var e = try xorExpr()
        while acceptKeyword("OR") { e = .binary(.or, e, try xorExpr()) }
        return e
    }
    private mutating func xorExpr() throws(CypherError) -> Expr {
        var e = try andExpr()
        while acceptKeyword("XOR") { e = .binary(.xor, e, try andExpr()) }
        return e
    }
    private mutating func andExpr() throws(CypherError) -> Expr {
        var e = try notExpr()
        while acceptKeyword("AND") { e = .binary(.and, e, try notExpr()) }
        return e
    }
    private mutating func notExpr() throws(CypherError) -> Expr {
        if acceptKeyword("NOT") {
            try enter(); defer { leave() }
            return .not(try notExpr())
        }
        return try comparisonExpr()
    }
    private mutating func comparisonExpr() throws(CypherError) -> Expr {
        let first = try predicateExpr()
        var steps: [ComparisonStep] = []
        while true {
            let op: ComparisonOp
            if acceptSym("=") { op = .eq } else if acceptSym("<>") { op = .ne } else if acceptSym("<") { op = .lt }
            else if acceptSym(">") { op = .gt } else if acceptSym("<=") { op = .le } else if acceptSym(">=") { op = .ge }
            else if isSym("!=") { throw .syntax("UnexpectedSyntax", "use <> for inequality", at: pos()) }
            else { break }
            steps.append(ComparisonStep(op: op, rhs: try predicateExpr()))
        }
        return steps.isEmpty ? first : .comparison(first, steps)
    }
    private mutating func predicateExpr() throws(CypherError) -> Expr {
        var e = try additive()
        while true {
            if isKeyword("IS") {
                if isKeyword("NULL", 1) { p += 2; e = .isNull(e, negated: false); continue }
                if isKeyword("NOT", 1) && isKeyword("NULL", 2) { p += 3; e = .isNull(e, negated: true); continue }
                throw unexpected("expected NULL or NOT NULL after IS")
            }
            if isKeyword("STARTS") && isKeyword("WITH", 1) { p += 2; e = .binary(.startsWith, e, try additive()); continue }
            if isKeyword("ENDS") && isKeyword("WITH", 1) { p += 2; e = .binary(.endsWith, e, try additive()); continue }
            if acceptKeyword("CONTAINS") { e = .binary(.contains, e, try additive()); continue }
            if acceptKeyword("IN") { e = .binary(.inList, e, try additive()); continue }
            if acceptSym("=~") { e = .binary(.regex, e, try additive()); continue }
            return e
        }
    }
    private mutating func additive() throws(CypherError) -> Expr {
        var e = try multiplicative()
        while true {
            if isSym("u-") { throw .syntax("InvalidUnicodeCharacter", "use '-' (U+002D) for subtraction", at: pos()) }
            if acceptSym("+") { e = .binary(.add, e, try multiplicative()) }
            else if acceptSym("-") { e = .binary(.subtract, e, try multiplicative()) }
            else { return e }
        }
    }
    private mutating func multiplicative() throws(CypherError) -> Expr {
        var e = try power()
        while true {
            if acceptSym("*") { e = .binary(.multiply, e, try power()) }
            else if acceptSym("/") { e = .binary(.divide, e, try power()) }
            else if acceptSym("%") { e = .binary(.modulo, e, try power()) }
            else { return e }
        }
    }
    private mutating func power() throws(CypherError) -> Expr {
        var e = try unary()
        while acceptSym("^") { e = .binary(.power, e, try unary()) }
        return e
    }
    private mutating func unary() throws(CypherError) -> Expr {
        if isSym("u-") { throw .syntax("InvalidUnicodeCharacter", "use '-' (U+002D) for negation", at: pos()) }
        if acceptSym("-") {
            try enter(); defer { leave() }
            if case .integer(let s) = peekKind() {
                // Fold "-<int>" so that -9223372036854775808 is representable.
                let at = pos()
                p += 1
                let v = try integerValue("-" + s, at: at)
                return try postfix(.literal(.int(v)))
            }
            return .negate(try unary())
        }
        if acceptSym("+") {
            try enter(); defer { leave() }
            return try unary()
        }
        return try postfixExpression()
    }

    private func integerValue(_ text: String, at: SourcePos) throws(CypherError) -> Int64 {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() }
        var radix = 10
        if s.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        guard !s.isEmpty, s.allSatisfy({ $0.isHexDigit && Int(String($0), radix: radix) != nil }) else {
            throw .syntax("InvalidNumberLiteral", "invalid integer literal \(text)", at: at)
        }
        guard let v = Int64((negative ? "-" : "") + s, radix: radix) else {
            throw .syntax("IntegerOverflow", "integer literal \(text) does not fit in 64 bits", at: at)
        }
        return v
    }

    private mutating func postfixExpression() throws(CypherError) -> Expr {
        try postfix(try atom())
    }

    private mutating func postfix(_ base: Expr) throws(CypherError) -> Expr {
        var e = base
        while true {
            if isSym(".") , case .ident(let key, _) = peekKind(1) {
                p += 2
                e = .property(e, key)
            } else if isSym("[") {
                p += 1
                try enter(); defer { leave() }
                if acceptSym("..") {
                    let hi: Expr? = isSym("]") ? nil : try expression()
                    try expectSym("]")
                    e = .slice(e, nil, hi)
                } else {
                    let lo = try expression()
                    if acceptSym("..") {
                        let hi: Expr? = isSym("]") ? nil : try expression()
                        try expectSym("]")
                        e = .slice(e, lo, hi)
                    } else {
                        try expectSym("]")
                        e = .index(e, lo)
                    }
                }
            } else if isSym(":"), case .ident = peekKind(1) {
                var labels: [String] = []
                while isSym(":"), case .ident(let l, _) = peekKind(1) { p += 2; labels.append(l) }
                e = .hasLabels(e, labels)
            } else {
                return e
            }
        }
    }

    private mutating func atom() throws(CypherError) -> Expr {
        let t = tok
        switch t.kind {
        case .integer(let s):
            p += 1
            return .literal(.int(try integerValue(s, at: pos(t))))
        case .float(let d):
            p += 1
            return .literal(.float(d))
        case .string(let s):
            p += 1
            return .literal(.string(s))
        case .param(let name):
            p += 1
            return .param(name)
        case .sym("["):
            return try listAtom()
        case .sym("{"):
            return try mapLiteral()
        case .sym("("):
            return try parenOrPattern()
        case .ident(let name, let quoted):
            return try identAtom(name, quoted: quoted)
        default:
            throw unexpected("expected an expression")
        }
    }

    private mutating func parenOrPattern() throws(CypherError) -> Expr {
        try enter(); defer { leave() }
        let save = p
        let saveAgg = nextAggregateId
        if let part = try? patternElement(), !part.rels.isEmpty {
            return .patternPredicate(part)
        }
        p = save
        nextAggregateId = saveAgg
        try expectSym("(")
        let e = try expression()
        try expectSym(")")
        return e
    }

    private mutating func listAtom() throws(CypherError) -> Expr {
        try enter(); defer { leave() }
        try expectSym("[")
        // List comprehension: [x IN list WHERE pred | expr]
        if case .ident(let v, _) = peekKind(), isKeyword("IN", 1) {
            let save = p
            p += 2
            if let list = try? expression() {
                var filter: Expr? = nil, map: Expr? = nil
                if acceptKeyword("WHERE") { filter = try expression() }
                if acceptSym("|") { map = try expression() }
                if acceptSym("]") { return .listComprehension(variable: v, list: list, filter: filter, map: map) }
            }
            p = save
        }
        // Pattern comprehension: [p = (a)-->(b) WHERE pred | expr]
        if isSym("(") || (isSym("=", 1) && isSym("(", 2)) {
            let save = p
            let saveAgg = nextAggregateId
            var pathVar: String? = nil
            if case .ident(let name, _) = peekKind(), isSym("=", 1) { pathVar = name; p += 2 }
            if let part = try? patternElement(), !part.rels.isEmpty, isKeyword("WHERE") || isSym("|") {
                var filter: Expr? = nil
                if acceptKeyword("WHERE") { filter = try expression() }
                try expectSym("|")
                let body = try expression()
                try expectSym("]")
                return .patternComprehension(pathVariable: pathVar, pattern: part, filter: filter, map: body)
            }
            p = save
            nextAggregateId = saveAgg
        }
        var items: [Expr] = []
        if !isSym("]") {
            items.append(try expression())
            while acceptSym(",") { items.append(try expression()) }
        }
        try expectSym("]")
        return .list(items)
    }

    private mutating func mapLiteral() throws(CypherError) -> Expr {
        try enter(); defer { leave() }
        try expectSym("{")
        var entries: [MapEntry] = []
        if !isSym("}") {
            repeat {
                let key: String
                switch tok.kind {
                case .ident(let s, _): key = s; p += 1
                case .string(let s): key = s; p += 1
                case .integer, .float: throw .syntax("UnexpectedSyntax", "a map key cannot start with a digit", at: pos())
                case .eof where tokens.error?.detail == "InvalidNumberLiteral":
                    throw .syntax("UnexpectedSyntax", "a map key cannot start with a digit", at: pos())
                default: throw unexpected("expected a map key")
                }
                try expectSym(":")
                entries.append(MapEntry(key: key, value: try expression()))
            } while acceptSym(",")
        }
        try expectSym("}")
        return .map(entries)
    }

    private static let aggregateNames: Set<String> = ["count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont", "percentiledisc"]

    private mutating func identAtom(_ name: String, quoted: Bool) throws(CypherError) -> Expr {
        let upper = name.uppercased()
        if !quoted {
            switch upper {
            case "TRUE": p += 1; return .literal(.bool(true))
            case "FALSE": p += 1; return .literal(.bool(false))
            case "NULL": p += 1; return .literal(.null)
            case "NAN" where false: break
            case "CASE": p += 1; return try caseExpr()
            case "ALL", "ANY", "NONE", "SINGLE":
                if isSym("(", 1), case .ident(let v, _) = peekKind(2), isKeyword("IN", 3) {
                    p += 4
                    try enter(); defer { leave() }
                    let list = try expression()
                    var pred: Expr? = nil
                    if acceptKeyword("WHERE") { pred = try expression() }
                    try expectSym(")")
                    return .quantifier(Quantifier(rawValue: name.lowercased())!, variable: v, list: list, predicate: pred)
                }
            case "REDUCE":
                if isSym("(", 1) {
                    p += 2
                    try enter(); defer { leave() }
                    let acc = try symbolicName()
                    try expectSym("=")
                    let initial = try expression()
                    try expectSym(",")
                    let v = try symbolicName()
                    try expectKeyword("IN")
                    let list = try expression()
                    try expectSym("|")
                    let body = try expression()
                    try expectSym(")")
                    return .reduce(accumulator: acc, initial: initial, variable: v, list: list, body: body)
                }
            case "EXISTS":
                if isSym("{", 1) {
                    p += 2
                    try enter(); defer { leave() }
                    let save = p
                    let saveAgg = nextAggregateId
                    _ = acceptKeyword("MATCH")
                    if let patterns = try? patternList() {
                        var filter: Expr? = nil
                        var ok = true
                        if acceptKeyword("WHERE") { if let f = try? expression() { filter = f } else { ok = false } }
                        if ok && acceptSym("}") { return .exists(patterns: patterns, filter: filter) }
                    }
                    p = save
                    nextAggregateId = saveAgg
                    var clauses: [Clause] = []
                    while let c = try clause() { clauses.append(c) }
                    if clauses.isEmpty { throw unexpected("expected a query inside EXISTS { }") }
                    try expectSym("}")
                    return .subquery(clauses)
                }
            default: break
            }
        }
        // Function call, possibly namespaced: a.b.c(...)
        var k = 1
        var fname = name
        while isSym(".", k), case .ident(let part, _) = peekKind(k + 1) { fname += "." + part; k += 2 }
        if isSym("(", k) {
            p += k + 1
            try enter(); defer { leave() }
            let lower = fname.lowercased()
            if lower == "count" && isSym("*") && isSym(")", 1) {
                p += 2
                nextAggregateId += 1
                return .aggregate(AggregateCall(id: nextAggregateId, name: "count", distinct: false, args: [], star: true))
            }
            let distinct = acceptKeyword("DISTINCT")
            var args: [Expr] = []
            if !isSym(")") { args = try expressionList() }
            try expectSym(")")
            if Parser.aggregateNames.contains(lower) {
                nextAggregateId += 1
                return .aggregate(AggregateCall(id: nextAggregateId, name: lower, distinct: distinct, args: args, star: false))
            }
            return .function(lower, distinct: distinct, args: args)
        }
        p += 1
        // Map projection: n {.a, b: expr, .*}
        if isSym("{") && !quoted {
            let save = p
            if let items = try? mapProjectionItems() { return .mapProjection(.variable(name), items) }
            p = save
        }
        return .variable(name)
    }

    private mutating func mapProjectionItems() throws(CypherError) -> [MapProjectionItem] {
        try enter(); defer { leave() }
        try expectSym("{")
        var items: [MapProjectionItem] = []
        if !isSym("}") {
            repeat {
                if acceptSym(".") {
                    if acceptSym("*") { items.append(.allProperties) } else { items.append(.property(try symbolicName())) }
                } else {
                    let key = try symbolicName()
                    if acceptSym(":") { items.append(.literal(key, try expression())) } else { items.append(.variable(key)) }
                }
            } while acceptSym(",")
        }
        try expectSym("}")
        return items
    }

    private mutating func caseExpr() throws(CypherError) -> Expr {
        try enter(); defer { leave() }
        var subject: Expr? = nil
        if !isKeyword("WHEN") { subject = try expression() }
        var whens: [CaseWhen] = []
        while acceptKeyword("WHEN") {
            let w = try expression()
            try expectKeyword("THEN")
            whens.append(CaseWhen(when: w, then: try expression()))
        }
        if whens.isEmpty { throw unexpected("expected WHEN") }
        var otherwise: Expr? = nil
        if acceptKeyword("ELSE") { otherwise = try expression() }
        try expectKeyword("END")
        return .caseExpr(subject: subject, whens: whens, otherwise: otherwise)
    }
}

/// Tokens produced on demand, so a parse error early in a huge query stops before the rest is lexed.
final class TokenStream {
    var lexer: Lexer
    private var tokens: [Token] = []
    private(set) var error: CypherError?
    private var done = false

    init(_ lexer: Lexer) { self.lexer = lexer }

    subscript(_ k: Int) -> Token {
        while tokens.count <= k && !done {
            do {
                let t = try lexer.next()
                tokens.append(t)
                if t.kind == .eof { done = true }
            } catch {
                self.error = error
                tokens.append(Token(kind: .eof, offset: lexer.i, end: lexer.i))
                done = true
            }
        }
        return k < tokens.count ? tokens[k] : tokens[tokens.count - 1]
    }
}
