# Two commands for a fresh clone: `make run` (demo warehouse) and `make test` (everything CI checks).
# Each target installs what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
UV_VERSION := 0.13.9
# dbt, dagster and cs-warehouse are found on PATH by every recipe and by Dagster's DbtCliResource.
export PATH := $(BIN):$(PATH)

RAW_DATA_DIR ?= data/raw
WAREHOUSE_PATH ?= warehouse.duckdb
DEMO_ACCOUNTS ?= 2000
DEMO_MONTHS ?= 24
DEMO_SEED ?= 7
export RAW_DATA_DIR WAREHOUSE_PATH

# The test datasets are small and pinned to a fixed date so every check is reproducible; two seeds,
# because every test must hold on more than one draw of the data.
TEST_DIR := build/test
TEST_AS_OF := 2026-10-31
TEST_SEEDS := 11 7
TEST_GENERATE_ARGS := --accounts 400 --months 18 --end-date $(TEST_AS_OF)

.PHONY: help install browser run test lint pytest dbt-test-build dev docs clean

help:
	@echo "make run   - install, generate demo data, dbt build into $(WAREHOUSE_PATH)"
	@echo "make test  - install, build a small dataset with all dbt tests, sqlfluff, pytest"
	@echo "make dev   - Dagster UI on http://127.0.0.1:3000"
	@echo "make docs  - dbt docs (lineage) on http://127.0.0.1:8080"

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

run: install
	@# Demo data is regenerated on every run (it ends yesterday); a directory of real data
	@# (no demo manifest in it) is never overwritten.
	@if [ ! -d "$(RAW_DATA_DIR)" ] || [ -f "$(RAW_DATA_DIR)/_demo_manifest.json" ]; then \
		cs-warehouse generate --out "$(RAW_DATA_DIR)" --accounts $(DEMO_ACCOUNTS) \
			--months $(DEMO_MONTHS) --seed $(DEMO_SEED); \
	fi
	dbt build
	@echo ""
	@echo "Warehouse built: $(abspath $(WAREHOUSE_PATH)) (public marts in schema 'marts')."
	@echo "Next: 'make dev' for the Dagster asset graph, 'make docs' for lineage, or query it with"
	@echo "      $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(WAREHOUSE_PATH)', read_only=True).sql('from marts.kpi_monthly order by month desc limit 6'))\""

test: install browser dbt-test-build lint pytest

dbt-test-build: install
	rm -rf $(TEST_DIR) && mkdir -p $(TEST_DIR)
	for seed in $(TEST_SEEDS); do \
		dir=$(TEST_DIR)/seed-$$seed; \
		cs-warehouse generate --out $$dir/raw $(TEST_GENERATE_ARGS) --seed $$seed --no-progress; \
		RAW_DATA_DIR=$$dir/raw WAREHOUSE_PATH=$$dir/warehouse.duckdb \
			dbt build --target-path $$dir/target --vars '{as_of_date: "$(TEST_AS_OF)"}'; \
		$(BIN)/python ../shared/tools/check_marts.py $$dir/warehouse.duckdb; \
	done

lint: install
	WAREHOUSE_PATH=$(TEST_DIR)/lint.duckdb sqlfluff lint models tests analyses

pytest: install browser
	$(BIN)/pytest

# Run history and schedule state persist in .dagster_home between sessions.
dev: install
	mkdir -p .dagster_home
	DAGSTER_HOME=$(abspath .dagster_home) dagster dev -h 127.0.0.1 -p 3000

docs: install
	dbt docs generate && dbt docs serve --port 8080

clean:
	rm -rf build target logs dbt_packages .venv .dagster_home
