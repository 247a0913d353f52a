# Every target creates or reuses the virtual environment in $(VENV) and
# installs the package into it, so each works on a fresh machine.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= runs/demo
# Extra `keras-dcgan train` flags for the demo, e.g. DEMO_FLAGS=--epochs=1
DEMO_FLAGS ?=
# The demo's training budget in seconds: about 45 of the preset's 50 epochs
# on a 2-core CPU with bfloat16 units, 36 in float32 on AVX-512, half that
# or less on slower CPUs. Stopped there, the run is saved, and `make demo`
# again continues it.
DEMO_MAX_TIME ?= 330

.PHONY: install browser-deps demo test test-slow lint format docs clean

$(STAMP): pyproject.toml setup.cfg
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## The main job: train a class-conditional DCGAN on the bundled MNIST sample,
## write samples (one row per digit), export.
demo: $(STAMP)
	$(BIN)/keras-dcgan train --preset=mnist --dataset=mnist-sample --conditional --workdir=$(DEMO_DIR) --max_time=$(DEMO_MAX_TIME) $(DEMO_FLAGS)
	$(BIN)/keras-dcgan sample --workdir=$(DEMO_DIR) --num=100 --out=$(DEMO_DIR)/samples.png
	$(BIN)/keras-dcgan interpolate --workdir=$(DEMO_DIR) --out=$(DEMO_DIR)/interpolation.gif
	$(BIN)/keras-dcgan export --workdir=$(DEMO_DIR) --saved_model_dir=$(DEMO_DIR)/serving --tflite=$(DEMO_DIR)/generator.tflite --web=$(DEMO_DIR)/web

## The tests (the fast default suite; CI runs this).
test: $(STAMP) browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -m "not slow"

## Slow end-to-end runs, opt-in.
test-slow: $(STAMP) browser-deps
	$(BIN)/python -m pytest -m slow

## Chromium (Debian's package) and LiteRT.js (npm) for the browser tests of
## the exported web page. Best effort: where they cannot be installed (no
## root, no apt or npm), those tests are skipped and say what is missing.
LITERTJS_VERSION := 2.5.3
browser-deps:
	@command -v chromium >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "make browser-deps: could not install chromium; the browser tests will be skipped"
	@test -f node_modules/@litertjs/core/package.json || \
		npm install --no-save --no-audit --no-fund --silent @litertjs/core@$(LITERTJS_VERSION) || \
		echo "make browser-deps: could not install @litertjs/core; the browser tests will be skipped"

## The documentation site in site/ (strict: a broken link or reference fails).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) runs .pytest_cache site
