# The README's commands. `make demo` installs everything into .venv and summarises the sample
# article with the embedded local model; `make test` runs the whole suite and the eval gate.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= evals/gold/us-taiwan-epp-dialogue-2026.txt
GOLD_SHARED ?= ../shared/evals/gold

.PHONY: install demo test test-fast eval-gate eval-live lint browser-deps lock lock-check audit

# Installs come from the hashed lock (every package pinned, every file's sha256 checked), then the
# project itself without dependencies. The lock is complete, so pip resolves nothing (--no-deps: a
# dependency's extra such as justext's lxml[html_clean] cannot pull a newer unpinned release from
# the index) and `pip check` then proves every installed package's requirements are met. scripts/check_lock.py stops first when pyproject.toml has
# dependencies the lock does not cover (run `make lock`).
LOCK := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
PIP_COMPILE := $(BIN)/pip-compile --quiet --allow-unsafe --generate-hashes --no-emit-find-links \
  --no-emit-index-url --strip-extras

$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(BIN)/python scripts/check_lock.py
	$(BIN)/pip install -q --no-deps --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $@

install: $(BIN)/.installed

# Regenerate both locks after a pyproject.toml dependency change (existing pins are kept where
# they still fit; add --upgrade to PIP_COMPILE to move them). The runtime lock (.[local], used by
# the Dockerfile) starts from the full lock, so both pin the same versions.
lock:
	@test -x $(BIN)/pip-compile || { echo "make lock: $(BIN)/pip-compile missing (pip-tools)" >&2; exit 1; }
	$(PIP_COMPILE) --extra=bench --extra=dev --extra=eval --extra=local --output-file=$(LOCK) pyproject.toml
	cp $(LOCK) $(RUNTIME_LOCK)
	$(PIP_COMPILE) --extra=local --output-file=$(RUNTIME_LOCK) pyproject.toml
	$(PY) scripts/check_lock.py

lock-check:
	$(PY) scripts/check_lock.py

# pip-audit of both locks against OSV; prints a SKIPPED line and passes when the database cannot
# be reached (SUMMARISER_AUDIT_REQUIRED=1 makes that a failure), fails on any finding.
audit: install
	$(BIN)/python scripts/audit_lock.py $(LOCK)
	$(BIN)/python scripts/audit_lock.py $(RUNTIME_LOCK)

demo: install
	$(BIN)/summarise run $(SAMPLE)

test: install browser-deps
	$(BIN)/python scripts/check_lock.py
	$(MAKE) audit
	$(BIN)/lint-imports
	$(MAKE) lint
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
	$(BIN)/ruff format --check service evals tests
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
