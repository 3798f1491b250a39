"""A run folder as its readers see it: ``status.json`` (timings joined back in), a partial run's merged status, the claims-file copy.

``read_status_file`` reads a run folder's ``status.json`` with its timings (``timings.json``,
kept apart so a rerun of unchanged code and data leaves the committed run byte-identical)
joined back in. The runner writes both (``rotation.run.staging.write_status``).
"""

from __future__ import annotations

import json
from pathlib import Path

from rotation.core.paths import published_run_dir

RUN_CLAIMS_FILE = "claims.yaml"  # copy of a --claims file in the run folder (none for the default data/claims.yaml)
TIMINGS_FILE = "timings.json"  # beside status.json, git-ignored: the seconds, which change on every rerun


def read_status_file(folder: Path) -> dict | None:
    """A run folder's ``status.json`` with its timings joined back in (None when there is no status)."""
    try:
        status = json.loads((Path(folder) / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        timings = json.loads((Path(folder) / TIMINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return status
    if "seconds" in timings:
        status["seconds"] = timings["seconds"]
    for entry in status.get("notebooks", []):
        seconds = timings.get("notebooks", {}).get(entry.get("notebook"))
        if seconds is not None:
            entry["seconds"] = seconds
    return status


def previous_status(run_name: str) -> dict | None:
    """The published run's status (``read_status_file``; None when the run or the file does not exist)."""
    return read_status_file(published_run_dir(run_name))


def merge_partial_status(status: dict, previous: dict | None) -> dict:
    """A partial run's status: the previous run's entries for the notebooks not re-run, then the new ones."""
    if not previous:
        return status
    rerun = {n["notebook"] for n in status["notebooks"]}
    kept = [n for n in previous.get("notebooks", []) if n.get("notebook") not in rerun]
    merged = sorted([*kept, *status["notebooks"]], key=lambda n: n["notebook"])
    out = dict(status)
    out["notebooks"] = merged
    out["ok"] = status["ok"] and all(n.get("status") == "ok" for n in merged)
    return out
