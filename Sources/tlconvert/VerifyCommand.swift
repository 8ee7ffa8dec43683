import ArgumentParser
import TLApp
import TLConversion
import TLCore
import TLFormats
import TLForward
import TLModel
import TLVerify

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run tlconvert's own forward pass on a converted model and compare its logits with a reference dump.",
        discussion: """
        The reference holds input_ids [batch, seq] and logits [batch, seq, d_vocab] (and optionally
        attention_mask, right padding only), e.g. from tools/dump_hf_logits.py; for an encoder-decoder
        (T5) also decoder_input_ids [batch, dec_seq], with logits [batch, dec_seq, d_vocab] and the mask
        the encoder's. Logits are compared after subtracting each position's mean. Exit status: 0 when every tolerance holds, 1 when
        one is missed, 2 for bad input.

        Encoders (BERT): the dump may also hold token_type_ids [batch, seq] (sentence A = 0, B = 1;
        tools/dump_bert_logits.py writes them), and the MLM head's logits are compared. A model
        without a head (BertModel) is compared on its final hidden state: the dump holds
        hidden_states [batch, seq, d_model] instead of logits, the report gives positions, mse,
        max_abs_diff, cosine_min, cosine_mean (tolerance --min-cosine), and --save-logits writes
        hidden_states.
        """
    )

    @Argument(help: "A directory written by `tlconvert convert` (config.json + model.safetensors), or a Hugging Face model (local directory, repo id or zoo name), converted first to a temporary file that is removed as soon as it is mapped. Weights are read in place in their stored dtype, one layer resident at a time.")
    var model: String

    @OptionGroup(title: "Hub")
    var hub: HubOptions

    @Option(help: "The reference dump (.safetensors).")
    var reference: String

    @OptionGroup(title: "Verification")
    var verification: VerificationOptions

    @OptionGroup(title: "Processing (Hugging Face checkpoints only)")
    var processing: ProcessingFlags

    @Flag(help: "Replace an existing --save-logits file (never a symlink, device, FIFO or socket).")
    var force = false

    func run() throws {
        try reportingErrors {
            // --save-logits is checked before the model is loaded, and again against what it read.
            try verification.checkSaveLogits(reference: reference, replace: force, guarding: Self.inputs(model))
            let loaded = try ModelLoader.load(model, processing: processing.options, revision: hub.revision,
                                              offline: hub.offline, progress: { Console.error($0) })
            try verification.checkSaveLogits(reference: reference, replace: force, guarding: Self.inputs(loaded.directory))
            try verification.verify(model: loaded.model, reference: reference)
        }
    }

    /// What reading a model at `path` touches, as outputs must leave it alone.
    static func inputs(_ path: String) -> [OutputPath.Guarded] {
        OutputPath.Guarded.model(path, role: "an input of the model", wholeFolder: false)
    }
}
