"""The claims scorecard: every registry claim with its verdict, built from a run's results file and status.

``build_scorecard(registry, records, status)`` is pure: it takes the registry (``claims.load_registry()``),
the run's records (``results.read_records``) and its ``status.json`` (``runs.previous_status``, or None)
and returns one row per claim. A claim whose notebook failed, did not run, or ran without recording it
still has a row, whose ``verdict`` says so (``notebook failed`` / ``not run`` / ``not recorded``) and
whose ``note`` gives the reason; nothing is dropped.

Verdicts that depend on a reading (an allowed reading of the claim's words gives another verdict;
docs/readings.md) are counted apart from plain ones: ``verdict_count_table``, ``count_text``, the
``depends on a reading`` column of ``scorecard.csv`` and the hatched part of the chart's bars.

Links are relative to the report folder written by ``rotation report``: notebook sections as
``<notebook>.html#<anchor>`` and figures as ``figures/<name>.png``.
"""

from __future__ import annotations

import html
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
    "part",
    "measured",
    "claimed",
    "unit",
    "verdict",
    "robustness",
    "depends on a reading",
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
            "part": claim.get("part", ""),
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
                    "depends on a reading": False,
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
                "part": rec.get("part", ""),
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
    robustness = rec.get("robustness", "not varied")
    return {
        "measured": format_value(rec.get("measured"), unit),
        "claimed": format_value(rec.get("claimed"), unit),
        "verdict": rec.get("verdict", ""),
        "robustness": robustness,
        "depends on a reading": depends_on_reading(robustness),
        "verdict as shown": rec.get("verdict_label") or rec.get("verdict", ""),
        "decision rule": rec.get("tolerance", ""),
        "window": _window_text(rec.get("data_window")),
        "detail": rec.get("detail", ""),
        "note": "",
        "section": section_link(evidence.get("section"), rec.get("notebook", "")),
        "figures": figure_links(evidence.get("figures") or []),
        "measured_value": rec.get("measured"),
    }


def depends_on_reading(robustness: object) -> bool:
    """True when a robustness label says an allowed reading of the words gives another verdict."""
    return str(robustness).startswith("depends on")


def reading_flags(card: pd.DataFrame) -> pd.Series:
    """Per row: does the verdict depend on a reading (from the ``robustness`` label; False without one)."""
    labels = card["robustness"] if "robustness" in card else pd.Series("", index=card.index)
    return labels.map(depends_on_reading).astype(bool)


def verdict_counts(card: pd.DataFrame) -> pd.Series:
    """Number of claims per verdict, in ``VERDICT_ORDER`` (only verdicts that occur, plus any unknown ones)."""
    counts = card["verdict"].value_counts()
    order = [v for v in VERDICT_ORDER if v in counts.index] + [v for v in counts.index if v not in VERDICT_ORDER]
    return counts.reindex(order).rename("claims")


def verdict_count_table(card: pd.DataFrame) -> pd.DataFrame:
    """Claims per verdict (``verdict_counts`` order), split into ``plain`` verdicts and those that
    ``depends on a reading``, with the count as shown (``confirmed 9 (plain 6, depends on a reading 3)``)."""
    counts = verdict_counts(card)
    depends = card.loc[reading_flags(card), "verdict"].value_counts()
    table = pd.DataFrame({"claims": counts})
    table["depends on a reading"] = depends.reindex(table.index).fillna(0).astype(int)
    table["plain"] = table["claims"] - table["depends on a reading"]
    table["shown"] = [
        _count_words(verdict, claims, plain, depends)
        for verdict, claims, plain, depends in zip(
            table.index, table["claims"], table["plain"], table["depends on a reading"]
        )
    ]
    table.index.name = "verdict"
    return table[["claims", "plain", "depends on a reading", "shown"]]


def _count_words(verdict: str, claims: int, plain: int, depends: int) -> str:
    if not depends:
        return f"{verdict} {claims}"
    return f"{verdict} {claims} (plain {plain}, depends on a reading {depends})"


def count_text(card: pd.DataFrame) -> str:
    """The verdict counts in one line: ``confirmed 9 (plain 6, depends on a reading 3); refuted 4; ...``."""
    return "; ".join(verdict_count_table(card)["shown"])


def run_summary(registry: Mapping, records: list, status: Mapping | None, run_name: str) -> str:
    """The notebook's opening line as Markdown: the run, its recorded verdicts, the notebooks executed
    before the scorecard and the claims file (texts escaped: ``registry.markdown_text``)."""
    from rotation.claims.registry import markdown_text

    ran = ", ".join(f"{n['notebook']} ({n['status']})" for n in (status or {}).get("notebooks", []))
    article = registry["article"]
    return (
        f"**Run {markdown_text(run_name)}**: {len(records)} recorded verdicts; notebooks executed before this one: "
        + (ran or "none (no status.json)")
        + f". Claims file: {len(registry['claims'])} claims ({markdown_text(article['title'])}, "
        f"as_of {markdown_text(article['as_of'])} by default)."
    )


def _evidence_cell(section: str, figures: list) -> str:
    links = [f'<a href="{html.escape(section)}">section</a>'] if section else []
    links += [f'<a href="{html.escape(f)}">{html.escape(f.rsplit("/", 1)[-1])}</a>' for f in figures]
    return " · ".join(links) or "none"


def scorecard_html(card: pd.DataFrame) -> str:
    """The scorecard as an HTML table: every claim text escaped (it stays text), the verdict on its colour,
    the part of a split sentence under the quote, and links to the evidence."""
    said = [
        html.escape(quote) + (f"<br><b>judged:</b> {html.escape(part)}" if part else "")
        for quote, part in zip(card["article says"], card["part"].fillna(""))
    ]
    shown = pd.DataFrame(
        {
            "claim": card["claim"].map(html.escape),
            "article says": said,
            "measured": card["measured"].map(html.escape),
            "claimed": card["claimed"].map(html.escape),
            "verdict": [
                f'<span style="background:{VERDICT_COLORS.get(v, "#ccc")};padding:1px 4px">{html.escape(label)}</span>'
                for v, label in zip(card["verdict"], card["verdict as shown"])
            ],
            "robustness": card["robustness"].map(html.escape),
            "window": card["window"].map(html.escape),
            "detail / note": [
                html.escape(" ".join(x for x in (n, d) if x)) for n, d in zip(card["note"], card["detail"])
            ],
            "evidence": [_evidence_cell(r.section, r.figures) for r in card.itertuples(index=False)],
        }
    ).set_index("claim")
    return shown.to_html(escape=False)


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
    table = verdict_count_table(card)
    counts = table["claims"]
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
        depends = depends_on_reading(getattr(row, "robustness", ""))
        ax.text(
            0.5,
            y + 0.5,
            row.verdict + (" (depends on a reading)" if depends else ""),
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
    colors = [VERDICT_COLORS.get(v, "#cccccc") for v in counts.index]
    bx.barh(ys, table["plain"].to_numpy(), color=colors, edgecolor="#7f8c8d", label="plain verdict")
    bx.barh(
        ys,
        table["depends on a reading"].to_numpy(),
        left=table["plain"].to_numpy(),
        color=colors,
        edgecolor="#7f8c8d",
        hatch="///",
        label="depends on a reading",
    )
    bx.set_yticks(ys, list(table["shown"]))
    bx.set_xlim(0, max(int(counts.max()) if len(counts) else 1, 1))
    bx.xaxis.set_major_locator(MaxNLocator(integer=True))
    bx.set_xlabel("number of claims")
    bx.set_title("claims per verdict", fontsize=plt.rcParams["axes.labelsize"], loc="left", fontweight="normal")
    bx.grid(axis="y", visible=False)
    if table["depends on a reading"].any():
        from matplotlib.patches import Patch

        keys = [
            Patch(facecolor="white", edgecolor="#7f8c8d", label="plain verdict"),
            Patch(facecolor="white", edgecolor="#7f8c8d", hatch="///", label="depends on a reading"),
        ]
        _plots.place_legend(bx, keys, [k.get_label() for k in keys], loc="lower right")
    return fig


__all__ = [
    "FAILED",
    "NOT_RECORDED",
    "NOT_RUN",
    "VERDICT_COLORS",
    "build_scorecard",
    "count_text",
    "depends_on_reading",
    "run_summary",
    "scorecard_html",
    "verdict_count_table",
    "figure_links",
    "format_value",
    "section_link",
    "summary_figure",
    "to_csv_frame",
    "verdict_counts",
    "run_status",
    "write_scorecard",
]
