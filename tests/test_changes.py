"""After a run: which verdicts moved against the committed run, and the CLI's help for users."""

from __future__ import annotations

import json
import subprocess

import pytest

from rotation import cli
from rotation.outputs import changes


def write(path, verdicts):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"claim_id": c, "verdict": v}) + "\n" for c, v in verdicts.items()))


def git(root, *args):
    subprocess.run(
        ["git", *args],
        cwd=root,
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "PATH": "/usr/bin:/bin",
        },
    )


def test_verdict_changes_name_each_moved_claim():
    before = [
        {"claim_id": "a", "verdict": "confirmed"},
        {"claim_id": "b", "verdict": "refuted"},
        {"claim_id": "gone", "verdict": "refuted"},
    ]
    after = [
        {"claim_id": "a", "verdict": "confirmed"},
        {"claim_id": "b", "verdict": "partly true"},
        {"claim_id": "new", "verdict": "confirmed"},
    ]
    assert changes.verdict_changes(before, after) == [
        ("b", "refuted", "partly true"),
        ("gone", "refuted", "absent"),
        ("new", "absent", "confirmed"),
    ]


def test_against_the_committed_run(project):
    results = project / "runs" / "article" / "results.jsonl"
    write(results, {"a": "confirmed", "b": "refuted"})
    git(project, "init", "-q")
    git(project, "add", "runs")
    git(project, "commit", "-qm", "run")
    reference = changes.snapshot("article")
    assert reference[0] == "the committed run (git HEAD)"
    assert changes.summary_lines("article", reference) == [
        "run article: no verdict changed against the committed run (git HEAD) (2 claims)",
        "run article: the files under runs/article/ and figures/article/ are identical to the commit",
    ]
    write(results, {"a": "confirmed", "b": "partly true"})
    lines = changes.summary_lines("article", reference)
    assert lines[:2] == [
        "run article: 1 verdict(s) changed against the committed run (git HEAD):",
        "  b: refuted -> partly true",
    ]
    assert lines[2].startswith("run article: 1 file(s) under runs/article/")


def test_without_git_the_previous_run_is_the_reference(project):
    write(project / "runs" / "mine" / "results.jsonl", {"a": "confirmed"})
    reference = changes.snapshot("mine")
    assert reference[0] == "the previous run"
    write(project / "runs" / "mine" / "results.jsonl", {"a": "refuted"})
    assert changes.summary_lines("mine", reference) == [
        "run mine: 1 verdict(s) changed against the previous run:",
        "  a: confirmed -> refuted",
    ]
    assert changes.snapshot("never") is None
    assert changes.summary_lines("never", None)[0].endswith("no earlier run to compare verdicts with")


def test_help_is_for_users_and_version_is_printed(capsys):
    from rotation import __version__

    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: rotation") and "Re-check the January 2026 article" in out
    assert "``" not in out and "add_parser" not in out  # no internal docstring
    for command in ("run", "params", "report", "scan"):
        assert f"\n    {command} " in out
    assert "rotation run --as-of 2008-06-06" in out and "Exit codes" in out
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"rotation {__version__}"
