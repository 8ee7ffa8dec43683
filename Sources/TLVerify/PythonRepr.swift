/// Python's `repr` of a `str` and of a list of them, so that `run` prints the prompt's
/// tokens exactly as TransformerLens's `test_prompt` does (`print("Tokenized prompt:", tokens)`):
/// single quotes unless the text holds a `'` and no `"`, backslash escapes for the
/// quote, `\\`, `\t`, `\n`, `\r`, and `\xNN`/`\uNNNN`/`\UNNNNNNNN` for what Python
/// does not print (controls, format characters, separators other than the space,
/// surrogates, private use, unassigned code points).
public enum PythonRepr {
    public static func string(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where Character(scalar) == quote: out += "\\" + String(quote)
            case _ where isPrintable(scalar): out.unicodeScalars.append(scalar)
            default: out += escaped(scalar.value)
            }
        }
        out.append(quote)
        return out
    }

    public static func list(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ", ") + "]"
    }

    /// CPython's `Py_UNICODE_ISPRINTABLE`: everything but categories Cc, Cf, Cs, Co, Cn,
    /// Zl, Zp and Zs (the ASCII space excepted).
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    private static func escaped(_ value: UInt32) -> String {
        let (prefix, digits) = value < 0x100 ? ("\\x", 2) : value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
        let hex = String(value, radix: 16)
        return prefix + String(repeating: "0", count: max(0, digits - hex.count)) + hex
    }
}
