# scrub837: `make demo` and `make test` do all set-up on a fresh machine (Python 3.11 and make).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
N ?= 5000 20000
MEMORY_N ?= 100000
REMIT_N ?= 20000 100000

.PHONY: demo desk-demo desk-screenshots test test-deps lint bench samples docs clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cluster]'
	$(PY) -m compileall -q scrubber >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@mkdir -p out/demo
	@$(VENV)/bin/scrub837 scrub x12_samples/*.837 -o out/demo; status=$$?; \
	  if [ $$status -eq 2 ] || [ $$status -eq 4 ]; then exit $$status; fi
	@echo
	@echo "Reports are in out/demo/: open out/demo/scrub-index.html in a browser."
	@echo "(some samples are held or rejected on purpose: x12_samples/README.md says which)"

desk-demo: $(STAMP)
	@mkdir -p out/demo out/desk-demo
	@$(VENV)/bin/scrub837 scrub x12_samples/*.837 -o out/demo >/dev/null || true
	@printf 'demo-password\ndemo-password\n' | \
	  $(VENV)/bin/scrub837 desk add-user demo --data out/desk-demo 2>/dev/null || true
	@echo "Log in as demo / demo-password; the held files of make demo are under 'Held files'."
	$(VENV)/bin/scrub837 desk --data out/desk-demo --held-folder out/demo --port 8837

desk-screenshots: $(STAMP)
	SCRUB837_ARTIFACTS=docs/images $(PY) -m pytest -q tests/test_desk_browser.py

test: $(STAMP)
	$(PY) -m pytest -q

# the system packages of the browser and SFTP tests (as root; CI's .ci/run does the same)
test-deps:
	@if command -v chromium >/dev/null 2>&1 && [ -x /usr/sbin/sshd ]; then \
	  echo "chromium and sshd are installed"; \
	else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium openssh-server; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check scrubber tests tools bench
	$(VENV)/bin/ruff format --check scrubber tests tools bench
	$(VENV)/bin/mypy scrubber
	$(PY) tools/gen_edit_docs.py --check
	$(PY) -m pytest -q -p no:cacheprovider tests/test_imports.py

bench: $(STAMP)
	@# compiled as pip compiles an installed package (PYTHONDONTWRITEBYTECODE may be set)
	$(PY) -m compileall -q scrubber >/dev/null
	$(PY) bench/bench.py $(N) --memory-n $(MEMORY_N)
	$(PY) bench/tr3_walk.py 5000 20000 --fuzz 1000
	$(PY) bench/report_open.py --claims $(firstword $(N))
	$(PY) bench/content.py
	$(PY) bench/coding.py
	$(PY) bench/desk_load.py --uploads 50 --clients 10
	$(PY) bench/remit_bench.py $(REMIT_N)

docs: $(STAMP)
	$(PY) tools/gen_edit_docs.py

samples: $(STAMP)
	$(PY) tools/make_samples.py

clean:
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache
