# `make demo` and `make test` each create .venv on first use and install what they need.
# `make` alone lists the targets: each documented by its `## ` comment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help demo test notebook bench clean

help: ## list the targets
	@echo "make TARGET, one of:"
	@awk -F ':.*## ' '/^[a-z]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per extra: reinstall only when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	touch $@

demo: $(VENV)/.installed-demo ## train on two moons; pictures to demo-output/ (then: .venv/bin/python demos/NAME.py)
	$(BIN)/python demos/moons.py
	$(BIN)/python demos/walkthrough.py

test: $(VENV)/.installed-test ## ruff and the test suite
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

# The benchmarks, with their peers (micrograd 0.1.0; PyTorch 2.13.0 CPU, from this machine's disk).
bench: $(VENV)/.installed-bench ## the benchmarks against micrograd and PyTorch (about 12 minutes)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/designs.py
	$(BIN)/python benchmarks/training.py
	$(BIN)/python benchmarks/conv.py

notebook: $(VENV)/.installed-notebook ## open demos/tour.ipynb in JupyterLab
	$(BIN)/jupyter lab demos/tour.ipynb

clean: ## remove .venv and caches
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
