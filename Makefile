# The platform's interface: `make run` and `make test` (README), plus up/down/bench/seed/lint.
SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTHON_BIN ?= $(shell command -v python3.11 || command -v python3)
export PYTHON := $(PY)
# run/up/test/seed/bench are local development: the development secret and guest are allowed.
export PLATFORM_ENV ?= local
# Prometheus + Alertmanager beside the platform (deploy/local/monitoring.sh); PROMETHEUS=0 turns
# them off. Passed to platform.sh only, so the tests' own platforms never start a monitoring stack.
PROMETHEUS ?= 1
WITH_MONITORING := $(if $(filter 0,$(PROMETHEUS)),0,1)

.PHONY: run up down status test test-unit test-integration test-e2e test-fault bench infra \
        infra-down seed lint topology venv clean browser

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

# A brand-new machine gets Debian's prometheus and prometheus-alertmanager here too: `make run`
# and the ops integration tests (tests/integration/ops) need them.
infra: venv
	@bash deploy/local/infra.sh up
	@if [[ "$(WITH_MONITORING)" == 1 ]]; then bash deploy/local/monitoring.sh install; fi

infra-down:
	@bash deploy/local/infra.sh down

topology: infra
	@$(VENV)/bin/regionctl topology

run: infra topology
	@WITH_MONITORING=$(WITH_MONITORING) bash deploy/local/platform.sh run

up: infra topology
	@WITH_MONITORING=$(WITH_MONITORING) bash deploy/local/platform.sh up

# Stops Prometheus/Alertmanager too, whatever PROMETHEUS says now.
down:
	@WITH_MONITORING=1 bash deploy/local/platform.sh down

status:
	@bash deploy/local/infra.sh status; bash deploy/local/platform.sh status; \
	  if [[ "$(WITH_MONITORING)" == 1 ]]; then bash deploy/local/monitoring.sh status; fi; \
	  $(VENV)/bin/regionctl status

# the console's browser tests drive Debian's chromium and firefox-esr: installed here when missing
browser:
	@bash deploy/local/browser.sh ensure

# Every suite at once, each a pytest process of its own (some with pytest-xdist workers), one
# verdict and the total at the end; every suite's log under var/test-logs/ (tests/run_suites.sh).
test: infra browser
	@bash tests/run_suites.sh

test-unit: venv
	@$(PY) -m pytest tests/unit -q

test-integration: infra
	@bash tests/run_suites.sh integration

test-e2e: infra browser
	@bash tests/run_suites.sh e2e console

test-fault: infra
	@bash tests/run_suites.sh fault

bench: infra
	@bash bench/tools.sh
	@$(PY) -m bench $(if $(QUICK),--quick)

seed: up
	@$(VENV)/bin/regionctl seed

lint: venv
	@$(VENV)/bin/ruff check services tests bench examples deploy conftest.py
	@$(PY) -m pytest tests/unit/architecture -q -p no:randomly

clean: down
	rm -rf var/platform var/e2e
