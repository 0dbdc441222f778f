# isoflow — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck unit bench install system-deps clean messages

$(STAMP): pyproject.toml setup.py src/isoflow/physics/_bateman.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate the embedded SQLite database, load demo data on first start, serve :8000
run: $(STAMP)
	$(BIN)/isoflow serve --demo

## make test: install what the tests need (apt packages where missing), lint, type-check, whole suite
test: $(STAMP) system-deps lint typecheck unit

system-deps:
	bash scripts/install-test-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	bash scripts/run-tests.sh

## make bench: benchmarks, JSON results under benchmarks/results/
bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## make messages: extract the pages' messages, update each language's catalogue, compile .mo
LOCALE := src/isoflow/web/locale
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 --no-location --sort-output --omit-header -o $(LOCALE)/messages.pot .
	for lang in ru; do \
	  if [ -f $(LOCALE)/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang --no-fuzzy-matching; \
	  else $(BIN)/pybabel -q init -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang; fi; \
	done
	$(BIN)/pybabel -q compile -d $(LOCALE) --statistics
