# One-word entry points. Each target creates the virtual environment when it is missing.
# Data: ROTATION_DATA_DIR if set; otherwise ../shared/data when it exists beside the repo;
# otherwise series are downloaded into data/cache/.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KERNEL := rotation
ROTATION_DATA_DIR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export ROTATION_DATA_DIR

.PHONY: venv run test lab params report scan clean-venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (rotation)" >/dev/null
	touch $@

## run: execute every notebook for the article's claims (run "article")
run: venv
	$(BIN)/rotation run

## test: the full test suite, notebooks on real data included
test: venv
	$(BIN)/python -m pytest

## lab: JupyterLab in the project's environment, kernel "Python (rotation)"
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: venv
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/

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
