# The two commands of the README: `make demo` (the main job on the bundled model)
# and `make test` (the test suite). Both install what they need first.
SWIFT ?= swift
DEFAULT_MODEL ?= Fixtures/models/gpt2
APT_PACKAGES = zlib1g-dev libjson-c-dev libopenblas-dev

.PHONY: deps build release demo test bench bench-processing bench-convert bench-verify clean

# Installs the three system libraries with apt-get when any is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Convert the bundled GPT-2 fixture with --fold-ln and prove the output against the
# Hugging Face logits saved beside it; then ask the converted model for its top tokens.
DEMO_OUTPUT ?= tl-models/demo-gpt2
demo: release
	.build/release/tlconvert convert $(DEFAULT_MODEL) --fold-ln -o $(DEMO_OUTPUT) --force \
	  --verify $(DEFAULT_MODEL)/hf_logits.safetensors
	.build/release/tlconvert run $(DEMO_OUTPUT) --prompt "The model layer norm" --top-k 5

test: deps
	$(SWIFT) test

# Benchmarks (release build; each script prints its own numbers).
bench: deps
	tools/bench-formats

clean:
	rm -rf .build

# Forward-pass benchmark: gpt2-medium shape, 1 × 128 tokens, vs bare sgemm (release build).
bench-forward: deps
	tools/bench-forward

# Conversion benchmark (issue 8): cp vs convert --tl-defaults, peak RSS, on synthetic hub-layout checkpoints.
bench-convert: deps
	tools/bench-convert

# Verify benchmark (issue 18): wall time and peak RSS of verify on 1.1B- and 8B-shaped checkpoints.
bench-verify: deps
	tools/bench-verify

# Weight-processing benchmark: --tl-defaults on a 7B-shaped embed, block and unembed (release build).
bench-processing: deps
	tools/bench-processing
