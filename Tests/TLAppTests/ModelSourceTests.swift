import Testing
@testable import TLApp

/// A local path inside the Hugging Face cache names its repo and commit (the model's name, its
/// resolvable `tokenizer_name`), not the snapshot's hash.
struct ModelSourceTests {
    @Test func cacheSnapshotPathsNameTheirRepo() {
        let snapshot = ModelSource.cacheSnapshot("/root/.cache/huggingface/hub/models--EleutherAI--pythia-70m/snapshots/abc123")
        #expect(snapshot?.repo == "EleutherAI/pythia-70m" && snapshot?.commit == "abc123")
        #expect(ModelSource.cacheSnapshot("/cache/models--gpt2/snapshots/0f00")?.repo == "gpt2")
        #expect(ModelSource.cacheSnapshot("/work/models/gpt2") == nil)
        #expect(ModelSource.cacheSnapshot("/work/snapshots/abc") == nil)
    }
}
