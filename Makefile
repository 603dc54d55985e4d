# goldpath: two commands for a newcomer (`make demo`, `make test`); the rest are steps.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
CHECKOV_VENV := .venv-checkov
GITLAB_CI_LOCAL_VERSION := 4.73.0
PYTEST_WORKERS ?= 3
HOST ?= 127.0.0.1
PORT ?= 7007
MOTO_PORT ?= 5000
# With GOLDPATH_AWS__ENDPOINT_URL set (a local moto server: `make moto`), a Create provisions
# its ECR repository and secret there; moto takes any credentials, boto3 needs some.
ifdef GOLDPATH_AWS__ENDPOINT_URL
export AWS_ACCESS_KEY_ID ?= moto
export AWS_SECRET_ACCESS_KEY ?= moto
endif
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
export npm_config_cache := $(CURDIR)/$(TOOLS)/npm-cache
export npm_config_update_notifier := false
export npm_config_fund := false

.PHONY: help install validators demo demo-deps moto serve seed test test-deps system-deps node-tools checkov lint typecheck bench clean

help:
	@echo "make demo   - install, seed demo data, serve the portal on http://$(HOST):$(PORT)"
	@echo "make test   - install everything the tests need and run the whole suite"
	@echo "make bench  - run the benchmarks in bench/ (prints figures)"
	@echo "make moto   - a local AWS (moto server) on http://$(HOST):$(MOTO_PORT) for a demo that provisions"

# Idempotent: re-installs only when pyproject.toml changed.
install: $(VENV)/.installed validators

# The programs GitOps validation runs on every Create (promtool, kubectl kustomize):
# goldpath refuses to publish a GitOps tree without them, so install them with goldpath.
validators:
	@missing=""; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v kubectl >/dev/null || missing="$$missing kubernetes-client"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing the GitOps validators (Debian packages):$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "WARNING: GitOps validators missing (Debian packages:$$missing); run 'sudo make validators':" \
	      "until then every Create fails validation"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

seed: install
	$(BIN)/goldpath demo seed

# The Metrics panel of a service run locally reads a Prometheus the portal starts when the
# `prometheus` binary is on PATH (Debian's package); install it when we can, say so otherwise.
demo-deps:
	@if ! command -v prometheus >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Prometheus (Debian package prometheus) for the Metrics panel of services run locally"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) \
	      || echo "note: could not install prometheus; services run locally will show no metrics"; \
	  else \
	    echo "note: prometheus is not installed and this is not a root shell on Debian: services run"; \
	    echo "      locally show no metrics until it is (Debian: sudo apt-get install prometheus)"; \
	  fi; \
	fi

demo: seed demo-deps
	@echo "goldpath is starting on http://$(HOST):$(PORT) (guest sign-in; Ctrl-C stops it)"
	$(BIN)/goldpath serve --host $(HOST) --port $(PORT)

# A local AWS for the demo: ECR and Secrets Manager answer on loopback until Ctrl-C.
moto: install
	@echo "moto (local AWS) on http://$(HOST):$(MOTO_PORT); in another shell:"
	@echo "  GOLDPATH_AWS__ENDPOINT_URL=http://$(HOST):$(MOTO_PORT) make demo"
	$(BIN)/moto_server -H $(HOST) -p $(MOTO_PORT)

serve: install
	$(BIN)/goldpath serve --host $(HOST) --port $(PORT)

# Debian packages the tests drive for real: chromium (Playwright), promtool and prometheus
# (the live panels' real-Prometheus test),
# rsync (gitlab-ci-local), PostgreSQL server binaries, git, kubectl (kustomize is built in;
# the machine image ships a current kubectl, Debian's kubernetes-client is the fallback).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	{ command -v promtool && command -v prometheus; } >/dev/null || missing="$$missing prometheus"; \
	command -v rsync >/dev/null || missing="$$missing rsync"; \
	command -v git >/dev/null || missing="$$missing git"; \
	command -v kubectl >/dev/null || missing="$$missing kubernetes-client"; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages (run as root to install):$$missing"; \
	  fi; \
	fi

# Node tools for the generated apps' checks, in a project-local prefix with a shared cache.
node-tools: $(TOOLS)/.node-installed

$(TOOLS)/.node-installed: Makefile
	@mkdir -p $(TOOLS)
	npm install --silent --no-audit --prefix $(TOOLS) gitlab-ci-local@$(GITLAB_CI_LOCAL_VERSION)
	@touch $@

# checkov pins an old boto3, so it lives in its own virtualenv.
checkov: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed:
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov
	@touch $@

test-deps: install system-deps node-tools checkov

# GOLDPATH_STRICT_SKIPS: here every tool is installed, so a test that skips for a missing
# tool fails instead (only the absence of ../shared, a checkout-layout matter, may skip).
test: test-deps
	GOLDPATH_STRICT_SKIPS=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

# Each benchmark prints its figures and merges its headline ones into bench/results.json.
bench: install system-deps
	$(BIN)/python bench/create.py
	$(BIN)/python bench/catalog.py --entities 10000
	$(BIN)/python bench/catalog.py --entities 100000 --databases postgresql --queries 20
	$(BIN)/python bench/scaffold.py
	$(BIN)/python bench/gitops.py
	$(BIN)/python bench/fleet.py
	$(BIN)/python bench/techdocs.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(TOOLS) .goldpath .pytest_cache .hypothesis
