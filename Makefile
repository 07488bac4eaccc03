# Two entry points, each bootstrapping .venv/ on its own (idempotent: re-run when
# pyproject.toml changes). Needs only python3 and make.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench catalogs

demo: $(STAMP)
	$(VENV)/bin/continuity demo

test: $(STAMP)
	scripts/system-packages.sh
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(VENV)/bin/python -m bench.run --contacts 20000
	$(VENV)/bin/python -m bench.due

# After a change to the product's words: the template of every message, then each
# language's catalog brought up to it (a test fails until every entry is translated).
catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --add-location=file --sort-by-file --no-wrap \
		--project Continuity --copyright-holder UNICEF -c Translators: -o locale/messages.pot .
	$(VENV)/bin/pybabel update -i locale/messages.pot -d locale --ignore-obsolete --no-wrap

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy continuity db flows tasks
	$(VENV)/bin/python scripts/check_imports.py

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@
