# winc — every target sets itself up from scratch (venv + pinned packages) on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-cpython test-micropython mpy-gate lint bench clean

setup: $(STAMP)

$(STAMP): requirements-dev.txt pyproject.toml tools/debian_packages.sh
	sh tools/debian_packages.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

demo: setup
	$(PY) tools/demo.py

test: setup lint test-cpython test-micropython mpy-gate

lint: setup
	$(VENV)/bin/ruff check lib tools host_tests examples

test-cpython: setup
	$(PY) -m pytest host_tests

test-micropython: setup
	$(PY) tools/mp_runner.py

mpy-gate: setup
	$(PY) tools/mpy_gate.py

bench: setup
	$(PY) tools/bench/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
