# Tsunagu — the two commands that matter are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
TSUNAGU_TEST_DATABASE_URL ?= $(PG_URL)
export TSUNAGU_TEST_DATABASE_URL

.PHONY: install demo serve test test-sqlite test-postgres lint format bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate the embedded SQLite database under var/, load demo data, serve.
demo: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_demo
	$(MANAGE) match_persons
	@echo ""
	@echo "  Tsunagu: http://$(HOST):$(PORT)/"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

## make test: the whole suite on SQLite, then on PostgreSQL when it is reachable. The PostgreSQL run leaves
## out what does not depend on the database engine and already ran on SQLite: browser tests (they drive the
## same views the client tests run on both) and tests that touch no database (conftest.py).
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist worksteal -q
	@if $(PY) -m tsunagu.core.dbcheck "$(TSUNAGU_TEST_DATABASE_URL)"; then \
		echo "== PostgreSQL: $(TSUNAGU_TEST_DATABASE_URL) (browser and database-independent tests ran on SQLite) =="; \
		TSUNAGU_DATABASE_URL="$(TSUNAGU_TEST_DATABASE_URL)" $(PY) -m pytest -n 2 --dist worksteal -q \
			-m "not browser" --skip-database-independent; \
	else \
		echo "== PostgreSQL not reachable at $(TSUNAGU_TEST_DATABASE_URL): PostgreSQL run SKIPPED =="; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy tsunagu
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/*.sqlite3 var/audit-checkpoints.log

## make mutation: mutation testing (mutmut) of the audit modules — slow, never part of `make test`.
## Which modules and tests: [tool.mutmut] in pyproject.toml; figures and survivors: docs/security.md.
.PHONY: mutation
mutation: $(STAMP)
	rm -rf mutants
	TSUNAGU_DATABASE_URL=$${MUTATION_DATABASE_URL:-$(PG_URL)} $(VENV)/bin/mutmut run --max-children $${MUTATION_CHILDREN:-1} $${MUTANTS:-}
	$(VENV)/bin/mutmut results --all true > var/mutation-results.txt || true
	@for s in killed survived timeout "not checked"; do echo "$$s: $$(grep -c ": $$s" var/mutation-results.txt)"; done

## make mutation-subset SUBSET=pillars: the modules of [tool.tsunagu.mutation.<SUBSET>] (pyproject.toml) with
## only their own tests, in var/mutation/<SUBSET>/ (its own mutants/ and results; the full run is untouched).
.PHONY: mutation-subset
mutation-subset: $(STAMP)
	$(VENV)/bin/python scripts/mutation_subset.py $(SUBSET)
	cd var/mutation/$(SUBSET) && rm -rf mutants && TSUNAGU_DATABASE_URL=$${MUTATION_DATABASE_URL:-$(PG_URL)} $(CURDIR)/$(VENV)/bin/mutmut run --max-children $${MUTATION_CHILDREN:-1} $${MUTANTS:-}
	cd var/mutation/$(SUBSET) && $(CURDIR)/$(VENV)/bin/mutmut results --all true > results.txt || true
	@for s in killed survived timeout "not checked"; do echo "$$s: $$(grep -c ": $$s" var/mutation/$(SUBSET)/results.txt)"; done
