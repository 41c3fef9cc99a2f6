# Samverkansportalen. `make run` and `make test` work on a fresh machine.
VENV     ?= .venv
PYTHON   ?= python3
BIN      := $(VENV)/bin
FLASK    := $(BIN)/flask --app portal
PG_URL   ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

BENCH_ARGS ?=
# The Nu Html Checker (npm package vnu-jar; needs Java) checks every page the browser tests see.
VNU_VERSION := 26.9.27
VNU_JAR     := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
# A real OpenID provider (npm oidc-provider, by panva) that tests/oidc start on loopback.
OIDC_PROVIDER_VERSION := 9.13.3
OIDC_PROVIDER         := $(VENV)/oidc/node_modules/oidc-provider/package.json

.PHONY: install run test test-sqlite test-postgres lint translations messages system-deps vnu oidc clean bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d portal/translations --statistics

## Extract message ids and merge them into the Swedish catalogue.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot --no-location --sort-output --project=samverkansportalen .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l sv --no-fuzzy-matching --ignore-obsolete

## Set up an SQLite database under instance/, load the Gävleborg demo and serve it.
run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port 5000

system-deps:
	bash scripts/system-deps.sh

vnu: $(VNU_JAR)

$(VNU_JAR): Makefile
	npm install --silent --no-audit --no-fund --no-save --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION)
	touch $@

oidc: $(OIDC_PROVIDER)

$(OIDC_PROVIDER): Makefile
	npm install --silent --no-audit --no-fund --no-save --prefix $(VENV)/oidc oidc-provider@$(OIDC_PROVIDER_VERSION)
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-sqlite: install system-deps vnu oidc
	$(BIN)/pytest

test-postgres: install system-deps vnu oidc
	TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest

## Lint, type-check, then the whole suite on SQLite and on PostgreSQL, the two halves side by
## side (each prints its output when it ends): on two cores this halves the wait.
test: lint
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

## Benchmarks on PostgreSQL at Gävleborg and national scale (not part of `make test`).
bench: install system-deps
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
