// The model zoo: every name in TransformerLens 2.16.1's OFFICIAL_MODEL_NAMES, in its
// order, with the aliases of its MODEL_ALIASES (duplicates and case-only repeats
// dropped) and the architecture each checkpoint declares. 216 names, 372 aliases.

extension Zoo {
    static let table: [ZooEntry] = [
        // GPT-2 (OpenAI)
        .init("gpt2", .gpt2, aliases: ["gpt2-small"]),
        .init("gpt2-medium", .gpt2, aliases: []),
        .init("gpt2-large", .gpt2, aliases: []),
        .init("gpt2-xl", .gpt2, aliases: []),
        .init("distilgpt2", .gpt2, aliases: ["distillgpt2", "distill-gpt2", "distil-gpt2", "gpt2-xs"]),

        // OPT (Meta)
        .init("facebook/opt-125m", .opt, aliases: ["opt-125m", "opt-small", "opt"]),
        .init("facebook/opt-1.3b", .opt, aliases: ["opt-1.3b", "opt-medium"]),
        .init("facebook/opt-2.7b", .opt, aliases: ["opt-2.7b", "opt-large"]),
        .init("facebook/opt-6.7b", .opt, aliases: ["opt-6.7b", "opt-xl"]),
        .init("facebook/opt-13b", .opt, aliases: ["opt-13b", "opt-xxl"]),
        .init("facebook/opt-30b", .opt, aliases: ["opt-30b", "opt-xxxl"]),
        .init("facebook/opt-66b", .opt, aliases: ["opt-66b", "opt-xxxxl"]),

        // GPT-Neo, GPT-J, GPT-NeoX (EleutherAI)
        .init("EleutherAI/gpt-neo-125M", .gptNeo, aliases: ["gpt-neo-125M", "gpt-neo-small", "neo-small", "neo"]),
        .init("EleutherAI/gpt-neo-1.3B", .gptNeo, aliases: ["gpt-neo-1.3B", "gpt-neo-medium", "neo-medium"]),
        .init("EleutherAI/gpt-neo-2.7B", .gptNeo, aliases: ["gpt-neo-2.7B", "gpt-neo-large", "neo-large"]),
        .init("EleutherAI/gpt-j-6B", .gptJ, aliases: ["gpt-j-6B", "gpt-j", "gptj"]),
        .init("EleutherAI/gpt-neox-20b", .gptNeoX, aliases: ["gpt-neox-20b", "gpt-neox", "neox"]),

        // Stanford CRFM GPT-2 replications (Mistral project)
        .init("stanford-crfm/alias-gpt2-small-x21", .gpt2, aliases: ["stanford-gpt2-small-a", "alias-gpt2-small-x21", "gpt2-mistral-small-a", "gpt2-stanford-small-a"]),
        .init("stanford-crfm/battlestar-gpt2-small-x49", .gpt2, aliases: ["stanford-gpt2-small-b", "battlestar-gpt2-small-x49", "gpt2-mistral-small-b"]),
        .init("stanford-crfm/caprica-gpt2-small-x81", .gpt2, aliases: ["stanford-gpt2-small-c", "caprica-gpt2-small-x81", "gpt2-mistral-small-c", "gpt2-stanford-small-c"]),
        .init("stanford-crfm/darkmatter-gpt2-small-x343", .gpt2, aliases: ["stanford-gpt2-small-d", "darkmatter-gpt2-small-x343", "gpt2-mistral-small-d"]),
        .init("stanford-crfm/expanse-gpt2-small-x777", .gpt2, aliases: ["stanford-gpt2-small-e", "expanse-gpt2-small-x777", "gpt2-mistral-small-e"]),
        .init("stanford-crfm/arwen-gpt2-medium-x21", .gpt2, aliases: ["stanford-gpt2-medium-a", "arwen-gpt2-medium-x21", "gpt2-medium-small-a", "gpt2-stanford-medium-a"]),
        .init("stanford-crfm/beren-gpt2-medium-x49", .gpt2, aliases: ["stanford-gpt2-medium-b", "beren-gpt2-medium-x49", "gpt2-medium-small-b", "gpt2-stanford-medium-b"]),
        .init("stanford-crfm/celebrimbor-gpt2-medium-x81", .gpt2, aliases: ["stanford-gpt2-medium-c", "celebrimbor-gpt2-medium-x81", "gpt2-medium-small-c"]),
        .init("stanford-crfm/durin-gpt2-medium-x343", .gpt2, aliases: ["stanford-gpt2-medium-d", "durin-gpt2-medium-x343", "gpt2-medium-small-d", "gpt2-stanford-medium-d"]),
        .init("stanford-crfm/eowyn-gpt2-medium-x777", .gpt2, aliases: ["stanford-gpt2-medium-e", "eowyn-gpt2-medium-x777", "gpt2-medium-small-e", "gpt2-stanford-medium-e"]),

        // Pythia (EleutherAI)
        .init("EleutherAI/pythia-14m", .gptNeoX, aliases: ["pythia-14m"]),
        .init("EleutherAI/pythia-31m", .gptNeoX, aliases: ["pythia-31m"]),
        .init("EleutherAI/pythia-70m", .gptNeoX, aliases: ["pythia-70m", "pythia", "EleutherAI/pythia-19m", "pythia-19m"]),
        .init("EleutherAI/pythia-160m", .gptNeoX, aliases: ["pythia-160m", "EleutherAI/pythia-125m", "pythia-125m"]),
        .init("EleutherAI/pythia-410m", .gptNeoX, aliases: ["pythia-410m", "EleutherAI/pythia-350m", "pythia-350m"]),
        .init("EleutherAI/pythia-1b", .gptNeoX, aliases: ["pythia-1b", "EleutherAI/pythia-800m", "pythia-800m"]),
        .init("EleutherAI/pythia-1.4b", .gptNeoX, aliases: ["pythia-1.4b", "EleutherAI/pythia-1.3b", "pythia-1.3b"]),
        .init("EleutherAI/pythia-2.8b", .gptNeoX, aliases: ["pythia-2.8b", "EleutherAI/pythia-2.7b", "pythia-2.7b"]),
        .init("EleutherAI/pythia-6.9b", .gptNeoX, aliases: ["pythia-6.9b", "EleutherAI/pythia-6.7b", "pythia-6.7b"]),
        .init("EleutherAI/pythia-12b", .gptNeoX, aliases: ["pythia-12b", "EleutherAI/pythia-13b", "pythia-13b"]),
        .init("EleutherAI/pythia-70m-deduped", .gptNeoX, aliases: ["pythia-70m-deduped", "EleutherAI/pythia-19m-deduped", "pythia-19m-deduped"]),
        .init("EleutherAI/pythia-160m-deduped", .gptNeoX, aliases: ["pythia-160m-deduped", "EleutherAI/pythia-125m-deduped", "pythia-125m-deduped"]),
        .init("EleutherAI/pythia-410m-deduped", .gptNeoX, aliases: ["pythia-410m-deduped", "EleutherAI/pythia-350m-deduped", "pythia-350m-deduped"]),
        .init("EleutherAI/pythia-1b-deduped", .gptNeoX, aliases: ["pythia-1b-deduped", "EleutherAI/pythia-800m-deduped", "pythia-800m-deduped"]),
        .init("EleutherAI/pythia-1.4b-deduped", .gptNeoX, aliases: ["pythia-1.4b-deduped", "EleutherAI/pythia-1.3b-deduped", "pythia-1.3b-deduped"]),
        .init("EleutherAI/pythia-2.8b-deduped", .gptNeoX, aliases: ["pythia-2.8b-deduped", "EleutherAI/pythia-2.7b-deduped", "pythia-2.7b-deduped"]),
        .init("EleutherAI/pythia-6.9b-deduped", .gptNeoX, aliases: ["pythia-6.9b-deduped", "EleutherAI/pythia-6.7b-deduped", "pythia-6.7b-deduped"]),
        .init("EleutherAI/pythia-12b-deduped", .gptNeoX, aliases: ["pythia-12b-deduped", "EleutherAI/pythia-13b-deduped", "pythia-13b-deduped"]),
        .init("EleutherAI/pythia-70m-v0", .gptNeoX, aliases: ["pythia-70m-v0", "pythia-v0", "EleutherAI/pythia-19m-v0", "pythia-19m-v0"]),
        .init("EleutherAI/pythia-160m-v0", .gptNeoX, aliases: ["pythia-160m-v0", "EleutherAI/pythia-125m-v0", "pythia-125m-v0"]),
        .init("EleutherAI/pythia-410m-v0", .gptNeoX, aliases: ["pythia-410m-v0", "EleutherAI/pythia-350m-v0", "pythia-350m-v0"]),
        .init("EleutherAI/pythia-1b-v0", .gptNeoX, aliases: ["pythia-1b-v0", "EleutherAI/pythia-800m-v0", "pythia-800m-v0"]),
        .init("EleutherAI/pythia-1.4b-v0", .gptNeoX, aliases: ["pythia-1.4b-v0", "EleutherAI/pythia-1.3b-v0", "pythia-1.3b-v0"]),
        .init("EleutherAI/pythia-2.8b-v0", .gptNeoX, aliases: ["pythia-2.8b-v0", "EleutherAI/pythia-2.7b-v0", "pythia-2.7b-v0"]),
        .init("EleutherAI/pythia-6.9b-v0", .gptNeoX, aliases: ["pythia-6.9b-v0", "EleutherAI/pythia-6.7b-v0", "pythia-6.7b-v0"]),
        .init("EleutherAI/pythia-12b-v0", .gptNeoX, aliases: ["pythia-12b-v0", "EleutherAI/pythia-13b-v0", "pythia-13b-v0"]),
        .init("EleutherAI/pythia-70m-deduped-v0", .gptNeoX, aliases: ["pythia-70m-deduped-v0", "EleutherAI/pythia-19m-deduped-v0", "pythia-19m-deduped-v0"]),
        .init("EleutherAI/pythia-160m-deduped-v0", .gptNeoX, aliases: ["pythia-160m-deduped-v0", "EleutherAI/pythia-125m-deduped-v0", "pythia-125m-deduped-v0"]),
        .init("EleutherAI/pythia-410m-deduped-v0", .gptNeoX, aliases: ["pythia-410m-deduped-v0", "EleutherAI/pythia-350m-deduped-v0", "pythia-350m-deduped-v0"]),
        .init("EleutherAI/pythia-1b-deduped-v0", .gptNeoX, aliases: ["pythia-1b-deduped-v0", "EleutherAI/pythia-800m-deduped-v0", "pythia-800m-deduped-v0"]),
        .init("EleutherAI/pythia-1.4b-deduped-v0", .gptNeoX, aliases: ["pythia-1.4b-deduped-v0", "EleutherAI/pythia-1.3b-deduped-v0", "pythia-1.3b-deduped-v0"]),
        .init("EleutherAI/pythia-2.8b-deduped-v0", .gptNeoX, aliases: ["pythia-2.8b-deduped-v0", "EleutherAI/pythia-2.7b-deduped-v0", "pythia-2.7b-deduped-v0"]),
        .init("EleutherAI/pythia-6.9b-deduped-v0", .gptNeoX, aliases: ["pythia-6.9b-deduped-v0", "EleutherAI/pythia-6.7b-deduped-v0", "pythia-6.7b-deduped-v0"]),
        .init("EleutherAI/pythia-12b-deduped-v0", .gptNeoX, aliases: ["pythia-12b-deduped-v0", "EleutherAI/pythia-13b-deduped-v0", "pythia-13b-deduped-v0"]),
        .init("EleutherAI/pythia-160m-seed1", .gptNeoX, aliases: ["pythia-160m-seed1", "EleutherAI/pythia-125m-seed1", "pythia-125m-seed1"]),
        .init("EleutherAI/pythia-160m-seed2", .gptNeoX, aliases: ["pythia-160m-seed2", "EleutherAI/pythia-125m-seed2", "pythia-125m-seed2"]),
        .init("EleutherAI/pythia-160m-seed3", .gptNeoX, aliases: ["pythia-160m-seed3", "EleutherAI/pythia-125m-seed3", "pythia-125m-seed3"]),

        // Neel Nanda's interpretability models (TransformerLens format)
        .init("NeelNanda/SoLU_1L_v9_old", .neelSoluOld, aliases: ["solu-1l-pile", "solu-1l-old"]),
        .init("NeelNanda/SoLU_2L_v10_old", .neelSoluOld, aliases: ["solu-2l-pile", "solu-2l-old"]),
        .init("NeelNanda/SoLU_4L_v11_old", .neelSoluOld, aliases: ["solu-4l-pile", "solu-4l-old"]),
        .init("NeelNanda/SoLU_6L_v13_old", .neelSoluOld, aliases: ["solu-6l-pile", "solu-6l-old"]),
        .init("NeelNanda/SoLU_8L_v21_old", .neelSoluOld, aliases: ["solu-8l-pile", "solu-8l-old"]),
        .init("NeelNanda/SoLU_10L_v22_old", .neelSoluOld, aliases: ["solu-10l-pile", "solu-10l-old"]),
        .init("NeelNanda/SoLU_12L_v23_old", .neelSoluOld, aliases: ["solu-12l-pile", "solu-12l-old"]),
        .init("NeelNanda/SoLU_1L512W_C4_Code", .neel, aliases: ["solu-1l", "solu-1l-new", "solu-1l-c4-code"]),
        .init("NeelNanda/SoLU_2L512W_C4_Code", .neel, aliases: ["solu-2l", "solu-2l-new", "solu-2l-c4-code"]),
        .init("NeelNanda/SoLU_3L512W_C4_Code", .neel, aliases: ["solu-3l", "solu-3l-new", "solu-3l-c4-code"]),
        .init("NeelNanda/SoLU_4L512W_C4_Code", .neel, aliases: ["solu-4l", "solu-4l-new", "solu-4l-c4-code"]),
        .init("NeelNanda/SoLU_6L768W_C4_Code", .neel, aliases: ["solu-6l", "solu-6l-new", "solu-6l-c4-code"]),
        .init("NeelNanda/SoLU_8L1024W_C4_Code", .neel, aliases: ["solu-8l", "solu-8l-new", "solu-8l-c4-code"]),
        .init("NeelNanda/SoLU_10L1280W_C4_Code", .neel, aliases: ["solu-10l", "solu-10l-new", "solu-10l-c4-code"]),
        .init("NeelNanda/SoLU_12L1536W_C4_Code", .neel, aliases: ["solu-12l", "solu-12l-new", "solu-12l-c4-code"]),
        .init("NeelNanda/GELU_1L512W_C4_Code", .neel, aliases: ["gelu-1l", "gelu-1l-new", "gelu-1l-c4-code"]),
        .init("NeelNanda/GELU_2L512W_C4_Code", .neel, aliases: ["gelu-2l", "gelu-2l-new", "gelu-2l-c4-code"]),
        .init("NeelNanda/GELU_3L512W_C4_Code", .neel, aliases: ["gelu-3l", "gelu-3l-new", "gelu-3l-c4-code"]),
        .init("NeelNanda/GELU_4L512W_C4_Code", .neel, aliases: ["gelu-4l", "gelu-4l-new", "gelu-4l-c4-code"]),
        .init("NeelNanda/Attn_Only_1L512W_C4_Code", .neel, aliases: ["attn-only-1l", "attn-only-1l-new", "attn-only-1l-c4-code"]),
        .init("NeelNanda/Attn_Only_2L512W_C4_Code", .neel, aliases: ["attn-only-2l", "attn-only-2l-new", "attn-only-2l-c4-code"]),
        .init("NeelNanda/Attn_Only_3L512W_C4_Code", .neel, aliases: ["attn-only-3l", "attn-only-3l-new", "attn-only-3l-c4-code"]),
        .init("NeelNanda/Attn_Only_4L512W_C4_Code", .neel, aliases: ["attn-only-4l", "attn-only-4l-new", "attn-only-4l-c4-code"]),
        .init("NeelNanda/Attn-Only-2L512W-Shortformer-6B-big-lr", .neel, aliases: ["attn-only-2l-demo", "attn-only-2l-shortformer-6b-big-lr", "attn-only-2l-induction-demo", "attn-only-demo"]),
        .init("NeelNanda/SoLU_1L512W_Wiki_Finetune", .neel, aliases: ["solu-1l-wiki", "solu-1l-wiki-finetune", "solu-1l-finetune"]),
        .init("NeelNanda/SoLU_4L512W_Wiki_Finetune", .neel, aliases: ["solu-4l-wiki", "solu-4l-wiki-finetune", "solu-4l-finetune"]),

        // Redwood 2-layer attention-only model (TransformerLens format)
        .init("ArthurConmy/redwood_attn_2l", .neel, aliases: ["redwood_attn_2l"]),

        // LLaMA (original weights; not on the Hub, pass a local directory)
        .init("llama-7b-hf", .llama, aliases: ["llama-7b"], hosted: false),
        .init("llama-13b-hf", .llama, aliases: ["llama-13b"], hosted: false),
        .init("llama-30b-hf", .llama, aliases: ["llama-30b"], hosted: false),
        .init("llama-65b-hf", .llama, aliases: ["llama-65b"], hosted: false),

        // Llama 2 / 3 (Meta)
        .init("meta-llama/Llama-2-7b-hf", .llama, aliases: ["Llama-2-7b"]),
        .init("meta-llama/Llama-2-7b-chat-hf", .llama, aliases: ["Llama-2-7b-chat"]),
        .init("meta-llama/Llama-2-13b-hf", .llama, aliases: ["Llama-2-13b"]),
        .init("meta-llama/Llama-2-13b-chat-hf", .llama, aliases: ["Llama-2-13b-chat"]),
        .init("meta-llama/Llama-2-70b-chat-hf", .llama, aliases: ["Llama-2-70b-chat", "meta-llama-2-70b-chat-hf"]),

        // Code Llama (Meta)
        .init("codellama/CodeLlama-7b-hf", .llama, aliases: ["CodeLlamallama-2-7b"]),
        .init("codellama/CodeLlama-7b-Python-hf", .llama, aliases: ["CodeLlama-7b-python"]),
        .init("codellama/CodeLlama-7b-Instruct-hf", .llama, aliases: ["CodeLlama-7b-instruct"]),

        // Llama 2 / 3 (Meta)
        .init("meta-llama/Meta-Llama-3-8B", .llama, aliases: []),
        .init("meta-llama/Meta-Llama-3-8B-Instruct", .llama, aliases: []),
        .init("meta-llama/Meta-Llama-3-70B", .llama, aliases: []),
        .init("meta-llama/Meta-Llama-3-70B-Instruct", .llama, aliases: []),
        .init("meta-llama/Llama-3.1-70B", .llama, aliases: []),
        .init("meta-llama/Llama-3.1-8B", .llama, aliases: []),
        .init("meta-llama/Llama-3.1-8B-Instruct", .llama, aliases: []),
        .init("meta-llama/Llama-3.1-70B-Instruct", .llama, aliases: []),
        .init("meta-llama/Llama-3.2-1B", .llama, aliases: []),
        .init("meta-llama/Llama-3.2-3B", .llama, aliases: []),
        .init("meta-llama/Llama-3.2-1B-Instruct", .llama, aliases: []),
        .init("meta-llama/Llama-3.2-3B-Instruct", .llama, aliases: []),
        .init("meta-llama/Llama-3.3-70B-Instruct", .llama, aliases: []),

        // Othello-GPT (minGPT format)
        .init("Baidicoot/Othello-GPT-Transformer-Lens", .minGPT, aliases: ["othello-gpt"]),

        // BERT
        .init("google-bert/bert-base-cased", .bert, aliases: ["bert-base-cased"]),
        .init("google-bert/bert-base-uncased", .bert, aliases: ["bert-base-uncased"]),
        .init("google-bert/bert-large-cased", .bert, aliases: ["bert-large-cased"]),
        .init("google-bert/bert-large-uncased", .bert, aliases: ["bert-large-uncased"]),

        // TinyStories (GPT-Neo architecture)
        .init("roneneldan/TinyStories-1M", .gptNeo, aliases: ["tiny-stories-1M"]),
        .init("roneneldan/TinyStories-3M", .gptNeo, aliases: ["tiny-stories-3M"]),
        .init("roneneldan/TinyStories-8M", .gptNeo, aliases: ["tiny-stories-8M"]),
        .init("roneneldan/TinyStories-28M", .gptNeo, aliases: ["tiny-stories-28M"]),
        .init("roneneldan/TinyStories-33M", .gptNeo, aliases: ["tiny-stories-33M"]),
        .init("roneneldan/TinyStories-Instruct-1M", .gptNeo, aliases: ["tiny-stories-instruct-1M"]),
        .init("roneneldan/TinyStories-Instruct-3M", .gptNeo, aliases: ["tiny-stories-instruct-3M"]),
        .init("roneneldan/TinyStories-Instruct-8M", .gptNeo, aliases: ["tiny-stories-instruct-8M"]),
        .init("roneneldan/TinyStories-Instruct-28M", .gptNeo, aliases: ["tiny-stories-instruct-28M"]),
        .init("roneneldan/TinyStories-Instruct-33M", .gptNeo, aliases: ["tiny-stories-instruct-33M"]),
        .init("roneneldan/TinyStories-1Layer-21M", .gptNeo, aliases: ["tiny-stories-1L-21M"]),
        .init("roneneldan/TinyStories-2Layers-33M", .gptNeo, aliases: ["tiny-stories-2L-33M"]),
        .init("roneneldan/TinyStories-Instuct-1Layer-21M", .gptNeo, aliases: ["tiny-stories-instruct-1L-21M"]),
        .init("roneneldan/TinyStories-Instruct-2Layers-33M", .gptNeo, aliases: ["tiny-stories-instruct-2L-33M"]),

        // StableLM alpha (GPT-NeoX architecture)
        .init("stabilityai/stablelm-base-alpha-3b", .gptNeoX, aliases: ["stablelm-base-alpha-3b", "stablelm-base-3b"]),
        .init("stabilityai/stablelm-base-alpha-7b", .gptNeoX, aliases: ["stablelm-base-alpha-7b", "stablelm-base-7b"]),
        .init("stabilityai/stablelm-tuned-alpha-3b", .gptNeoX, aliases: ["stablelm-tuned-alpha-3b", "stablelm-tuned-3b"]),
        .init("stabilityai/stablelm-tuned-alpha-7b", .gptNeoX, aliases: ["stablelm-tuned-alpha-7b", "stablelm-tuned-7b"]),

        // Mistral and Mixtral
        .init("mistralai/Mistral-7B-v0.1", .mistral, aliases: ["mistral-7b"]),
        .init("mistralai/Mistral-7B-Instruct-v0.1", .mistral, aliases: ["mistral-7b-instruct"]),
        .init("mistralai/Mistral-Small-24B-Base-2501", .mistral, aliases: []),
        .init("mistralai/Mistral-Nemo-Base-2407", .mistral, aliases: ["mistral-nemo-base-2407"]),
        .init("mistralai/Mixtral-8x7B-v0.1", .mixtral, aliases: ["mixtral", "mixtral-8x7b"]),
        .init("mistralai/Mixtral-8x7B-Instruct-v0.1", .mixtral, aliases: ["mixtral-instruct", "mixtral-8x7b-instruct"]),

        // BLOOM
        .init("bigscience/bloom-560m", .bloom, aliases: ["bloom-560m"]),
        .init("bigscience/bloom-1b1", .bloom, aliases: ["bloom-1b1"]),
        .init("bigscience/bloom-1b7", .bloom, aliases: ["bloom-1b7"]),
        .init("bigscience/bloom-3b", .bloom, aliases: ["bloom-3b"]),
        .init("bigscience/bloom-7b1", .bloom, aliases: ["bloom-7b1"]),

        // SantaCoder
        .init("bigcode/santacoder", .santaCoder, aliases: ["santacoder"]),

        // Qwen, Qwen1.5, Qwen2, Qwen2.5, QwQ, Qwen3
        .init("Qwen/Qwen-1_8B", .qwen, aliases: ["qwen-1.8b"]),
        .init("Qwen/Qwen-7B", .qwen, aliases: ["qwen-7b"]),
        .init("Qwen/Qwen-14B", .qwen, aliases: ["qwen-14b"]),
        .init("Qwen/Qwen-1_8B-Chat", .qwen, aliases: ["qwen-1.8b-chat"]),
        .init("Qwen/Qwen-7B-Chat", .qwen, aliases: ["qwen-7b-chat"]),
        .init("Qwen/Qwen-14B-Chat", .qwen, aliases: ["qwen-14b-chat"]),
        .init("Qwen/Qwen1.5-0.5B", .qwen2, aliases: ["qwen1.5-0.5b"]),
        .init("Qwen/Qwen1.5-0.5B-Chat", .qwen2, aliases: ["qwen1.5-0.5b-chat"]),
        .init("Qwen/Qwen1.5-1.8B", .qwen2, aliases: ["qwen1.5-1.8b"]),
        .init("Qwen/Qwen1.5-1.8B-Chat", .qwen2, aliases: ["qwen1.5-1.8b-chat"]),
        .init("Qwen/Qwen1.5-4B", .qwen2, aliases: ["qwen1.5-4b"]),
        .init("Qwen/Qwen1.5-4B-Chat", .qwen2, aliases: ["qwen1.5-4b-chat"]),
        .init("Qwen/Qwen1.5-7B", .qwen2, aliases: ["qwen1.5-7b"]),
        .init("Qwen/Qwen1.5-7B-Chat", .qwen2, aliases: ["qwen1.5-7b-chat"]),
        .init("Qwen/Qwen1.5-14B", .qwen2, aliases: ["qwen1.5-14b"]),
        .init("Qwen/Qwen1.5-14B-Chat", .qwen2, aliases: ["qwen1.5-14b-chat"]),
        .init("Qwen/Qwen2-0.5B", .qwen2, aliases: ["qwen2-0.5b"]),
        .init("Qwen/Qwen2-0.5B-Instruct", .qwen2, aliases: ["qwen2-0.5b-instruct"]),
        .init("Qwen/Qwen2-1.5B", .qwen2, aliases: ["qwen2-1.5b"]),
        .init("Qwen/Qwen2-1.5B-Instruct", .qwen2, aliases: ["qwen2-1.5b-instruct"]),
        .init("Qwen/Qwen2-7B", .qwen2, aliases: ["qwen2-7b"]),
        .init("Qwen/Qwen2-7B-Instruct", .qwen2, aliases: ["qwen2-7b-instruct"]),
        .init("Qwen/Qwen2.5-0.5B", .qwen2, aliases: ["qwen2.5-0.5b"]),
        .init("Qwen/Qwen2.5-0.5B-Instruct", .qwen2, aliases: ["qwen2.5-0.5b-instruct"]),
        .init("Qwen/Qwen2.5-1.5B", .qwen2, aliases: ["qwen2.5-1.5b"]),
        .init("Qwen/Qwen2.5-1.5B-Instruct", .qwen2, aliases: ["qwen2.5-1.5b-instruct"]),
        .init("Qwen/Qwen2.5-3B", .qwen2, aliases: ["qwen2.5-3b"]),
        .init("Qwen/Qwen2.5-3B-Instruct", .qwen2, aliases: ["qwen2.5-3b-instruct"]),
        .init("Qwen/Qwen2.5-7B", .qwen2, aliases: ["qwen2.5-7b"]),
        .init("Qwen/Qwen2.5-7B-Instruct", .qwen2, aliases: ["qwen2.5-7b-instruct"]),
        .init("Qwen/Qwen2.5-14B", .qwen2, aliases: ["qwen2.5-14b"]),
        .init("Qwen/Qwen2.5-14B-Instruct", .qwen2, aliases: ["qwen2.5-14b-instruct"]),
        .init("Qwen/Qwen2.5-32B", .qwen2, aliases: ["qwen2.5-32b"]),
        .init("Qwen/Qwen2.5-32B-Instruct", .qwen2, aliases: ["qwen2.5-32b-instruct"]),
        .init("Qwen/Qwen2.5-72B", .qwen2, aliases: ["qwen2.5-72b"]),
        .init("Qwen/Qwen2.5-72B-Instruct", .qwen2, aliases: ["qwen2.5-72b-instruct"]),
        .init("Qwen/QwQ-32B-Preview", .qwen2, aliases: ["qwen-32b-preview"]),
        .init("Qwen/Qwen3-0.6B", .qwen3, aliases: ["qwen3-0.6b"]),
        .init("Qwen/Qwen3-1.7B", .qwen3, aliases: ["qwen3-1.7b"]),
        .init("Qwen/Qwen3-4B", .qwen3, aliases: ["qwen3-4b"]),
        .init("Qwen/Qwen3-8B", .qwen3, aliases: ["qwen3-8b"]),
        .init("Qwen/Qwen3-14B", .qwen3, aliases: ["qwen3-14b"]),

        // Phi
        .init("microsoft/phi-1", .phi, aliases: ["phi-1"]),
        .init("microsoft/phi-1_5", .phi, aliases: ["phi-1_5"]),
        .init("microsoft/phi-2", .phi, aliases: ["phi-2"]),
        .init("microsoft/Phi-3-mini-4k-instruct", .phi3, aliases: ["phi-3"]),
        .init("microsoft/phi-4", .phi3, aliases: ["phi-4"]),

        // Gemma and Gemma 2 (the Hub's gemma-2b declares GemmaForCausalLM; TransformerLens's
        // substring test labels it Gemma2ForCausalLM internally)
        .init("google/gemma-2b", .gemma, aliases: ["gemma-2b"]),
        .init("google/gemma-7b", .gemma, aliases: ["gemma-7b"]),
        .init("google/gemma-2b-it", .gemma, aliases: ["gemma-2b-it"]),
        .init("google/gemma-7b-it", .gemma, aliases: ["gemma-7b-it"]),
        .init("google/gemma-2-2b", .gemma2, aliases: ["gemma-2-2b"]),
        .init("google/gemma-2-2b-it", .gemma2, aliases: ["gemma-2-2b-it"]),
        .init("google/gemma-2-9b", .gemma2, aliases: ["gemma-2-9b"]),
        .init("google/gemma-2-9b-it", .gemma2, aliases: ["gemma-2-9b-it"]),
        .init("google/gemma-2-27b", .gemma2, aliases: ["gemma-2-27b"]),
        .init("google/gemma-2-27b-it", .gemma2, aliases: ["gemma-2-27b-it"]),

        // Yi (LLaMA architecture)
        .init("01-ai/Yi-6B", .llama, aliases: ["yi-6b"]),
        .init("01-ai/Yi-34B", .llama, aliases: ["yi-34b"]),
        .init("01-ai/Yi-6B-Chat", .llama, aliases: ["yi-6b-chat"]),
        .init("01-ai/Yi-34B-Chat", .llama, aliases: ["yi-34b-chat"]),

        // T5
        .init("google-t5/t5-small", .t5, aliases: ["t5-small"]),
        .init("google-t5/t5-base", .t5, aliases: ["t5-base"]),
        .init("google-t5/t5-large", .t5, aliases: ["t5-large"]),

        // mGPT (GPT-2 architecture)
        .init("ai-forever/mGPT", .gpt2, aliases: ["mGPT"]),
    ]
}
