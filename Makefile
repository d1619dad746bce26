# The README's commands. `make run` serves the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_ENV := DEBUG=1
HOST ?= 127.0.0.1:8000
# `make test` runs the suite on every core (pytest-xdist), each worker on its own test database;
# `make test WORKERS=0` runs it in one process.
WORKERS ?= auto

.PHONY: run test install lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	$(DEMO_ENV) $(BIN)/python manage.py load_demo --synthetic 300 --if-empty
	$(DEMO_ENV) $(BIN)/python manage.py setup_roles
	$(DEMO_ENV) $(BIN)/python manage.py create_demo_user --host $(HOST)
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract messages (needs GNU gettext) and compile the .mo files (pure Python, no gettext).
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l kk -l ru -l en --no-obsolete --no-location -i ".venv/*" -i "bench/*" -i "tests/*" -i "staticfiles/*"
	DEBUG=1 $(BIN)/python manage.py compile_translations

# The benchmark at scale on PostgreSQL (bench/README.md): loads 100,000 generated cases once into
# DATABASE_URL (default casetracker_bench), FRESH=1 loads them anew; writes bench/results.md.
bench: install
	$(BIN)/python bench/run.py $(if $(FRESH),--fresh)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
