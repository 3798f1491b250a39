# One-word entry points. Each target creates the virtual environment when it is missing.
# Data: one rule, applied by the package itself (rotation.data.loading.data_source) for make, the command line,
# papermill and JupyterLab alike: ROTATION_DATA_DIR if set; otherwise ../shared/data when it exists beside
# the repo; otherwise series are downloaded into data/cache/. Every run prints its choice on its first line.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KERNEL := rotation
LOCK := requirements.lock

.PHONY: venv run test test-fast test-browser lab kernel lock params report scan clean-venv

venv: $(VENV)/.installed

# The pinned versions of requirements.lock first, then the project itself without resolving again.
$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (rotation)" >/dev/null
	touch $@

## run: execute every notebook for the article's claims (run "article"), with every figure's SVG and PDF
run: venv
	$(BIN)/rotation run --export

## test: the full test suite, notebooks on real data included (what CI runs)
test: venv
	$(BIN)/python -m pytest

## test-fast: everything except notebook executions, sweeps and other slow tests (under a minute)
test-fast: venv
	$(BIN)/python -m pytest -q -m "not notebooks and not sweep and not slow"

## test-browser: report pages and JupyterLab opened in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)
test-browser: venv
	$(BIN)/python -m pytest -q -m browser

## lock: re-pin requirements.lock from the lower bounds in pyproject.toml (needs the package index)
lock: venv
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra=dask --extra=dev --no-emit-find-links --no-emit-index-url --output-file=$(LOCK) --strip-extras pyproject.toml

## lab: JupyterLab at the repository root, notebooks/ open, kernel "Python (rotation)";
## saving a template in notebooks/ keeps it free of outputs and volatile metadata (rotation.run.lab)
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: venv
	$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks \
	  --ContentsManager.pre_save_hook=rotation.run.lab.template_pre_save_hook

## kernel: register the kernel "rotation" for your user, so papermill or JupyterLab from any environment finds it
kernel: venv
	$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Python (rotation)"

## params: every notebook parameter with its default and help
params: venv
	$(BIN)/rotation params

## report: browsable HTML report of a run (RUN=article by default)
RUN ?= article
report: venv
	$(BIN)/rotation report $(RUN)

## scan: the streak in force on every session, as CSV/Parquet and a figure
scan: venv
	$(BIN)/rotation scan

clean-venv:
	rm -rf $(VENV)
