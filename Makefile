# Set-up and checks. `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libdecaf-dev libsodium23 gcc faketime

.PHONY: all demo test lint typecheck pytest system-deps lock bench clean

all: $(STAMP)

# Debian packages the Python code binds to (libdecaf for the group arithmetic,
# libsodium for the cross-check tests).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml requirements.lock setup.py | system-deps
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements.lock

demo: $(STAMP)
	rm -rf demo-record
	$(BIN)/referendum demo --out demo-record --voters 60 --seed 7
	$(BIN)/referendum verify demo-record

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/referendum bench

clean:
	rm -rf $(VENV) build src/*.egg-info demo-record
