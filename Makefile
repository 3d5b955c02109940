# KAP Clinic — `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs the suite in one process.
# --dist=worksteal hands tests out in collection order (each process keeps pytest-django's order,
# transactional tests last) and lets an idle process take the tail of a busy one's queue; a transactional
# test puts the data migrations' rows back after its flush (tests/conftest.py), so order does not matter
# for them. Not loadgroup: with pytest 9.2 and xdist 3.8 its groups are ignored.
TEST_WORKERS ?= auto

.PHONY: run test venv migrate seed lint fmt worker beat jobs makemigrations-check check-deploy bench bench-http clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

# Embedded mode (no REDIS_URL): jobs run in-process and a small loop (run_embedded_jobs) runs the periodic ones.
# With REDIS_URL set, a Celery worker and beat run instead of that loop.
# Everything runs under supervisord (deploy/supervisor/run.conf), which starts again any process that exits
# (a crashed or killed worker is back in seconds) and on Ctrl-C stops each one gracefully. Why supervisor:
# mature, pure Python, already pinned, and restarts only the process that died; honcho by design stops
# everything when one process exits and has no restart; circus would pull in pyzmq and tornado for the same.
RUN_DIR := $(VENV)/run
RUN_ADDR ?= 127.0.0.1:8000
run: seed
	@mkdir -p $(RUN_DIR)
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "Starting the web server, a Celery worker and beat against $$REDIS_URL"; celery=true embedded=false; \
	else \
	  echo "Embedded mode: jobs run in-process (set REDIS_URL to use Celery workers)"; celery=false embedded=true; \
	fi; \
	KAP_RUN_DIR=$(abspath $(RUN_DIR)) KAP_PYTHON=$(abspath $(PY)) KAP_WEB_ADDR=$(RUN_ADDR) \
	KAP_RUN_WEB=true KAP_RUN_CELERY=$$celery KAP_RUN_EMBEDDED=$$embedded \
	exec $(VENV)/bin/supervisord -n -c deploy/supervisor/run.conf

test: venv
	@rc=0; $(PY) -m pytest --numprocesses=$(TEST_WORKERS) --dist=worksteal $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

makemigrations-check: venv
	DJANGO_SETTINGS_MODULE=kap_clinic.settings.test $(MANAGE) makemigrations --check --dry-run

check-deploy: venv
	DJANGO_SETTINGS_MODULE=kap_clinic.settings.production \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-check-deploy-only-$$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-clinic.example.org} \
	EMAIL_URL=$${EMAIL_URL:-smtp://mail.example.org:587} \
	AUDIT_HMAC_KEY=$${AUDIT_HMAC_KEY:-check-deploy-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')} \
	$(MANAGE) check --deploy --fail-level WARNING

worker: venv
	$(VENV)/bin/celery -A kap_clinic worker --loglevel=INFO

beat: venv
	$(VENV)/bin/celery -A kap_clinic beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

jobs: venv
	$(MANAGE) run_embedded_jobs

bench: venv
	$(PY) bench/run_all.py

# What staff feel: gunicorn over HTTP under concurrent clients beside a one-query floor (bench/README.md).
# Seeds the PostgreSQL database kap_bench_http once (about 15 minutes); BENCH_ARGS="--mix" adds the 50-client run.
bench-http: venv
	$(PY) bench/http/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
