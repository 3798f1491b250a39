"""The execution cache (rotation.run.cache): never stale, never trusted unverified.

Fast tests plant inputs and entries without a kernel; one notebooks test runs a scratch project
(01_streak, 04_mean_reversion, 99_scorecard on a copy of the real data) through the real runner,
counting papermill executions, and changes each input of the key in turn.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO, make_project, write_series_csv
from rotation.run import cache

# --------------------------------------------------------------------------------------------- no kernel


def _csv(folder: Path, rows: list[tuple[str, float]]) -> Path:
    import pandas as pd

    series = pd.Series([v for _, v in rows], index=pd.to_datetime([d for d, _ in rows]), name="x")
    return write_series_csv(folder, "RUT.csv", series)


def test_rows_after_the_cut_are_not_hashed_rows_before_are():
    text = b"date,close\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n"
    later = text.replace(b"2020-01-03,3", b"2020-01-03,4")
    earlier = text.replace(b"2020-01-01,1", b"2020-01-01,5")
    assert cache.rows_up_to(text, "2020-01-02") == b"date,close\n2020-01-01,1\n2020-01-02,2\n"
    assert cache.rows_up_to(text, "2020-01-02") == cache.rows_up_to(later, "2020-01-02")
    assert cache.rows_up_to(text, "2020-01-02") != cache.rows_up_to(earlier, "2020-01-02")
    assert cache.rows_up_to(text, None) == text  # no data_end: every row counts


def test_data_digest_follows_rows_up_to_data_end(tmp_path, project, monkeypatch):
    folder = tmp_path / "data"
    rows = [("2020-01-01", 100.0), ("2020-01-02", 101.0), ("2020-01-03", 102.0)]
    path = _csv(folder, rows)
    monkeypatch.setenv("ROTATION_DATA_DIR", str(folder))
    first = cache.data_digest(None, "2020-01-02")
    _csv(folder, [*rows[:2], ("2020-01-03", 150.0)])  # a row after data_end
    assert cache.data_digest(None, "2020-01-02") == first
    assert cache.data_digest(None, "") != cache.data_digest(None, "2020-01-02")
    _csv(folder, [("2020-01-01", 99.0), *rows[1:]])  # a row before data_end
    assert cache.data_digest(None, "2020-01-02") != first
    path.unlink()  # a series gone is a change too
    assert cache.data_digest(None, "2020-01-02") != first


def test_data_digest_of_downloaded_series_follows_rows_up_to_data_end(project, monkeypatch):
    import pandas as pd

    from rotation.data import catalogue, loading

    monkeypatch.setenv("ROTATION_DATA_DIR", "")  # no folder: series come from the download cache
    spec = catalogue.series_spec("rut")
    index = pd.bdate_range("2020-01-02", periods=5, name="date")

    def cached(values):
        loading.write_cache(spec, pd.DataFrame({"close": values}, index=index), "planted")
        return cache.data_digest(None, str(index[2].date()))

    first = cached([1.0, 2.0, 3.0, 4.0, 5.0])
    assert cached([1.0, 2.0, 3.0, 4.0, 6.0]) == first  # a row after data_end
    assert cached([1.5, 2.0, 3.0, 4.0, 6.0]) != first  # a row before it


def _notebook(folder: Path, name: str, code: str = "x = 1") -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('claims = ""\nrun_name = "scratch"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(code)]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _claims(path: Path, edit=None) -> Path:
    data = {
        "article": {"title": "t", "as_of": "2020-01-02"},
        "claims": {
            "alpha": {"notebook": "01_a", "quote": "a"},
            "beta": {"notebook": "02_b", "quote": "b"},
            "gamma": {"notebook": "02_b", "quote": "c"},
        },
    }
    if edit:
        edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_claims_read_are_the_notebooks_own_entries_and_those_its_code_quotes(tmp_path):
    a = _notebook(tmp_path, "01_a")
    b = _notebook(tmp_path, "02_b", 'other = registry["claims"]["alpha"]')
    claims = tmp_path / "claims.yaml"

    def parts(edit=None):
        _claims(claims, edit)
        return tuple(
            cache._canonical(cache.claims_read(claims, nb, s)) for nb, s in ((a, False), (b, False), (a, True))
        )

    base = parts()
    own_b = parts(lambda d: d["claims"]["gamma"].update(quote="c, edited"))
    assert (
        own_b[0] == base[0] and own_b[1] != base[1] and own_b[2] != base[2]
    )  # 01_a untouched; 02_b and the summary see it
    quoted = parts(lambda d: d["claims"]["alpha"].update(quote="a, edited"))
    assert quoted[0] != base[0] and quoted[1] != base[1]  # 02_b quotes "alpha": it reads it
    article = parts(lambda d: d["article"].update(as_of="2020-01-03"))
    assert all(x != y for x, y in zip(article, base))


def _entry_files(stage: Path) -> list:
    (stage / "run").mkdir(parents=True)
    (stage / "figures").mkdir()
    (stage / "run" / "01_a.ipynb").write_text('{"cells": []}', encoding="utf-8")
    (stage / "figures" / "01_plot.png").write_bytes(b"\x89PNG planted")
    return [("run", stage / "run" / "01_a.ipynb", None), ("figures", stage / "figures" / "01_plot.png", None)]


def test_store_then_load_restores_the_same_bytes_and_records(tmp_path, project):
    files = _entry_files(tmp_path / "s1")
    records = [{"claim_id": "alpha", "notebook": "01_a", "verdict": "confirmed"}]
    status = {"notebook": "01_a", "status": "ok", "cell": None, "error": None, "seconds": 3.0}
    assert cache.store("k" * 64, "01_a", files, records, status) is not None
    other = tmp_path / "s2"
    (other / "run").mkdir(parents=True)
    (other / "figures").mkdir()
    (other / "figures" / "01_plot.svg").write_text("old svg")  # a partial run's copy of the previous figure
    (other / "run" / "results.jsonl").write_text(
        json.dumps({"claim_id": "beta", "notebook": "02_b"})
        + "\n"
        + json.dumps({"claim_id": "old", "notebook": "01_a"})
        + "\n"
    )
    entry = cache.restore(other, "01_a", *cache.load("k" * 64, "01_a"), export=False)
    assert entry == {"notebook": "01_a", "status": "ok", "cell": None, "error": None, "cached": True}
    assert list(entry)[:4] == ["notebook", "status", "cell", "error"]  # the runner's order: status.json unchanged
    for part, path, _ in files:
        assert (other / part / path.name).read_bytes() == path.read_bytes()
    assert not (other / "figures" / "01_plot.svg").exists()  # its PNG is restored without --export
    lines = [json.loads(line) for line in (other / "run" / "results.jsonl").read_text().splitlines()]
    assert [r["claim_id"] for r in lines] == ["alpha", "beta"]  # the notebook's records replaced, sorted by notebook


@pytest.mark.parametrize(
    "damage",
    [
        "blob bytes",
        "blob missing",
        "manifest cut",
        "manifest edited",
        "manifest gone",
        "other notebook",
        "records of another notebook",
        "escape",
    ],
)
def test_a_damaged_entry_is_a_miss_never_an_error(tmp_path, project, damage):
    files = _entry_files(tmp_path / "s")
    key = "d" * 64
    folder = cache.store(key, "01_a", files, [], {"notebook": "01_a", "status": "ok"})
    manifest_path = folder / cache.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    blob = folder / cache.BLOBS / manifest["files"][1]["sha256"]
    if damage == "blob bytes":
        blob.write_bytes(b"\x89PNG other")
    elif damage == "blob missing":
        blob.unlink()
    elif damage == "manifest cut":
        manifest_path.write_text(manifest_path.read_text()[:40])
    elif damage == "manifest edited":
        manifest["records"] = [{"claim_id": "forged", "notebook": "01_a"}]
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "manifest gone":
        manifest_path.unlink()
    elif damage == "other notebook":
        assert cache.load(key, "02_b") is None
        return
    elif damage == "records of another notebook":
        manifest["records"] = [{"claim_id": "beta", "notebook": "02_b"}]
        manifest["digest"] = cache._manifest_digest(manifest)
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "escape":  # a manifest naming a file outside the stage, with its digest recomputed
        manifest["files"][1]["name"] = "../../x.png"
        manifest["digest"] = cache._manifest_digest(manifest)
        manifest_path.write_text(json.dumps(manifest))
    assert cache.load(key, "01_a") is None
    assert not folder.exists()  # removed, so the next execution stores afresh


def test_prune_removes_the_least_recently_used_entries(tmp_path, project):
    import os

    folders = []
    for i, key in enumerate(("a" * 64, "b" * 64, "c" * 64)):
        files = _entry_files(tmp_path / f"s{i}")
        folders.append(cache.store(key, "01_a", files, [], {"notebook": "01_a", "status": "ok"}))
        os.utime(folders[-1] / cache.MANIFEST, (1000 + i, 1000 + i))
    assert cache.load("a" * 64, "01_a") is not None  # used now: the most recent
    size = sum(p.stat().st_size for p in folders[0].rglob("*") if p.is_file())
    assert cache.prune(limit=2 * size) == 1
    assert [f.exists() for f in folders] == [True, False, True]


def test_outputs_are_attributed_by_notebook_number_or_not_stored():
    before = {("run", "results.jsonl"): (1, 1, 1)}
    after = {
        **before,
        ("run", "01_a.ipynb"): (2, 2, 2),
        ("run", "02_b.ipynb"): (3, 3, 3),
        ("figures", "01_x.png"): (4, 4, 4),
        ("figures", "02_y.png"): (5, 5, 5),
    }
    owners = cache.attribute_outputs(before, after, ["01_a", "02_b"], ["01_a", "02_b"])
    assert owners == {
        "01_a": [("run", "01_a.ipynb"), ("figures", "01_x.png")],
        "02_b": [("run", "02_b.ipynb"), ("figures", "02_y.png")],
    }
    stray = {**after, ("figures", "zz.png"): (6, 6, 6)}
    assert cache.attribute_outputs(before, stray, ["01_a", "02_b"], ["01_a", "02_b"]) is None
    alone = {("run", "99_s.ipynb"): (1, 1, 1), ("run", "scorecard.csv"): (2, 2, 2)}
    assert cache.attribute_outputs({}, alone, ["99_s"], ["99_s"]) == {
        "99_s": [("run", "99_s.ipynb"), ("run", "scorecard.csv")]
    }


def test_code_and_environment_digests_follow_their_files(tmp_path, monkeypatch):
    code = tmp_path / "rotation"
    shutil.copytree(REPO / "lib" / "rotation", code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "package_root", lambda: code)
    first = cache.code_digest()
    (code / "notes.txt").write_text("not code")
    assert cache.code_digest() == first
    (code / "outputs" / "templates" / "planted.j2").write_text("{{ x }}")
    assert cache.code_digest() != first
    lock = tmp_path / "requirements.lock"
    lock.write_text("pandas==2.2.0\n")
    monkeypatch.setattr(cache, "environment_files", lambda: [lock])
    env = cache.environment_digest("rotation")
    assert cache.environment_digest("other") != env
    lock.write_text("pandas==2.2.1\n")
    assert cache.environment_digest("rotation") != env


# --------------------------------------------------------------------------------------------- real runs


NOTEBOOKS = ["01_streak", "04_mean_reversion", "99_scorecard"]
DATA_END = "2026-06-30"  # the rows after it must not matter


@pytest.mark.notebooks
def test_only_what_changed_executes_again(tmp_path, shared_data, monkeypatch):
    import nbformat
    import papermill

    from rotation.core.paths import executions_cache_dir
    from rotation.run import notebooks as notebooks_module
    from rotation.run import runner

    root = make_project(tmp_path / "p", NOTEBOOKS)
    data = tmp_path / "data"
    shutil.copytree(shared_data, data)  # a scratch copy: its rows are edited below
    code = tmp_path / "code" / "rotation"  # the package's code as of now (other edits to lib/ do not reach the key)
    shutil.copytree(REPO / "lib" / "rotation", code, ignore=shutil.ignore_patterns("__pycache__"))
    lock = tmp_path / "requirements.lock"
    shutil.copy(REPO / "requirements.lock", lock)
    monkeypatch.setattr(cache, "package_root", lambda: code)
    monkeypatch.setattr(cache, "environment_files", lambda: [lock])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    monkeypatch.setenv("ROTATION_DATA_DIR", str(data))
    monkeypatch.delenv(cache.DISABLE_ENV, raising=False)
    executed: list[str] = []
    real = papermill.execute_notebook

    def counting(input_path, *args, **kwargs):
        executed.append(Path(input_path).stem)
        return real(input_path, *args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", counting)

    def params_of(extra: dict | None = None) -> dict:
        declared = notebooks_module.collection_parameters(notebooks_module.notebook_paths(root / "notebooks"))
        return runner.validate_parameters({"data_end": DATA_END, **(extra or {})}, declared)

    def run(extra: dict | None = None, only: list[str] | None = None) -> set[str]:
        executed.clear()
        paths = notebooks_module.notebook_paths(root / "notebooks", only=only)
        params = params_of(extra)
        status = runner.execute_run(params, "c", notebooks=paths, log=lambda line: None, partial=bool(only))
        assert status["ok"], status
        cached = {n["notebook"] for n in status["notebooks"] if n.get("cached")}
        assert cached == {p.stem for p in paths} - set(executed)  # every notebook either executed or was restored
        return set(executed)

    def outputs() -> dict[str, bytes]:
        out = {}
        for folder in (root / "runs" / "c", root / "figures" / "c"):
            for path in sorted(folder.iterdir()):
                if path.name != "timings.json":
                    out[f"{folder.parent.name}/{path.name}"] = path.read_bytes()
        return out

    assert run() == set(NOTEBOOKS)
    first = outputs()
    assert run() == set()  # nothing changed: nothing executes
    assert outputs() == first  # and the run is byte-identical
    timings = json.loads((root / "runs" / "c" / "timings.json").read_text())
    assert timings["cached"] == NOTEBOOKS
    every = notebooks_module.notebook_paths(root / "notebooks")
    whole = runner.restore_run(params_of(), "c", notebooks=every)  # what a sweep does before starting workers
    assert whole["ok"] and all(n["cached"] for n in whole["notebooks"]) and not executed
    assert outputs() == first

    template = root / "notebooks" / "04_mean_reversion.ipynb"
    nb = nbformat.read(template, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A planted closing remark."))
    nbformat.write(nb, template)
    assert runner.restore_run(params_of(), "c", notebooks=every) is None  # a miss: nothing executed or published
    assert not executed and outputs() == first
    assert run() == {"04_mean_reversion"}  # its records did not change: the scorecard is restored

    assert run({"top_n": 7}) == {"01_streak"}  # a parameter only 01_streak declares

    claims_path = root / "data" / "claims.yaml"
    registry = yaml.safe_load(claims_path.read_text())
    quoted = cache.quoted_ids(
        cache._code_cells(root / "notebooks" / "01_streak.ipynb") + cache.studies_source(), registry["claims"]
    )
    mine = next(c for c, e in registry["claims"].items() if e["notebook"] == "04_mean_reversion" and c not in quoted)
    registry["claims"][mine]["quote"] += " (planted edit)"
    claims_path.write_text(yaml.safe_dump(registry, sort_keys=False, allow_unicode=True))  # other entries: same data
    assert run({"top_n": 7}) == {"04_mean_reversion", "99_scorecard"}  # its notebook, and the scorecard showing it

    def edit_row(file: str, when: str) -> None:
        """One value of the first row dated ``when...`` changed, every other byte kept (line endings included)."""
        path = data / file
        lines = path.read_bytes().split(b"\n")
        at = next(i for i, line in enumerate(lines) if line.startswith(when.encode()))
        fields = lines[at].split(b",")
        fields[1] = f"{float(fields[1]) * 1.0000001:.6f}".encode()
        lines[at] = b",".join(fields)
        path.write_bytes(b"\n".join(lines))

    edit_row("RUT.csv", "2026-08")  # after data_end
    assert run({"top_n": 7}) == set()
    edit_row("RUT.csv", "2001-03")  # before data_end
    assert {"01_streak", "04_mean_reversion"} <= run({"top_n": 7})

    for entry in executions_cache_dir().iterdir():  # every 01_streak entry damaged: a miss, never an error
        if json.loads((entry / cache.MANIFEST).read_text())["notebook"] == "01_streak":
            for blob in (entry / cache.BLOBS).iterdir():
                blob.write_bytes(blob.read_bytes()[:-1])
    assert run({"top_n": 7}) == {"01_streak"}

    (code / "planted.py").write_text("PLANTED = 1\n")  # the package's code
    assert run({"top_n": 7}, only=["99_scorecard"]) == {"99_scorecard"}
    assert run({"top_n": 7}, only=["99_scorecard"]) == set()
    lock.write_text(lock.read_text() + "# planted\n")  # the locked environment
    assert run({"top_n": 7}, only=["99_scorecard"]) == {"99_scorecard"}

    monkeypatch.setenv(cache.DISABLE_ENV, "1")  # rotation run --no-cache
    assert run({"top_n": 7}, only=["99_scorecard"]) == {"99_scorecard"}
