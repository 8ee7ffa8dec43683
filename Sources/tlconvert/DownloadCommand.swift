import ArgumentParser
import TLHub

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Fetch what conversion needs (config, weights, tokenizer) into the Hugging Face cache and print the snapshot folder.",
        discussion: """
            Files go to the cache Python's huggingface_hub uses (HF_HUB_CACHE, else HF_HOME/hub, \
            else ~/.cache/huggingface/hub), from HF_ENDPOINT (default https://huggingface.co). \
            HF_TOKEN is sent for gated or private repos. An interrupted download resumes on the next run. \
            With HF_HUB_OFFLINE=1 nothing is fetched: the cache is only checked.
            """
    )

    @Argument(help: "A zoo name or alias (gpt2-small, pythia-70m) or a Hugging Face repo id (org/name).")
    var model: String

    @Option(help: "Branch, tag or commit to fetch.")
    var revision: String?

    func run() throws {
        try reportingErrors {
            let resolved = try ModelResolver().download(model, revision: revision)
            print(resolved.directory)
        }
    }
}
