# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The test settings do not depend on a developer's .env: DEBUG off, so every required setting is given here
# (.ci/with-postgres gives DATABASE_URL).
TEST_ENV := DEBUG=off SECRET_KEY=test-only-not-secret SECURE_COOKIES=off EMAIL_URL=consolemail:// \
	SITE_URL=http://127.0.0.1:8000 SECURE_SSL_REDIRECT=off SECURE_HSTS_SECONDS=0
SQLITE_URL := sqlite:///$(CURDIR)/db.sqlite3

.PHONY: run test lint bench backup restore

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

.env:
	cp .env.example .env

run: $(VENV)/.installed .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving on http://127.0.0.1:8000/ (Ctrl+C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# NHS England's MESH sandbox for the letters' tests, in an environment of its own (requirements-mesh-sandbox.txt).
MESH_VENV := .venv-mesh
$(MESH_VENV)/.installed: requirements-mesh-sandbox.txt
	test -x $(MESH_VENV)/bin/python || $(PYTHON) -m venv $(MESH_VENV)
	$(MESH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-mesh-sandbox.txt
	touch $@

test: $(VENV)/.installed $(MESH_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	@[ -x /usr/bin/chromium ] || echo "*** /usr/bin/chromium not found: the browser tests will be skipped (apt-get install chromium). ***"
	$(TEST_ENV) .ci/with-postgres $(BIN)/pytest
	@echo "Smoke test of the SQLite default:"
	$(TEST_ENV) DATABASE_URL=$(SQLITE_URL) $(BIN)/pytest -m smoke -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# The benchmarks of docs/benchmarks.md, each on a throwaway PostgreSQL: a generated 1,000,000-row hospital
# extract imported; the evaluation pages rendered on the demo data; then SCALE generated referrals (national size:
# SCALE=1300000) with a comparison extract of COMPARISON people, each report against its hand-written SQL floor,
# the impact report's matching, and USERS locust users on gunicorn for DURATION. The tables are also written to
# var/bench/. locust (requirements-bench.txt) is installed for this only.
SCALE ?= 100000
COMPARISON ?= 100000
USERS ?= 20
DURATION ?= 60s

$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed $(VENV)/.bench-installed
	mkdir -p var/bench
	$(TEST_ENV) .ci/with-postgres sh -c '$(BIN)/python manage.py migrate -v0 && $(BIN)/python manage.py bench_import'
	$(TEST_ENV) .ci/with-postgres sh -c '$(BIN)/python manage.py migrate -v0 && $(BIN)/python manage.py seed_demo --force >/dev/null && $(BIN)/python manage.py bench_reports'
	$(TEST_ENV) .ci/with-postgres sh -c '$(BIN)/python manage.py migrate -v0 && \
		$(BIN)/python manage.py generate_scale_data --referrals $(SCALE) --comparison $(COMPARISON) --force && \
		$(BIN)/python manage.py bench_evaluation --markdown var/bench/evaluation-$(SCALE).md && \
		$(BIN)/python manage.py bench_impact --runs 1 && \
		$(BIN)/python bench/load.py --users $(USERS) --duration $(DURATION) --markdown var/bench/load-$(SCALE).md'

# Backups of the PostgreSQL database of DATABASE_URL (docs/deployment.md): `make backup [BACKUP=path]` writes
# var/backups/sps-<date-time>.dump unless told otherwise (KEEP_DAYS=N: then deletes the backups there older than
# N days); `make restore BACKUP=path` replaces the database's contents with it, after asking. Neither installs
# anything, so both are safe to run from cron.
backup:
	$(BIN)/python manage.py backup $(if $(BACKUP),"$(BACKUP)") $(if $(KEEP_DAYS),--keep-days "$(KEEP_DAYS)")

restore:
	$(BIN)/python manage.py restore "$(BACKUP)"
