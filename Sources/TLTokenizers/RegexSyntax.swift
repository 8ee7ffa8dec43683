/// A regular expression of tokenizer.json parsed as Oniguruma's Ruby syntax reads it (what
/// `tokenizers` compiles): `^`/`$` are line anchors, `.` stops at `\n`, `[…]` may nest, and
/// `(?i:…)`, lookaround, atomic groups and possessive quantifiers exist. Backreferences,
/// conditionals and `&&` class intersections do not occur in tokenizer files and are refused.
indirect enum RegexNode: Sendable {
    enum Mode: Sendable { case greedy, lazy, possessive }
    enum Assertion: Sendable { case lineStart, lineEnd, textStart, textEnd, textEndBeforeFinalNewline, wordBoundary, notWordBoundary }

    case empty
    case scalar(Unicode.Scalar)
    case set(ScalarSet)
    case concat([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?, Mode)
    case look(RegexNode, ahead: Bool, negative: Bool)
    case atomic(RegexNode)
    case assertion(Assertion)
}

/// The code points one regex item accepts.
struct ScalarSet: Sendable {
    enum Item: Sendable {
        case range(ClosedRange<UInt32>)
        case categories([Unicode.GeneralCategory])
        case whitespace, digit, word, hexDigit
        /// A property Swift's Regex knows by name (`\p{Han}`), tested one scalar at a time.
        case property(CompiledRegex)
        case set(ScalarSet)
        /// `[…&&…]`: both sides.
        case intersection(ScalarSet, ScalarSet)
    }

    var items: [Item] = []
    var negated = false
    var caseInsensitive = false

    init(items: [Item] = [], negated: Bool = false, caseInsensitive: Bool = false) {
        self.items = items
        self.negated = negated
        self.caseInsensitive = caseInsensitive
    }

    static func of(_ item: Item, negated: Bool = false) -> ScalarSet {
        ScalarSet(items: [item], negated: negated)
    }

    /// Membership of the ASCII scalars, filled in by `withASCIITable()` (the matcher's fast path).
    private var ascii: (UInt64, UInt64)? = nil

    /// This set with its ASCII answers precomputed.
    func withASCIITable() -> ScalarSet {
        var copy = self
        var low: UInt64 = 0, high: UInt64 = 0
        for v in 0..<128 where contains(Unicode.Scalar(UInt8(v))) {
            if v < 64 { low |= 1 << UInt64(v) } else { high |= 1 << UInt64(v - 64) }
        }
        copy.ascii = (low, high)
        return copy
    }

    func contains(_ c: Unicode.Scalar) -> Bool {
        if let (low, high) = ascii, c.value < 128 {
            return c.value < 64 ? low & (1 << UInt64(c.value)) != 0 : high & (1 << UInt64(c.value - 64)) != 0
        }
        if matchesItem(c) { return !negated }
        if caseInsensitive {
            for variant in [c.properties.lowercaseMapping, c.properties.uppercaseMapping] {
                let scalars = variant.unicodeScalars
                if scalars.count == 1, let v = scalars.first, v != c, matchesItem(v) { return !negated }
            }
        }
        return negated
    }

    private func matchesItem(_ c: Unicode.Scalar) -> Bool {
        items.contains { item in
            switch item {
            case .range(let r): return r.contains(c.value)
            case .categories(let list): return list.contains(c.properties.generalCategory)
            case .whitespace: return c.properties.isWhitespace
            case .digit: return c.properties.generalCategory == .decimalNumber
            case .word: return UnicodeClasses.isWordCharacter(c)
            case .hexDigit: return c.isASCII && c.properties.isASCIIHexDigit
            case .property(let regex): return regex.matchesWhole(String(c))
            case .set(let inner): return inner.contains(c)
            case .intersection(let a, let b): return a.contains(c) && b.contains(c)
            }
        }
    }
}

/// Parses one pattern into a `RegexNode`; every error is one line naming the offset.
struct RegexParser {
    /// Deeper group nesting is refused (it only occurs in hostile files) so that parsing,
    /// compiling and matching never recurse deeply.
    static let maxDepth = 64
    /// Oniguruma's own limit on `{n,m}` (ONIG_MAX_REPEAT_NUM).
    static let maxRepeat = 100_000

    private let scalars: [Unicode.Scalar]
    private var i = 0
    private var depth = 0

    struct Failure: Error { let message: String }

    static func parse(_ pattern: String) throws(Failure) -> RegexNode {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.alternation(caseInsensitive: false, dotAll: false)
        guard parser.i == parser.scalars.count else { throw parser.fail("unbalanced ')'") }
        return node
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private func fail(_ problem: String) -> Failure { Failure(message: "\(problem) at offset \(i)") }
    private var atEnd: Bool { i >= scalars.count }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < scalars.count ? scalars[i + offset] : nil }
    private mutating func next() throws(Failure) -> Unicode.Scalar {
        guard let c = peek() else { throw fail("unexpected end of pattern") }
        i += 1
        return c
    }
    private mutating func eat(_ c: Unicode.Scalar) -> Bool {
        guard peek() == c else { return false }
        i += 1
        return true
    }

    private mutating func alternation(caseInsensitive: Bool, dotAll: Bool) throws(Failure) -> RegexNode {
        var branches = [RegexNode]()
        var ci = caseInsensitive, dot = dotAll
        repeat {
            branches.append(try sequence(caseInsensitive: &ci, dotAll: &dot))
        } while eat("|")
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    /// Items up to `|` or `)`. An inline `(?i)` changes the flags for the rest of the group.
    private mutating func sequence(caseInsensitive ci: inout Bool, dotAll dot: inout Bool) throws(Failure) -> RegexNode {
        var items = [RegexNode]()
        while let c = peek(), c != "|", c != ")" {
            if c == "(", peek(1) == "?", let flags = try inlineFlags() {
                ci = flags.caseInsensitive ?? ci
                dot = flags.dotAll ?? dot
                continue
            }
            var atom = try atom(caseInsensitive: ci, dotAll: dot)
            atom = try quantifiers(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : items.isEmpty ? .empty : .concat(items)
    }

    /// `(?i)`, `(?-i)`, `(?m)`: flags alone, for the rest of the group; nil when this is not one.
    private mutating func inlineFlags() throws(Failure) -> (caseInsensitive: Bool?, dotAll: Bool?)? {
        var j = i + 2
        var on = true
        var ci: Bool? = nil, dot: Bool? = nil
        while j < scalars.count {
            switch scalars[j] {
            case "i": ci = on
            case "m": dot = on
            case "-": on = false
            case ")":
                guard j > i + 2 else { return nil }
                i = j + 1
                return (ci, dot)
            default: return nil
            }
            j += 1
        }
        return nil
    }

    private mutating func quantifiers(_ base: RegexNode) throws(Failure) -> RegexNode {
        var node = base
        while let c = peek() {
            var min = 0, max: Int? = nil
            switch c {
            case "*": i += 1
            case "+": i += 1; min = 1
            case "?": i += 1; max = 1
            case "{":
                guard let (lo, hi) = try braces() else { return node }
                min = lo; max = hi
                // Ruby syntax: `{n,m}?` is lazy, `{n,m}+` is not possessive but another `+`.
                let mode: RegexNode.Mode = eat("?") ? .lazy : .greedy
                node = .repetition(node, min: min, max: max, mode)
                continue
            default: return node
            }
            if case .assertion = node { throw fail("quantifier after an anchor") }
            let mode: RegexNode.Mode = eat("?") ? .lazy : eat("+") ? .possessive : .greedy
            node = .repetition(node, min: min, max: max, mode)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}`, `{,m}`; nil (and nothing consumed) when the brace is a literal.
    private mutating func braces() throws(Failure) -> (Int, Int?)? {
        var j = i + 1
        func number() -> Int? {
            var value: Int? = nil
            while j < scalars.count, ("0"..."9").contains(scalars[j]) {
                value = min((value ?? 0) * 10 + Int(scalars[j].value - 48), Int(Int32.max))
                j += 1
            }
            return value
        }
        let lo = number()
        var hi = lo
        if j < scalars.count, scalars[j] == "," {
            j += 1
            hi = number()
            if lo == nil && hi == nil { return nil }
        } else if lo == nil {
            return nil
        }
        guard j < scalars.count, scalars[j] == "}" else { return nil }
        i = j + 1
        let low = lo ?? 0
        if low > Self.maxRepeat || (hi ?? 0) > Self.maxRepeat { throw fail("repeat count over \(Self.maxRepeat)") }
        if let hi, hi < low { throw fail("{\(low),\(hi)}: upper bound below lower") }
        return (low, hi)
    }

    private mutating func atom(caseInsensitive ci: Bool, dotAll: Bool) throws(Failure) -> RegexNode {
        let c = try next()
        switch c {
        case "(": return try group(caseInsensitive: ci, dotAll: dotAll)
        case "[":
            var set = try bracket()
            set.caseInsensitive = ci
            return .set(set)
        case ".":
            return .set(dotAll ? ScalarSet(negated: true) : .of(.range(0x0A...0x0A), negated: true))
        case "^": return .assertion(.lineStart)
        case "$": return .assertion(.lineEnd)
        case "\\": return try escape(caseInsensitive: ci)
        case "*", "+", "?": throw fail("nothing to repeat")
        default: return literal(c, caseInsensitive: ci)
        }
    }

    private func literal(_ c: Unicode.Scalar, caseInsensitive: Bool) -> RegexNode {
        caseInsensitive ? .set(ScalarSet(items: [.range(c.value...c.value)], caseInsensitive: true)) : .scalar(c)
    }

    private mutating func group(caseInsensitive ci: Bool, dotAll: Bool) throws(Failure) -> RegexNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("groups nested deeper than \(Self.maxDepth)") }
        var kind = "("
        var flagsCI = ci, flagsDot = dotAll
        if eat("?") {
            let c = try next()
            switch c {
            case ":", "=", "!", ">": kind = String(c)
            case "<" where peek() == "=" || peek() == "!":
                kind = "<" + String(try next())
            case "<", "'":
                let close: Unicode.Scalar = c == "<" ? ">" : "'"
                while try next() != close {}
            case "#":
                while try next() != ")" {}
                return .empty
            default:
                // `(?i:…)`, `(?-i:…)`, `(?m:…)`.
                i -= 1
                var on = true
                while let f = peek(), f != ":" {
                    switch f {
                    case "i": flagsCI = on
                    case "m": flagsDot = on
                    case "-": on = false
                    default: throw fail("unsupported group '(?\(f)'")
                    }
                    i += 1
                }
                guard eat(":") else { throw fail("unterminated group options") }
            }
        }
        let body = try alternation(caseInsensitive: flagsCI, dotAll: flagsDot)
        guard eat(")") else { throw fail("missing ')'") }
        switch kind {
        case "=": return .look(body, ahead: true, negative: false)
        case "!": return .look(body, ahead: true, negative: true)
        case "<=": return .look(body, ahead: false, negative: false)
        case "<!": return .look(body, ahead: false, negative: true)
        case ">": return .atomic(body)
        default: return body
        }
    }

    private mutating func escape(caseInsensitive ci: Bool) throws(Failure) -> RegexNode {
        let c = try next()
        switch c {
        case "A": return .assertion(.textStart)
        case "z": return .assertion(.textEnd)
        case "Z": return .assertion(.textEndBeforeFinalNewline)
        case "b": return .assertion(.wordBoundary)
        case "B": return .assertion(.notWordBoundary)
        default:
            if let set = try classEscape(c) { return .set(set) }
            return literal(try scalarEscape(c), caseInsensitive: ci)
        }
    }

    /// `\d \s \w \h \p{…}` and their negations; nil for other escapes.
    private mutating func classEscape(_ c: Unicode.Scalar) throws(Failure) -> ScalarSet? {
        switch c {
        case "d": return .of(.digit)
        case "D": return .of(.digit, negated: true)
        case "s": return .of(.whitespace)
        case "S": return .of(.whitespace, negated: true)
        case "w": return .of(.word)
        case "W": return .of(.word, negated: true)
        case "h": return .of(.hexDigit)
        case "H": return .of(.hexDigit, negated: true)
        case "p", "P":
            guard eat("{") else { throw fail("expected '{' after \\\(c)") }
            var negated = c == "P"
            if eat("^") { negated.toggle() }
            var name = ""
            while let n = peek(), n != "}" { name.unicodeScalars.append(n); i += 1 }
            guard eat("}") else { throw fail("unterminated \\p{") }
            return .of(try property(name), negated: negated)
        default: return nil
        }
    }

    private func property(_ name: String) throws(Failure) -> ScalarSet.Item {
        let key = name.lowercased().filter { $0 != "_" && $0 != " " && $0 != "-" }
        if let categories = Self.categoryNames[key] { return .categories(categories) }
        // Scripts and binary properties: as Swift's Regex names them.
        guard let regex = try? CompiledRegex.swiftRegex("\\p{\(name)}") else { throw fail("unknown property \\p{\(name)}") }
        return .property(regex)
    }

    private mutating func scalarEscape(_ c: Unicode.Scalar) throws(Failure) -> Unicode.Scalar {
        switch c {
        case "t": return "\t"
        case "n": return "\n"
        case "r": return "\r"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "a": return "\u{07}"
        case "e": return "\u{1B}"
        case "0": return "\u{00}"
        case "x":
            if eat("{") { return try hexScalar(until: "}", maxDigits: 8) }
            return try hexScalar(until: nil, maxDigits: 2)
        case "u": return try hexScalar(until: nil, maxDigits: 4, exactly: true)
        default:
            if c.properties.isAlphabetic || ("1"..."9").contains(c) { throw fail("unsupported escape '\\\(c)'") }
            return c
        }
    }

    private mutating func hexScalar(until close: Unicode.Scalar?, maxDigits: Int, exactly: Bool = false) throws(Failure) -> Unicode.Scalar {
        var value: UInt32 = 0, digits = 0
        while digits < maxDigits, let h = peek(), h.isASCII, let d = UInt32(String(h), radix: 16) {
            value = value * 16 + d
            digits += 1
            i += 1
        }
        if let close, !eat(close) { throw fail("unterminated hex escape") }
        guard digits > 0, !exactly || digits == maxDigits, let scalar = Unicode.Scalar(value) else {
            throw fail("bad hex escape")
        }
        return scalar
    }

    /// The inside of `[…]` (the `[` already read): items, ranges, nested classes, POSIX names.
    private mutating func bracket() throws(Failure) -> ScalarSet {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("classes nested deeper than \(Self.maxDepth)") }
        var set = ScalarSet()
        set.negated = eat("^")
        return try bracketItems(into: set, first: true)
    }

    /// Class items up to the closing `]`, added to `set`.
    private mutating func bracketItems(into start: ScalarSet, first isFirst: Bool) throws(Failure) -> ScalarSet {
        var set = start
        var first = isFirst
        while true {
            let c = try next()
            if c == "]" && !first { return set }
            first = false
            if c == "[" && peek() == ":" {
                var name = ""
                i += 1
                let negated = eat("^")
                while let n = peek(), n != ":" { name.unicodeScalars.append(n); i += 1 }
                guard eat(":"), eat("]"), let item = Self.posix[name] else { throw fail("unknown POSIX class [:\(name):]") }
                set.items.append(.set(.of(item, negated: negated)))
                continue
            }
            if c == "[" {
                set.items.append(.set(try bracket()))
                continue
            }
            if c == "&" && peek() == "&" {
                // `[left&&right]`: the rest of the class (up to its `]`) is the right side.
                i += 1
                depth += 1
                defer { depth -= 1 }
                guard depth <= Self.maxDepth else { throw fail("classes nested deeper than \(Self.maxDepth)") }
                let left = ScalarSet(items: set.items)
                set.items = []
                var right = try bracketItems(into: ScalarSet(), first: false)
                right.negated = false
                set.items = [.intersection(left, right)]
                return set
            }
            var low = c
            if c == "\\" {
                let e = try next()
                if let inner = try classEscape(e) { set.items.append(.set(inner)); continue }
                low = e == "b" ? "\u{08}" : try scalarEscape(e)
            }
            if peek() == "-", let after = peek(1), after != "]" {
                i += 1
                var high = try next()
                if high == "\\" { high = try scalarEscape(try next()) }
                guard low.value <= high.value else { throw fail("class range out of order") }
                set.items.append(.range(low.value...high.value))
            } else {
                set.items.append(.range(low.value...low.value))
            }
        }
    }

    private static let posix: [String: ScalarSet.Item] = [
        "alpha": .categories([.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]),
        "digit": .digit, "space": .whitespace, "word": .word, "xdigit": .hexDigit,
        "upper": .categories([.uppercaseLetter]), "lower": .categories([.lowercaseLetter]),
        "punct": .categories([.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                              .initialPunctuation, .finalPunctuation, .otherPunctuation]),
        "alnum": .categories([.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                              .decimalNumber]),
        "cntrl": .categories([.control]),
    ]

    /// General categories by short and long name (`L`, `Letter`, `Lu`, `Uppercase_Letter`, …).
    private static let categoryNames: [String: [Unicode.GeneralCategory]] = {
        let table: [(String, String, [Unicode.GeneralCategory])] = [
            ("l", "letter", [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]),
            ("lu", "uppercaseletter", [.uppercaseLetter]), ("ll", "lowercaseletter", [.lowercaseLetter]),
            ("lt", "titlecaseletter", [.titlecaseLetter]), ("lm", "modifierletter", [.modifierLetter]),
            ("lo", "otherletter", [.otherLetter]),
            ("lc", "casedletter", [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter]),
            ("m", "mark", [.nonspacingMark, .spacingMark, .enclosingMark]),
            ("mn", "nonspacingmark", [.nonspacingMark]), ("mc", "spacingmark", [.spacingMark]),
            ("me", "enclosingmark", [.enclosingMark]),
            ("n", "number", [.decimalNumber, .letterNumber, .otherNumber]),
            ("nd", "decimalnumber", [.decimalNumber]), ("nl", "letternumber", [.letterNumber]),
            ("no", "othernumber", [.otherNumber]),
            ("p", "punctuation", [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                                  .initialPunctuation, .finalPunctuation, .otherPunctuation]),
            ("pc", "connectorpunctuation", [.connectorPunctuation]), ("pd", "dashpunctuation", [.dashPunctuation]),
            ("ps", "openpunctuation", [.openPunctuation]), ("pe", "closepunctuation", [.closePunctuation]),
            ("pi", "initialpunctuation", [.initialPunctuation]), ("pf", "finalpunctuation", [.finalPunctuation]),
            ("po", "otherpunctuation", [.otherPunctuation]),
            ("s", "symbol", [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]),
            ("sm", "mathsymbol", [.mathSymbol]), ("sc", "currencysymbol", [.currencySymbol]),
            ("sk", "modifiersymbol", [.modifierSymbol]), ("so", "othersymbol", [.otherSymbol]),
            ("z", "separator", [.spaceSeparator, .lineSeparator, .paragraphSeparator]),
            ("zs", "spaceseparator", [.spaceSeparator]), ("zl", "lineseparator", [.lineSeparator]),
            ("zp", "paragraphseparator", [.paragraphSeparator]),
            ("c", "other", [.control, .format, .surrogate, .privateUse, .unassigned]),
            ("cc", "control", [.control]), ("cf", "format", [.format]), ("cs", "surrogate", [.surrogate]),
            ("co", "privateuse", [.privateUse]), ("cn", "unassigned", [.unassigned]),
        ]
        var names = [String: [Unicode.GeneralCategory]]()
        for (short, long, categories) in table {
            names[short] = categories
            names[long] = categories
        }
        return names
    }()
}
