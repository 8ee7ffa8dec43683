import TLCore

/// One model TransformerLens knows by name (its `OFFICIAL_MODEL_NAMES`: 2.16.1's and those added up to 4.3),
/// with the aliases it accepts and where the weights live.
public struct ZooEntry: Sendable, Equatable, Hashable {
    /// The official name, spelled as TransformerLens spells it.
    public let name: String
    /// Other names TransformerLens accepts for it (matched case-insensitively).
    public let aliases: [String]
    /// The Hugging Face repository id; nil for names the Hub does not host (the
    /// original LLaMA weights, which TransformerLens expects from a local directory).
    public let repo: String?
    /// The Hugging Face architecture string (`config.json`'s `architectures[0]`), or
    /// TransformerLens's own tag for the checkpoints it reads in its own format
    /// (`neel`, `neel-solu-old`, `mingpt`).
    public let architecture: String

    init(_ name: String, _ family: ZooFamily, aliases: [String], hosted: Bool = true) {
        self.name = name
        self.aliases = aliases
        self.repo = hosted ? name : nil
        self.architecture = family.rawValue
    }
}

/// The architectures the zoo's models use, as short names for the table.
enum ZooFamily: String {
    case gpt2 = "GPT2LMHeadModel"
    case opt = "OPTForCausalLM"
    case gptNeo = "GPTNeoForCausalLM"
    case gptJ = "GPTJForCausalLM"
    case gptNeoX = "GPTNeoXForCausalLM"
    case neel = "neel"
    case neelSoluOld = "neel-solu-old"
    case minGPT = "mingpt"
    case llama = "LlamaForCausalLM"
    case bert = "BertForMaskedLM"
    case mistral = "MistralForCausalLM"
    case mixtral = "MixtralForCausalLM"
    case bloom = "BloomForCausalLM"
    case santaCoder = "GPT2LMHeadCustomModel"
    case qwen = "QWenLMHeadModel"
    case qwen2 = "Qwen2ForCausalLM"
    case qwen3 = "Qwen3ForCausalLM"
    case phi = "PhiForCausalLM"
    case phi3 = "Phi3ForCausalLM"
    case gemma = "GemmaForCausalLM"
    case gemma2 = "Gemma2ForCausalLM"
    case t5 = "T5ForConditionalGeneration"
    case olmo = "OlmoForCausalLM"
    case olmo2 = "Olmo2ForCausalLM"
    case olmo3 = "Olmo3ForCausalLM"
    case olmoe = "OlmoeForCausalLM"
    case hubert = "HubertModel"
    case wav2vec2 = "Wav2Vec2ForPreTraining"
    case gemma3 = "Gemma3ForCausalLM"
    case gemma3Multimodal = "Gemma3ForConditionalGeneration"
    case gptOss = "GptOssForCausalLM"
    case apertus = "ApertusForCausalLM"
}

/// Name resolution over the zoo table. Like TransformerLens, names and aliases
/// match case-insensitively.
public enum Zoo {
    /// Every entry, in TransformerLens's order.
    public static var entries: [ZooEntry] { table }

    /// The entry whose official name or alias is `name` (any case), if any.
    public static func lookup(_ name: String) -> ZooEntry? {
        index[name.lowercased()].map { table[$0] }
    }

    /// The entry for `name`, or a `notFound` error naming the closest matches.
    public static func entry(named name: String) throws(TLError) -> ZooEntry {
        if let entry = lookup(name) { return entry }
        throw unknownName(name)
    }

    /// The error for a name that is neither in the zoo nor anything else the
    /// resolver accepts, with up to five near names to try instead.
    public static func unknownName(_ name: String) -> TLError {
        let near = suggestions(for: name)
        var line = "unknown model '\(name)': not a zoo name or alias, a Hugging Face repo id (org/name), or a directory with config.json"
        if !near.isEmpty { line += "; closest: " + near.joined(separator: ", ") }
        return .notFound(line + " (see 'tlconvert list')")
    }

    /// Up to `limit` names or aliases closest to `name`: those it begins or is part
    /// of first, then by edit distance (also against the part after `org/`); each
    /// model is offered once, under its spelling nearest to what was typed.
    public static func suggestions(for name: String, limit: Int = 5) -> [String] {
        let typed = name.lowercased()
        let query = Array(typed)
        guard !query.isEmpty else { return [] }
        var best: [Int: (rank: Int, distance: Int, spelling: String)] = [:]
        for (position, entry) in table.enumerated() {
            for spelling in [entry.name] + entry.aliases {
                let candidate = spelling.lowercased()
                let short = candidate.split(separator: "/").last.map(String.init) ?? candidate
                let distance = editDistance(query, Array(candidate))
                var rank = min(distance, editDistance(query, Array(short)))
                if candidate.hasPrefix(typed) || short.hasPrefix(typed) { rank = min(rank, 1) }
                else if candidate.contains(typed) || typed.contains(short) { rank = min(rank, 2) }
                if let current = best[position], (current.rank, current.distance) <= (rank, distance) { continue }
                best[position] = (rank, distance, spelling)
            }
        }
        let threshold = max(3, query.count / 3)
        return best.filter { $0.value.rank <= threshold }
            .sorted { ($0.value.rank, $0.value.distance, $0.key) < ($1.value.rank, $1.value.distance, $1.key) }
            .prefix(limit)
            .map { $0.value.spelling }
    }

    /// Lower-cased name or alias → position in `table`.
    private static let index: [String: Int] = {
        var map: [String: Int] = [:]
        for (position, entry) in table.enumerated() {
            for spelling in [entry.name] + entry.aliases { map[spelling.lowercased()] = position }
        }
        return map
    }()

    /// Levenshtein distance with two rolling rows.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
