# Byplan developer tasks.  Run `make help` for an overview.

PYTHON   ?= python3
VENV     := .venv
VENV_PY  := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
HOST     ?= 127.0.0.1
PORT     ?= 5000
ARTIFACTS := test-artifacts
PYTEST_ARGS ?=
NPM      ?= npm
VENDOR   := web/static/vendor/bpmn-js
VENDOR_STAMP := $(VENDOR)/.installed
DKFDS    := web/static/vendor/dkfds
DKFDS_DIST := node_modules/dkfds/dist
BPMN_JS_DIST := node_modules/bpmn-js/dist
AXE      := node_modules/axe-core/axe.min.js

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install .venv translations vendor run test test-quick lint check-chromium check-java check-xmlsec bench clean distclean

help:
	@echo "make install   create .venv, install byplan with test extras, vendor bpmn-js and axe-core (npm ci)"
	@echo "make run       init the database, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test      lint, then the whole test suite (JUnit XML in $(ARTIFACTS)/junit.xml); CI runs this"
	@echo "make test-quick lint, then every test but the browser and PostgreSQL ones (SQLite only)"
	@echo "make lint      ruff over the whole tree (rules in pyproject.toml [tool.ruff])"
	@echo "make bench     run the benchmarks P1-P5 (BENCH_QUICK=1: a quick smoke run)"
	@echo "make clean     remove generated files (keeps .venv and instance/)"
	@echo "make distclean clean, and remove .venv too"

# --- environment --------------------------------------------------------

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install --upgrade pip
	$(VENV_PY) -m pip install -e '.[test]'
	touch $@

install .venv: $(STAMP) translations vendor

# Det Fælles Designsystem (dkfds: CSS, IBM Plex Sans fonts, icons; not its JavaScript: every page works
# without it) is vendored the same way into $(DKFDS).
# The BPMN diagram viewer, from npm (package-lock.json pins it), copied into the static files:
# nothing is loaded from a CDN. Reruns only when the lock file changes.
# axe-core (same lock file) is for the accessibility tests only: they read $(AXE) and inject it into
# the page themselves, so it is never copied into the static files the app serves. So are bpmnlint,
# dmnlint, bpmn-moddle/dmn-moddle and vnu-jar (the Nu HTML Checker, run with the system's Java: no
# install scripts run, so vnu-jar downloads no Java of its own).
vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): package-lock.json package.json
	$(NPM) ci --no-audit --no-fund --ignore-scripts
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)
	cp $(BPMN_JS_DIST)/bpmn-navigated-viewer.production.min.js \
	   $(BPMN_JS_DIST)/assets/diagram-js.css $(BPMN_JS_DIST)/assets/bpmn-js.css \
	   node_modules/bpmn-js/LICENSE $(VENDOR)/
	rm -rf $(DKFDS)
	mkdir -p $(DKFDS)/css $(DKFDS)/img
	cp $(DKFDS_DIST)/css/dkfds.min.css $(DKFDS)/css/
	cp -r $(DKFDS_DIST)/fonts $(DKFDS)/
	cp -r $(DKFDS_DIST)/img/svg-icons $(DKFDS_DIST)/img/all-svg-icons.svg $(DKFDS)/img/
	cp $(DKFDS_DIST)/LICENSE.md $(DKFDS)/
	test -f $(AXE)
	touch $@

# Compile gettext catalogs (*.mo are not committed).
translations: $(STAMP)
	@if [ -d web/translations ] && [ -n "$$(find web/translations -name '*.po' -print -quit)" ]; then \
		echo "$(VENV)/bin/pybabel compile -d web/translations"; \
		$(VENV)/bin/pybabel compile -d web/translations; \
	fi

# --- running ------------------------------------------------------------

# The database defaults to an SQLite file under instance/ (decided by the app);
# set DATABASE_URL in the environment to use something else.
run: install
	$(VENV)/bin/byplan init-db
	$(VENV)/bin/byplan demo
	$(VENV)/bin/byplan serve --host $(HOST) --port $(PORT)

# --- testing ------------------------------------------------------------

check-chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Chromium missing at $(CHROMIUM); installing Debian's chromium"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || exit 1; \
		else \
			echo "ERROR: Chromium not found at $(CHROMIUM)." >&2; \
			echo "  Install it with: sudo apt-get install -y chromium" >&2; \
			echo "  (or set CHROMIUM=/path/to/chromium; never use 'playwright install')" >&2; \
			exit 1; \
		fi; \
		if [ ! -x "$(CHROMIUM)" ]; then echo "ERROR: still no Chromium at $(CHROMIUM)" >&2; exit 1; fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The Nu HTML Checker (node_modules/vnu-jar) needs Java 11 or later: Debian's default-jre-headless.
check-java:
	@if ! command -v java >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "java missing; installing Debian's default-jre-headless"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y default-jre-headless || exit 1; \
		else \
			echo "ERROR: java not found (the Nu HTML Checker needs it)." >&2; \
			echo "  Install it with: sudo apt-get install -y default-jre-headless" >&2; \
			exit 1; \
		fi; \
	fi

# pysaml2 signs, verifies and decrypts with Debian's xmlsec1 (the SAML tests run a real IdP with it).
check-xmlsec:
	@if ! command -v xmlsec1 >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "xmlsec1 missing; installing Debian's xmlsec1"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y xmlsec1 || exit 1; \
		else \
			echo "ERROR: xmlsec1 not found (SAML sign-in needs it)." >&2; \
			echo "  Install it with: sudo apt-get install -y xmlsec1" >&2; \
			exit 1; \
		fi; \
	fi

test: install check-chromium check-java check-xmlsec lint
	@mkdir -p $(ARTIFACTS)
	$(VENV_PY) -m pytest -p no:cacheprovider -n 2 --junitxml=$(ARTIFACTS)/junit.xml $(PYTEST_ARGS)

# Everything but the browser tests (Chromium) and the PostgreSQL ones (a server per run): SQLite only, in two
# processes (pytest-xdist; each test has its own database file, so they do not meet).
test-quick: install check-java check-xmlsec lint
	$(VENV_PY) -m pytest -p no:cacheprovider -q -n 2 -m "not browser and not postgres" $(PYTEST_ARGS)

# P1-P5 against their baselines (bench/README.md); BENCH_QUICK=1 for a smaller smoke run.
bench: install
	$(VENV_PY) -m bench.run $(BENCH_ARGS)

# --- housekeeping -------------------------------------------------------

clean:
	rm -rf $(ARTIFACTS) build dist *.egg-info .pytest_cache web/static/vendor
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find web/translations -name '*.mo' -delete 2>/dev/null || true

distclean: clean
	rm -rf $(VENV) node_modules
