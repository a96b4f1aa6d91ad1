# `make demo` and `make test` each create .venv on first use and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per extra: reinstall only when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/python demos/moons.py
	$(BIN)/python demos/walkthrough.py

test: $(VENV)/.installed-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

# The benchmarks, with their peers (micrograd 0.1.0; PyTorch 2.13.0 CPU, from this machine's disk).
bench: $(VENV)/.installed-bench
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/floor.py
	$(BIN)/python benchmarks/training.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
