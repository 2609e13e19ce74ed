# One command runner: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Front-end libraries come from the npm registry at install time, pinned, never committed.
HTMX_VERSION       := 2.0.11
HTMX_SSE_VERSION   := 2.2.4
# Swagger UI for /docs (served from our own origin: /docs works offline, under the strict CSP).
SWAGGER_UI_VERSION := 5.35.0
# Chart.js for the report pages: canvas drawing, no inline styles or eval (docs/reports.md).
CHARTJS_VERSION    := 4.6.1
# CodeMirror 6 for the playbook draft's editor, with JSON Schema completion, bundled by esbuild
# into one script (src/sopdesk/web/editor/playbook_editor.js is the entry; docs/playbooks.md).
EDITOR_PACKAGES := codemirror@6.0.2 @codemirror/state@6.7.6 @codemirror/view@6.44.2 \
	@codemirror/commands@6.11.2 @codemirror/lint@6.9.8 @codemirror/lang-yaml@6.1.3 \
	@codemirror/language@6.13.1 @codemirror/autocomplete@6.20.4 @lezer/common@1.5.7 \
	codemirror-json-schema@0.8.1 esbuild@0.28.2
EDITOR_STAMP := codemirror-6.0.2-view-6.44.2-jsonschema-0.8.1-esbuild-0.28.2
NPM_DIR   := $(VENV)/npm
NPM_STAMP := $(NPM_DIR)/.installed-htmx-$(HTMX_VERSION)-sse-$(HTMX_SSE_VERSION)-swagger-$(SWAGGER_UI_VERSION)-chartjs-$(CHARTJS_VERSION)-$(EDITOR_STAMP)
# ... and are copied into the package (gitignored), so a built wheel serves them too.
VENDOR_DIR   := src/sopdesk/web/static/vendor
VENDOR_FILES := htmx.org/dist/htmx.min.js htmx.org/LICENSE htmx-ext-sse/dist/sse.js \
	htmx-ext-sse/LICENSE swagger-ui-dist/swagger-ui-bundle.js swagger-ui-dist/swagger-ui.css \
	swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt swagger-ui-dist/LICENSE swagger-ui-dist/NOTICE \
	chart.js/dist/chart.umd.min.js chart.js/LICENSE.md
VENDORED     := $(addprefix $(VENDOR_DIR)/,$(VENDOR_FILES)) $(VENDOR_DIR)/playbook-editor/editor.js
EDITOR_ENTRY := src/sopdesk/web/editor/playbook_editor.js

.PHONY: setup run reset test test-dates lint bench wheel clean

setup: $(STAMP) $(NPM_STAMP) $(VENDORED)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): | $(STAMP)
	npm install --prefix $(NPM_DIR) --no-audit --no-fund --loglevel=error \
		htmx.org@$(HTMX_VERSION) htmx-ext-sse@$(HTMX_SSE_VERSION) \
		swagger-ui-dist@$(SWAGGER_UI_VERSION) chart.js@$(CHARTJS_VERSION) $(EDITOR_PACKAGES)
	touch $(NPM_STAMP)

# One script, no eval, loaded from our own origin under the strict CSP.
$(VENDOR_DIR)/playbook-editor/editor.js: $(EDITOR_ENTRY) $(NPM_STAMP)
	mkdir -p $(@D)
	NODE_PATH=$(NPM_DIR)/node_modules $(NPM_DIR)/node_modules/.bin/esbuild $(EDITOR_ENTRY) --bundle \
		--format=iife --minify --target=es2020 --log-level=error --legal-comments=external \
		--outfile=$@

$(VENDOR_DIR)/%: $(NPM_STAMP)
	mkdir -p $(@D)
	cp $(NPM_DIR)/node_modules/$* $@

# A wheel that runs anywhere: the seed playbooks and the front-end libraries are inside it.
wheel: setup
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w dist .

# The demo desk (both orgs, every role, a few accounts and calls) on the database every sopdesk
# command uses by default ($$SOPDESK_DATABASE_URL, else var/sopdesk.db). The demo data is loaded
# once and kept between runs; `make run RESET=1` or `make reset` starts afresh. Other ports:
# `make run PORT=8001 SMTP_PORT=2526` (taken from the command line only: a PORT in the
# environment often belongs to something else; SOPDESK_PORT is the environment's way).
# A second `make run` while one runs refuses and touches nothing: the desk locks its database.
# The first run also writes HISTORY days of worked calls (through the desk's services), so the
# reports open on charts with something in them; `make run HISTORY=0` leaves them out (the
# command line only, like PORT).
DEMO_FLAGS = --history $(if $(filter command line,$(origin HISTORY)),$(HISTORY),7) $(if $(filter command line,$(origin PORT)),--port $(PORT)) \
	$(if $(filter command line,$(origin SMTP_PORT)),--smtp-port $(SMTP_PORT)) \
	$(if $(filter 1 yes true,$(RESET)),--reset)
run: setup
	$(BIN)/sopdesk demo $(strip $(DEMO_FLAGS))

reset:
	@$(MAKE) --no-print-directory run RESET=1

PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# The suite runs on SQLite, then again on PostgreSQL when a server answers (always in CI).
test: setup
	$(BIN)/sopdesk lint playbooks
	$(BIN)/sopdesk test playbooks
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider
	@if [ "$$CI" = "true" ] || pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
		echo "== the suite again on PostgreSQL"; \
		SOPDESK_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider -m "not sqlite_only"; \
	else echo "PostgreSQL not answering on 127.0.0.1:5432: the PostgreSQL run is skipped"; fi
	$(MAKE) --no-print-directory test-dates

# The suite with the machine's wall clock moved to other dates (time-machine): a US DST Sunday
# morning in the past, a leap-day month end late in the evening, a year end a minute before
# midnight, each with the process in another time zone. A test that mixes its fixed dates
# with the wall clock, or reads local time, fails on one of them. The browser tests join the
# future dates only: Chromium keeps the real clock, and a session cookie stamped in the past
# is already expired for it.
PAST_WALL_CLOCK    ?= 2025-03-09T06:59:30+00:00
FUTURE_WALL_CLOCKS ?= 2028-02-29T23:30:00+00:00 2031-12-31T23:59:00+00:00
test-dates: setup
	@echo "== the suite (no browser) with the wall clock at $(PAST_WALL_CLOCK), TZ=America/New_York"
	TZ=America/New_York $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider -m "not browser and not packaging" \
		--wall-clock=$(PAST_WALL_CLOCK)
	@for moment in $(FUTURE_WALL_CLOCKS); do \
		echo "== the suite with the wall clock at $$moment, TZ=Pacific/Kiritimati"; \
		TZ=Pacific/Kiritimati $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider \
			-m "not packaging" --wall-clock=$$moment || exit 1; \
	done

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The desk benchmark's load comes from wrk (Debian's package), a compiled generator that does
# not compete for the cores it measures the way a Python loop would.
bench: setup
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null
	$(BIN)/python bench/bench_playbooks.py
	$(BIN)/python bench/bench_importer.py
	$(BIN)/python bench/bench_desk.py
	$(BIN)/python bench/bench_email.py
	$(BIN)/python bench/bench_kb.py
	$(BIN)/python bench/bench_keys.py
	$(BIN)/python bench/bench_authoring.py
	$(BIN)/python bench/bench_reports.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(VENDOR_DIR) build dist
