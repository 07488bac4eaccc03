# Two entry points, each bootstrapping .venv/ on its own (idempotent: re-run when
# pyproject.toml changes). Needs only python3 and make.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench

demo: $(STAMP)
	$(VENV)/bin/continuity demo

test: $(STAMP)
	scripts/system-packages.sh
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(VENV)/bin/python -m bench.run --contacts 20000
	$(VENV)/bin/python -m bench.due

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy continuity db flows tasks
	$(VENV)/bin/python scripts/check_imports.py

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@
