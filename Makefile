# Two commands for a newcomer: `make run` (the app with the demo region on the embedded
# default) and `make test` (the whole suite). Everything else here serves those two.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install assets run test browser clean bench bench-quick bench-surge

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# setuptools always adds a note that an editable install was made; nothing else should print.
QUIET_PIP = PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(QUIET_PIP) -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(QUIET_PIP) -e '.[test]'
	touch $@

install: $(VENV)/.installed assets

assets:
	bash scripts/build_assets.sh

browser:
	bash scripts/install_browser.sh

# The demo users are printed last, so they are on screen when the server starts.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.test-installed assets browser
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmark (bench/README.md): gunicorn on PostgreSQL and Redis, writes docs/performance.md.
# Build its database first, e.g. `createdb marketplace_bench`, then with the same DATABASE_URL
# `flask --app wsgi db upgrade && flask --app wsgi demo national --scale 1.0`.
# Options: WORKERS, CONCURRENCY, THREADS, BENCH_REQUESTS, BENCH_WARMUP, BENCH_ONLY, SURGE=1,
# SURGE_SECONDS, SURGE_OFFERS, SURGE_CALL_OFFS, SURGE_CLIENTS, SURGE_IN_PLACE=1, BENCH_PORT.
# BENCH_COMPARE_DATABASE_URL (default: none): a second database, e.g. the national set at scale
# 0.1, on which the SQL statements per request are also counted, beside the main data's.
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/marketplace_bench)
BENCH_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/14)
BENCH_COMPARE_DATABASE_URL ?=
BENCH = DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) \
	BENCH_COMPARE_DATABASE_URL=$(BENCH_COMPARE_DATABASE_URL) $(BIN)/python -m bench

bench: $(VENV)/.installed
	$(BENCH) $(BENCH_ARGS)

bench-quick: $(VENV)/.installed
	$(BENCH) --quick --surge $(BENCH_ARGS)

bench-surge: $(VENV)/.installed
	$(BENCH) --surge-only $(BENCH_ARGS)

clean:
	rm -rf $(VENV) frontend/node_modules marketplace/static instance
