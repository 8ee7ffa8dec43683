import Testing
@testable import TLHub

struct HubEnvironmentTests {
    @Test func defaultsFollowHuggingFaceHub() {
        let env = HubEnvironment(variables: ["HOME": "/home/u"])
        #expect(env.cacheDirectory == "/home/u/.cache/huggingface/hub")
        #expect(env.endpoint == "https://huggingface.co")
        #expect(env.token == nil)
        #expect(!env.offline)
    }

    @Test func cacheVariablesInPrecedenceOrder() {
        #expect(HubEnvironment(variables: ["HOME": "/h", "XDG_CACHE_HOME": "/x"]).cacheDirectory == "/x/huggingface/hub")
        #expect(HubEnvironment(variables: ["HOME": "/h", "XDG_CACHE_HOME": "/x", "HF_HOME": "~/hf"]).cacheDirectory == "/h/hf/hub")
        #expect(HubEnvironment(variables: ["HOME": "/h", "HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy"]).cacheDirectory == "/legacy")
        #expect(HubEnvironment(variables: ["HOME": "/h", "HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy",
                                           "HF_HUB_CACHE": "/hub"]).cacheDirectory == "/hub")
    }

    @Test func endpointTokenAndOffline() {
        let env = HubEnvironment(variables: ["HF_ENDPOINT": "http://127.0.0.1:8080//", "HF_TOKEN": "hf_x", "HF_HUB_OFFLINE": "1"])
        #expect(env.endpoint == "http://127.0.0.1:8080")
        #expect(env.token == "hf_x")
        #expect(env.offline)
        #expect(HubEnvironment(variables: ["HF_HUB_OFFLINE": "yes"]).offline)
        #expect(HubEnvironment(variables: ["TRANSFORMERS_OFFLINE": "TRUE"]).offline)
        #expect(!HubEnvironment(variables: ["HF_HUB_OFFLINE": "0"]).offline)
        #expect(HubEnvironment(variables: ["HUGGING_FACE_HUB_TOKEN": "old"]).token == "old")
    }

    @Test func cacheFolderNames() {
        #expect(HubCache.folderName(repo: "gpt2") == "models--gpt2")
        #expect(HubCache.folderName(repo: "EleutherAI/pythia-70m") == "models--EleutherAI--pythia-70m")
    }
}
