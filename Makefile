# Partner Hub — `make demo` serves a demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?= -n 2 -rs

.PHONY: install demo test lint typecheck pytest browser bench serve clean messages

install: $(VENV)/.installed node_modules/.installed

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
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

pytest: install
	PARTNERHUB_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

messages: install
	cd src/partnerhub && ../../$(BIN)/partnerhub makemessages -l pl --ignore 'static/*'

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules .tools
