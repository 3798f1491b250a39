"""``rotation timeline``: every claim's measured value and verdict on every session of a range, without notebooks.

The table is ``rotation.claims.timeline``; the files and figure ``rotation.outputs.timeline``.
This module checks the command's inputs (one line, exit 2) and reports what it wrote.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rotation.core.errors import ParameterError

TIMELINE_RUN = "timeline"  # tables to runs/timeline/, the figure to figures/timeline/ (unless --out)


def checked_date(flag: str, text: str | None) -> str:
    """``--from``/``--to`` as YYYY-MM-DD (the run command's date check), or "" when not given."""
    from rotation.run import parameters

    if text is None:
        return ""
    try:
        parameters.check_meaning("as_of", text)
    except ParameterError as exc:
        raise ParameterError(str(exc).replace("parameter as_of", flag, 1)) from None
    return text.strip()


def checked_claims(path: str | None) -> str:
    """The claims file, loaded and checked as ``rotation run --claims`` does (schema, kinds); "" for the default."""
    if not path:
        return ""
    from rotation.claims.registry import load_registry, registry_file

    load_registry(path)  # refuses a missing file, bad YAML, an unknown kind or a missing field, in one line
    return str(registry_file(path))


def cmd_timeline(args: argparse.Namespace) -> int:
    from rotation.claims import timeline
    from rotation.claims.registry import article_defaults
    from rotation.core.paths import run_dir
    from rotation.outputs import timeline as written_out
    from rotation.run import preflight

    print("timeline: checking inputs", flush=True)  # a first line at once, even when piped
    start, end = checked_date("--from", args.start), checked_date("--to", args.end)
    if start and end and end < start:
        raise ParameterError(f"--from {start} is after --to {end}")
    budget = timeline.DEFAULT_BUDGET_S if args.budget is None else args.budget
    if not budget >= 0:
        raise ParameterError(f"--budget must be a number of seconds >= 0, got {args.budget}")
    claims = checked_claims(args.claims)
    article = article_defaults(claims or None)
    preflight.check_scan_inputs(str(article["small"]), str(article["large"]), args.out)
    started = time.perf_counter()
    s = timeline.sessions(claims=claims, start=start, end=end, data_dir=args.data_dir or "")
    table = timeline.timeline(s, budget=None if args.every_session else budget)
    seconds = time.perf_counter() - started
    stem = f"timeline_{Path(str(table.attrs['claims_file'])).stem}"
    folder = Path(args.out) if args.out else run_dir(TIMELINE_RUN)
    paths = written_out.write_tables(table, folder, stem)
    if not args.no_figure:
        import matplotlib.pyplot as plt

        from rotation.outputs import plots

        fig = written_out.timeline_figure(table)
        paths += plots.save_figure(
            fig, stem, TIMELINE_RUN, formats=("png",), folder=Path(args.out) if args.out else None
        )
        plt.close(fig)
    plans = table.attrs["plans"]
    fast = sorted(c for c, p in plans.items() if p["how"] == timeline.FAST)
    grid = sorted(c for c, p in plans.items() if p["how"].startswith("reference on a grid"))
    print(
        f"{len(plans)} claims on {len(s.dates):,} sessions, {s.dates[0].date()} to {s.dates[-1].date()}, in {seconds:.1f} s: "
        f"{len(fast)} by a fast path, {sum(p['how'] == timeline.REFERENCE for p in plans.values())} by the reference on every session, "
        f"{len(grid)} on a coarser grid (column how; --budget or --every-session for more dates)"
    )
    print("written: " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``rotation timeline``."""
    parser = subparsers.add_parser(
        "timeline",
        help="every claim's verdict and measured value on every session of a range (no notebook): CSV, Parquet, PNG",
        description=(
            "Every claim of the claims file measured and judged on every session from --from to --to, with the "
            "notebooks' measures and judge: a tidy table (date, claim_id, measured, unit, verdict, how, note, rule) "
            "as CSV and Parquet, and a figure of verdict bands. Claims without a fast path are measured per date "
            "within --budget seconds, on a coarser grid when every session does not fit (column how says which)."
        ),
    )
    parser.add_argument("--claims", help="claims file (YAML; default: data/claims.yaml)")
    parser.add_argument("--from", dest="start", help="first date (YYYY-MM-DD; default: the data's first session)")
    parser.add_argument("--to", dest="end", help="last date (YYYY-MM-DD; default: the data's last session)")
    parser.add_argument(
        "--out", help="folder for the tables and figure (default: runs/timeline/ and figures/timeline/)"
    )
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        help="folder of CSV files (default: ROTATION_DATA_DIR, then cache, then download)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds of per-date measurement for the claims without a fast path (default: 4)",
    )
    parser.add_argument(
        "--every-session",
        dest="every_session",
        action="store_true",
        help="measure every claim on every applicable session, however long it takes (no grid)",
    )
    parser.add_argument("--no-figure", dest="no_figure", action="store_true", help="write the tables only")
    parser.set_defaults(func=cmd_timeline)
    return parser


__all__ = ["add_parser", "checked_claims", "checked_date", "cmd_timeline"]
