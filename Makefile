# kuozhao — the front door. `make` alone lists the targets.
# Each documented target carries `## text` after its prerequisites; `make help` prints them.

VENV        ?= .venv
PYTHON      ?= python3
PY          := $(VENV)/bin/python
KUOZHAO     := $(VENV)/bin/kuozhao
INSTALLED   := $(VENV)/.installed
ROWS        ?= 1000000
PERIOD      ?=
ARGS        ?=
PYTEST_ARGS ?=
# Tests run on both cores (pytest-xdist); PYTEST_ARGS="-n 0" runs them in one process.
PYTEST_JOBS ?= -n 2
WHEELHOUSE  ?= dist/wheelhouse
OFFLINE     ?=
# OFFLINE=1: install from the wheelhouse only (a machine with no network; see `make wheelhouse`).
PIP_FROM    := $(if $(OFFLINE),--no-index --find-links $(WHEELHOUSE),)

.DEFAULT_GOAL := help
.PHONY: help install wheelhouse fonts sample run template test bench lint docs lab clean distclean

help: ## Show this list of targets
	@echo "Usage: make <target> [PERIOD=YYYY-MM] [ARGS=...] [ROWS=N] [PYTEST_ARGS=...]"
	@echo
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(INSTALLED) ## Create the venv, install kuozhao, cache its Chinese font, register its kernel

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(PIP_FROM) -e .
	$(PY) -m pipeline.render.font_cache
	$(PY) -m ipykernel install --sys-prefix --name kuozhao --display-name "kuozhao"
	@bash scripts/ensure_fonts.sh $(PY)
	@touch $@

wheelhouse: ## Collect every wheel kuozhao needs into dist/wheelhouse (then: make install OFFLINE=1)
	$(PYTHON) -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) . setuptools wheel
	@echo "wheelhouse: $$(ls $(WHEELHOUSE) | wc -l) wheels in $(WHEELHOUSE)"

fonts: ## Install the Chinese font, libharfbuzz-subset0 and poppler-utils if missing (apt, as root)
	@bash scripts/ensure_fonts.sh

sample: $(INSTALLED) ## Write synthetic sample data to data/ unless data/raw has a period folder
	@if ls -d data/raw/20*/ >/dev/null 2>&1; then \
		echo "data/raw has period folders: sample data not written"; \
	else \
		$(KUOZHAO) sample --out data; \
	fi

run: $(INSTALLED) sample ## Run every stage for the latest period (PERIOD=YYYY-MM for another; ARGS=...)
	$(KUOZHAO) run $(if $(PERIOD),--period $(PERIOD)) $(ARGS)

template: $(INSTALLED) sample ## Write each school's submission template to reports/templates/
	$(KUOZHAO) template --reference data/reference --out reports/templates

test: $(INSTALLED) ## Run the test suite (PYTEST_ARGS=... to pass options to pytest)
	$(PY) -m pytest -q $(PYTEST_JOBS) $(PYTEST_ARGS)

bench: $(INSTALLED) ## Time reading vs. the pipeline on ROWS synthetic rows (default 1000000)
	$(KUOZHAO) bench --rows $(ROWS) --overhead --long-cell

lint: $(INSTALLED) ## Check the code with ruff, and that the generated tables of the docs are current
	$(VENV)/bin/ruff check .
	$(PY) -m pipeline.tools.docs --check

docs: $(INSTALLED) ## Rewrite the generated tables of README.md and docs/INTERFACES.md
	$(PY) -m pipeline.tools.docs

lab: $(INSTALLED) ## Open JupyterLab on notebooks/ with the kuozhao kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

clean: ## Remove generated reports and processed data (keeps the READMEs, the venv and the salt)
	find reports data/processed -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

distclean: clean ## clean, and also remove the venv
	rm -rf $(VENV) *.egg-info
