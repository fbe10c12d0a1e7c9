# Two commands for a newcomer: `make run` (the app with the demo region on the embedded
# default) and `make test` (the whole suite). Everything else here serves those two.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install assets run test browser clean

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

clean:
	rm -rf $(VENV) frontend/node_modules marketplace/static instance
