"""Shared fixtures: an isolated project folder, synthetic price series, and the real data folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def planted_readings(block: dict) -> dict:
    """A planted claims block whose untagged alternatives declare their reading (docs/readings.md): one that
    changes only claimed/tolerances is a ``sensitivity``; any other an ``allowed`` reading resting on the
    claim's whole quote. Tests of the reading rule itself (tests/test_readings.py) tag theirs by hand."""
    out = {}
    for cid, entry in block.items():
        entry = dict(entry)
        if isinstance(entry.get("alternatives"), list):
            alts = []
            for alt in entry["alternatives"]:
                alt = dict(alt)
                if "reading" not in alt and (alt.get("params") or alt.get("query")):
                    alt.update(reading="allowed", rests_on=entry["quote"])
                alt.setdefault("reading", "sensitivity")
                alts.append(alt)
            entry["alternatives"] = alts
        out[cid] = entry
    return out


def no_network(*args, **kwargs):
    """Stand-in for the download layer: tests never touch the network."""
    raise ConnectionError("no network in tests")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with the HTTP and yfinance layers replaced; a test may patch in a recorded response."""
    from rotation.data import loading

    monkeypatch.setattr(loading, "_http_get", no_network)
    monkeypatch.setattr(loading, "_yf_download", no_network)
    monkeypatch.setattr(
        loading, "_resolve_host", lambda host: None
    )  # as if the host resolved: the error is the download's own


# Test tiers (pyproject markers): `make test-fast` deselects notebooks, sweep and slow. A test using one of
# these fixtures executes notebooks, so it gets the marker without having to repeat it.
FIXTURE_MARKERS = {"article_run": ("notebooks",), "project01": ("sweep", "notebooks")}
KERNEL_MARKERS = ("notebooks", "sweep")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in set(getattr(item, "fixturenames", ())) & FIXTURE_MARKERS.keys():
            for name in FIXTURE_MARKERS[fixture]:
                item.add_marker(getattr(pytest.mark, name))


@pytest.fixture(autouse=True)
def kernels_only_in_marked_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a Jupyter kernel without a notebooks/sweep marker fails, naming the marker it needs."""
    if any(request.node.get_closest_marker(name) for name in KERNEL_MARKERS):
        return
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    def refuse(*args, **kwargs):
        pytest.fail(
            f"{request.node.nodeid} starts a Jupyter kernel: mark it @pytest.mark.notebooks (or sweep)", pytrace=False
        )

    monkeypatch.setattr(KernelManager, "start_kernel", refuse)
    monkeypatch.setattr(AsyncKernelManager, "start_kernel", refuse)


def real_data_dir() -> Path:
    """The real data folder: ROTATION_DATA_DIR, else ../shared/data beside the repo."""
    env = os.environ.get("ROTATION_DATA_DIR", "").strip()
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Real data for notebook tests. Missing data is a failure, not a skip: CI always has it."""
    path = real_data_dir()
    if not (path / "RUT.csv").is_file():
        pytest.fail(f"real data folder {path} not found: set ROTATION_DATA_DIR or put ../shared/data beside the repo")
    return path


def make_project(root: Path, notebooks: list[str] | None = None) -> Path:
    """A throw-away project folder: the registry, and (some of) the notebook templates."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "data" / "claims.yaml", root / "data" / "claims.yaml")
    (root / "notebooks").mkdir(exist_ok=True)
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if notebooks is None or path.stem in notebooks:
            shutil.copy(path, root / "notebooks" / path.name)
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated project dir (ROTATION_PROJECT_DIR) with no data folder configured."""
    root = make_project(tmp_path / "project", notebooks=[])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    monkeypatch.delenv("ROTATION_DATA_DIR", raising=False)
    return root


def prices_from_returns(returns, start: str = "2020-01-01", base: float = 100.0, name: str = "x") -> pd.Series:
    """A price series whose close-to-close returns are exactly ``returns`` (first price = base)."""
    r = np.asarray(returns, dtype=float)
    index = pd.bdate_range(start, periods=len(r) + 1, name="date")
    return pd.Series(base * np.concatenate(([1.0], np.cumprod(1 + r))), index=index, name=name)


def write_series_csv(folder: Path, file: str, series: pd.Series, column: str = "close") -> Path:
    """Write a series in the data-folder schema (``date,<column>``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file
    frame = pd.DataFrame({"date": series.index.strftime("%Y-%m-%d"), column: series.to_numpy()})
    frame.to_csv(path, index=False)
    return path


def execute_collection(
    root: Path,
    data_dir: Path,
    run_name: str,
    parameters: dict | None = None,
    notebooks: list[str] | None = None,
    export: bool = False,
) -> dict:
    """Run notebooks of ``root`` (a project made by ``make_project``) through the real runner (``export``: SVG/PDF too)."""
    from rotation.run import notebooks as notebooks_module
    from rotation.run import runner

    old = {k: os.environ.get(k) for k in ("ROTATION_PROJECT_DIR", "ROTATION_DATA_DIR")}
    os.environ["ROTATION_PROJECT_DIR"] = str(root)
    os.environ["ROTATION_DATA_DIR"] = str(data_dir)
    try:
        paths = notebooks_module.notebook_paths(root / "notebooks", only=notebooks)
        params = runner.validate_parameters(parameters or {}, notebooks_module.collection_parameters(paths))
        return runner.execute_run(params, run_name, notebooks=paths, log=lambda line: None, export=export)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def article_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole collection executed once with the article's defaults; returns the project folder.

    The run folder is ``<project>/runs/article``; figures are in ``<project>/figures/article``,
    SVG and PDF included (as ``make run``: ``rotation run --export``).
    """
    root = make_project(tmp_path_factory.mktemp("article") / "project")
    status = execute_collection(root, shared_data, "article", export=True)
    assert status["notebooks"], "no notebook executed"
    return root
