extension String {
    /// This text with the credentials of every URL in it masked: `http://user:password@host`
    /// becomes `http://***@host`. `HF_ENDPOINT` may carry them, and the lines that show an
    /// endpoint (errors, progress) end up in terminals, logs and bug reports.
    public var redactingURLCredentials: String {
        guard contains("@") && contains("://") else { return self }
        let scalars = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard scalars[i] == ":", i > 0, i + 2 < scalars.count, scalars[i + 1] == "/", scalars[i + 2] == "/",
                  scalars[i - 1].properties.isAlphabetic || ("0"..."9").contains(scalars[i - 1]) else {
                out.append(scalars[i])
                i += 1
                continue
            }
            out.append(contentsOf: "://".unicodeScalars)
            i += 3
            // The authority runs to the path, query or fragment (or where the URL visibly ends).
            var end = i
            while end < scalars.count, !"/?#'\"<>()` ".unicodeScalars.contains(scalars[end]),
                  !scalars[end].properties.isWhitespace {
                end += 1
            }
            if let at = scalars[i..<end].lastIndex(of: "@") {
                out.append(contentsOf: "***".unicodeScalars)
                i = at
            }
        }
        return String(out)
    }
}
