"""What notebook 06_aftermath shows: which streak it follows, how that streak ended, the relative-strength
path after it and its worst point, the first corrections, month-end values, and where the outcome ranks
among earlier long streaks (context, not a verdict).

Definitions as ``rotation.analytics.aftermath``: the base of the path, the tables and the ranks is the
close of the streak's last winning session; cumulative relative return (S_t/S_b - 1) - (L_t/L_b - 1);
relative strength 100 (S_t/S_b) / (L_t/L_b). Data after ``as_of`` are used (this is what happened next).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rotation.analytics import aftermath, forward, streaks
from rotation.core.fmt import day, pct
from rotation.outputs import plots
from rotation.studies.page import Page, Section, series_text

NONE_TO_FOLLOW = "Nothing to follow: no streak of the required length up to as_of."


@dataclass(frozen=True, kw_only=True)
class Followed(Section):
    """The streak the notebook follows and how it ended.

    ``start``: its first session (None when no streak of at least the premise length exists up to
    ``as_of``); ``ended``: ``aftermath.streak_break`` of it (None likewise); ``has_after``: at least
    one session after its last winning session is in the data (the path, corrections and month ends
    exist); ``intro``: the data, run and which-streak note (Markdown); ``text``/``table``: how it ended
    and the sessions around its end (returns in percent, spread in bp).
    """

    intro: str
    start: pd.Timestamp | None
    ended: dict | None
    has_after: bool


def streak_to_follow(page: Page) -> tuple[pd.Timestamp | None, str]:
    """The first session of the streak to follow, and a sentence saying which it is.

    The streak in force at ``as_of`` when it has at least the claims file's ``streak_premise`` sessions;
    else the most recent streak of at least that length that ended before ``as_of`` (data to ``as_of``
    only); else None.
    """
    ctx = page.ctx
    premise = int(ctx.article.get("streak_premise", 1))
    if ctx.streak["sessions"] >= premise:
        return ctx.streak["start"], f"the streak in force at as_of ({day(ctx.session)})"
    table = streaks.outperformance_streaks(ctx.returns_at)
    earlier = table[(table["sessions"] >= premise) & (table["end"] < ctx.session)]
    start = earlier["start"].iloc[-1] if len(earlier) else None
    which = (
        f"no streak of at least {premise} sessions was in force at as_of ({day(ctx.session)}: "
        f"{int(ctx.streak['sessions'])} session(s)); "
    )
    which += (
        f"the most recent earlier one, which began {day(start)}" if start is not None else "and none before it either"
    )
    return start, which


def _around_end(returns: pd.DataFrame, ended: dict, small: str, large: str) -> pd.DataFrame:
    """The sessions from two before the last winning session to three after it, with their role."""
    pos = returns.index.get_loc(ended["last_win"])
    around = returns.iloc[max(0, pos - 2) : pos + 4]
    roles = pd.Series("", index=around.index)
    roles[roles.index == ended["last_win"]] = "last winning session"
    roles[roles.index == ended["ended_on"]] = "ended the streak"
    return pd.DataFrame(
        {
            f"{small} return (%)": 100 * around["small"],
            f"{large} return (%)": 100 * around["large"],
            "spread (bp)": 1e4 * (around["small"] - around["large"]),
            "role": roles.to_numpy(),
        },
        index=pd.Index([day(d) for d in around.index], name="session"),
    ).round(2)


def followed(page: Page) -> Followed:
    """Which streak is followed, and how it ended (the session after its last win, and the sessions around it)."""
    ctx, small, large = page.ctx, page.small, page.large
    returns = ctx.returns
    small_px, large_px = ctx.prices(small), ctx.prices(large)
    start, which = streak_to_follow(page)
    ended = aftermath.streak_break(returns, start) if start is not None else None
    intro = (
        f"**Data.** {series_text(small_px)}. {series_text(large_px)}.\n\n**Run.** {ctx.describe()}; data used to {day(returns.index[-1])}. "
        f"**as_of.** {ctx.as_of_note}.\n\n**The streak.** {which}."
    )
    table = None
    if ended is None:
        text = NONE_TO_FOLLOW
    elif ended["ongoing"]:
        text = (
            f"The streak that began {day(ended['start'])} was still running at the end of the data "
            f"({day(returns.index[-1])}, {ended['sessions']} sessions): it has not ended, so there is no aftermath yet."
        )
    else:
        text = (
            f"The streak began **{day(ended['start'])}** and lasted **{ended['sessions']} sessions**. Its **last winning "
            f"session** was **{day(ended['last_win'])}**. The **session that ended it** (the first that did not extend it) "
            f"was **{day(ended['ended_on'])}**: {small} {pct(ended['small'])}, {large} {pct(ended['large'])}, "
            f"spread {ended['spread'] * 1e4:+.1f} bp."
        )
        table = _around_end(returns, ended, small, large)
    has_after = bool(ended is not None and not ended["ongoing"] and ended["last_win"] < returns.index[-1])
    return Followed(text=text, table=table, intro=intro, start=start, ended=ended, has_after=has_after)


@dataclass(frozen=True, kw_only=True)
class PathAfter(Section):
    """The relative path from the close of the last winning session to the end of the data.

    ``path``: ``aftermath.relative_return_path`` (fractions; ``strength`` 100 at the base), empty when
    there is no session after the base; ``worst_day``/``worst_value``: lowest relative strength.
    """

    path: pd.DataFrame
    worst_day: pd.Timestamp | None = None
    worst_value: float = float("nan")


NO_PATH = "No session after the streak's last winning session in the data: no path to show."


def path_after(page: Page, streak: Followed) -> PathAfter:
    """The relative-strength path after the streak, its end values, worst and best points."""
    ctx, small, large = page.ctx, page.small, page.large
    if not streak.has_after:
        return PathAfter(text=NO_PATH, path=pd.DataFrame(columns=["small", "large", "relative", "strength"]))
    returns, base = ctx.returns, streak.ended["last_win"]
    path = aftermath.relative_return_path(ctx.prices(small), ctx.prices(large), base, returns.index[-1])
    worst_day, worst_value = aftermath.worst_point(path["strength"])
    best_day = path["strength"].idxmax()
    text = (
        f"From the close of {day(base)} to {day(path.index[-1])} ({len(path) - 1:,} sessions): {small} "
        f"{pct(path['small'].iloc[-1])}, {large} {pct(path['large'].iloc[-1])}, cumulative relative return "
        f"{pct(path['relative'].iloc[-1])}; relative strength {path['strength'].iloc[-1]:.1f} (100 at the base). "
        f"**Worst point**: {worst_value:.1f} on **{day(worst_day)}** (relative return "
        f"{pct(path.loc[worst_day, 'relative'])}); best: {path['strength'].max():.1f} on {day(best_day)}."
    )
    return PathAfter(text=text, path=path, worst_day=worst_day, worst_value=worst_value)


def figure_path(page: Page, streak: Followed, after: PathAfter, context_sessions: int) -> list[Path]:
    """``06_relative_strength_after``: relative strength from ``context_sessions`` before the streak to the end
    of the data, 100 at the last winning session; the streak shaded, as_of and the worst point marked.
    Nothing is drawn (and no file written) when there is no path."""
    if not streak.has_after:
        return []
    ctx, small, large = page.ctx, page.small, page.large
    returns, ended, base = ctx.returns, streak.ended, streak.ended["last_win"]
    lo = max(0, returns.index.get_loc(ended["start"]) - int(context_sessions))
    shown = aftermath.relative_return_path(ctx.prices(small), ctx.prices(large), returns.index[lo], returns.index[-1])
    strength = 100 * shown["strength"] / shown.loc[base, "strength"]
    fig, ax = plt.subplots()
    ax.plot(
        strength.index,
        strength.values,
        color=plots.SMALL_COLOR,
        lw=1.5,
        label=f"{small} / {large} relative strength (100 at {day(base)})",
    )
    plots.shade_period(ax, ended["start"], ended["last_win"], label=f"the streak ({ended['sessions']} sessions)")
    ax.axvline(ctx.session, color="black", lw=1, ls="--", label=f"as_of {day(ctx.session)}")
    ax.plot(
        [after.worst_day],
        [after.worst_value],
        "v",
        color=plots.LARGE_COLOR,
        ms=8,
        label=f"worst point {after.worst_value:.1f} ({day(after.worst_day)})",
    )
    ax.axhline(100, color="#555555", lw=0.8, ls=":")
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig,
        ax,
        title=f"{small.upper()} relative to {large.upper()} after the streak",
        xlabel="date (as_of marked)",
        ylabel="relative price, 100 at the last winning session",
        source=plots.source_note(
            returns.loc[shown.index[0] :],
            definition=page.returns_definition(
                "; relative strength = ratio of the two series rebased at the streak's last winning session"
            ),
        ),
    )
    return plots.save_figure(fig, "06_relative_strength_after", page.run_name)


def correction_row(series: pd.Series, base: pd.Timestamp, threshold: float) -> dict:
    """One row of the corrections table: ``aftermath.first_correction`` of ``series`` from ``base``, shown rounded."""
    c = aftermath.first_correction(series, base, threshold)
    found = c["found"]
    return {
        "correction": "yes" if found else "none in the data",
        f"first close at least {pct(threshold, 0, signed=False)} below the peak": day(c["date"]),
        "peak date": day(c["peak_date"]),
        "peak": round(c["peak"], 2) if found else np.nan,
        "close": round(c["close"], 2) if found else np.nan,
        "fall from the peak (%)": round(100 * c["drawdown"], 2) if found else np.nan,
        "deepest fall from a peak (%)": round(100 * c["max_drawdown"], 2),
        "deepest on": day(c["max_drawdown_date"]),
    }


def corrections(page: Page, streak: Followed, after: PathAfter, threshold: float) -> Section:
    """The first close at least ``threshold`` below the running peak, for each index and the relative price."""
    if not streak.has_after:
        return Section("No path after the streak: no correction to look for.")
    ctx, small, large = page.ctx, page.small, page.large
    base, end = streak.ended["last_win"], ctx.returns.index[-1]
    series = {
        small: ctx.prices(small).loc[base:end],
        large: ctx.prices(large).loc[base:end],
        f"{small} / {large} relative price": after.path["strength"],
    }
    rows = {label: correction_row(s, base, threshold) for label, s in series.items()}
    return Section("", pd.DataFrame(rows).T.rename_axis("series"))


def shown_month_ends(months: pd.DataFrame, months_shown: int) -> pd.DataFrame:
    """The first ``months_shown`` month-end rows and the last one (all of them when that covers every row)."""
    if len(months) <= months_shown + 1:
        return months
    return pd.concat([months.iloc[:months_shown], months.iloc[-1:]])


def month_table(page: Page, streak: Followed, after: PathAfter, months_shown: int) -> Section:
    """Month-end values of both cumulative returns and of small minus large (percent), first ``months_shown`` and the last."""
    if not streak.has_after:
        return Section("No path after the streak: no month ends.")
    small, large, session = page.small, page.large, page.ctx.session
    months = aftermath.month_ends(after.path)
    shown = shown_month_ends(months, int(months_shown))
    text = (
        f"{len(months)} month ends; the first {months_shown} and the last are shown (parameter `months_shown`)."
        if len(shown) < len(months)
        else ""
    )
    table = pd.DataFrame(
        {
            "month": shown["month"],
            f"{small} (%)": 100 * shown["small"],
            f"{large} (%)": 100 * shown["large"],
            "small minus large (%)": 100 * shown["relative"],
            "month complete": shown["complete"],
            "after as_of": shown.index > session,
        },
        index=pd.Index([day(d) for d in shown.index], name="month-end session"),
    ).round(2)
    return Section(text, table)


@dataclass(frozen=True, kw_only=True)
class Ranks(Section):
    """The outcome after this streak against earlier streaks of at least ``min_streak`` sessions.

    ``now``: this streak's forward outcomes (``forward.episode_forward`` rows, complete windows only);
    ``earlier``: the earlier streaks' independent outcomes (``aftermath.earlier_outcomes``);
    ``table``: one row per horizon (percent), rank 1 = the best for small caps.
    """

    min_streak: int
    horizons: list[int]
    now: pd.DataFrame
    earlier: pd.DataFrame


def horizon_label(h: int) -> str:
    """``63`` -> ``"63 sessions (~3 months)"`` (21 sessions a month)."""
    months = round(h / 21)
    return f"{h} sessions (~{months} month{'s' if months != 1 else ''})"


def rank_row(h: int, now: pd.DataFrame, earlier: pd.DataFrame, returns: pd.DataFrame, last_win: pd.Timestamp) -> dict:
    """One horizon of the ranks table: this streak's outcome (or why it is not known yet) and its rank."""
    mine = now.loc[now["horizon"] == h, "relative"]
    value = float(mine.iloc[0]) if len(mine) else float("nan")
    others = earlier.loc[earlier["horizon"] == h, "relative"]
    r = aftermath.outcome_rank(value, others)
    have = len(returns.loc[last_win:]) - 1
    return {
        "horizon": horizon_label(h),
        "outcome (%)": 100 * value if len(mine) else np.nan,
        "status": "known"
        if len(mine)
        else f"not yet known (needs {h} sessions after {day(last_win)}; the data have {have})",
        "earlier streaks": r["n_earlier"],
        "rank (1 = best)": f"{r['rank']} of {r['of']}" if r["rank"] else "n/a",
        "percentile among earlier (%)": r["percentile"],
        "earlier median (%)": 100 * others.median() if len(others) else np.nan,
        "earlier best (%)": 100 * others.max() if len(others) else np.nan,
        "earlier worst (%)": 100 * others.min() if len(others) else np.nan,
    }


def ranks(page: Page, streak: Followed, min_streak: int, horizons: Sequence[int]) -> Ranks:
    """Where the relative return h sessions after the last win ranks among earlier streaks' (non-overlapping) outcomes."""
    returns, ended = page.ctx.returns, streak.ended
    horizons = sorted({int(h) for h in horizons})
    empty = pd.DataFrame(columns=["start", "horizon", "relative"])
    if ended is None or ended["ongoing"]:
        return Ranks(
            text="No ended streak to rank.", min_streak=int(min_streak), horizons=horizons, now=empty, earlier=empty
        )
    earlier = aftermath.earlier_outcomes(returns, int(min_streak), horizons, before=ended["start"], anchor="streak_end")
    episode = pd.DataFrame(
        {
            "start": [ended["start"]],
            "end": [ended["last_win"]],
            "sessions": [ended["sessions"]],
            "anchor": [ended["last_win"]],
            "anchor_pos": [returns.index.get_loc(ended["last_win"])],
        }
    )
    now = forward.episode_forward(returns, episode, horizons)
    table = pd.DataFrame([rank_row(h, now, earlier, returns, ended["last_win"]) for h in horizons]).set_index("horizon")
    text = (
        ""
        if len(earlier)
        else f"No earlier streak of at least {min_streak} sessions with a complete window in the data: nothing to rank against."
    )
    return Ranks(
        text=text, table=table.round(2), min_streak=int(min_streak), horizons=horizons, now=now, earlier=earlier
    )


def _rank_panel(ax: plt.Axes, h: int, ranked: Ranks) -> None:
    """One horizon's panel: earlier outcomes as sorted bars, this streak's outcome as a line (or 'not yet known')."""
    others = ranked.earlier[ranked.earlier["horizon"] == h].sort_values("relative")
    ax.barh(
        range(len(others)),
        100 * others["relative"],
        color=plots.SPREAD_COLOR,
        label=f"earlier streaks >= {ranked.min_streak}",
    )
    ax.set_yticks(range(len(others)))
    ax.set_yticklabels([day(s) for s in others["start"]], fontsize=7)
    ax.set_ylim(-0.6, len(others) - 0.4)
    mine = ranked.now.loc[ranked.now["horizon"] == h, "relative"]
    if len(mine):
        ax.axvline(100 * mine.iloc[0], color=plots.SMALL_COLOR, lw=2, label=f"this streak: {pct(mine.iloc[0])}")
    else:
        ax.plot([], [], " ", label="this streak: not yet known")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_title(f"{h} sessions after the last win", fontsize=plt.rcParams["axes.labelsize"], fontweight="normal")
    ax.set_xlabel("relative return (%)")
    ax.set_ylabel("earlier streak (start)")
    plots.place_legend(ax, loc="lower right")


def figure_ranks(page: Page, ranked: Ranks) -> list[Path]:
    """``06_outcome_ranks``: one panel per horizon, stacked; nothing drawn when there is no earlier outcome or no ended streak."""
    if ranked.earlier.empty:
        return []
    heights = [0.12 * int((ranked.earlier["horizon"] == h).sum()) + 0.9 for h in ranked.horizons]  # bars per panel
    fig, axes = plt.subplots(
        len(ranked.horizons),
        1,
        figsize=(plots.REPORT_WIDTH_IN, sum(heights) + 0.6),
        squeeze=False,
        height_ratios=heights,
    )
    for ax, h in zip(axes[:, 0], ranked.horizons):
        _rank_panel(ax, h, ranked)
    returns = page.ctx.returns
    plots.finish_figure(
        fig,
        None,
        title=f"{page.small.upper()} minus {page.large.upper()} after the streak, against earlier streaks of at least {ranked.min_streak} sessions",
        xlabel=None,
        ylabel=None,
        source=plots.source_note(
            returns,
            definition=page.returns_definition(
                "; base: close of each streak's last winning session; non-overlapping windows; data after as_of used "
                "(this is what happened next)"
            ),
        ),
    )
    return plots.save_figure(fig, "06_outcome_ranks", page.run_name)


__all__ = [
    "Followed",
    "PathAfter",
    "Ranks",
    "correction_row",
    "corrections",
    "figure_path",
    "figure_ranks",
    "followed",
    "horizon_label",
    "month_table",
    "path_after",
    "rank_row",
    "ranks",
    "shown_month_ends",
    "streak_to_follow",
]
