"""What a run changed: claims whose verdict moved, against the committed run (or the previous one).

``rotation run`` reads the run's previous ``results.jsonl`` before executing (``snapshot``), then
prints ``summary_lines``: the reference is the committed file (``git show HEAD:runs/<run>/results.jsonl``)
when the project is a git checkout that holds it, else the run's previous file, else nothing to
compare with. It also counts the files of ``runs/<run>/`` and ``figures/<run>/`` that now differ from
the commit, so rewriting committed files never happens silently.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping

from rotation.core.paths import project_dir, run_dir


def _git(*args: str) -> str | None:
    """Output of a git command in the project folder, or None (no git, not a checkout, unknown path)."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=project_dir(), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def parse_records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def committed_records(run_name: str, revision: str = "HEAD") -> list[dict] | None:
    """Records of ``runs/<run_name>/results.jsonl`` at ``revision``; None when git does not have that file."""
    relative = (run_dir(run_name) / "results.jsonl").relative_to(project_dir()).as_posix()
    text = _git("show", f"{revision}:{relative}")
    return parse_records(text) if text is not None else None


def snapshot(run_name: str) -> tuple[str, list[dict]] | None:
    """The reference a new run is compared with: ``(label, records)``, or None. Call before the run."""
    committed = committed_records(run_name)
    if committed is not None:
        return "the committed run (git HEAD)", committed
    path = run_dir(run_name) / "results.jsonl"
    if path.is_file():
        return "the previous run", parse_records(path.read_text(encoding="utf-8"))
    return None


def verdict_changes(before: Iterable[Mapping], after: Iterable[Mapping]) -> list[tuple[str, str, str]]:
    """``(claim, verdict before, verdict after)`` for every claim whose verdict differs; a missing side is ``"absent"``."""
    old = {str(r.get("claim_id")): str(r.get("verdict")) for r in before}
    new = {str(r.get("claim_id")): str(r.get("verdict")) for r in after}
    return [
        (claim, old.get(claim, "absent"), new.get(claim, "absent"))
        for claim in sorted(old.keys() | new.keys())
        if old.get(claim, "absent") != new.get(claim, "absent")
    ]


def changed_files(run_name: str) -> int | None:
    """How many files of ``runs/<run>/`` and ``figures/<run>/`` differ from the commit (new ones included); None without git."""
    root = project_dir()
    folders = [p.relative_to(root).as_posix() for p in (run_dir(run_name), root / "figures" / run_name)]
    out = _git("status", "--porcelain", "--untracked-files=all", "--", *folders)
    return None if out is None else len([line for line in out.splitlines() if line.strip()])


def summary_lines(run_name: str, reference: tuple[str, list[dict]] | None) -> list[str]:
    """What the finished run changed, in a few lines for the terminal."""
    path = run_dir(run_name) / "results.jsonl"
    after = parse_records(path.read_text(encoding="utf-8")) if path.is_file() else []
    lines = []
    if reference is None:
        lines.append(f"run {run_name}: {len(after)} claims recorded; no earlier run to compare verdicts with")
    else:
        label, before = reference
        moved = verdict_changes(before, after)
        if not moved:
            lines.append(f"run {run_name}: no verdict changed against {label} ({len(after)} claims)")
        else:
            lines.append(f"run {run_name}: {len(moved)} verdict(s) changed against {label}:")
            lines.extend(f"  {claim}: {old} -> {new}" for claim, old, new in moved)
    if reference is not None and reference[0].startswith("the committed"):
        count = changed_files(run_name)
        if count:
            lines.append(
                f"run {run_name}: {count} file(s) under runs/{run_name}/ and figures/{run_name}/ differ from the commit (git status shows them)"
            )
        elif count == 0:
            lines.append(
                f"run {run_name}: the files under runs/{run_name}/ and figures/{run_name}/ are identical to the commit"
            )
    return lines


__all__ = ["changed_files", "committed_records", "snapshot", "summary_lines", "verdict_changes"]
