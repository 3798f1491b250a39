"""What notebook 01_streak shows: the streak in force at ``as_of``, its rank since the data start, the
same check on other series pairs, three figures, and what the data after ``as_of`` add.

Definitions (as ``rotation.analytics.streaks``): daily price returns, close to close, on the common
calendar of the two series; an outperformance session has a small-cap return strictly above the
large-cap return (a tie ends a streak). Everything about the streak uses data up to ``as_of`` only,
except ``after_as_of`` and the figures' context window, which say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from rotation.analytics import streaks
from rotation.claims.measures.streak import how_it_ended
from rotation.core.errors import RotationError
from rotation.core.fmt import bp, day, pct
from rotation.data import catalogue
from rotation.outputs import plots
from rotation.studies.page import Page, Section, series_text


def relative_definition(page: Page) -> str:
    """The source-line definition of the relative price of the pair (price or total returns, as the series are)."""
    return f"relative price = cumulative (1 + r_small) / cumulative (1 + r_large), {page.returns_words(short=True)}"


def data_note(page: Page) -> str:
    """Markdown: the two series and their sources, how their calendars were aligned, ``as_of`` and the data used."""
    ctx = page.ctx
    small_px, large_px = ctx.prices(page.small), ctx.prices(page.large)
    align = ctx.returns.attrs["alignment"]
    return (
        f"**Data.** {series_text(small_px)}. "
        f"{series_text(large_px)}.\n\n"
        f"**Alignment.** {align['common_dates']:,} common dates, {day(align['first'])} to {day(align['last'])}. "
        f"Dropped inside the overlap: {align['small_only_inside']} {page.small}-only and "
        f"{align['large_only_inside']} {page.large}-only dates; outside it: {align['small_only_outside']:,} "
        f"{page.small}-only and {align['large_only_outside']:,} {page.large}-only dates "
        f"(history the other series does not cover).\n\n**as_of.** {ctx.as_of_note}. **Data used:** {ctx.describe()}."
    )


@dataclass(frozen=True, kw_only=True)
class StreakNow(Section):
    """The streak in force at ``as_of`` (``sessions`` 0 and NaT dates when none) and its daily rows.

    ``table``: one row per session of the streak, both returns and the spread (percent, bp), rounded to 2 decimals.
    """

    sessions: int
    start: pd.Timestamp
    end: pd.Timestamp
    session: pd.Timestamp


def _streak_rows(returns: pd.DataFrame, current: pd.Series) -> pd.DataFrame:
    """The daily rows of the streak ``current`` (``streaks.streak_sessions``); none when no streak is in force."""
    if not current["sessions"]:
        return returns.iloc[0:0].assign(spread=[])
    return streaks.streak_sessions(returns, current["start"], current["end"])


def streak_now(page: Page) -> StreakNow:
    """The streak in force at ``as_of`` (data to ``as_of`` only): its length, dates, returns and sessions."""
    ctx, small, large = page.ctx, page.small, page.large
    current = ctx.streak
    days = _streak_rows(ctx.returns, current)
    table = pd.DataFrame(
        {
            f"{small} return (%)": days["small"] * 100,
            f"{large} return (%)": days["large"] * 100,
            "spread (bp)": days["spread"] * 1e4,
        }
    )
    table.index = days.index.date  # session dates, shown without an index name
    if current["sessions"]:
        text = (
            f"At **{day(ctx.session)}** the {small} > {large} streak in force is **{int(current['sessions'])} sessions** "
            f"({day(current['start'])} to {day(current['end'])}): {small} {pct(current['small_return'])}, "
            f"{large} {pct(current['large_return'])} (cumulative {page.returns_words(short=True)}), mean daily spread "
            f"{bp(current['mean_spread'])}."
        )
    else:
        text = (
            f"At **{day(ctx.session)}** no {small} > {large} streak is in force: {small}'s daily return on that "
            f"session was not above {large}'s (streak length **0 sessions**)."
        )
    return StreakNow(
        text=text,
        table=table.round(2),
        sessions=int(current["sessions"]),
        start=current["start"],
        end=current["end"],
        session=ctx.session,
    )


@dataclass(frozen=True, kw_only=True)
class StreakRank(Section):
    """How the streak at ``as_of`` ranks among every streak that ended on or before it.

    ``rank``/``ties``/``record_sessions``: as ``streaks.rank_streak``; ``table``: the ``top_n`` longest
    streaks (returns in percent, mean spread in bp), numbered from 1; ``counts``: streaks of each length.
    """

    rank: int
    ties: int
    record_sessions: int
    counts: pd.Series


def streak_rank(page: Page, top_n: int) -> StreakRank:
    """The rank of the streak at ``as_of``, the record before it, the most recent streak at least as long."""
    ctx, small, large = page.ctx, page.small, page.large
    check = streaks.record_check(ctx.returns, ctx.session)
    table, rank = check["table"], check["rank"]
    longest = table.sort_values(["sessions", "end"], ascending=[False, False]).head(int(top_n))
    shown = longest.assign(
        start=longest["start"].dt.date,
        end=longest["end"].dt.date,
        **{
            f"{small} (%)": longest["small_return"] * 100,
            f"{large} (%)": longest["large_return"] * 100,
            "mean spread (bp)": longest["mean_spread"] * 1e4,
        },
    )[["start", "end", "sessions", f"{small} (%)", f"{large} (%)", "mean spread (bp)"]].reset_index(drop=True)
    shown.index += 1
    record_dates = ", ".join(f"{day(a)} to {day(b)}" for a, b in rank["record_streaks"])
    last = rank["last_at_least"]
    most_recent = (
        f"Most recent earlier streak at least as long: **{day(last['start'])} to {day(last['end'])}** ({last['sessions']} sessions)."
        if last
        else "No earlier streak was at least as long."
    )
    text = (
        f"Streaks before this one: {rank['n_streaks']:,} (returns from {day(ctx.returns.index[0])}). "
        f"This streak ranks **#{rank['rank']}** ({rank['ties']} earlier streak(s) of the same length). "
        f"The record before it: **{rank['record_sessions']} sessions** ({record_dates}). " + most_recent
    )
    return StreakRank(
        text=text,
        table=shown.round(2),
        rank=rank["rank"],
        ties=rank["ties"],
        record_sessions=rank["record_sessions"],
        counts=streaks.streak_length_counts(table),
    )


def pair_row(page: Page, pair_small: str, pair_large: str) -> dict:
    """The streak at the claim date and the record check on one pair of series (or why it is not available)."""
    name = f"{pair_small} vs {pair_large}"
    try:
        found = streaks.record_check(page.ctx.for_pair(pair_small, pair_large).returns, page.ctx.claim_date)
    except RotationError as exc:
        return {"pair": name, "returns from": "n/a", "note": f"not available: {exc}"}
    rank, last = found["rank"], found["rank"]["last_at_least"]
    moved = found["note"] if found["session"] != page.ctx.session else ""
    return {
        "pair": name,
        "returns from": day(found["first_return"]),
        "streak at as_of (sessions)": found["current"]["sessions"],
        "record before it (sessions)": rank["record_sessions"],
        "record dates": ", ".join(f"{day(a)} to {day(b)}" for a, b in rank["record_streaks"]),
        "most recent at least as long": f"{day(last['start'])} to {day(last['end'])}" if last else "none",
        "note": "; ".join(filter(None, [moved, pair_small + ": " + catalogue.series_spec(pair_small).definition])),
    }


def pair_table(page: Page, other_pairs: Sequence[Sequence[str]]) -> pd.DataFrame:
    """The run's own pair, then each of ``other_pairs``: one ``pair_row`` each (context, not a verdict)."""
    pairs = [(page.small, page.large), *[tuple(p) for p in other_pairs]]
    return pd.DataFrame([pair_row(page, s, lg) for s, lg in pairs]).set_index("pair").convert_dtypes()


def context_window(page: Page, now: StreakNow, context_sessions: int) -> pd.DataFrame:
    """Daily returns shown in the figures: the streak with ``context_sessions`` on each side (data after
    ``as_of`` included), or the ``2 * context_sessions`` sessions up to ``as_of`` when no streak is in force."""
    returns, n = page.ctx.returns, int(context_sessions)
    index = returns.index
    first = index.get_loc(now.start) - n if now.sessions else index.get_loc(now.session) - 2 * n
    last = index.get_loc(now.end) + n if now.sessions else index.get_loc(now.session)
    return returns.iloc[max(0, first) : min(len(returns) - 1, last) + 1]


def relative_strength(window: pd.DataFrame) -> pd.Series:
    """Relative price of small to large over ``window`` (cumulative price returns), 100 on its first day."""
    relative = (1 + window["small"]).cumprod() / (1 + window["large"]).cumprod()
    return 100 * relative / relative.iloc[0]


def _shade_streak(ax: plt.Axes, now: StreakNow, label: str) -> None:
    """Shade the streak's sessions (nothing when no streak is in force)."""
    spans = [(now.start, now.end)][: int(now.sessions > 0)]
    for start, end in spans:
        plots.shade_period(ax, start, end, label=label)


def figure_relative_strength(page: Page, now: StreakNow, context_sessions: int) -> list[Path]:
    """``01_relative_strength``: small / large relative strength around the streak, the streak shaded, as_of marked."""
    window = context_window(page, now, context_sessions)
    relative = relative_strength(window)
    fig, ax = plt.subplots()
    ax.plot(
        relative.index,
        relative.values,
        color=plots.SMALL_COLOR,
        lw=1.8,
        label=f"{page.small} / {page.large} relative strength",
    )
    _shade_streak(ax, now, f"streak at as_of ({now.sessions} sessions)")
    ax.axvline(now.session, color="black", lw=1, ls="--", label=f"as_of {day(now.session)}")
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig,
        ax,
        title=f"{page.small.upper()} relative to {page.large.upper()} around the streak",
        xlabel="date",
        ylabel="relative price, first day = 100",
        source=plots.source_note(window, definition=relative_definition(page)),
    )
    return plots.save_figure(fig, "01_relative_strength", page.run_name)


def figure_daily_spread(page: Page, now: StreakNow, context_sessions: int) -> list[Path]:
    """``01_daily_spread``: the daily spread (bp) over the same window, positive days in the small-cap colour."""
    window = context_window(page, now, context_sessions)
    bars = streaks.daily_spread(window) * 1e4
    fig, ax = plt.subplots()
    colors = pd.Series(plots.LARGE_COLOR, index=bars.index).where(bars <= 0, plots.SMALL_COLOR)
    ax.bar(bars.index, bars.values, color=list(colors), width=1.0)
    _shade_streak(ax, now, "streak at as_of")
    plots.place_legend(ax, loc="upper left")
    ax.axhline(0, color="black", lw=0.8)
    plots.finish_figure(
        fig,
        ax,
        title=f"Daily spread, {page.small.upper()} minus {page.large.upper()}",
        xlabel="date",
        ylabel="spread (bp per session)",
        source=plots.source_note(window, definition=page.definition()),
    )
    return plots.save_figure(fig, "01_daily_spread", page.run_name)


def figure_streak_lengths(page: Page, now: StreakNow, ranked: StreakRank) -> list[Path]:
    """``01_streak_lengths``: how many streaks of each length ended on or before ``as_of`` (log scale), the current one marked."""
    ctx = page.ctx
    fig, ax = plt.subplots()
    ax.bar(ranked.counts.index, ranked.counts.values, color=plots.SPREAD_COLOR)
    ax.set_yscale("log")
    for length in [now.sessions][: int(now.sessions > 0)]:
        ax.axvline(length, color=plots.SMALL_COLOR, lw=2, label=f"streak at as_of: {length} sessions")
    plots.place_legend(ax, loc="upper right")
    plots.finish_figure(
        fig,
        ax,
        title=f"Every {page.small.upper()} > {page.large.upper()} streak since {day(ctx.returns.index[0])}",
        xlabel="streak length (sessions)",
        ylabel="number of streaks (log scale)",
        source=plots.source_note(
            ctx.returns.loc[: ctx.session], definition=page.definition("; streaks ending on or before as_of")
        ),
    )
    return plots.save_figure(fig, "01_streak_lengths", page.run_name)


def after_as_of(page: Page, now: StreakNow) -> str:
    """Markdown: how the streak in force at ``as_of`` ended in the data after it (context, not a verdict)."""
    returns = page.ctx.returns
    if not now.sessions:
        return f"No streak was in force at `as_of` ({day(now.session)})."
    longest = int(streaks.outperformance_streaks(returns)["sessions"].max())
    return (
        f"With data to {day(returns.index[-1])}: the streak that began on {day(now.start)} — "
        f"{how_it_ended(returns, now.start)}. Longest streak in the data used: {longest} sessions."
    )


__all__ = [
    "StreakNow",
    "StreakRank",
    "after_as_of",
    "context_window",
    "data_note",
    "figure_daily_spread",
    "figure_relative_strength",
    "figure_streak_lengths",
    "pair_row",
    "pair_table",
    "relative_strength",
    "streak_now",
    "streak_rank",
]
