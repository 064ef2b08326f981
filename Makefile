# One-command workflows on a fresh clone (Linux x86_64, Python 3.11). Every target sets up .venv first.
#   make demo   the whole job on the embedded digits dataset: condense, soft labels, compression, students
#   make test   run every notebook's tests and tests/ under pytest (installs Debian's dataset-fashion-mnist, chromium and the
#               glyphs typefaces if absent)
#   make docs   the docs site in _docs/ without Quarto (.ci/docs.py); `nbdev-docs` where Quarto is installed
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup glyph-fonts demo test export clean-nbs readme bench outputs docs screenshots

# DD-Ranking 0.2.0 (the export test in 05_condense reads our export with it): its own pins (numpy<2, scipy<1.16) would
# downgrade this environment and it runs without them, so it goes in without its dependencies, plus the ones it imports
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q kornia pandas pyyaml
	$(PY) -m pip install -q --no-deps ddranking==0.2.0
	@touch $@

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -c "from score_nb.pipeline import pipeline_demo; pipeline_demo()"

FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(FASHION_MNIST):
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dataset-fashion-mnist

CHROMIUM := /usr/bin/chromium
MATHJAX := /usr/share/javascript/mathjax/MathJax.js

$(MATHJAX):
	$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libjs-mathjax

$(CHROMIUM):
	$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# the glyphs benchmark's typefaces: score_nb.data names the Debian packages it still needs
glyph-fonts: $(STAMP)
	@missing="$$($(PY) -c 'from score_nb.data import missing_glyph_packages; print(" ".join(missing_glyph_packages()))')"; \
	if [ -n "$$missing" ]; then echo "installing the glyphs typefaces: $$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

test: $(STAMP) $(FASHION_MNIST) $(CHROMIUM) $(MATHJAX) glyph-fonts
	$(PY) -m pytest -q tests

export: $(STAMP)
	$(VENV)/bin/nbdev-export

clean-nbs: $(STAMP)
	$(VENV)/bin/nbdev-clean

readme: $(STAMP)
	$(PY) .ci/readme.py nbs/index.ipynb README.md

bench: $(STAMP)
	$(PY) bench/selector.py --out results/selector.json

outputs: $(STAMP)
	$(PY) .ci/save_outputs.py && $(VENV)/bin/nbdev-clean && $(PY) .ci/readme.py nbs/index.ipynb README.md

docs: $(STAMP) $(MATHJAX)
	$(PY) .ci/docs.py

screenshots: $(STAMP) $(CHROMIUM)
	SCORE_NB_SCREENSHOTS=results/screenshots $(PY) -m pytest -q -s tests/test_docs.py
