# 创城督导 — two commands: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8000
export PYTHONPATH := $(CURDIR)
FLASK   := $(BIN)/flask --app server
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres bench migrate demo clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

migrate: $(BIN)/activate
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load-if-empty

run: demo
	@$(FLASK) demo accounts
	@echo "创城督导 → http://$(HOST):$(PORT)/  (Ctrl-C 停止)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --timeout 120 \
		--access-logfile - server.wsgi:app

test: test-sqlite test-postgres

test-sqlite: $(BIN)/activate
	$(BIN)/python -m pytest

test-postgres: $(BIN)/activate
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not browser"

bench: $(BIN)/activate
	$(BIN)/python bench/sync_ingest.py
	$(BIN)/python bench/findings_page.py
	$(BIN)/python bench/photo_memory.py

clean:
	rm -rf $(VENV) instance .pytest_cache
