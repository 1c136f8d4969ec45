# 创城督导 — two commands: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8000
export PYTHONPATH := $(CURDIR)
FLASK   := $(BIN)/flask --app server
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
HTTPS_PORT ?= 8443
# `make run` installs only what the app needs; `make test` and `make bench` add pytest,
# hypothesis, Playwright and moto (requirements-dev.txt).
RUN_DEPS := $(VENV)/.run-deps
DEV_DEPS := $(VENV)/.dev-deps

.PHONY: run test test-sqlite test-browser test-postgres test-js bench migrate demo clean vendor venv https worker

# Third-party front-end code comes from npm and is served by us, never from a CDN.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

pwa/vendor/.stamp: node_modules/.package-lock.json
	rm -rf pwa/vendor && mkdir -p pwa/vendor/idb pwa/vendor/leaflet pwa/vendor/markercluster pwa/vendor/exifr
	cp node_modules/idb/build/index.js pwa/vendor/idb/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images pwa/vendor/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster*.css pwa/vendor/markercluster/
	cp node_modules/exifr/dist/mini.esm.mjs pwa/vendor/exifr/mini.esm.js
	touch $@

vendor: pwa/vendor/.stamp

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_DEPS): requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_DEPS): requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(RUN_DEPS)

migrate: $(RUN_DEPS) pwa/vendor/.stamp
	$(FLASK) db upgrade

# DEMO=0: no demo street; the checklists and calendar are seeded and the admin enters the rest
# (create the first admin with `.venv/bin/flask --app server users create admin`).
DEMO ?= 1
demo: migrate
	@if [ "$(DEMO)" = "0" ]; then $(FLASK) data seed; else $(FLASK) demo load-if-empty; fi

# gunicorn answers requests; the worker beside it runs deadline sweeps and exports.
run: demo
	@if [ "$(DEMO)" != "0" ]; then $(FLASK) demo accounts; fi
	@echo "创城督导 → http://$(HOST):$(PORT)/  (Ctrl-C 停止)"
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		COMPRESS=1 $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) server.wsgi:app

# The background worker alone (make run and deploy/systemd start it for you).
worker: migrate
	$(FLASK) worker

# A pilot on the LAN: Caddy with its own CA on https://HOST:HTTPS_PORT (HOST: this machine's
# LAN address unless given); prints the root certificate's path and the phones' install page.
https: demo
	@HOST=$(if $(filter command line environment environment override,$(origin HOST)),$(HOST),) \
		HTTPS_PORT=$(HTTPS_PORT) PORT=$(PORT) BIN=$(CURDIR)/$(BIN) bash deploy/pilot/https.sh

# Every part runs even when an earlier one fails; the script ends with the overall result.
test: $(DEV_DEPS) pwa/vendor/.stamp
	@bash tools/run_tests.sh

test-js: pwa/vendor/.stamp
	node --test tests/js/

test-sqlite: $(DEV_DEPS) pwa/vendor/.stamp
	$(BIN)/python -m pytest -m "not browser"

# The browser tests (real Chromium against the app on SQLite): a part of their own, so that they
# run beside the other two.
test-browser: $(DEV_DEPS) pwa/vendor/.stamp
	$(BIN)/python -m pytest -m browser

# The contract tests (JSON Schema against marshmallow, generated bodies) never touch a database:
# they run once, in test-sqlite.
test-postgres: $(DEV_DEPS)
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not browser" \
		--ignore=tests/unit/test_contract_agreement.py --ignore=tests/unit/test_shared_schema.py

bench: $(DEV_DEPS) pwa/vendor/.stamp
	$(BIN)/python bench/sync_ingest.py
	$(BIN)/python bench/findings_page.py
	$(BIN)/python bench/findings_page.py --findings 50000 --repeat 15
	$(BIN)/python bench/map_findings.py
	$(BIN)/python bench/ledger_export.py
	$(BIN)/python bench/weekly_report.py
	$(BIN)/python bench/calendar_deadlines.py
	$(BIN)/python bench/photo_memory.py
	$(BIN)/python bench/pwa_bench.py
	$(BIN)/python bench/points_admin.py
	$(BIN)/python bench/backup_bench.py
	$(BIN)/python bench/submissions_duty.py
	$(BIN)/python bench/start_tasks.py
	$(BIN)/python bench/lighthouse_phone.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules pwa/vendor
