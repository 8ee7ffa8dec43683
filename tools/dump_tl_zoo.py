"""Write TransformerLens's model names and aliases as JSON, the reference the zoo
tests (Tests/TLHubTests/ZooTests.swift) compare ModelConfigs/ZooTable.swift against.

    tools/.venv/bin/python tools/dump_tl_zoo.py > Tests/TLHubTests/Reference/transformer_lens_zoo.json
"""
import importlib.metadata
import json
import sys

from transformer_lens import loading_from_pretrained as lfp

json.dump(
    {
        "transformer_lens": importlib.metadata.version("transformer_lens"),
        "official_model_names": lfp.OFFICIAL_MODEL_NAMES,
        "non_hf_hosted": lfp.NON_HF_HOSTED_MODEL_NAMES,
        # lower-cased name or alias -> official name, as get_official_model_name resolves it
        "alias_map": lfp.make_model_alias_map(),
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
