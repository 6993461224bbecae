PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python

.PHONY: install install-test run test
$(BIN)/python:
	$(shell command -v $(PY) || echo python3) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip >/dev/null

install: $(BIN)/python
	$(BIN)/pip install -r requirements.txt

install-test: $(BIN)/python
	$(BIN)/pip install -r requirements-test.txt

test: install-test
	$(PYTHON) -m pytest
