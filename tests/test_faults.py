"""Fault experiments: a rerun that is killed, fails, is partial or races another; cache writers that race.

Each test first makes a good run, then causes the fault, then shows the good run (and the
cache) intact: every file byte for byte. The notebooks are tiny (they write a text file, a
"figure" and a results record through ``rotation.core.paths``, then sleep or fail on request), so
the tests exercise the real runner, kernels and staging in a few seconds each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from rotation import cli
from test_publish import tree

TINY_CODE = """\
import os, time
from rotation.core import paths
from rotation.outputs.results import read_records, results_path, write_records

label = os.environ.get("TINY_LABEL") or label  # a partial rerun must keep the run's parameters: its change comes from here
fail = fail or bool(os.environ.get("TINY_FAIL"))
folder, figures = paths.run_dir(run_name), paths.figures_dir(run_name)
folder.mkdir(parents=True, exist_ok=True)
figures.mkdir(parents=True, exist_ok=True)
(folder / "{stem}.txt").write_text(label)
(figures / "{stem}.png").write_bytes(("figure " + label).encode())
path = results_path(run_name)
write_records(path, [r for r in read_records(path) if r["notebook"] != "{stem}"] + [{{"claim_id": "{stem}_claim", "notebook": "{stem}", "verdict": label}}])
(folder / "{stem}.started").write_text("started")
time.sleep(delay if slow == "{stem}" else 0)
if fail:
    raise RuntimeError("planted failure in {stem}")
"""


def tiny_notebook(folder: Path, stem: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rotation", "display_name": "Python (rotation)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(
        'label = "a"  # text written to the outputs\ndelay = 0.0  # seconds to sleep\nslow = ""  # the notebook that sleeps\nfail = False  # raise at the end\nrun_name = "scratch"  # set by the runner\n'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(TINY_CODE.format(stem=stem))]
    path = folder / "notebooks" / f"{stem}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny(project) -> Path:
    """The scratch project of every publishing and fault test (conftest ``project``) with two tiny notebooks,
    01_first and 02_second; no data needed."""
    for stem in ("01_first", "02_second"):
        tiny_notebook(project, stem)
    return project


def leftovers(root: Path) -> list[str]:
    """Temporary files and staging folders anywhere under runs/ and figures/."""
    found = [p.relative_to(root).as_posix() for top in ("runs", "figures") for p in (root / top).rglob("*.tmp")]
    staging = root / "runs" / ".staging"
    found += [p.relative_to(root).as_posix() for p in staging.iterdir()] if staging.is_dir() else []
    return found


def cli_run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def good_run(capsys, root: Path) -> dict[str, bytes]:
    code, out, err = cli_run(capsys, ["run", "--run-name", "good", "-p", "label", "first"])
    assert code == 0, err
    files = tree(root, "good")
    assert files["runs/good/01_first.txt"] == b"first" and files["figures/good/02_second.png"] == b"figure first"
    assert json.loads(files["runs/good/status.json"])["state"] == "ok"
    return files


def spawn_run(root: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "ROTATION_PROJECT_DIR": str(root)}
    env.pop("ROTATION_DATA_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "rotation.cli", "run", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(
            signal.SIGINT, signal.SIG_DFL
        ),  # as in a terminal, whatever the test runner ignores
    )


def wait_for(predicate, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def started_in_stage(root: Path, stem: str):
    return lambda: any((root / "runs" / ".staging").glob(f"good/*/run/{stem}.started"))


def finished_in_stage(root: Path, stem: str):
    """The staged status lists ``stem`` as done (notebooks of a run may execute at once)."""

    def done() -> bool:
        for path in (root / "runs" / ".staging").glob("good/*/run/status.json"):
            try:
                if any(n["notebook"] == stem for n in json.loads(path.read_text())["notebooks"]):
                    return True
            except (OSError, ValueError, KeyError):
                pass
        return False

    return done


pytestmark = pytest.mark.notebooks


def test_failing_rerun_keeps_the_previous_good_run(tiny, capsys):
    before = good_run(capsys, tiny)
    code, out, err = cli_run(capsys, ["run", "--run-name", "good", "-p", "label", "second", "-p", "fail", "true"])
    assert code == 1
    kept = tiny / "runs" / ".failed" / "good"
    assert (
        out.strip().splitlines()[-1]
        == f"run good: FAILED in {json.loads((kept / 'run' / 'timings.json').read_text())['seconds']:.1f} s; previous runs/good/ and figures/good/ kept; this rendering -> {kept}/"
    )
    assert tree(tiny, "good") == before  # byte for byte
    failed = json.loads((kept / "run" / "status.json").read_text())
    assert failed["state"] == "failed" and failed["ok"] is False
    assert (kept / "run" / "01_first.txt").read_text() == "second"  # the failed rendering, for inspection
    assert leftovers(tiny) == []


def test_partial_run_updates_only_its_notebooks(tiny, capsys, monkeypatch):
    before = good_run(capsys, tiny)
    monkeypatch.setenv("TINY_LABEL", "second")
    code, out, err = cli_run(capsys, ["run", "--run-name", "good", "--notebooks", "02_second", "-p", "label", "first"])
    assert code == 0, err
    after = tree(tiny, "good")
    changed = set(k for k in after if after[k] != before.get(k))
    assert {
        "figures/good/02_second.png",
        "runs/good/02_second.txt",
        "runs/good/results.jsonl",
        "runs/good/status.json",
    } <= changed
    assert changed <= {
        "figures/good/02_second.png",
        "runs/good/02_second.ipynb",
        "runs/good/02_second.started",
        "runs/good/02_second.txt",
        "runs/good/results.jsonl",
        "runs/good/status.json",
        "runs/good/timings.json",
    }
    assert {k: v for k, v in after.items() if "01_first" in k} == {k: v for k, v in before.items() if "01_first" in k}
    records = {
        r["claim_id"]: r["verdict"] for r in map(json.loads, after["runs/good/results.jsonl"].decode().splitlines())
    }
    assert records == {"01_first_claim": "first", "02_second_claim": "second"}
    status = json.loads(after["runs/good/status.json"])
    assert status["partial"] == ["02_second"] and status["state"] == "ok"
    assert [n["notebook"] for n in status["notebooks"]] == ["01_first", "02_second"]


def test_partial_run_that_fails_changes_nothing(tiny, capsys, monkeypatch):
    before = good_run(capsys, tiny)
    monkeypatch.setenv("TINY_FAIL", "1")
    code, _, _ = cli_run(capsys, ["run", "--run-name", "good", "--notebooks", "01_first", "-p", "label", "first"])
    assert code == 1
    assert tree(tiny, "good") == before
    assert leftovers(tiny) == []


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_rerun_killed_during_its_second_notebook(tiny, capsys, how):
    before = good_run(capsys, tiny)
    proc = spawn_run(
        tiny, "--run-name", "good", "-p", "label", "second", "-p", "delay", "60", "-p", "slow", "02_second"
    )
    try:
        wait_for(started_in_stage(tiny, "02_second"))
        wait_for(finished_in_stage(tiny, "01_first"))  # 01 done, 02 still sleeping: killed during the second notebook
        proc.send_signal(getattr(signal, how))
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert tree(tiny, "good") == before
    if how == "SIGINT":
        assert proc.returncode == 130
        lines = err.strip().splitlines()
        assert lines[-1] == "error: interrupted"
        assert "Traceback" not in err and sum(line.startswith("error:") for line in lines) == 1
        status = json.loads((tiny / "runs" / ".failed" / "good" / "run" / "status.json").read_text())
        assert status["state"] == "interrupted" and status["ok"] is False
        assert [n["notebook"] for n in status["notebooks"]] == ["01_first"]
        assert leftovers(tiny) == []
    else:
        assert proc.returncode == -signal.SIGKILL
    # the next run of that name clears what the dead one left and succeeds
    code, _, err = cli_run(capsys, ["run", "--run-name", "good", "-p", "label", "third"])
    assert code == 0, err
    assert tree(tiny, "good")["runs/good/02_second.txt"] == b"third"
    assert leftovers(tiny) == []


def test_two_runs_of_the_same_name_at_once(tiny, capsys):
    before = good_run(capsys, tiny)
    proc = spawn_run(tiny, "--run-name", "good", "-p", "label", "second", "-p", "delay", "3", "-p", "slow", "01_first")
    try:
        wait_for(started_in_stage(tiny, "01_first"))
        code, out, err = cli_run(capsys, ["run", "--run-name", "good", "-p", "label", "third"])
        assert code == 2
        assert (
            err.strip()
            == f"error: run good is being written by another rotation process (pid {proc.pid}); wait for it to finish or choose another --run-name"
        )
        assert tree(tiny, "good") == before  # the refused run touched nothing
        proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    after = tree(tiny, "good")
    assert after["runs/good/01_first.txt"] == after["runs/good/02_second.txt"] == b"second"
    assert [n["notebook"] for n in json.loads(after["runs/good/status.json"])["notebooks"]] == ["01_first", "02_second"]


def test_the_rendered_parameters_show_the_real_run_name(tiny, capsys):
    good_run(capsys, tiny)
    rendered = nbformat.read(tiny / "runs" / "good" / "01_first.ipynb", as_version=4)
    injected = next(c for c in rendered.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'run_name = "good"' in injected.source
    assert ".staging" not in json.dumps(rendered)


CACHE_WRITER = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    from rotation.data import loading as data

    def slow_download(ticker, auto_adjust):
        time.sleep(0.3)
        index = pd.bdate_range("2020-01-02", periods=4, name="Date")
        return pd.DataFrame({"Close": [100.0, 101.0, 99.5, float(sys.argv[1])]}, index=index)

    data._yf_download = slow_download
    data._resolve_host = lambda host: None
    print(data.load("rut", refresh=sys.argv[2] == "refresh").iloc[-1])
    """
)


@pytest.mark.parametrize("mode", ["empty", "refresh"])
def test_concurrent_cache_writers(project, tmp_path, mode):
    """Six processes download and cache the same series at once (an empty cache, or all refreshing it)."""
    script = tmp_path / "writer.py"
    script.write_text(CACHE_WRITER)
    env = {**os.environ, "ROTATION_PROJECT_DIR": str(project)}
    if mode == "refresh":
        subprocess.run([sys.executable, str(script), "100", "no"], env=env, check=True, capture_output=True)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(110 + i), mode],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in results]
    cache = project / "data" / "cache"
    parquet = sorted(cache.glob("rut-*.parquet"))
    assert len(parquet) == 1 and not list(cache.glob("*.tmp"))  # one data file, named by the manifest
    manifest = json.loads((cache / "rut.json").read_text())
    assert manifest["file"] == parquet[0].name
    from rotation.data import loading

    last = float(loading.load("rut").iloc[-1])  # loads, checksum intact
    assert last in {110.0 + i for i in range(6)}
    if mode == "empty":
        assert {float(out) for out, _ in results} == {last}  # one download won; the others read its cache


def spawn_in_own_group(root: Path, *args: str) -> subprocess.Popen:
    """``rotation run`` as a terminal starts it: its own process group, SIGINT at its default."""
    env = {**os.environ, "ROTATION_PROJECT_DIR": str(root)}
    env.pop("ROTATION_DATA_DIR", None)
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("rotation")), "run", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.parametrize("when", ["0.05", "0.3", "1.5", "4", "stage", "second"])
def test_ctrl_c_from_a_terminal_anywhere_is_one_line_and_exit_130(tiny, capsys, when):
    """SIGINT to the whole process group (what a terminal's Ctrl-C sends) while importing, parsing, checking,
    starting the kernel server, in the first notebook or in the second: exit 130, one error line, no traceback,
    no "Kernel died", and the previous good run byte-identical."""
    before = good_run(capsys, tiny)
    proc = spawn_in_own_group(
        tiny, "--run-name", "good", "-p", "label", "second", "-p", "delay", "30", "-p", "slow", "02_second"
    )
    try:
        if when == "stage":
            wait_for(started_in_stage(tiny, "01_first"))
        elif when == "second":
            wait_for(finished_in_stage(tiny, "01_first"))
        else:
            time.sleep(float(when))
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Kernel died" not in err and "KeyboardInterrupt" not in err, err
    lines = err.strip().splitlines()
    assert lines[-1] == "error: interrupted", err
    assert all(line.startswith("[good] ") for line in lines[:-1]), err  # only progress lines before it
    assert tree(tiny, "good") == before
    assert leftovers(tiny) == []


def startup_frames_only(err: str) -> bool:
    """True when no frame of the traceback in ``err`` lies in this package: the interrupt came during the
    interpreter's own start-up (site, .pth files, finding the package), before the package's first line, which
    no handler of the package can reach."""
    import re

    import rotation

    package = Path(rotation.__file__).resolve().parent
    frames = [Path(f).resolve() for f in re.findall(r'File "([^"<][^"]*)"', err)]
    return not any(f == package or package in f.parents for f in frames)


@pytest.mark.parametrize("ms", [0, 5, 15, 30, 60])
def test_ctrl_c_in_the_first_milliseconds_is_one_line_and_exit_130(tiny, ms):
    """SIGINT to the process group 0-60 ms after ``rotation run`` was started (a run that sleeps 30 s, so it cannot
    have finished): one line and exit 130 from the package's first instruction on, never a traceback through it.
    Before the interpreter has installed its handler the default action ends the process silently (-SIGINT, what
    a shell shows as 130); a traceback inside the interpreter's own start-up, before the package's first line, is
    counted apart (there Python may even swallow the KeyboardInterrupt in an import-lock callback)."""
    outcomes = []
    for _ in range(3):
        proc = spawn_in_own_group(tiny, "--run-name", "early", "-p", "delay", "30", "-p", "slow", "01_first")
        try:
            time.sleep(ms / 1000)
            os.killpg(proc.pid, signal.SIGINT)
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:  # the interrupt was lost: only Python's start-up may lose it (see below)
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=20)
            assert "Exception ignored" in err and "KeyboardInterrupt" in err and startup_frames_only(err), err
            outcomes.append("lost by the interpreter's start-up (KeyboardInterrupt in an import-lock callback)")
            continue
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if "Traceback" in err or "Fatal Python error" in err:
            assert startup_frames_only(err) and proc.returncode in (1, -signal.SIGINT), err
            outcomes.append("interpreter start-up")
        elif proc.returncode == -signal.SIGINT:
            assert err == "", err
            outcomes.append("before the interpreter's handler")
        else:
            assert proc.returncode == 130, (proc.returncode, err)
            lines = err.strip().splitlines()
            assert lines[-1] == "error: interrupted" and all(line.startswith("[early] ") for line in lines[:-1]), err
            outcomes.append("one line")
    if not any(o.startswith("lost") for o in outcomes):  # a lost interrupt let the run start (then SIGKILL)
        assert not (tiny / "runs" / "early").exists() and leftovers(tiny) == [], outcomes
