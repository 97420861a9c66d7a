/// Tokens of the Cypher surface syntax.
enum TokenKind: Equatable {
    case ident(String, quoted: Bool)
    case integer(String)        // digits as written, incl. 0x / 0o prefix; range-checked by the parser
    case float(Double)
    case string(String)
    case param(String)
    case sym(String)
    case eof
}

struct Token {
    var kind: TokenKind
    var offset: Int      // index into the scalar array
    var end: Int
}

/// Splits query text into tokens; reports unterminated strings/comments with their position.
struct Lexer {
    let chars: [Unicode.Scalar]
    var i = 0

    init(_ text: String) { chars = Array(text.unicodeScalars) }

    func position(_ offset: Int) -> SourcePos {
        var line = 1, col = 1
        var k = 0
        while k < offset && k < chars.count {
            if chars[k] == "\n" { line += 1; col = 1 } else { col += 1 }
            k += 1
        }
        return SourcePos(line: line, column: col)
    }

    mutating func tokenize() throws(CypherError) -> [Token] {
        var out: [Token] = []
        out.reserveCapacity(chars.count / 3)
        while true {
            let t = try next()
            out.append(t)
            if t.kind == .eof { return out }
        }
    }

    private func peek(_ d: Int = 0) -> Unicode.Scalar? { i + d < chars.count ? chars[i + d] : nil }

    private static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        if c.value < 128 { return c == "_" || (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) }
        return c.properties.isAlphabetic
    }
    private static func isIdentPart(_ c: Unicode.Scalar) -> Bool {
        if c.value < 128 { return c == "_" || (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) || (c.value >= 48 && c.value <= 57) }
        return c.properties.isAlphabetic || c.properties.numericType != nil
    }
    private static func isDigit(_ c: Unicode.Scalar?) -> Bool { guard let c else { return false }; return c.value >= 48 && c.value <= 57 }

    private mutating func skipSpaceAndComments() throws(CypherError) {
        while let c = peek() {
            if c == " " || c == "\n" || c == "\t" || c == "\r" || (c.value >= 128 && c.properties.isWhitespace) { i += 1; continue }
            if c == "/" && peek(1) == "/" {
                while let d = peek(), d != "\n" { _ = d; i += 1 }
                continue
            }
            if c == "/" && peek(1) == "*" {
                let start = i
                i += 2
                while true {
                    guard let d = peek() else { throw .syntax("UnexpectedSyntax", "unterminated comment", at: position(start)) }
                    if d == "*" && peek(1) == "/" { i += 2; break }
                    i += 1
                }
                continue
            }
            break
        }
    }

    private static let dashes: Set<UInt32> = [0x00AD, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D]
    private static let singles: Set<Unicode.Scalar> = ["(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "|", "+", "-", "*", "/", "%", "^", "=", "<", ">"]
    private static let pairs: Set<String> = ["<>", "!=", "<=", ">=", "=~", "+=", "..", "->", "<-"]
    private static let pairStarts: Set<Unicode.Scalar> = ["<", "!", ">", "=", "+", ".", "-"]

    mutating func next() throws(CypherError) -> Token {
        try skipSpaceAndComments()
        let start = i
        guard let c = peek() else { return Token(kind: .eof, offset: i, end: i) }
        if Lexer.isIdentStart(c) {
            var s = String.UnicodeScalarView()
            while let d = peek(), Lexer.isIdentPart(d) { s.append(d); i += 1 }
            return Token(kind: .ident(String(s), quoted: false), offset: start, end: i)
        }
        if c == "`" {
            i += 1
            var s = String.UnicodeScalarView()
            while true {
                guard let d = peek() else { throw .syntax("UnexpectedSyntax", "unterminated quoted identifier", at: position(start)) }
                i += 1
                if d == "`" {
                    if peek() == "`" { s.append("`"); i += 1; continue }
                    break
                }
                s.append(d)
            }
            return Token(kind: .ident(String(s), quoted: true), offset: start, end: i)
        }
        if Lexer.isDigit(c) || (c == "." && Lexer.isDigit(peek(1))) {
            return try number(start)
        }
        if c == "'" || c == "\"" { return try string(start, quote: c) }
        if c == "$" {
            i += 1
            var s = String.UnicodeScalarView()
            if peek() == "`" {
                let t = try next()
                if case .ident(let name, _) = t.kind { return Token(kind: .param(name), offset: start, end: i) }
            }
            while let d = peek(), Lexer.isIdentPart(d) { s.append(d); i += 1 }
            if s.isEmpty { throw .syntax("UnexpectedSyntax", "expected a parameter name after $", at: position(start)) }
            return Token(kind: .param(String(s)), offset: start, end: i)
        }
        if let n = peek(1), Lexer.pairStarts.contains(c) {
            let two = String(c) + String(n)
            if Lexer.pairs.contains(two) {
                i += 2
                return Token(kind: .sym(two), offset: start, end: i)
            }
        }
        i += 1
        // Dash-like characters some editors produce are accepted as '-' like other implementations do.
        // Typographic dashes are allowed in patterns only; the parser rejects them as minus.
        if Lexer.dashes.contains(c.value) { return Token(kind: .sym("u-"), offset: start, end: i) }
        if Lexer.singles.contains(c) { return Token(kind: .sym(String(c)), offset: start, end: i) }
        throw .syntax("UnexpectedSyntax", "unexpected character '\(c)'", at: position(start))
    }

    private mutating func number(_ start: Int) throws(CypherError) -> Token {
        if peek() == "0", let x = peek(1), x == "x" || x == "o" || x == "X" || x == "O" {
            i += 2
            var s = String.UnicodeScalarView()
            while let d = peek(), Lexer.isIdentPart(d) { s.append(d); i += 1 }
            return Token(kind: .integer("0" + String(x).lowercased() + String(s)), offset: start, end: i)
        }
        var s = String.UnicodeScalarView()
        var isFloat = false
        while let d = peek(), Lexer.isDigit(d) { s.append(d); i += 1 }
        if peek() == ".", Lexer.isDigit(peek(1)) {
            isFloat = true
            s.append("."); i += 1
            while let d = peek(), Lexer.isDigit(d) { s.append(d); i += 1 }
        }
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let sg = peek(1), sg == "-" || sg == "+" { k = 2 }
            if Lexer.isDigit(peek(k)) {
                isFloat = true
                for _ in 0..<k { s.append(chars[i]); i += 1 }
                while let d = peek(), Lexer.isDigit(d) { s.append(d); i += 1 }
            }
        }
        if let d = peek(), Lexer.isIdentStart(d) {
            throw .syntax("InvalidNumberLiteral", "invalid number literal", at: position(start))
        }
        let text = String(s)
        if isFloat {
            guard let v = Double(text) else { throw .syntax("InvalidNumberLiteral", "invalid float literal", at: position(start)) }
            if v.isInfinite { throw .syntax("FloatingPointOverflow", "float literal out of range", at: position(start)) }
            return Token(kind: .float(v), offset: start, end: i)
        }
        return Token(kind: .integer(text), offset: start, end: i)
    }

    private mutating func string(_ start: Int, quote: Unicode.Scalar) throws(CypherError) -> Token {
        i += 1
        var s = String.UnicodeScalarView()
        while true {
            guard let d = peek() else { throw .syntax("UnexpectedSyntax", "unterminated string literal", at: position(start)) }
            i += 1
            if d == quote { break }
            if d == "\\" {
                guard let e = peek() else { throw .syntax("UnexpectedSyntax", "unterminated string literal", at: position(start)) }
                i += 1
                switch e {
                case "\\": s.append("\\")
                case "'": s.append("'")
                case "\"": s.append("\"")
                case "b": s.append("\u{8}")
                case "f": s.append("\u{c}")
                case "n": s.append("\n")
                case "r": s.append("\r")
                case "t": s.append("\t")
                case "u", "U":
                    let n = e == "u" ? 4 : 8
                    var v: UInt32 = 0
                    for _ in 0..<n {
                        guard let h = peek(), let hv = h.properties.numericType != nil || h.isASCII ? UInt32(String(h), radix: 16) : nil else {
                            throw .syntax("InvalidUnicodeLiteral", "invalid unicode escape", at: position(i))
                        }
                        v = v * 16 + hv; i += 1
                    }
                    guard let u = Unicode.Scalar(v) else { throw .syntax("InvalidUnicodeLiteral", "invalid unicode escape", at: position(i)) }
                    s.append(u)
                default:
                    // Unknown escapes keep the backslash, as Neo4j does.
                    s.append("\\"); s.append(e)
                }
                continue
            }
            s.append(d)
        }
        return Token(kind: .string(String(s)), offset: start, end: i)
    }
}
