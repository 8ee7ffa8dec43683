"""Write the model names TransformerLens added to its official list after 2.16.1, up to 4.3,
with their aliases and architectures, as JSON: the reference the zoo tests
(Tests/TLHubTests/ZooTests.swift) compare Sources/TLHub/Zoo/ZooTable.swift's additions against.

    tools/.venv/bin/pip download --no-deps -d /tmp/tl43 transformer-lens==4.3.0
    tools/.venv/bin/python tools/dump_tl_zoo_additions.py /tmp/tl43/transformer_lens-4.3.0-py3-none-any.whl \\
        > Tests/TLHubTests/Reference/transformer_lens_zoo_additions.json

The 4.3 wheel is read as data (its supported_models.py list and its model registry's JSON);
nothing of it is imported. The 2.16.1 list comes from the installed transformer_lens.
"""
import ast
import json
import sys
import zipfile

from transformer_lens import loading_from_pretrained as lfp

RELEASE = "4.3.0"

with zipfile.ZipFile(sys.argv[1]) as wheel:
    source = wheel.read("transformer_lens/supported_models.py").decode()
    aliases = json.loads(wheel.read("transformer_lens/tools/model_registry/data/model_aliases.json"))["aliases"]
    registry = json.loads(wheel.read("transformer_lens/tools/model_registry/data/supported_models.json"))

# OFFICIAL_MODEL_NAMES: list[str] = [ ... ]
start = source.index("OFFICIAL_MODEL_NAMES")
names = ast.literal_eval(source[source.index("= [", start) + 2:source.index("]\n", start) + 1])

architectures = {}


def collect(value):
    if isinstance(value, dict):
        if "model_id" in value and "architecture_id" in value:
            architectures.setdefault(value["model_id"], value["architecture_id"])
        for item in value.values():
            collect(item)
    elif isinstance(value, list):
        for item in value:
            collect(item)


collect(registry)
# The registry has no entry for the two wav2vec2 checkpoints; their config.json declares this.
architectures.setdefault("facebook/wav2vec2-base", "Wav2Vec2ForPreTraining")
architectures.setdefault("facebook/wav2vec2-large", "Wav2Vec2ForPreTraining")

added = [name for name in names if name not in lfp.OFFICIAL_MODEL_NAMES]
json.dump(
    {
        "transformer_lens": RELEASE,
        "official_model_count": len(names),
        "added": [{"name": name, "aliases": aliases.get(name, []), "architecture": architectures[name]}
                  for name in added],
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
