# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := magazine.settings
# Local site: mail is written to files in var/mail/ (open them to follow confirmation links), and
# its links point at the server `make run` starts (HOST and PORT) unless SITE_URL is given.
SITE_URL ?= http://$(HOST):$(PORT)
LOCAL_ENV := DEBUG=1 SITE_URL='$(SITE_URL)' EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH=$(CURDIR)/var/mail

.PHONY: run test serve install install-dev migrate seed worker lint clean bench css

$(PY):
	$(PYTHON) scripts/bootstrap_venv.py $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput

seed: install
	DEBUG=1 $(PY) manage.py setup_demo

## make run: install, migrate, load the demo magazine once, and serve it with a task worker.
run: seed
	@mkdir -p var/mail
	@echo "Mail the site sends is written to var/mail/; the task worker logs to var/worker.log."
	@echo "Serving on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/). Stop with Ctrl-C."
	@$(LOCAL_ENV) $(PY) manage.py worker >var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(LOCAL_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## make test: install the dev requirements, lint, and run the whole suite.
test: install-dev lint
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

worker: install
	$(PY) manage.py worker

## make serve: production serving under gunicorn; settings come from the environment (see README).
WEB_CONCURRENCY ?= $(shell $(PYTHON) -c "import os; print(2 * (os.cpu_count() or 1) + 1)")
serve: install
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn magazine.wsgi:application --bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) \
		--access-logfile - --error-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

## make css: rebuild the reader stylesheet, the Bootstrap rules the site uses (see README, "Stylesheet").
## Needs npm (apt-get install npm); PurgeCSS is fetched into npm's cache, not the repository.
PURGECSS_VERSION := 8.0.0
css: install
	CRISPY_TEMPLATES="$$($(PY) -c 'import crispy_bootstrap5, pathlib; print(pathlib.Path(crispy_bootstrap5.__file__).parent / "templates")')" \
		npx --yes purgecss@$(PURGECSS_VERSION) --config scripts/purgecss.config.cjs \
		--output static/vendor/bootstrap/bootstrap.subset.min.css
	@wc -c static/vendor/bootstrap/bootstrap.min.css static/vendor/bootstrap/bootstrap.subset.min.css

clean:
	rm -rf $(VENV) staticfiles
