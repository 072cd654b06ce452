# Talentdesk: `make run` serves the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="tests/payouts -x"` (given to both phases).
PYTEST_ARGS ?=

.PHONY: run serve test bench lint format setup migrate messages translations demo clean screenshots

# Reinstall whenever pyproject.toml changes; a fresh clone gets its virtualenv here. `make run`
# and `make serve` need the app's dependencies only; tests, lint and bench add the dev tools.
# The installer is uv (astral-sh/uv, pip-compatible): from a warm cache it puts the ~110
# packages in place in a few seconds where pip took 20-30 s (bench/README.md, "First start").
# uv itself comes from pip: the venv's, or for a venv made without pip the system's
# (`pip --python`), or ensurepip's. pip goes into the venv too, for hand use. uv compiles no
# bytecode at install: Python compiles a module when it is first imported.
UV := $(BIN)/uv
UV_SPEC := uv>=0.5,<1
$(STAMP): pyproject.toml
	@echo "installing dependencies (uv, into $(VENV))…"
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@test -x $(UV) || ( $(BIN)/python -m pip --version >/dev/null 2>&1 \
		&& $(BIN)/python -m pip install --quiet '$(UV_SPEC)' ) \
		|| $(PYTHON) -m pip --python $(BIN)/python install --quiet '$(UV_SPEC)' 2>/dev/null \
		|| ( $(BIN)/python -m ensurepip --default-pip >/dev/null \
		&& $(BIN)/python -m pip install --quiet '$(UV_SPEC)' )
	@$(UV) pip install --quiet --python $(BIN)/python -e . pip
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	@echo "installing development dependencies (uv)…"
	@$(UV) pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $(DEV_STAMP)

setup: $(DEV_STAMP)

# compilemessages refuses to run when there is no locale/ folder yet; nothing to compile then.
messages: $(STAMP)
	@if find . -path ./$(VENV) -prune -o -name '*.po' -print | grep -q .; then \
		echo "compiling translations…"; \
		DEBUG=true $(BIN)/python manage.py compilemessages --ignore '$(VENV)' -v 0; \
	fi

# Refresh locale/nl/LC_MESSAGES/django.po from the source (tests/test_translations.py checks it).
translations: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages -l nl --no-location --no-obsolete -v 0 \
		--ignore '$(VENV)' --ignore 'tests' --ignore 'bench' --ignore '*/migrations/*' \
		--ignore 'staticfiles' --ignore 'media' --ignore 'test-results'

# Django's system checks (a second of importing every view) run once, when runserver starts.
migrate: $(STAMP)
	@echo "migrating the database…"
	@DEBUG=true $(BIN)/python manage.py migrate --no-input -v 0 --skip-checks

demo: migrate
	@echo "seeding the demo…"
	@DEBUG=true $(BIN)/python manage.py seed_demo --skip-checks

run: messages demo
	@echo "serving on http://$(HOST):$(PORT)/ (sign in with the demo accounts printed above)"
	@DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The production processes on this machine (README, "Processes and queues"): the release
# step, then gunicorn, a Celery worker and beat under honcho (Procfile) until SIGTERM or
# Ctrl+C, which stop them gracefully. Needs DATABASE_URL (PostgreSQL), REDIS_URL,
# CELERY_BROKER_URL and SECRET_KEY in the environment or .env.
serve: messages
	$(BIN)/python -m config.serve --check
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py check --deploy
	@echo "Talentdesk on http://$(HOST):$(PORT)/ (gunicorn, Celery worker and beat; stop with Ctrl+C)"
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m config.serve --port $(PORT) \
		|| { rc=$$?; [ $$rc = 143 ] || [ $$rc = 130 ] || exit $$rc; }

# The suite in two phases. First everything but the browser journeys, in PYTEST_WORKERS
# processes (pytest-xdist; each file's tests stay in one process, each process has its own test
# database and, through tests/workers.py, its own Redis databases; PYTEST_WORKERS=0 runs them in
# this process). Then the journeys in one process: Chromium and the live server need the other
# core to stay within their 15 s timeouts. Both phases run; make fails if either did (a phase
# that selects no test, as `PYTEST_ARGS=tests/payouts` leaves the second, is not a failure;
# both selecting none is).
PYTEST_WORKERS ?= 2
# The journeys live in tests/e2e: when PYTEST_ARGS names no test (options only), the second
# phase collects that folder rather than the whole tree (half a minute saved).
BROWSER_PATHS = $(if $(filter-out -%,$(PYTEST_ARGS)),,tests/e2e)
test: $(DEV_STAMP) messages
	@status=0; empty=0; \
	TESTING=true $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not browser" \
		$(PYTEST_ARGS) || { rc=$$?; if [ $$rc = 5 ]; then empty=$$((empty + 1)); else status=$$rc; fi; }; \
	TESTING=true $(BIN)/python -m pytest -m browser $(PYTEST_ARGS) $(BROWSER_PATHS) \
		|| { rc=$$?; if [ $$rc = 5 ]; then empty=$$((empty + 1)); else status=$$rc; fi; }; \
	if [ $$empty = 2 ]; then echo "no test selected" >&2; status=5; fi; \
	exit $$status

# The served benchmark drives gunicorn with wrk (Debian package): installed here when missing
# and this is a Debian machine run as root, as .ci/run installs its packages.
bench: $(DEV_STAMP) messages
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing wrk (Debian) for the served benchmark"; \
			apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; \
		else echo "wrk is not installed: the served benchmark will be skipped (apt-get install wrk)"; fi; }
	TESTING=true $(BIN)/python -m bench

# The README's screenshots (docs/cockpit.png, docs/campaign-dashboard.png) from a freshly seeded
# demo in its own SQLite file, served on a spare port for docs/screenshots.py (Chromium).
SHOTS_DB := var/screenshots.sqlite3
SHOTS_PORT ?= 8719
screenshots: $(DEV_STAMP) messages
	@mkdir -p var && rm -f $(SHOTS_DB)
	@DEBUG=true DATABASE_URL=sqlite:///$(CURDIR)/$(SHOTS_DB) $(BIN)/python manage.py migrate --no-input -v 0 --skip-checks
	@DEBUG=true DATABASE_URL=sqlite:///$(CURDIR)/$(SHOTS_DB) $(BIN)/python manage.py seed_demo --skip-checks >/dev/null
	@DEBUG=true DATABASE_URL=sqlite:///$(CURDIR)/$(SHOTS_DB) $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(SHOTS_PORT) >var/screenshots-server.log 2>&1 & \
		server=$$!; trap 'kill $$server' EXIT; \
		for i in $$(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:$(SHOTS_PORT)/healthz && break; sleep 0.2; done; \
		$(BIN)/python docs/screenshots.py http://127.0.0.1:$(SHOTS_PORT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media test-results var
