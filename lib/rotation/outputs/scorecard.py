"""The claims scorecard: every registry claim with its verdict, built from a run's results file and status.

``build_scorecard(registry, records, status)`` is pure: it takes the registry (``claims.load_registry()``),
the run's records (``results.read_records``) and its ``status.json`` (``runs.previous_status``, or None)
and returns one row per claim. A claim whose notebook failed, did not run, or ran without recording it
still has a row, whose ``verdict`` says so (``notebook failed`` / ``not run`` / ``not recorded``) and
whose ``note`` gives the reason; nothing is dropped.

Links are relative to the report folder written by ``rotation report``: notebook sections as
``<notebook>.html#<anchor>`` and figures as ``figures/<name>.png``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from rotation.core.files import atomic_path
from rotation.core.fmt import value_text as format_value
from rotation.core.verdicts import Verdict
from rotation.outputs import plots as _plots

NOT_RUN = "not run"
FAILED = "notebook failed"
NOT_RECORDED = "not recorded"
VERDICT_ORDER = [v.value for v in Verdict] + [FAILED, NOT_RUN, NOT_RECORDED]
VERDICT_COLORS = _plots.VERDICT_COLORS  # colour-blind-safe swatches, one house style (rotation.outputs.plots)
COLUMNS = [
    "claim",
    "notebook",
    "article says",
    "measured",
    "claimed",
    "unit",
    "verdict",
    "robustness",
    "verdict as shown",
    "decision rule",
    "window",
    "detail",
    "note",
    "section",
    "figures",
    "measured_value",
]


def section_link(section: str | None, notebook: str) -> str:
    """``05_context.ipynb#rates`` -> ``05_context.html#rates`` (the rendered notebook in the report)."""
    if not section:
        return f"{notebook}.html"
    page, _, anchor = str(section).partition("#")
    stem = Path(page).stem if page else notebook
    return f"{stem}.html" + (f"#{anchor}" if anchor else "")


def figure_links(names: Iterable[str]) -> list[str]:
    """Figure names -> report-relative PNG paths (``figures/<name>.png``)."""
    return [f"figures/{name}.png" for name in names if name]


def run_status(run_name: str) -> dict | None:
    """The status of the run being rendered (None if it has none yet).

    While ``rotation run`` executes ``run_name`` (the scorecard notebook runs last), that is the staged
    ``status.json`` (``paths.run_dir`` points into the staging folder): the notebooks finished so far,
    with, for a partial run, the published run's entries for the notebooks not re-run. Outside a run,
    the published ``runs/<run>/status.json``.
    """
    from rotation.core.paths import run_dir
    from rotation.outputs import runs

    status = runs.read_status_file(run_dir(run_name))
    if status and status.get("partial"):
        status = runs.merge_partial_status(status, runs.previous_status(run_name))
    return status


def _status_by_notebook(status: Mapping | None) -> dict[str, Mapping]:
    if not status:
        return {}
    return {entry["notebook"]: entry for entry in status.get("notebooks", [])}


def _failure_text(entry: Mapping) -> str:
    where = f" at cell {entry['cell']}" if entry.get("cell") is not None else ""
    return f"{FAILED}{where}: {entry.get('error') or 'unknown error'}"


def _window_text(window: object) -> str:
    if not window:
        return ""
    if isinstance(window, (list, tuple)) and len(window) == 2:
        return f"{window[0]} to {window[1]}"
    return str(window)


def build_scorecard(registry: Mapping, records: Iterable[Mapping], status: Mapping | None) -> pd.DataFrame:
    """One row per registry claim (registry order), then any recorded claim the registry lacks.

    ``registry``: ``claims.load_registry()`` (or its ``claims`` mapping); ``records``: the run's
    results records; ``status``: the run's status (None if the run never started).
    Columns: see ``COLUMNS``. ``verdict`` is the recorded verdict, or ``notebook failed`` /
    ``not run`` / ``not recorded`` with the reason in ``note``; ``figures`` is a list of links.
    """
    entries = registry.get("claims", registry) if isinstance(registry, Mapping) else {}
    by_id = {r["claim_id"]: r for r in records}
    by_nb = _status_by_notebook(status)
    rows = []
    for claim_id, claim in entries.items():
        notebook = claim["notebook"]
        run_entry = by_nb.get(notebook)
        rec = by_id.get(claim_id)
        failed = run_entry is not None and run_entry.get("status") != "ok"
        row = {
            "claim": claim_id,
            "notebook": notebook,
            "article says": claim["quote"],
            "unit": claim.get("unit", ""),
            "claimed": format_value(claim.get("claimed"), claim.get("unit", "")),
        }
        if rec is not None:
            row.update(_from_record(rec))
            if failed:
                row["note"] = _failure_text(run_entry) + " (after recording this claim)"
            elif run_entry is None:
                row["note"] = "recorded, but the notebook is not in the run's status"
        else:
            if failed:
                verdict, note, link = FAILED, _failure_text(run_entry), f"{notebook}.html"
            elif run_entry is None:
                verdict, note, link = NOT_RUN, f"{NOT_RUN}: notebook {notebook} is not part of this run", ""
            else:
                verdict, note, link = (
                    NOT_RECORDED,
                    f"{NOT_RECORDED}: notebook {notebook} ran but recorded no verdict for this claim",
                    f"{notebook}.html",
                )
            row.update(
                {
                    "measured": "n/a",
                    "verdict": verdict,
                    "robustness": "n/a",
                    "verdict as shown": verdict,
                    "decision rule": "",
                    "window": "",
                    "detail": "",
                    "note": note,
                    "section": link,
                    "figures": [],
                    "measured_value": None,
                }
            )
        rows.append(row)
    for claim_id, rec in by_id.items():
        if claim_id not in entries:
            row = {
                "claim": claim_id,
                "notebook": rec.get("notebook", ""),
                "article says": rec.get("quote", ""),
                "unit": rec.get("unit", ""),
                "claimed": format_value(rec.get("claimed"), rec.get("unit", "")),
            }
            row.update(_from_record(rec))
            row["note"] = "recorded claim not in the registry"
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_record(rec: Mapping) -> dict:
    evidence = rec.get("evidence") or {}
    unit = rec.get("unit", "")
    return {
        "measured": format_value(rec.get("measured"), unit),
        "claimed": format_value(rec.get("claimed"), unit),
        "verdict": rec.get("verdict", ""),
        "robustness": rec.get("robustness", "not varied"),
        "verdict as shown": rec.get("verdict_label") or rec.get("verdict", ""),
        "decision rule": rec.get("tolerance", ""),
        "window": _window_text(rec.get("data_window")),
        "detail": rec.get("detail", ""),
        "note": "",
        "section": section_link(evidence.get("section"), rec.get("notebook", "")),
        "figures": figure_links(evidence.get("figures") or []),
        "measured_value": rec.get("measured"),
    }


def verdict_counts(card: pd.DataFrame) -> pd.Series:
    """Number of claims per verdict, in ``VERDICT_ORDER`` (only verdicts that occur, plus any unknown ones)."""
    counts = card["verdict"].value_counts()
    order = [v for v in VERDICT_ORDER if v in counts.index] + [v for v in counts.index if v not in VERDICT_ORDER]
    return counts.reindex(order).rename("claims")


def to_csv_frame(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with list/JSON columns flattened to text, for CSV."""
    out = card.copy()
    out["figures"] = ["; ".join(f) for f in card["figures"]]
    out["measured_value"] = [json.dumps(v, sort_keys=True) if v is not None else "" for v in card["measured_value"]]
    return out


def write_scorecard(card: pd.DataFrame, path: str | Path) -> Path:
    """Write the scorecard as CSV, atomically (readers see the old file or the new one)."""
    with atomic_path(path) as tmp:
        to_csv_frame(card).to_csv(tmp, index=False)
    return Path(path)


def summary_figure(card: pd.DataFrame, title: str = "Verdicts at a glance"):
    """Verdicts at a glance, a report column wide: one coloured tile per claim (grouped by notebook) above the count per verdict.

    The count axis runs to the largest count, with whole-number ticks.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    n = max(len(card), 1)
    counts = verdict_counts(card)
    k = max(len(counts), 1)
    fig, (ax, bx) = plt.subplots(
        2,
        1,
        figsize=(_plots.REPORT_WIDTH_IN, 0.8 + 0.22 * n + 0.22 * k + 0.9),
        height_ratios=[0.22 * n, 0.22 * k + 0.35],
    )
    for i, row in enumerate(card.itertuples(index=False)):
        y = n - 1 - i
        color = VERDICT_COLORS.get(row.verdict, "#cccccc")
        ax.add_patch(plt.Rectangle((0, y + 0.08), 1, 0.84, facecolor=color, edgecolor="#7f8c8d", lw=0.6))
        ax.text(-0.03, y + 0.5, f"{row.claim}  ({row.notebook})", ha="right", va="center", fontsize=7.5)
        depends = str(getattr(row, "robustness", "")).startswith("depends on")
        ax.text(
            0.5,
            y + 0.5,
            row.verdict + (" (depends on a choice)" if depends else ""),
            ha="center",
            va="center",
            fontsize=7.5,
            color=_plots.text_color_on(color),
            fontstyle="italic" if depends else "normal",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, n)
    ax.axis("off")
    ys = list(range(len(counts)))[::-1]
    bx.barh(ys, counts.to_numpy(), color=[VERDICT_COLORS.get(v, "#cccccc") for v in counts.index], edgecolor="#7f8c8d")
    bx.set_yticks(ys, [f"{verdict} ({int(value)})" for verdict, value in counts.items()])
    bx.set_xlim(0, max(int(counts.max()) if len(counts) else 1, 1))
    bx.xaxis.set_major_locator(MaxNLocator(integer=True))
    bx.set_xlabel("number of claims")
    bx.set_title("claims per verdict", fontsize=plt.rcParams["axes.labelsize"], loc="left", fontweight="normal")
    bx.grid(axis="y", visible=False)
    return fig


__all__ = [
    "FAILED",
    "NOT_RECORDED",
    "NOT_RUN",
    "VERDICT_COLORS",
    "build_scorecard",
    "figure_links",
    "format_value",
    "section_link",
    "summary_figure",
    "to_csv_frame",
    "verdict_counts",
    "run_status",
    "write_scorecard",
]
