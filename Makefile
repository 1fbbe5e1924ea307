# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo install generate check-generated spec-diff update-spec spec-drift lint format typecheck test bench fuzz clean

help:
	@echo "make demo [URL=https://...]  the main job through the SDK, against a local simulator (or URL)"
	@echo "make test             create .venv, install, check generated/, lint, typecheck, run every test"
	@echo "make generate         regenerate generated/mongars_api from openapi.json"
	@echo "make check-generated  fail with a diff if generated/ is not what openapi.json produces"
	@echo "make spec-diff OLD=old.json [NEW=openapi.json] [FLAGS=--json]  what changed, breaking or not"
	@echo "make update-spec FROM=<server URL or file>  take a new spec: regenerate, version, changelog"
	@echo "make spec-drift FROM=<server URL or file>   exit 1 with the report if it differs from ours"
	@echo "make bench            measure the SDK against raw httpx/websockets: table + build/bench.json"
	@echo "make fuzz [FUZZ_SCALE=40]  the fuzz tests of tests/reliability, FUZZ_SCALE times longer, fresh cases"
	@echo "make lint | format | typecheck | clean"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11+ is needed (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,simulator]'
	touch $@

install: $(STAMP)

# The main job against a simulator started for it, or against URL with MONGARS_USERNAME and
# MONGARS_PASSWORD from the environment.
URL ?=
demo: $(STAMP)
	@$(BIN)/python examples/demo.py $(if $(URL),--url "$(URL)")

generate: $(STAMP)
	$(BIN)/python -m scripts.regenerate

check-generated: $(STAMP)
	$(BIN)/python -m scripts.regenerate --check

# The spec change report: `make spec-diff OLD=path/to/old.json`, NEW defaults to openapi.json,
# FLAGS takes --json and/or --fail-on-breaking.
OLD ?=
NEW ?= openapi.json
FLAGS ?=
spec-diff: $(STAMP)
	@test -n "$(OLD)" || { echo "usage: make spec-diff OLD=old.json [NEW=openapi.json] [FLAGS=--json]"; exit 2; }
	$(BIN)/python -m scripts.spec_diff $(FLAGS) "$(OLD)" "$(NEW)"

# A new spec end to end: fetch (or read), validate, regenerate, pin new operation names, report,
# version and changelog; nothing changes when the spec cannot be had or is not valid OpenAPI.
FROM ?=
update-spec: $(STAMP)
	@test -n "$(FROM)" || { echo "usage: make update-spec FROM=<server URL or openapi.json path>"; exit 2; }
	$(BIN)/python -m scripts.update_spec "$(FROM)"

# For a scheduled CI job: exit 0 when the server's spec is wire-equivalent to ours, 1 otherwise.
spec-drift: $(STAMP)
	@test -n "$(FROM)" || { echo "usage: make spec-drift FROM=<server URL or openapi.json path>"; exit 2; }
	@$(BIN)/python -m scripts.update_spec --drift "$(FROM)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) check-generated lint typecheck
	$(BIN)/python -m pytest

# Timings live here, never in the tests (tests/bench only checks that a quick run works).
bench: $(STAMP)
	$(BIN)/python -m bench

# The long fuzz run: every fuzz test with FUZZ_SCALE times its examples (make test runs 1x, the
# same cases each time), drawn afresh; failures are kept in .hypothesis/ and replayed first.
FUZZ_SCALE ?= 40
fuzz: $(STAMP)
	MONGARS_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/python -m pytest -m fuzz --timeout=0 tests/reliability

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
