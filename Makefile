# Two commands for a fresh clone: `make run` (demo warehouse) and `make test` (everything CI checks).
# Each target installs what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
UV_VERSION := 0.13.9
# dbt, dagster and cs-warehouse are found on PATH by every recipe (Dagster itself runs the dbt
# installed beside its interpreter, whatever the PATH).
export PATH := $(BIN):$(PATH)

RAW_DATA_DIR ?= data/raw
# The full warehouse dbt builds (engineers' file) and the serving database BI tools and the report read.
WAREHOUSE_PATH ?= warehouse.duckdb
# (cs-warehouse derives the same default: serving/<file name> next to WAREHOUSE_PATH, or env SERVING_PATH.)
SERVING_PATH ?= $(dir $(WAREHOUSE_PATH))serving/$(notdir $(WAREHOUSE_PATH))
REPORT_PATH ?= build/report/cs_report.html
DEMO_ACCOUNTS ?= 2000
DEMO_MONTHS ?= 24
DEMO_SEED ?= 7
export RAW_DATA_DIR WAREHOUSE_PATH

# The test datasets are small and pinned so every check is reproducible. Two seeds, because every
# test must hold on more than one draw of the data, and two configurations, because every test must
# hold for any user's settings: seed 11 is built in the default configuration as of the last day of
# data; seed 7 in America/New_York (a zone with daylight saving time) as of the day its clocks move
# forward, months before the data ends, so the back-dated rebuild is exercised too.
TEST_DIR := build/test
TEST_END_DATE := 2026-10-31
TEST_GENERATE_ARGS := --accounts 400 --months 18 --end-date $(TEST_END_DATE)
TEST_CONFIGURATIONS := \
	11:'{as_of_date: "$(TEST_END_DATE)"}' \
	7:'{as_of_date: "2026-03-08", reporting_timezone: "America/New_York"}'

.PHONY: help install browser postgres run report test lint pytest dbt-test-build dev docs bench clean java spark-install spark-run test-spark

help:
	@echo "make run   - install, generate demo data, dbt build into $(WAREHOUSE_PATH), publish"
	@echo "             $(SERVING_PATH) for BI and render the CS report $(REPORT_PATH)"
	@echo "make report - render the CS report again from $(SERVING_PATH)"
	@echo "make test  - install, build two small datasets in two configurations with every dbt test,"
	@echo "             check the public marts of docs/marts.md, lint, pytest"
	@echo "make lint  - sqlfluff, ruff check, ruff format --check"
	@echo "make dev   - Dagster UI on http://127.0.0.1:3000"
	@echo "make docs  - dbt docs (lineage) on http://127.0.0.1:8080"
	@echo "make spark-run    - the demo warehouse built on Apache Spark (local, in-process) under $(SPARK_WAREHOUSE_DIR)"
	@echo "make test-spark   - build a small dataset on Spark and DuckDB, compare every public mart"
	@echo "make bench SCALE=30M - time dbt build against the floor (full, daily run, memory; docs/benchmarks.md)"

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --compile-bytecode requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --compile-bytecode -e .
	@touch $@

install: $(VENV)/.installed

# The UI test drives Debian's headless Chromium; install it when missing (needs root or sudo).
browser:
	@command -v chromium >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
			|| echo "WARNING: chromium could not be installed; the browser test will be skipped"; \
	}

# The Postgres publish test runs a throwaway PostgreSQL cluster from Debian's packages; install them
# when missing (needs root or sudo).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null \
			|| echo "WARNING: PostgreSQL could not be installed; the Postgres publish test will be skipped"; \
	}

run: install
	@# Demo data grows to yesterday on every run (its history continued, earlier days unchanged); a
	@# directory of real data (no demo manifest in it) is never overwritten.
	@if [ ! -d "$(RAW_DATA_DIR)" ] || [ -f "$(RAW_DATA_DIR)/_demo_manifest.json" ]; then \
		cs-warehouse generate --out "$(RAW_DATA_DIR)" --accounts $(DEMO_ACCOUNTS) \
			--months $(DEMO_MONTHS) --seed $(DEMO_SEED); \
	fi
	dbt build
	cs-warehouse publish
	cs-warehouse report --database "$(SERVING_PATH)" --out "$(REPORT_PATH)"
	@echo ""
	@echo "Full warehouse (engineers): $(abspath $(WAREHOUSE_PATH))"
	@echo "Serving database (BI tools, read-only; schemas 'marts' and 'reference'): $(abspath $(SERVING_PATH))"
	@echo "CS report: $(abspath $(REPORT_PATH))"
	@echo "Next: 'make dev' for the Dagster asset graph, 'make docs' for lineage, docs/serving.md to connect"
	@echo "      Metabase, Superset, Evidence or a notebook, or query it with"
	@echo "      $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(SERVING_PATH)', read_only=True).sql('from marts.kpi_monthly order by month desc limit 6'))\""

report: install
	cs-warehouse report --database "$(SERVING_PATH)" --out "$(REPORT_PATH)"

# pytest and the Spark comparison run side by side once the test builds and the lint pass: they
# write separate files, and pytest's workers leave part of the cores idle (a test waits on dbt or a
# browser). Each line they print starts with [pytest] or [spark]; a failure in either fails the target.
test: install browser postgres dbt-test-build lint spark-install
	checks=(); for check in pytest test-spark; do \
		( $(MAKE) --no-print-directory $$check 2>&1 | sed -u "s/^/[$${check#test-}] /" ) & checks+=($$!); \
	done; \
	failed=0; for check in "$${checks[@]}"; do wait $$check || failed=1; done; exit $$failed

dbt-test-build: install
	rm -rf $(TEST_DIR) && mkdir -p $(TEST_DIR)
	@# Each configuration builds its own dataset with every data and unit test, then the public
	@# marts of docs/marts.md are checked against the warehouse it built. The configurations run side
	@# by side (a small build keeps about one core busy); each line they print starts with its seed.
	builds=(); for configuration in $(TEST_CONFIGURATIONS); do \
		seed=$${configuration%%:*}; vars=$${configuration#*:}; dir=$(TEST_DIR)/seed-$$seed; \
		( { cs-warehouse generate --out $$dir/raw $(TEST_GENERATE_ARGS) --seed $$seed --no-progress \
			&& RAW_DATA_DIR=$$dir/raw WAREHOUSE_PATH=$$dir/warehouse.duckdb \
				dbt build --target-path $$dir/target --log-path $$dir/logs --vars "$$vars" \
			&& $(BIN)/python -m cs_warehouse.marts_contract $$dir/warehouse.duckdb; \
		} 2>&1 | sed -u "s/^/[seed-$$seed] /" ) & builds+=($$!); \
	done; \
	failed=0; for build in "$${builds[@]}"; do wait $$build || failed=1; done; exit $$failed

# sqlfluff on the SQL, ruff (lint and format) on the Python; `pre-commit install` runs the same
# checks on the files a commit changes. sqlfluff lints on every core; its process pool's leftover
# semaphores at exit are harmless, and their warning is silenced.
lint: install
	PYTHONWARNINGS='ignore:resource_tracker:UserWarning' WAREHOUSE_PATH=$(TEST_DIR)/lint.duckdb \
		sqlfluff lint --processes 0 models tests analyses
	ruff check .
	ruff format --check .

pytest: install browser postgres
	$(BIN)/pytest

# Apache Spark: dbt-spark with pyspark in a venv of its own (.venv-spark, requirements-spark.lock: the
# default lock plus dbt-spark and pyspark at the same versions for every shared package), and a Java
# runtime for Spark's JVM.
SPARK_VENV := .venv-spark
SPARK_BIN := $(abspath $(SPARK_VENV))/bin
SPARK_WAREHOUSE_DIR ?= spark-warehouse
# The Spark comparison dataset: small, so the in-process Spark build fits in CI on two cores.
SPARK_TEST_DIR := $(TEST_DIR)/spark
SPARK_TEST_GENERATE_ARGS := --accounts 80 --months 8 --end-date $(TEST_END_DATE) --seed 11
# Both builds of the comparison run with the same vars; a programme start month so kpi_program_impact has rows.
SPARK_TEST_VARS := {as_of_date: "$(TEST_END_DATE)", cs_program_start_month: "2026-07-01"}

$(SPARK_VENV)/.installed: pyproject.toml requirements-spark.lock $(VENV)/.installed
	@test -x $(SPARK_BIN)/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(BIN)/uv pip sync --quiet --python $(SPARK_BIN)/python --compile-bytecode requirements-spark.lock
	$(BIN)/uv pip install --quiet --python $(SPARK_BIN)/python --no-deps --compile-bytecode -e .
	@touch $@

# Spark 4 runs on Java 17; install Debian's headless runtime when no java is on PATH (needs root or sudo).
java:
	@command -v java >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	}

spark-install: $(SPARK_VENV)/.installed java

# The demo warehouse on Spark: tables are Parquet under SPARK_WAREHOUSE_DIR with a Derby catalog beside them.
spark-run: spark-install
	@if [ ! -d "$(RAW_DATA_DIR)" ] || [ -f "$(RAW_DATA_DIR)/_demo_manifest.json" ]; then \
		cs-warehouse generate --out "$(RAW_DATA_DIR)" --accounts $(DEMO_ACCOUNTS) \
			--months $(DEMO_MONTHS) --seed $(DEMO_SEED); \
	fi
	DBT_TARGET=spark SPARK_WAREHOUSE_DIR=$(abspath $(SPARK_WAREHOUSE_DIR)) RAW_DATA_DIR=$(abspath $(RAW_DATA_DIR)) \
		$(SPARK_BIN)/dbt build --exclude-resource-type unit_test

# One small dataset built on DuckDB and on Spark (models and seeds, and on Spark the key and relationship
# tests of the marts; DuckDB runs every test in dbt-test-build), then every public mart compared.
test-spark: install spark-install
	rm -rf $(SPARK_TEST_DIR) && mkdir -p $(SPARK_TEST_DIR)
	cs-warehouse generate --out $(SPARK_TEST_DIR)/raw $(SPARK_TEST_GENERATE_ARGS) --no-progress
	RAW_DATA_DIR=$(SPARK_TEST_DIR)/raw WAREHOUSE_PATH=$(SPARK_TEST_DIR)/warehouse.duckdb \
		dbt build --exclude-resource-type test unit_test --target-path $(SPARK_TEST_DIR)/target-duckdb \
		--vars '$(SPARK_TEST_VARS)'
	DBT_TARGET=spark SPARK_WAREHOUSE_DIR=$(abspath $(SPARK_TEST_DIR))/spark-warehouse \
		RAW_DATA_DIR=$(abspath $(SPARK_TEST_DIR))/raw DBT_THREADS=4 \
		$(SPARK_BIN)/dbt build --target-path $(SPARK_TEST_DIR)/target-spark \
		--indirect-selection empty --exclude-resource-type unit_test \
		--select resource_type:model resource_type:seed 'test_name:unique,path:models/marts' \
			'test_name:unique_key_combination,path:models/marts' 'test_name:relationships,path:models/marts' \
		--vars '$(SPARK_TEST_VARS)'
	$(BIN)/python scripts/compare_spark_marts.py $(SPARK_TEST_DIR)/warehouse.duckdb $(SPARK_TEST_DIR)/spark-warehouse

# Run history and schedule state persist in .dagster_home between sessions.
dev: install
	mkdir -p .dagster_home
	DAGSTER_HOME=$(abspath .dagster_home) dagster dev -h 127.0.0.1 -p 3000

docs: install
	dbt docs generate && dbt docs serve --port 8080

# Figures, not a test: generates (or reuses) a dataset of about SCALE events under build/bench.
SCALE ?= 3.6M
BENCH_ARGS ?=
bench: install
	$(BIN)/python scripts/benchmark.py --scale $(SCALE) --results build/bench/results-$(SCALE).json $(BENCH_ARGS)

clean:
	rm -rf build serving target logs dbt_packages .venv .dagster_home .venv-spark spark-warehouse
