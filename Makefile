# 心育研修 — the two commands: `make run` (demo site + Celery worker and beat) and `make test`.
# Needs only Python 3.11 on the machine; everything else goes into .venv.

SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
# Same default as lms.settings.base (DJANGO_DATA_DIR overrides both).
DATA := $(or $(DJANGO_DATA_DIR),data)
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` reads .env where there is one (lms/dotenv.py); tests never do.
DOT_ENV := DJANGO_READ_DOT_ENV=1

.PHONY: run test lint e2e bench load install install-test data migrate seed serve messages clean-venv

$(PYTHON):
	$$(command -v $(PY) || command -v python3) -m venv $(VENV)

# Stamp files: installs run again only when a requirements file changes.
# -qq: pip's progress and per-index warnings would bury the output; errors still show.
$(VENV)/.installed: requirements.txt | $(PYTHON)
	@echo "Installing requirements.txt into $(VENV) (a minute the first time)..."
	$(PYTHON) -m pip install --disable-pip-version-check -qq -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt requirements.txt | $(PYTHON)
	@echo "Installing requirements-test.txt into $(VENV)..."
	$(PYTHON) -m pip install --disable-pip-version-check -qq -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

data:
	mkdir -p $(DATA)/broker/queue $(DATA)/broker/processed $(DATA)/broker/control $(DATA)/media $(DATA)/private

migrate: install data
	$(DOT_ENV) $(PYTHON) manage.py migrate --noinput

# seed_demo is idempotent: a second run changes nothing.
seed: migrate
	if $(DOT_ENV) $(PYTHON) manage.py help seed_demo >/dev/null 2>&1; then $(DOT_ENV) $(PYTHON) manage.py seed_demo; fi

run: seed serve

# The web server and a Celery worker with embedded beat on the filesystem broker.
# Each runs in its own process group (set -m); Ctrl-C, TERM or either one exiting
# stops both groups, so no worker or autoreloader child outlives the command.
serve: install data
	@set -m; pids=""; \
	stop() { trap - INT TERM EXIT; for p in $$pids; do kill -TERM -- -$$p 2>/dev/null; done; \
	  for i in $$(seq 1 50); do alive=""; for p in $$pids; do kill -0 -- -$$p 2>/dev/null && alive=1; done; \
	    [ -z "$$alive" ] && break; sleep 0.2; done; \
	  for p in $$pids; do kill -KILL -- -$$p 2>/dev/null; done; wait 2>/dev/null; }; \
	trap 'stop; exit 0' INT TERM; trap stop EXIT; \
	$(DOT_ENV) $(BIN)/celery -A lms worker -B --pool=solo -Q default,heavy -l info & pids="$$pids $$!"; \
	$(DOT_ENV) $(PYTHON) manage.py runserver --insecure $(HOST):$(PORT) & pids="$$pids $$!"; \
	echo "Serving http://$(HOST):$(PORT)/ with a Celery worker and beat. Ctrl-C stops both."; \
	wait -n; status=$$?; stop; exit $$status

test: install-test
	$(PYTHON) -m pytest -m "not e2e"

# The lint gate: ruff with the checked-in configuration (pyproject.toml).
lint: install-test
	$(BIN)/ruff check .

# Journeys in a real browser: Debian's Chromium (and a CJK font) driven by Playwright.
# Never `playwright install`: it would download a browser build of its own.
e2e: install-test
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	  echo "Installing Debian's chromium and fonts-noto-cjk..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi
	$(PYTHON) -m pytest -m e2e -p no:randomly

# Benchmarks (never part of `make test`): figures into bench/results/latest.json.
bench: install-test
	$(PYTHON) bench/export_bench.py
	$(PYTHON) bench/import_bench.py
	$(PYTHON) bench/refusal_bench.py
	$(PYTHON) bench/org_bench.py
	$(PYTHON) bench/staff_bench.py 10000 100000

# Load test on loopback (never part of `make test`): its own PostgreSQL, a 100,000-teacher city,
# gunicorn and a worker, then locust (in its own venv: it is a client, not part of the site).
.venv-load/.installed: requirements-load.txt
	$$(command -v $(PY) || command -v python3) -m venv .venv-load
	.venv-load/bin/pip install --disable-pip-version-check -qq -r requirements-load.txt
	touch $@

load: install .venv-load/.installed
	bench/load/run.sh

# Compiles every app's locale/ and LOCALE_PATHS (needs gettext's msgfmt).
messages: install
	$(PYTHON) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean-venv:
	rm -rf $(VENV)
