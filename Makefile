# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DISCUSS_DATABASE_URL ?=
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?= -n 2
BACKENDS ?= sqlite postgresql

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/discuss db upgrade
	$(BIN)/discuss demo
	@echo "discuss is serving on http://$(HOST):$(PORT)/demo"
	$(BIN)/discuss run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	@for backend in $(BACKENDS); do \
	  echo "== tests on $$backend =="; \
	  $(BIN)/pytest --backend $$backend $(PYTEST_ARGS) || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
