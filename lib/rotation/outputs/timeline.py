"""What ``rotation timeline`` writes: the tidy table (CSV, Parquet, JSON notes) and the verdict-band figure.

The table is ``rotation.claims.timeline.timeline``; this module only writes and draws it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from rotation.core.verdicts import Verdict

DRAWN = [Verdict.CONFIRMED, Verdict.PARTLY_TRUE, Verdict.REFUTED, Verdict.NOT_VERIFIABLE]  # bands; others left blank


def write_tables(table: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """``<stem>.csv``, ``<stem>.parquet`` and ``<stem>.json`` (how each claim was evaluated), each written atomically.

    Dates ISO; ``measured`` in each row's ``unit``. A failed write leaves any earlier file whole.
    """
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    from rotation.core.files import atomic_path, write_text_atomic

    folder = Path(folder)
    paths = []
    arrow = _arrow_table(table)
    with atomic_path(folder / f"{stem}.csv") as tmp:
        pa_csv.write_csv(arrow, tmp)
    paths.append(folder / f"{stem}.csv")
    with atomic_path(folder / f"{stem}.parquet") as tmp:
        pq.write_table(arrow, tmp)
    paths.append(folder / f"{stem}.parquet")
    meta = {
        "columns": list(table.columns),
        "rows": int(len(table)),
        **{k: v for k, v in table.attrs.items()},
        "how": {
            "fast path": "the measurement vectorised over dates (rotation.claims.timeline.FAST_PATHS)",
            "reference": "evaluate.measure on a Context at that date, every applicable session",
            "reference on a grid": "the reference on the grid named; the claim's other sessions have no row",
            "applicability": "the claim does not apply at that date (note says why)",
            "claims file": "an untestable or no-data entry: its status, every date",
        },
    }
    paths.append(write_text_atomic(folder / f"{stem}.json", json.dumps(meta, indent=2, default=str) + "\n"))
    return paths


def _arrow_table(table: pd.DataFrame):
    """The table as Arrow: dates as calendar days (ISO in the CSV), a missing ``measured`` as an empty cell."""
    import pyarrow as pa

    frame = table.copy()
    frame.attrs = {}
    frame["date"] = frame["date"].dt.date
    return pa.Table.from_pandas(frame, preserve_index=False)


def band_runs(dates: pd.Series, verdicts: pd.Series, gap: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """Consecutive rows (sorted by date) with one verdict as ``(first, last, verdict)``; a gap longer than ``gap`` ends a run."""
    if dates.empty:
        return []
    d = pd.DatetimeIndex(dates).to_numpy()
    v = verdicts.astype(str).to_numpy()
    cut = np.concatenate(([True], (v[1:] != v[:-1]) | (np.diff(d) > gap.to_timedelta64())))
    starts = np.flatnonzero(cut)
    stops = np.concatenate((starts[1:], [len(d)])) - 1
    return [(pd.Timestamp(d[a]), pd.Timestamp(d[b]), v[a]) for a, b in zip(starts, stops)]


def timeline_figure(table: pd.DataFrame):
    """Verdict bands: one row per claim that can be measured, coloured by verdict on each date it was evaluated.

    Sessions where the claim does not apply stay blank; claims evaluated on a grid show a tick per grid date.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from rotation.outputs import plots

    plots.house_style()
    ids = table["claim_id"].astype(str).to_numpy()
    verdicts = table["verdict"].astype(str).to_numpy()
    hows = table["how"].astype(str).to_numpy()
    keep = np.isin(verdicts, [v.value for v in DRAWN])
    claims = [c for c in dict.fromkeys(ids) if c in set(ids[keep])]
    skipped = len(set(ids)) - len(claims)
    gridded = set(ids[np.char.startswith(hows.astype(str), "reference on a grid")])
    height = max(3.0, 0.17 * len(claims) + 1.6)
    fig, ax = plt.subplots(figsize=(plots.REPORT_WIDTH_IN, height))
    day = pd.Timedelta(days=1)
    drawn = pd.DataFrame({"date": table["date"].to_numpy()[keep], "claim_id": ids[keep], "verdict": verdicts[keep]})
    for cid, rows in drawn.groupby("claim_id", sort=False):
        y = claims.index(cid)
        rows = rows.sort_values("date")
        if cid in gridded:
            for verdict, part in rows.groupby("verdict"):
                ax.plot(part["date"], np.full(len(part), y), "|", ms=7, mew=1.4, color=plots.VERDICT_COLORS[verdict])
            continue
        spans = band_runs(rows["date"], rows["verdict"], gap=pd.Timedelta(days=5))
        for verdict in dict.fromkeys(v for _, _, v in spans):  # one collection per verdict and claim
            ax.broken_barh(
                [(a, (b - a) + day) for a, b, v in spans if v == verdict],
                (y - 0.35, 0.7),
                facecolors=plots.VERDICT_COLORS[verdict],
                linewidth=0,
            )
    labels = [f"{cid} (grid)" if cid in gridded else cid for cid in claims]
    ax.set_yticks(range(len(claims)), labels, fontsize=6.5)
    ax.set_ylim(len(claims) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    attrs = table.attrs
    pair = f"{str(attrs.get('small', 'small')).upper()} vs {str(attrs.get('large', 'large')).upper()}"
    sources = "; ".join(s for s in attrs.get("sources", []) if s)
    source = (
        (f"Source: {sources}. " if sources else "")
        + f"Sessions {attrs.get('first', '')} to {attrs.get('last', '')} ({pair} common calendar); claims file "
        + f"{Path(str(attrs.get('claims_file', ''))).name}. Each claim measured at each session with data up to it and "
        + "judged by the claims file's rule; blank: the claim does not apply at that date; (grid): evaluated on a coarser "
        + "grid of dates, one tick per date"
        + (f"; not drawn (never measurable): {skipped} claim(s)" if skipped else "")
    )
    plots.finish_figure(
        fig,
        ax,
        title="On which dates would each claim have held? Verdict on every session",
        xlabel="session (date the claim is checked at)",
        ylabel="claim (id)",
        source=source,
    )
    plots.legend_below(  # the bands fill every corner: under the x label, never over a claim's row
        ax,
        [Patch(color=plots.VERDICT_COLORS[v.value], label=v.value) for v in DRAWN],
        [v.value for v in DRAWN],
        fontsize=7,
    )
    return fig


__all__ = ["band_runs", "timeline_figure", "write_tables"]
