import Testing
import TLApp
import TLCore
import TLFormats
import TLTestSupport
import TLTokenizers

/// A model's tokenizer facts come from its family declaration and its config, as
/// TransformerLens 2.16.1 sets them (the fixtures' `tl/raw.cfg.json`).
struct TokenizerFactsTests {
    /// `tokenizer_prepends_bos` and `default_prepend_bos` as TransformerLens set them in every
    /// model fixture's cfg (tl/raw.cfg.json), from the Hugging Face directory alone.
    @Test func modelFixtureBOSFlagsMatchTransformerLens() throws {
        var checked = 0
        for name in Fixtures.withTLReferences.map(\.name) {
            let cfg = try JSONParser.parseFile(Fixtures.reference(name, "raw") + ".cfg.json")
            let path = Fixtures.model(name)
            let tokenizer = try ModelTokenizer.load(path: path, facts: try TokenizerFacts.forModel(at: path))
            // qwen1's reference was built without its remote-code tokenizer: TransformerLens never
            // recomputed the flag, which QWenTokenizer makes false.
            let prepends = name == "qwen1" ? false : cfg["tokenizer_prepends_bos"]?.boolValue
            #expect(tokenizer.tokenizerPrependsBOS == prepends, "\(name)")
            #expect(tokenizer.defaultPrependBOS == cfg["default_prepend_bos"]?.boolValue, "\(name)")
            checked += 1
        }
        #expect(checked >= 15)
    }

}
