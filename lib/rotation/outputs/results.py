"""The run's results file: ``runs/<run name>/results.jsonl``, one JSON record per claim checked.

Fields: ``claim_id``, ``notebook``, ``quote``, ``part`` (the words of the quote this claim judges,
when a sentence holds two claims; else empty), ``measured``, ``claimed``, ``unit``,
``definition``, ``verdict``, ``tolerance`` (the decision rule in words), ``evidence``
(section anchor and figure names), ``data_window`` (first and last date used), ``detail``.
The scorecard reads only this file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd

from rotation.claims.evaluate import Judgement
from rotation.claims.judge import tolerance_text
from rotation.core.files import file_lock, write_text_atomic
from rotation.core.fmt import value_text
from rotation.core.paths import run_dir

RESULTS_FILE = "results.jsonl"


def results_path(run_name: str) -> Path:
    return run_dir(run_name) / RESULTS_FILE


def _plain(value: object) -> object:
    """JSON-safe version of numbers, dates, enums and containers (NaN becomes None)."""
    if isinstance(value, Enum):
        return value.value
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(run_name: str, judgement: Judgement, *, section: str = "", figures: Iterable[str] = ()) -> dict:
    """Store one claim's verdict for the run (``runs/<run>/results.jsonl``) and return the record.

    ``judgement``: ``claims.evaluate(ctx, claim_id)``; ``section``: the notebook anchor holding the
    evidence; ``figures``: the figure names. The record carries the verdict, the robustness label,
    the sensitivity table (one row per listed alternative) and the measurement's window and detail.
    """
    if not isinstance(judgement, Judgement):
        raise TypeError(
            "results.record takes a claims.evaluate(...) judgement; verdicts come from rotation.claims only"
        )
    claim, m = judgement.claim, judgement.measurement
    notebook = claim["notebook"]
    detail = m.detail if m.status is None else (m.reason + (f"; {m.detail}" if m.detail else ""))
    entry = {
        "claim_id": judgement.claim_id,
        "notebook": notebook,
        "kind": claim.get("kind", ""),
        "quote": claim["quote"],
        "part": claim.get("part", ""),
        "measured": _plain(m.value if m.status is None else None),
        "claimed": _plain(claim.get("claimed")),
        "unit": claim.get("unit", ""),
        "definition": m.definition or claim.get("measure", ""),
        "verdict": judgement.verdict.value,
        "robustness": judgement.robustness,
        "verdict_label": judgement.label,
        "tolerance": tolerance_text(claim),
        "sensitivity": _plain(judgement.sensitivity.to_dict(orient="records"))
        if judgement.sensitivity is not None
        else [],
        "evidence": {
            "section": f"{notebook}.ipynb#{section}" if section else f"{notebook}.ipynb",
            "figures": list(figures),
        },
        "data_window": _plain(list(m.window)) if m.window else None,
        "detail": detail,
    }
    path = results_path(run_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(
        path.parent
    ):  # notebooks of one run may execute at once (a lock on the folder: no lock file left in the run)
        kept = [r for r in read_records(path) if r["claim_id"] != entry["claim_id"]]
        # grouped by notebook in collection order (whatever order the notebooks finish in), each in recording order
        write_records(path, sorted([*kept, entry], key=lambda r: r["notebook"]))
    return entry


def record_notebook(run_name: str, ctx, notebook: str, evidence: Mapping[str, tuple[str, list[str]]]) -> list[dict]:
    """Evaluate and record every claim the claims file assigns to ``notebook``; returns the records.

    ``evidence`` maps a claim kind to ``(section anchor, figure names)`` in the notebook; a claim
    of another kind points at the notebook's ``verdicts`` section. One ``record`` per claim.
    """
    from rotation.claims.evaluate import evaluate

    out = []
    for claim_id, claim in ctx.registry["claims"].items():
        if claim["notebook"] != notebook:
            continue
        section, figures = evidence.get(claim.get("kind") or claim["compare"], ("verdicts", []))
        out.append(record(run_name, evaluate(ctx, claim_id), section=section, figures=figures))
    return out


def sensitivity_table(records: Iterable[Mapping]) -> pd.DataFrame:
    """Every listed alternative of the records' claims: choice, alternative, measured, verdict, agrees."""
    rows = []
    for r in records:
        for alt in r.get("sensitivity") or []:
            rows.append({"claim": r["claim_id"], **alt})
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).set_index(["claim", "choice"])
    table["agrees"] = table["agrees"].map({True: "yes", False: "no"}).fillna("not judged")
    return table


def read_records(path: str | Path) -> list[dict]:
    """All records of a results file (empty list when the file does not exist)."""
    target = Path(path)
    if not target.is_file():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_records(path: str | Path, records: Iterable[Mapping]) -> Path:
    """Write records as JSON lines, atomically."""
    text = "".join(json.dumps(_plain(dict(r)), sort_keys=True) + "\n" for r in records)
    return write_text_atomic(path, text)


def read_results(run_name: str) -> pd.DataFrame:
    """The results file of a run as a table, one row per claim."""
    return pd.DataFrame(read_records(results_path(run_name)))


def verdict_table(records: Iterable[Mapping]) -> pd.DataFrame:
    """A display table of verdict records: measured and claimed (with units), verdict, decision rule and detail."""
    rows = [
        {
            "claim": r["claim_id"],
            "measured": value_text(r["measured"], r["unit"]),
            "claimed": value_text(r["claimed"], r["unit"]),
            "verdict": r.get("verdict_label") or r["verdict"],
            "robustness": r.get("robustness", ""),
            "decision rule": r["tolerance"],
            "detail": r.get("detail", ""),
        }
        for r in records
    ]
    return pd.DataFrame(rows).set_index("claim") if rows else pd.DataFrame()
