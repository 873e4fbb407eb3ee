# The README's two commands: `make run` and `make test`. Both work on a fresh machine.
# The first interpreter that runs and is 3.11 or 3.12 (durable-rules does not import on 3.13).
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	  if $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 13))' 2>/dev/null; then \
	    command -v $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Lock files with hashes (uv pip compile): what `make run` and `make test` install. After adding a
# dependency to pyproject.toml, run `make lock` and commit both files.
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
WHEELHOUSE ?= wheelhouse

.PHONY: run test bench clean lock wheelhouse

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "onehall needs Python 3.11 or 3.12 (durable-rules does not import on 3.13)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(TEST_LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(STAMP)

## make lock: re-resolve pyproject.toml into the two lock files (pinned, with hashes), for
## Python 3.11 and 3.12 on any platform; the runtime lock (with the HSM binding) takes the test lock's versions
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	  --extra test --extra bench --extra hsm -o $(TEST_LOCK) pyproject.toml
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	  --extra hsm -c $(TEST_LOCK) -o $(LOCK) pyproject.toml

## make wheelhouse: every wheel onehall needs (durable-rules built from its source) in $(WHEELHOUSE)/,
## for a machine with no package index: scripts/install-from-wheelhouse.sh installs from it
wheelhouse: | $(BIN)/python
	$(BIN)/pip wheel --quiet --require-hashes -r $(LOCK) -w $(WHEELHOUSE)
	$(BIN)/pip wheel --quiet --no-deps -w $(WHEELHOUSE) .
	cd $(WHEELHOUSE) && sha256sum *.whl > SHA256SUMS

## make run: set up, create the SQLite database with the demo (keeping what exists), serve on :5000
## with the scheduler (case clocks, alerts, checkpoints) beside it; Ctrl-C stops both
## (the JSON request and act log goes to instance/onehall.log, so the console stays readable)
run: export ONEHALL_LOG_FILE ?= $(CURDIR)/instance/onehall.log
run: $(STAMP)
	@mkdir -p $(dir $(ONEHALL_LOG_FILE))
	@$(BIN)/onehall init --demo
	@echo "JSON 日志（请求与签名操作）：$(ONEHALL_LOG_FILE)"
	@$(BIN)/onehall scheduler & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/onehall serve --host 127.0.0.1 --port 5000 --workers 2

## make test: set up with the test extras and run the whole suite, layer contracts, ruff and mypy included,
## one pytest worker per core (pytest-xdist; a test file stays on one worker, its fixtures built once)
## (the browser test drives Debian's chromium; Playwright's own browser download is not used)
test: $(TEST_STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends \
	  chromium fonts-wqy-microhei >/dev/null) || echo "chromium could not be installed: the browser test will be skipped"
	@test -x /usr/sbin/nginx && command -v softhsm2-util >/dev/null || (apt-get update -qq && apt-get install -y -qq \
	  --no-install-recommends nginx-light softhsm2 >/dev/null) || echo "nginx or softhsm2 could not be installed: the two-host and HSM tests will be skipped"
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --dist loadfile $(PYTEST_ARGS)

## make bench: every benchmark of docs/design.md §11, each printing one JSON object
bench: $(TEST_STAMP)
	$(BIN)/python -m bench.decisions
	$(BIN)/python -m bench.log
	$(BIN)/python -m bench.compliance
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.pages

clean:
	rm -rf $(VENV) instance .pytest_cache $(WHEELHOUSE)
