# Talentdesk: `make run` serves the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="tests/payouts -x"`.
PYTEST_ARGS ?=

.PHONY: run serve test bench lint format setup migrate messages translations demo clean

# Reinstall whenever pyproject.toml changes; a fresh clone gets its virtualenv here. `make run`
# and `make serve` need the app's dependencies only; tests, lint and bench add the dev tools.
# --no-compile: Python compiles a module when it is first imported, not every installed file.
$(STAMP): pyproject.toml
	@echo "installing dependencies (pip, into $(VENV))…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --no-compile -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	@echo "installing development dependencies (pip)…"
	@$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
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

test: $(DEV_STAMP) messages
	TESTING=true $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP) messages
	TESTING=true $(BIN)/python -m bench

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media test-results var
