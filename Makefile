# The README's commands. `make demo` installs everything into .venv and summarises the sample
# article with the embedded local model; `make test` runs the whole suite and the eval gate.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= evals/gold/us-taiwan-epp-dialogue-2026.txt
GOLD_SHARED ?= ../shared/evals/gold

.PHONY: install demo test test-fast eval-gate eval-live lint browser-deps

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[local,eval,bench,dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/summarise run $(SAMPLE)

test: install browser-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest
	$(MAKE) eval-gate

test-fast: install
	$(BIN)/python -m pytest -m "not live and not server and not postgres and not browser"

eval-gate: install
	mkdir -p reports
	$(BIN)/summarise eval --replay evals/recordings/local --gold evals/gold \
	  $(if $(wildcard $(GOLD_SHARED)),--gold $(GOLD_SHARED)) \
	  --report-json reports/eval.json --report-md reports/eval.md --report-html reports/eval.html

eval-live: install
	mkdir -p reports
	$(BIN)/summarise eval --live --record evals/recordings/local --gold evals/gold --no-gate \
	  --save-predictions reports/local --report-json reports/local.json \
	  --report-md reports/local.md --report-html reports/local.html

lint: install
	$(BIN)/ruff check service evals tests
	$(BIN)/mypy

# Browser tests (tests/browser): Debian's Chromium (apt, only when missing; needs root) and the
# axe-core engine from npm into build/ (not committed). Playwright itself is in the dev extra.
AXE_VERSION ?= 4.14.1
AXE_JS := build/browser-deps/node_modules/axe-core/axe.min.js

browser-deps: $(AXE_JS)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "browser-deps: /usr/bin/chromium missing; run: sudo apt-get install chromium" >&2; fi; \
	fi

$(AXE_JS):
	mkdir -p build/browser-deps
	cd build/browser-deps && npm install --no-save --no-package-lock --no-audit --no-fund \
	  axe-core@$(AXE_VERSION)
