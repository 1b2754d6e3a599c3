# Two commands on a fresh machine: `make run` serves the demo region, `make test` runs all tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format messages clean bench-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstalled only when pyproject.toml changes (idempotent).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	HOST=$(HOST) PORT=$(PORT) scripts/run-embedded

test: $(VENV)/.installed-test
	scripts/ensure-chromium
	$(BIN)/pytest

# Every bench/ script at a tiny scale on a throwaway PostgreSQL database (bench/smoke.py): fails
# on an exception or any answer but the expected one. A new bench is added to SCRIPTS there.
bench-smoke: $(VENV)/.installed-test
	$(BIN)/python bench/smoke.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l ru --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=var
	$(BIN)/python manage.py compilemessages -l ru --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
