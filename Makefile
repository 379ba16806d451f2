# Borough Insight: `make run` serves the demo, `make test` runs every test. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DEMO_SCALE ?= medium
DEMO_SEED ?= 42
DEMO_SOURCES := demo/sources-$(DEMO_SCALE)
DEMO_WAREHOUSE := demo/warehouse.duckdb
KEY_FILE := instance/pseudonym.key
HOST ?= 127.0.0.1
PORT ?= 8050
export BOROUGH_INSIGHT_PSEUDONYM_KEY_FILE ?= $(CURDIR)/$(KEY_FILE)

.PHONY: install browser redis postgres office run serve demo test test-fast bench lint clean

install: $(INSTALLED)

# Re-installs only when the pinned requirements change.
$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Chromium for the browser tests comes from Debian's package; no test tool downloads a browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The Redis server the shared-cache tests start, from Debian's package too.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's redis-server for the shared-cache tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# The PostgreSQL server the application-database tests start (initdb in a temporary folder), from Debian's package.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the application-database tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# What the report tests read packs back with, from Debian's packages: LibreOffice opens each workbook as a user
# would (a file it must repair fails), poppler's pdftoppm and pdftotext turn PDF pages into images and text.
office:
	@{ command -v soffice && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  echo "installing Debian's libreoffice-calc-nogui and poppler-utils for the report tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends libreoffice-calc-nogui poppler-utils >/dev/null; }

$(KEY_FILE):
	mkdir -p $(dir $@)
	$(PY) -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

$(DEMO_SOURCES)/_manifest.json: | $(INSTALLED)
	$(PY) -m etl generate --out $(DEMO_SOURCES) --scale $(DEMO_SCALE) --seed $(DEMO_SEED)

$(DEMO_WAREHOUSE): $(DEMO_SOURCES)/_manifest.json $(KEY_FILE)
	$(PY) -m etl build --sources $(DEMO_SOURCES) --warehouse $@ --quiet

# the demo's published views: the latest month published (and made public: no preview) once, when nothing has been
# published beside the warehouse
demo: install $(DEMO_WAREHOUSE)
	@ls -d demo/published/20* >/dev/null 2>&1 || $(PY) -m reports publish --public --warehouse $(DEMO_WAREHOUSE)

# the demo shows the published views to the public, as a council that enables them does (serve: the council's choice)
run: demo
	BOROUGH_INSIGHT_PUBLIC_VIEWS=$${BOROUGH_INSIGHT_PUBLIC_VIEWS:-1} $(PY) app.py --host $(HOST) --port $(PORT) \
	  --warehouse $(DEMO_WAREHOUSE)

# Production: gunicorn, a worker per core (each with its own DuckDB connection and query threads) and a few threads
# each, so a page's parallel callback requests are answered together. `make run` is the development server.
WORKERS ?= $(shell nproc)
THREADS ?= 4
serve: demo
	BOROUGH_INSIGHT_WAREHOUSE=$(CURDIR)/$(DEMO_WAREHOUSE) $(VENV)/bin/gunicorn --bind $(HOST):$(PORT) \
	  --workers $(WORKERS) --threads $(THREADS) --access-logfile - 'app:wsgi()'

# every core: the files are shared out between a worker per core (a file's tests stay together, so its module
# fixtures, a served app or a published store, are made once)
TEST_WORKERS ?= auto
test: install browser redis postgres office
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not browser"

bench: install $(KEY_FILE) $(DEMO_WAREHOUSE)
	$(PY) bench/etl.py
	$(PY) bench/dashboards.py --warehouse $(DEMO_WAREHOUSE)
	$(PY) bench/baseline.py --warehouse $(DEMO_WAREHOUSE)
	$(MAKE) browser
	$(PY) bench/browser.py --warehouse $(DEMO_WAREHOUSE)
	$(PY) bench/load.py --warehouse $(DEMO_WAREHOUSE)
	$(MAKE) office
	$(PY) bench/reports.py --warehouse $(DEMO_WAREHOUSE)
	$(PY) bench/published.py --warehouse $(DEMO_WAREHOUSE)
	$(PY) bench/disclosure.py --warehouse $(DEMO_WAREHOUSE)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf demo build test-artifacts .pytest_cache
