# Partner Hub — `make demo` serves a demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?= -n 2 --dist loadgroup -rs

.PHONY: install system-deps demo test lint typecheck pytest browser bench serve clean messages catalogs audit

install: $(VENV)/.installed node_modules/.installed catalogs

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

demo: install
	PORT=$(PORT) $(BIN)/partnerhub demo --port $(PORT)

serve: install
	$(BIN)/partnerhub serve --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy tools

# Chromium, nginx and gettext: installed when missing (as root with apt), else a clear stop.
system-deps:
	bash tools/system_deps.sh

pytest: install system-deps
	PARTNERHUB_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

# Known vulnerabilities in the locked Python and front-end packages (pip-audit, npm audit).
# Fails on a vulnerable version; says NOT AUDITED when no vulnerability database answers
# (add AUDIT_ARGS=--strict to fail then too).
audit: install
	$(BIN)/python tools/dependency_audit.py $(AUDIT_ARGS)

messages: install
	cd src/partnerhub && ../../$(BIN)/partnerhub makemessages -l pl --ignore 'static/*'

# The translation catalogs (locale/*/LC_MESSAGES/*.po) compiled to .mo: build output, not
# committed (.gitignore). msgfmt when installed (checks format strings), else Python.
catalogs: $(VENV)/.installed
	$(BIN)/python tools/compile_messages.py

bench: $(VENV)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules .tools
