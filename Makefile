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

.PHONY: run up down status test test-unit test-integration test-e2e test-fault bench infra \
        infra-down seed lint topology venv clean browser

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

infra: venv
	@bash deploy/local/infra.sh up

infra-down:
	@bash deploy/local/infra.sh down

topology: infra
	@$(VENV)/bin/regionctl topology

run: infra topology
	@bash deploy/local/platform.sh run

up: infra topology
	@bash deploy/local/platform.sh up

down:
	@bash deploy/local/platform.sh down

status:
	@bash deploy/local/infra.sh status; bash deploy/local/platform.sh status

# the console's browser tests drive Debian's chromium: installed here when missing
browser:
	@bash deploy/local/browser.sh ensure

test: infra browser
	@$(PY) -m pytest tests -q -ra

test-unit: venv
	@$(PY) -m pytest tests/unit -q

test-integration: infra
	@$(PY) -m pytest tests/integration -q -ra

test-e2e: infra browser
	@$(PY) -m pytest tests/e2e -q -ra

test-fault: infra
	@$(PY) -m pytest tests/fault -q -ra

bench: infra
	@bash bench/tools.sh
	@$(PY) -m bench $(if $(QUICK),--quick)

seed: up
	@$(VENV)/bin/regionctl seed

lint: venv
	@$(PY) -m compileall -q services tests bench

clean: down
	rm -rf var/platform var/e2e
