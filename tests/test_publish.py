"""Publishing a run: staging owned by exactly one run name, both folders swapped or neither, locks that
follow no link, file-system errors in one line. Fault injection at every step of a publish.

No kernels: the staged folders are written by the test, then published through ``rotation.run.staging``.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import signal
from pathlib import Path

import pytest

from rotation.core.errors import RotationError
from rotation.core.files import LockPathError, open_lock_file, os_error_line
from rotation.outputs import figexport
from rotation.run import export_command, staging


def tree(root: Path, run: str = "r") -> dict[str, bytes]:
    """Every file of runs/<run>/ and figures/<run>/ with its bytes (test_faults compares runs with it too)."""
    out = {}
    for top in ("runs", "figures"):
        folder = root / top / run
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def fill(folder: Path, label: str, names: tuple[str, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"{name} {label}")


def published(root: Path, label: str, run: str = "r") -> dict[str, bytes]:
    """A published run whose every file says ``label``; returns its snapshot."""
    fill(root / "runs" / run, label, ("01.ipynb", "status.json"))
    fill(root / "figures" / run, label, ("fig.png",))
    return tree(root, run)


def staged(run: str, label: str) -> Path:
    """A staged run (taken under the run's lock) whose every file says ``label``."""
    with staging.run_lock(run):
        stage = staging.new_stage(run, copy_previous=False)
    fill(stage / "run", label, ("01.ipynb", "status.json"))
    fill(stage / "figures", label, ("fig.png",))
    return stage


def expected_new(root: Path, run: str = "r") -> dict[str, bytes]:
    return {
        f"runs/{run}/01.ipynb": b"01.ipynb new",
        f"runs/{run}/status.json": b"status.json new",
        f"figures/{run}/fig.png": b"fig.png new",
    }


class Crash(Exception):
    """Stands for the process dying at that step (nothing after it runs)."""


def count_steps(monkeypatch, exchange: bool) -> list[str]:
    """Record every rename/exchange a publish makes (``exchange`` False: the system cannot exchange)."""
    steps: list[str] = []
    real_rename, real_exchange = staging._rename, staging._exchange

    def rename(a, b):
        steps.append("rename")
        real_rename(a, b)

    def exchange_(a, b):
        if not exchange:
            return False
        steps.append("exchange")
        return real_exchange(a, b)

    monkeypatch.setattr(staging, "_rename", rename)
    monkeypatch.setattr(staging, "_exchange", exchange_)
    return steps


def inject(monkeypatch, exchange: bool, at: int, action) -> None:
    """Make the ``at``-th rename/exchange (0-based) of the publish do ``action`` first."""
    real_rename, real_exchange = staging._rename, staging._exchange
    seen = [0]

    def step():
        seen[0] += 1
        if seen[0] - 1 == at:
            action()

    def rename(a, b):
        step()
        real_rename(a, b)

    def exchange_(a, b):
        if not exchange:
            return False
        step()
        return real_exchange(a, b)

    monkeypatch.setattr(staging, "_rename", rename)
    monkeypatch.setattr(staging, "_exchange", exchange_)


def raise_crash():
    raise Crash()


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_crash_at_every_step_of_publishing_leaves_the_run_wholly_old_or_wholly_new(project, monkeypatch, exchange):
    """A crash before, between or after the folder swaps (and while writing the journal): once the next run
    settles the journal, runs/r and figures/r are both the old ones or both the new ones."""
    with monkeypatch.context() as m:
        steps = count_steps(m, exchange)
        published(project, "old")
        staging.publish(staged("r", "new"), "r")
        assert tree(project) == expected_new(project)
    assert steps == (["exchange", "exchange"] if exchange else ["rename"] * 4)
    for at in range(len(steps) + 1):  # the last one: crash after every swap, before the journal is removed
        shutil.rmtree(project / "runs")
        shutil.rmtree(project / "figures")
        before = published(project, "old")
        stage = staged("r", "new")
        with monkeypatch.context() as m:
            if at < len(steps):
                inject(m, exchange, at, raise_crash)
            else:
                m.setattr(
                    Path,
                    "unlink",
                    lambda self, *a, **k: raise_crash() if self.name == staging.JOURNAL else os.unlink(self),
                )
            with pytest.raises(Crash):
                staging.publish(stage, "r")
        assert (stage.parent / staging.JOURNAL).is_file(), at
        with staging.run_lock("r"):
            outcome = staging.recover("r")
            assert outcome == ("completed" if at == len(steps) else "rolled back"), at
            assert tree(project) == (expected_new(project) if outcome == "completed" else before), at
            staging.new_stage("r", copy_previous=False)  # the next run starts cleanly
        assert not (project / "runs" / ".staging" / "r" / staging.JOURNAL).exists()


def test_a_crash_while_writing_the_journal_leaves_the_old_run(project, monkeypatch):
    before = published(project, "old")
    stage = staged("r", "new")
    monkeypatch.setattr(staging, "write_text_atomic", lambda path, text: raise_crash())
    with pytest.raises(Crash):
        staging.publish(stage, "r")
    with staging.run_lock("r"):
        assert staging.recover("r") is None
    assert tree(project) == before


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_at_any_step_of_publishing_waits_for_both_swaps(project, monkeypatch, exchange, signame):
    """SIGINT/SIGTERM/SIGHUP at each step: the publish completes first (wholly new), then the signal acts."""
    number = getattr(signal, signame)
    for at in range(2 if exchange else 4):
        shutil.rmtree(project / "runs", ignore_errors=True)
        shutil.rmtree(project / "figures", ignore_errors=True)
        published(project, "old")
        stage = staged("r", "new")
        seen: list[dict] = []

        def handler(signum, frame):
            seen.append(tree(project))
            raise Crash()

        previous = signal.signal(number, handler)
        try:
            with monkeypatch.context() as m:
                inject(m, exchange, at, lambda: os.kill(os.getpid(), number))
                with pytest.raises(Crash):
                    staging.publish(stage, "r")
        finally:
            signal.signal(number, previous)
        assert seen == [expected_new(project)], (signame, at)  # the handler ran once, after both swaps
        assert not (stage.parent / staging.JOURNAL).exists()


def test_a_run_name_never_touches_the_staging_folder_of_another_name(project):
    """``a`` must not delete ``a.b``'s stage (names like v1 and v1.1 are ordinary)."""
    with staging.run_lock("a.b"):
        other = staging.new_stage("a.b", copy_previous=False)
        (other / "run" / "01.ipynb").write_text("a.b's notebook")
        with staging.run_lock("a"):
            mine = staging.new_stage("a", copy_previous=False)
            again = staging.new_stage("a", copy_previous=False)  # a leftover of "a" itself is cleared
        assert (other / "run" / "01.ipynb").read_text() == "a.b's notebook"
        assert not mine.exists() and again.is_dir()
        assert other.parent != again.parent


def test_the_lock_file_never_follows_a_link_nor_truncates_its_target(project, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    locks = project / "runs" / ".locks"
    locks.mkdir(parents=True)
    (locks / "r.lock").symlink_to(victim)
    with pytest.raises(RotationError) as info:
        with staging.run_lock("r"):
            pass
    assert "symbolic link" in str(info.value) and str(locks / "r.lock") in str(info.value)
    assert victim.read_text() == "precious"
    (locks / "r.lock").unlink()
    (locks / "r.lock").mkdir()
    with pytest.raises(RotationError, match="is a folder"):
        with staging.run_lock("r"):
            pass
    (locks / "r.lock").rmdir()
    os.link(victim, locks / "r.lock")  # a hard link: another file's bytes under the lock's name
    with pytest.raises(RotationError, match="other names"):
        with staging.run_lock("r"):
            pass
    assert victim.read_text() == "precious"
    (locks / "r.lock").unlink()
    os.mkfifo(locks / "r.lock")
    with pytest.raises(LockPathError, match="not a plain file"):
        os.close(open_lock_file(locks / "r.lock"))


def test_a_linked_run_folder_is_refused_in_one_line(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    fill(elsewhere, "theirs", ("keep.txt",))
    (project / "runs").mkdir(exist_ok=True)
    (project / "runs" / "r").symlink_to(elsewhere)
    with pytest.raises(RotationError, match="symbolic link") as info:
        staging.check_targets("r")
    assert "\n" not in str(info.value)
    from rotation.run import runner

    with pytest.raises(RotationError, match="symbolic link"):
        runner.execute_run({}, "r", notebooks=[project / "notebooks" / "01_x.ipynb"], check_data=False)
    assert (elsewhere / "keep.txt").read_text() == "keep.txt theirs"


def test_file_system_errors_are_one_line_naming_path_and_cause(project, monkeypatch):
    assert os_error_line(OSError(errno.ENOSPC, "No space left on device", "/p/x.png")) == "disk full writing /p/x.png"
    assert (
        os_error_line(OSError(errno.EROFS, "Read-only file system", "/p"), doing="replacing")
        == "read-only file system replacing /p"
    )
    assert os_error_line(PermissionError(errno.EACCES, "Permission denied", "/p")) == "permission denied writing /p"
    copy_error = shutil.Error([("/a/f.png", "/b/f.png", "[Errno 28] No space left on device")])
    assert os_error_line(copy_error, "/b") == "[Errno 28] No space left on device (copying /a/f.png) writing /b"
    published(project, "old")

    def full(*args, **kwargs):
        raise OSError(
            errno.ENOSPC, "No space left on device", str(project / "runs" / ".staging" / "r" / "x" / "run" / "01.ipynb")
        )

    monkeypatch.setattr(shutil, "copytree", full)
    with staging.run_lock("r"):
        with pytest.raises(RotationError) as info:
            staging.new_stage("r", copy_previous=True)
    assert str(info.value).startswith("disk full writing ") and "01.ipynb" in str(info.value)


def test_a_run_without_export_keeps_the_vector_files_of_unchanged_figures(project):
    """The rule: published SVG/PDF stay beside a PNG the run rewrote byte-identical, and go with a changed PNG."""
    figs = project / "figures" / "r"
    fill(figs, "v1", ("same.png", "same.svg", "same.pdf", "changed.png", "changed.svg", "changed.pdf"))
    fill(project / "runs" / "r", "v1", ("status.json",))
    stage = staged("r", "v2")
    (stage / "figures" / "fig.png").unlink()
    fill(stage / "figures", "v1", ("same.png",))
    fill(stage / "figures", "v2", ("changed.png",))
    (stage / "figures" / figexport.PENDING).mkdir()
    (stage / "figures" / figexport.PENDING / "x.pickle").write_bytes(b"never read")
    staging.publish(stage, "r")
    assert sorted(p.name for p in figs.iterdir()) == ["changed.png", "same.pdf", "same.png", "same.svg"]
    assert (figs / "same.svg").read_text() == "same.svg v1"
    assert figexport.pending(figs) == [figs / "changed.png"]


def test_nothing_is_unpickled_from_a_figures_folder(project, tmp_path):
    """A planted pickle in figures/<run>/.pending/ is never loaded (loading it would create a file)."""
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    fill(project / "runs" / "r", "v1", ("status.json",))
    fill(project / "figures" / "r", "v1", ("fig.png", "fig.svg", "fig.pdf"))
    (project / "figures" / "r" / figexport.PENDING).mkdir()
    (project / "figures" / "r" / figexport.PENDING / "fig.pickle").write_bytes(pickle.dumps(Payload()))
    assert figexport.pending(project / "figures" / "r") == []
    assert export_command.export_run("r") == []  # nothing to write: every PNG has its vector files
    stage = staged("r", "v2")
    staging.publish(stage, "r")
    assert not marker.exists()
    from rotation.outputs import report

    try:
        report.build_report("r", out=tmp_path / "report")
    except (RotationError, OSError, ValueError, KeyError):
        pass  # a thin run folder may be refused; what matters is that nothing was unpickled
    assert not marker.exists()


def test_json_journal_is_plain_data(project):
    published(project, "old")
    stage = staged("r", "new")
    with pytest.raises(Crash):
        with pytest.MonkeyPatch.context() as m:
            inject(m, True, 1, raise_crash)
            staging.publish(stage, "r")
    journal = json.loads((stage.parent / staging.JOURNAL).read_text())
    assert journal["stage"] == stage.name and [p["part"] for p in journal["pairs"]] == ["run", "figures"]
    (stage.parent / staging.JOURNAL).write_text(
        json.dumps({**journal, "pairs": [{**journal["pairs"][0], "target": "/etc"}]})
    )
    with staging.run_lock("r"), pytest.raises(RotationError, match="names folders other than"):
        staging.recover("r")


def test_a_cache_manifest_naming_a_file_outside_the_cache_is_refused_without_advice_to_delete_it(project):
    import hashlib

    from rotation.core.errors import DataError
    from rotation.data import catalogue, loading

    spec = catalogue.series_spec("rut")
    manifest = loading.manifest_path(spec)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    outside = project / "outside.txt"
    outside.write_text("not the cache's")
    manifest.write_text(
        json.dumps(
            {
                "file": "../../outside.txt",
                "sha256": hashlib.sha256(b"not the cache's").hexdigest(),
                "fetched_at": "2026-01-01T00:00:00",
            }
        )
    )
    with pytest.raises(DataError) as info:
        loading.read_cache(spec)
    line = str(info.value)
    assert "not a file of the cache folder" in line and f"delete {manifest}" in line and "outside.txt to" not in line
    assert outside.read_text() == "not the cache's"
    damaged = manifest.parent / "rut-x.parquet"
    damaged.write_bytes(b"PAR1 not parquet")
    manifest.write_text(
        json.dumps(
            {
                "file": damaged.name,
                "sha256": hashlib.sha256(b"PAR1 not parquet").hexdigest(),
                "fetched_at": "2026-01-01T00:00:00",
            }
        )
    )
    with pytest.raises(DataError, match="is damaged"):
        loading.read_cache(spec)


def report_ready(folder: Path, label: str) -> None:
    """A run folder a report can read (status.json as JSON) and a figure, both saying ``label``."""
    fill(folder / "run", label, ())
    (folder / "run" / "status.json").write_text(json.dumps({"run": "r", "ok": True, "notebooks": [], "label": label}))
    fill(folder / "figures", label, ("fig.png",))


@pytest.mark.parametrize("at", [0, 1, 2], ids=["before-swaps", "between-swaps", "after-swaps"])
def test_report_first_settles_a_publish_a_killed_run_left_half_done(project, tmp_path, capsys, at):
    """``rotation report r`` after a crash at a step of publishing r: it completes or rolls back the publish under
    the run's lock first, so the report shows (and the project keeps) one whole version of the run."""
    from rotation import cli

    report_ready(project / "tmp_old", "old")
    (project / "runs").mkdir()
    (project / "figures").mkdir()
    os.rename(project / "tmp_old" / "run", project / "runs" / "r")
    os.rename(project / "tmp_old" / "figures", project / "figures" / "r")
    before = tree(project)
    with staging.run_lock("r"):
        stage = staging.new_stage("r", copy_previous=False)
    shutil.rmtree(stage / "run")
    shutil.rmtree(stage / "figures")
    report_ready(stage, "new")
    with pytest.MonkeyPatch.context() as m:
        if at < 2:
            inject(m, True, at, raise_crash)
        else:
            m.setattr(
                Path, "unlink", lambda self, *a, **k: raise_crash() if self.name == staging.JOURNAL else os.unlink(self)
            )
        with pytest.raises(Crash):
            staging.publish(stage, "r")
    assert (stage.parent / staging.JOURNAL).is_file()
    assert cli.main(["report", "r", "--out", str(tmp_path / "report")]) == 0, capsys.readouterr().err
    after = tree(project)
    label = "new" if at == 2 else "old"
    assert after["figures/r/fig.png"] == f"fig.png {label}".encode()
    assert json.loads(after["runs/r/status.json"])["label"] == label
    if label == "old":
        assert after == before
    assert not (stage.parent / staging.JOURNAL).exists() and not stage.exists()
    assert (tmp_path / "report" / "figures" / "fig.png").read_bytes() == f"fig.png {label}".encode()
    with staging.run_lock("r"):  # released
        pass


def test_report_of_a_run_being_written_is_refused_in_one_line(project, tmp_path, capsys):
    from rotation import cli

    fill(project / "runs" / "r", "old", ())
    (project / "runs" / "r" / "status.json").write_text(json.dumps({"run": "r", "ok": True, "notebooks": []}))
    with staging.run_lock("r"):
        assert cli.main(["report", "r", "--out", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: run r is being written by another rotation process (pid ")
    assert not (tmp_path / "report").exists()


def test_export_help_says_plainly_that_it_runs_the_notebooks_again(capsys):
    """No figure objects are kept (no pickles), so `rotation export` is a rerun: its help must say so and what it costs."""
    from rotation import cli

    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "runs the run's notebooks again" in text and "as long as the run" in text and "publishes the run anew" in text
    )
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "by running its notebooks again" in " ".join(capsys.readouterr().out.split())
