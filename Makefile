# Reckon — two commands: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` captures cited pages in the background (README, Citation capture).
RECKON_CAPTURE ?= on

.PHONY: run test install install-dev db demo serve lint services browsers bench clean messages

run: install db demo serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

db: install
	$(BIN)/reckon db upgrade

demo: db
	$(BIN)/reckon demo

serve: install
	RECKON_CAPTURE=$(RECKON_CAPTURE) $(BIN)/reckon serve --host $(HOST) --port $(PORT)

# PostgreSQL for the database tests; start the local cluster if it is installed and down.
services:
	@if command -v pg_lsclusters >/dev/null; then \
	  pg_lsclusters -h | grep -q online || \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	fi

# Debian's Chromium for the browser tests (Playwright cannot download its own here), a Java
# runtime for the Nu HTML checker, and axe-core + vnu-jar from npm (pinned in package-lock.json).
browsers:
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "Install:$$missing (sudo apt-get install)" >&2; fi; \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then \
	  npm ci --no-audit --no-fund --silent; fi

# The layers contract (import-linter), style (ruff) and types (mypy --strict) before the tests.
lint: install-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/mypy --strict app

# pytest measures coverage of app/ (lines and branches) and fails below the floor in pyproject.
test: install-dev services browsers lint
	$(BIN)/pytest

# BENCH_ARGS=--quick for a short comparison against Datasette (10,000 estimates).
BENCH_ARGS ?=
# wrk from Debian measures the servers (compare.py falls back to a Python client without it).
bench: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  apt-get install -y -qq wrk; } || echo "wrk is not installed: a Python client measures" >&2
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_topic.py
	$(BIN)/python bench/compare.py $(BENCH_ARGS)

# The interface's languages (README, "Languages"): extract every marked text from app/ and
# templates/ into app/locale/messages.pot and merge it into each catalog (new texts arrive
# untranslated; tests/unit/test_translations.py fails until they are translated). The .po files
# are compiled in memory when the app starts: there is no .mo to build.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ --no-location --sort-output \
	  --omit-header -o app/locale/messages.pot app templates
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -D messages \
	  --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache
