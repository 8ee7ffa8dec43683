import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLHub
import TLTestSupport

/// The four BERT names of TransformerLens's zoo resolve, download and convert through a loopback
/// Hub serving the `bert-gamma` fixture (a BertForPreTraining file with LayerNorm gamma/beta, as the
/// real bert-base-cased repo holds it).
struct BertHubTests {
    @Test(arguments: ["bert-base-cased", "bert-base-uncased", "bert-large-cased", "bert-large-uncased"])
    func convertsByZooName(_ name: String) throws {
        let id = "google-bert/\(name)"
        let repo = try fixtureRepo("bert-gamma", id: id)
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let out = cache.path + "/out"
        let result = try TLConvertProcess.run(["convert", name, "-o", out],
                                              environment: ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path,
                                                            "HF_HUB_OFFLINE": "0"])
        #expect(result.status == 0, "\(name): \(result.stderr)")
        let config = try JSONParser.parseFile(out + "/config.json")
        #expect(config["model_name"]?.stringValue == name)
        #expect(config["tokenizer_name"]?.stringValue == id)
        #expect(config["original_architecture"]?.stringValue == "BertForMaskedLM")
        let names = Set(try SafeTensorsFile(path: out + "/model.safetensors").tensorNames)
        #expect(names.isSuperset(of: ["embed.embed.W_E", "embed.token_type_embed.W_token_type", "mlm_head.ln.w",
                                      "unembed.W_U", "nsp_head.W", "pooler.W"]))
    }
}
