# winc — every target sets itself up from scratch (venv + pinned packages) on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# The suites that run once per link (WINC_LINK=spi, the default, and uart): same test code.
LINK_SUITES := test_socket_e2e test_socket_tcp test_socket_udp test_socket_dns \
               test_socket_events test_wlan test_tls test_tls_fs test_service

.PHONY: setup demo test test-cpython test-micropython test-uart mpy-gate check-boards lint bench clean

setup: $(STAMP)

$(STAMP): requirements-dev.txt pyproject.toml tools/debian_packages.sh
	sh tools/debian_packages.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

demo: setup
	$(PY) tools/demo.py

test: setup lint test-cpython test-micropython test-uart mpy-gate check-boards

lint: setup
	$(VENV)/bin/ruff check lib tools host_tests examples

test-cpython: setup
	$(PY) -m pytest host_tests

test-micropython: setup
	$(PY) tools/mp_runner.py

test-uart: setup
	WINC_LINK=uart $(PY) -m pytest $(patsubst %,host_tests/%.py,$(LINK_SUITES))
	WINC_LINK=uart $(PY) tools/mp_runner.py $(LINK_SUITES)

mpy-gate: setup
	$(PY) tools/mpy_gate.py

check-boards: setup
	$(PY) tools/check_boards.py

bench: setup
	$(PY) tools/bench/run.py
	$(PY) tools/check_boards.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
