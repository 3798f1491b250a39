"""``rotation scan``: the scan's tables (CSV, Parquet, JSON metadata) and figure, and the command.

The scan itself is ``rotation.analytics.scan``; this command checks its inputs, writes and shows it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rotation.analytics.scan import DEFINITION, qualifying_dates, scan_series
from rotation.core.errors import ParameterError

SCAN_RUN = "scan"  # tables go to runs/scan/, the figure to figures/scan/ (unless --out)


def scan_definition(table: pd.DataFrame) -> str:
    """``analytics.scan.DEFINITION`` with what the pair's returns are (price or total, ``catalogue.returns_words``)."""
    from rotation.data.catalogue import returns_words

    small, large = table.attrs.get("small"), table.attrs.get("large")
    return DEFINITION + (f"; returns: {returns_words(small, large)}" if small and large else "")


def write_tables(table: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """Write the scan as ``<stem>.csv`` and ``<stem>.parquet`` atomically (dates ISO, returns fractions)."""
    from rotation.core.files import atomic_path

    paths = []
    with atomic_path(folder / f"{stem}.csv") as tmp:
        table.to_csv(tmp, date_format="%Y-%m-%d", float_format="%.10g")
    paths.append(folder / f"{stem}.csv")
    with atomic_path(folder / f"{stem}.parquet") as tmp:
        frame = table.copy()
        frame.attrs = {}
        frame.to_parquet(tmp)
    paths.append(folder / f"{stem}.parquet")
    meta = {
        "columns": list(table.columns),
        "definition": scan_definition(table),
        "units": "returns and spreads are fractions (per session for spread and streak_mean_spread); streak lengths in sessions",
        **{k: v for k, v in table.attrs.items() if k != "definition"},
        "first": str(table.index[0].date()),
        "last": str(table.index[-1].date()),
    }
    from rotation.core.files import write_text_atomic

    paths.append(write_text_atomic(folder / f"{stem}.json", json.dumps(meta, indent=2) + "\n"))
    return paths


def scan_figure(table: pd.DataFrame, min_length: int | None = None):
    """Every completed streak (length at its end date), the record so far, and the claim threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rotation.outputs import plots

    plots.house_style()
    small, large = table.attrs.get("small", "small"), table.attrs.get("large", "large")
    ends = table["streak"].to_numpy()
    is_end = (ends > 0) & np.concatenate((ends[1:] == 0, [True]))
    done = table.loc[is_end, "streak"]
    fig, ax = plt.subplots()
    ax.vlines(
        done.index, 0, done.to_numpy(), color=plots.SPREAD_COLOR, lw=0.6, label="streak (length at its last session)"
    )
    record = np.maximum.accumulate(ends)
    ax.plot(table.index, record, color=plots.SMALL_COLOR, lw=1.6, drawstyle="steps-post", label="longest streak so far")
    if min_length:
        ax.axhline(min_length, color=plots.LARGE_COLOR, lw=1, ls="--", label=f"claim: {min_length} sessions")
        hit = done[done >= min_length]
        ax.plot(
            hit.index,
            hit.to_numpy(),
            "o",
            color=plots.LARGE_COLOR,
            ms=4,
            label=f"streaks of {min_length}+ sessions ({len(hit)})",
        )
    ax.set_ylim(0, max(int(record[-1]) if record.size else 1, min_length or 0) * 1.45 + 1)  # room for the legend
    ax.legend(loc="upper left", ncol=2)
    plots.finish_figure(
        fig,
        ax,
        title=f"{small.upper()} > {large.upper()} outperformance streaks, every session",
        xlabel="date (streak end)",
        ylabel="streak length (sessions)",
        source=plots.source_note(table, definition=scan_definition(table)),
    )
    return fig


def cmd_scan(args: argparse.Namespace) -> int:
    from rotation.core.paths import FIGURE_FORMATS, run_dir

    if args.min_length is not None and args.min_length <= 0:
        raise ParameterError(f"--min-length must be a positive number of sessions, got {args.min_length}")
    from rotation.run import preflight

    args.small, args.large = preflight.check_scan_inputs(args.small, args.large, args.out)
    t0 = time.perf_counter()
    table = scan_series(args.small, args.large, args.data_dir or None)
    seconds = time.perf_counter() - t0
    stem = f"scan_{args.small}_{args.large}".replace("^", "idx_").lower()
    folder = Path(args.out) if args.out else run_dir(SCAN_RUN)
    written = write_tables(table, folder, stem)
    if not args.no_figure:
        import matplotlib.pyplot as plt

        from rotation.outputs import plots

        fig = scan_figure(table, args.min_length)
        formats = FIGURE_FORMATS if args.all_formats else ("png",)
        written += plots.save_figure(fig, stem, SCAN_RUN, formats=formats, folder=Path(args.out) if args.out else None)
        plt.close(fig)
    last = table.iloc[-1]
    print(
        f"scanned {len(table):,} sessions, {table.index[0].date()} to {table.index[-1].date()}, in {seconds:.2f} s; "
        f"longest streak {int(table['streak'].max())} sessions; on {table.index[-1].date()} the streak in force is {int(last['streak'])}"
    )
    if args.min_length:
        hits = qualifying_dates(table, args.min_length, exact=args.exact)
        rule = "exactly" if args.exact else "at least"
        print(
            f"dates on which a claim of {args.min_length} straight sessions held ({rule} {args.min_length}): {len(hits)}"
        )
        for date, row in hits.iterrows():
            rank = "" if pd.isna(row["rank"]) else f", rank {int(row['rank'])} of {int(row['completed_streaks']) + 1}"
            print(f"  {date.date()}  {int(row['streak'])} sessions since {row['streak_start'].date()}{rank}")
    shown = sorted({p.parent for p in written})
    print("written: " + ", ".join(str(p) for p in shown) + f" ({', '.join(p.name for p in written)})", file=sys.stderr)
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``rotation scan``."""
    parser = subparsers.add_parser(
        "scan", help="the streak in force on every session (no notebook): CSV, Parquet and a PNG figure"
    )
    parser.add_argument("--small", default="rut", help="small-cap series id or upper-case Yahoo ticker (default: rut)")
    parser.add_argument("--large", default="spx", help="large-cap series id or upper-case Yahoo ticker (default: spx)")
    parser.add_argument(
        "--min-length",
        dest="min_length",
        type=int,
        help="print the dates on which a claim of N straight sessions held (streak >= N)",
    )
    parser.add_argument(
        "--exact", action="store_true", help="with --min-length: streak exactly N instead of at least N"
    )
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        help="folder of CSV files (default: ROTATION_DATA_DIR, then cache, then download)",
    )
    parser.add_argument("--out", help="folder for the tables and figure (default: runs/scan/ and figures/scan/)")
    parser.add_argument("--no-figure", dest="no_figure", action="store_true", help="write the tables only")
    parser.add_argument(
        "--all-formats",
        dest="all_formats",
        action="store_true",
        help="write the figure as SVG and PDF too (default: PNG only)",
    )
    parser.set_defaults(func=cmd_scan)
    return parser


__all__ = ["add_parser", "cmd_scan", "scan_figure", "write_tables"]
