# Rostra developer commands. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8080

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/rostra: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

.PHONY: install
install: $(BIN)/rostra ## Create .venv and install Rostra with its development tools

.PHONY: install-semantic
install-semantic: install ## Add the optional semantic screening stage (CPU torch, ~1 GB)
	$(BIN)/pip install --quiet -e '.[dev,semantic]'

.PHONY: browser
browser: ## Install Debian's Chromium for the browser tests (needs root or sudo)
	@command -v chromium >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

.PHONY: demo
demo: install ## Run the demo article page with comments on http://127.0.0.1:$(PORT)/
	$(BIN)/rostra demo --port $(PORT)

# One test process per core, at most 8 (tests/conftest.py gives each a Redis database);
# TEST_WORKERS=0 runs them all in this process (easier to debug). Each test file runs in one
# process (--dist loadfile), so a module's shared demo server and browser start once.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n < 8 ? n : 8 )))
.PHONY: test
test: install browser ## Run every test (PostgreSQL, Redis and browser suites run when those are available)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: lint
lint: install ## Check formatting, lint rules, types and layer boundaries
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cog --check docs/cli.md

.PHONY: fmt
fmt: install ## Format the code and apply safe lint fixes
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

.PHONY: typecheck
typecheck: install ## Type-check the domain and services strictly
	$(BIN)/mypy

.PHONY: docs
docs: install ## Regenerate the generated parts of docs/ (CLI reference)
	$(BIN)/cog -r docs/cli.md

.PHONY: screenshots
screenshots: install browser ## Screenshots of the demo and the dashboard at 390 and 1280 px (docs/screenshots/)
	$(BIN)/python tools/screenshots.py

.PHONY: bench
bench: install ## Seed a 10,000-comment thread and measure page reads (writes docs/performance.md)
	$(BIN)/python bench/thread_pages.py

.PHONY: bench-isso
bench-isso: install ## Compare Rostra with Isso and nginx under wrk (~30 min; writes docs/performance.md)
	$(BIN)/python bench/compare_isso.py

SOAK_SECONDS ?= 120
.PHONY: bench-soak
bench-soak: install ## Hold a mixed read/write/SSE load for SOAK_SECONDS (errors, p99, memory; writes docs/performance.md)
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS)

.PHONY: migration
migration: install ## Start a new Alembic revision: make migration MESSAGE="add flags"
	$(BIN)/python -c 'import sys; from rostra.storage.migrate import new_revision; new_revision(sys.argv[1])' "$(MESSAGE)"
