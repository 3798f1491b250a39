"""Project hygiene: dependency lists agree, notebook templates are clean, CI runs the README's test command."""

from __future__ import annotations

import json
import re
import tomllib

import yaml
from packaging.requirements import Requirement

from conftest import REPO


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_pyproject_and_environment_yml_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_side = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        req = Requirement(spec)
        pip_side[_normalise(req.name)] = str(req.specifier)
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda_side = {}
    for item in env["dependencies"]:
        if not isinstance(item, str) or item in {"pip"} or item.startswith("python"):
            continue
        req = Requirement(item)
        conda_side[_normalise(req.name)] = str(req.specifier)
    assert pip_side == conda_side


def test_notebook_templates_are_clean():
    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert paths
    for path in paths:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert not any(c.get("outputs") for c in code), f"{path.name} has outputs"
        assert not any(c.get("execution_count") for c in code), f"{path.name} has execution counts"
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one 'parameters' cell"
        assert nb["metadata"]["kernelspec"]["name"] == "rotation", path.name
        assert nb["cells"][0]["cell_type"] == "markdown", f"{path.name} should open with the claim in markdown"


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    commands = re.findall(r"^\s*(make \w+)\s*$", readme.split("\n## ", 1)[0], flags=re.M)
    assert "make run" in commands and "make test" in commands, "the README opens with the run and test commands"
    assert re.search(r"^make test$", ci, flags=re.M)
    assert "ROTATION_DATA_DIR" in ci and "shared/data" in ci


def test_no_raw_shared_data_is_committed():
    data_files = {p.name for p in (REPO / "data").glob("*.csv")}
    assert not data_files & {"RUT.csv", "GSPC.csv", "IWM.csv", "SPY.csv", "VIX.csv", "DFF.csv", "FF_daily.csv"}


def test_license_is_an_spdx_string():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str) and project["license"] == "MIT"
    assert all((REPO / name).is_file() for name in project.get("license-files", []))


def test_lock_file_pins_every_dependency_within_its_lower_bound():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            assert str(req.specifier).startswith("=="), f"requirements.lock: {line} is not pinned"
            pins[_normalise(req.name)] = req.specifier
    specs = project["dependencies"] + [s for extra in project["optional-dependencies"].values() for s in extra]
    for spec in specs:
        req = Requirement(spec)
        name = _normalise(req.name)
        assert name in pins, f"requirements.lock lacks {req.name}: run `make lock`"
        pinned = next(iter(pins[name])).version
        assert req.specifier.contains(pinned, prereleases=True), (
            f"requirements.lock pins {req.name}=={pinned}, outside {req.specifier}"
        )
    makefile = (REPO / "Makefile").read_text()
    assert "-r $(LOCK)" in makefile and "--no-deps -e ." in makefile


def test_every_marker_used_is_registered_and_the_fast_tier_skips_the_slow_ones():
    registered = {
        m.split(":")[0]
        for m in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    }
    used = set()
    for path in (REPO / "tests").glob("*.py"):
        used |= set(re.findall(r"pytest\.mark\.(\w+)", path.read_text()))
    used -= {"parametrize", "skip", "skipif", "xfail", "usefixtures"}
    assert used <= registered, f"unregistered markers: {used - registered}"
    makefile = (REPO / "Makefile").read_text()
    fast = re.search(r"^test-fast:.*\n\t(.*)$", makefile, flags=re.M).group(1)
    assert all(f"not {m}" in fast for m in ("notebooks", "sweep", "slow"))
