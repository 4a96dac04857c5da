# The README's commands. `make demo` installs everything into .venv and summarises the sample
# article with the embedded local model; `make test` runs the whole suite and the eval gate.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= evals/gold/us-taiwan-epp-dialogue-2026.txt
GOLD_SHARED ?= ../shared/evals/gold

.PHONY: install demo test test-fast eval-gate eval-live lint

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[local,eval,bench,dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/summarise run $(SAMPLE)

test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest
	$(MAKE) eval-gate

test-fast: install
	$(BIN)/python -m pytest -m "not live and not server and not postgres"

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
