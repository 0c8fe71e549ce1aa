# Two commands do all set-up on a fresh machine with Python 3.11:
#   make serve   - the server with the example interviews on the embedded default
#   make test    - the whole test suite (installs Debian's chromium for browser tests if missing)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXAMPLES := examples $(wildcard ../shared/examples/docassemble)
PORT ?= 8000

.PHONY: setup serve test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip wheel 'setuptools<81'
	# The xstatic wheels are source-only and still need pkg_resources to build.
	$(PY) -m pip install -q --no-build-isolation 'xstatic-bootstrap>=5.3' 'xstatic-jquery>=3.7'
	$(PY) -m pip install -q -e '.[test]'
	touch $@

serve: setup
	$(VENV)/bin/chambers serve $(EXAMPLES) --port $(PORT)

test: setup
	scripts/ensure-chromium
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var
