PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
LINT_PATHS := src tests $(wildcard bench scripts)

.PHONY: demo test lint typecheck unit bench clean

# The demo needs the package with the extras it shows (the `demo` extra); the tests add every
# extra and the development tools.
$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=25.1"
	$(BIN)/python -m pip install -q -e ".[demo]"
	$(BIN)/python -m compileall -q src/modelsteward
	touch $(DEMO_STAMP)

$(STAMP): $(DEMO_STAMP)
	$(BIN)/python -m pip install -q -e ".[all]" --group dev
	touch $(STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/modelsteward demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/modelsteward

unit: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test: lint typecheck unit

clean:
	rm -rf $(VENV) build *.egg-info
