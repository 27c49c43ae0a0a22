# Set-up and checks. `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libdecaf-dev libsodium23 gcc faketime chromium nodejs fonts-dejavu-core wrk

.PHONY: all demo test lint typecheck pytest system-deps lock bench clean booth booth-test npm vectors

all: $(STAMP)

# Debian packages the Python code binds to (libdecaf for the group arithmetic,
# libsodium for the cross-check tests, the DejaVu fonts for credential letters in Cyrillic).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The C extension is rebuilt (pip install -e) when its sources change, too.
$(STAMP): pyproject.toml requirements.lock setup.py src/referendum/crypto/_build_decaf.py \
	  $(wildcard src/referendum/crypto/csrc/*.c) | system-deps
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The voting booth's JavaScript (web/booth): npm ci from the lock file, bundled by esbuild into
# src/referendum/web/static/booth.js (committed, so that `referendum serve` needs no Node).
BOOTH := web/booth
npm: | system-deps
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }

$(BOOTH)/node_modules/.package-lock.json: $(BOOTH)/package.json $(BOOTH)/package-lock.json | npm
	cd $(BOOTH) && npm ci --no-audit --no-fund

booth: $(BOOTH)/node_modules/.package-lock.json
	cd $(BOOTH) && npm run build

booth-test: booth
	cd $(BOOTH) && npm test

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

# The whole suite on the default group backend (libdecaf), then the vectors, the crypto and the
# verifier on every conformance record again on the portable one (docs/crypto-backend.md).
SODIUM_TESTS := tests/crypto tests/conformance
pytest: $(STAMP) booth
	$(BIN)/pytest -n 2 -q
	REFERENDUM_GROUP_BACKEND=sodium $(BIN)/pytest -n 2 -q $(SODIUM_TESTS)

test: lint typecheck booth-test pytest

# The conformance records (vectors/records/): regenerate after any change of the record format.
vectors: $(STAMP)
	$(BIN)/python tests/conformance/generate_records.py
	$(BIN)/python tests/log/generate_log_vectors.py

bench: $(STAMP)
	$(BIN)/referendum bench

clean:
	rm -rf $(VENV) build src/*.egg-info demo-record
