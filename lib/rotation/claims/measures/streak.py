"""Claim kinds about the streak itself: its length at a date, when it began, and its rank ("a record").

Definitions: daily price returns, close to close, on the common calendar of the two series; an
outperformance session has small-cap return strictly above large-cap return (a tie ends a
streak). The streak in force at ``as_of`` uses data up to ``as_of`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from rotation.analytics import streaks
from rotation.claims.measures.base import Measurement, kind, not_verifiable, pair_context, params
from rotation.core.fmt import day

if TYPE_CHECKING:
    from rotation.claims.measuring import Context

DEFINITION = "sessions with small-cap daily price return strictly above large-cap return (close to close, common calendar); a tie ends a streak"


@dataclass(frozen=True)
class RecordMeasurement(Measurement):
    """``streak_record``: the criteria, and how the streak at ``as_of`` ranks (``streaks.rank_streak``: rank,
    ties, record length and holders, the most recent streak at least as long) among the history searched."""

    rank: Mapping = field(default_factory=dict, compare=False, repr=False)


def _streak_text(row: Mapping | pd.Series) -> str:
    return f"{int(row['sessions'])} sessions, {day(row['start'])} to {day(row['end'])}"


def most_recent_streak(returns: pd.DataFrame, session: pd.Timestamp) -> pd.Series | None:
    """The last streak that ended on or before ``session`` (using data to ``session`` only), or None."""
    table = streaks.outperformance_streaks(returns.loc[:session])
    return table.iloc[-1] if len(table) else None


def how_it_ended(returns: pd.DataFrame, start: pd.Timestamp) -> str:
    """What the data after the streak that began on ``start`` show: its final length and the session that ended it."""
    table = streaks.outperformance_streaks(returns)
    match = table[table["start"] == start]
    if match.empty:
        return ""
    run = match.iloc[0]
    if run["ongoing"]:
        return f"with data to {day(returns.index[-1])} it was still running ({int(run['sessions'])} sessions)"
    index = returns.index
    ender = index[index.get_loc(run["end"]) + 1]
    return f"in all it lasted {int(run['sessions'])} sessions (last winning session {day(run['end'])}); the first session that did not extend it was {day(ender)}"


@kind("streak_length")
def streak_length(ctx: Context, claim: Mapping) -> Measurement:
    """Sessions in the streak in force at ``as_of`` (0 when small caps did not beat large caps that day)."""
    ctx = pair_context(ctx, claim)
    current = ctx.streak
    window = (ctx.returns.index[0], ctx.session)
    if current["sessions"]:
        detail = f"streak in force at {day(ctx.session)}: {_streak_text(current)}"
        after = how_it_ended(ctx.returns, current["start"])
        detail += f"; {after}" if after else ""
    else:
        last = most_recent_streak(ctx.returns, ctx.session)
        detail = f"no streak in force at {day(ctx.session)} (small caps did not beat large caps that session)"
        if last is not None:
            detail += f"; the most recent streak before it: {_streak_text(last)}"
    rows = streaks.streak_sessions(ctx.returns, current["start"], current["end"]) if current["sessions"] else None
    return Measurement(
        value=int(current["sessions"]),
        unit="sessions",
        window=window,
        definition=f"{ctx.small} vs {ctx.large}: length of the streak in force at {day(ctx.session)}; {DEFINITION}",
        detail=detail,
        evidence=rows,
    )


def month_day_window(year: int, text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"01-01 to 01-10"`` in ``year`` -> (first, last) dates."""
    first, last = (pd.Timestamp(f"{year}-{part.strip()}") for part in str(text).split(" to "))
    return first, last


@kind("streak_start")
def streak_start(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: the streak in force at ``as_of`` began within ``params.window`` (month-day range of the as_of year)."""
    ctx = pair_context(ctx, claim)
    p = params(claim)
    first, last = month_day_window(ctx.session.year, p.get("window", "01-01 to 01-10"))
    current = ctx.streak
    start = current["start"] if current["sessions"] else None
    criteria = {
        f"starts on or after {day(first)}": bool(start is not None and start >= first),
        f"starts on or before {day(last)}": bool(start is not None and start <= last),
    }
    detail = (
        f"streak starts {day(start)} ({_streak_text(current)})"
        if start is not None
        else f"no streak in force at {day(ctx.session)}"
    )
    return Measurement(
        value=criteria,
        unit="criteria",
        window=(ctx.returns.index[0], ctx.session),
        definition=f"first session of the {ctx.small} > {ctx.large} streak in force at {day(ctx.session)}; window {p.get('window')} of {ctx.session.year}",
        detail=detail,
    )


def in_months(when: pd.Timestamp | None, year: int, months: tuple[int, int]) -> bool:
    """``when`` falls in ``year`` between the months ``months[0]`` and ``months[1]`` inclusive."""
    return when is not None and when.year == int(year) and int(months[0]) <= when.month <= int(months[1])


@kind("streak_record")
def streak_record(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: the streak at ``as_of`` matches the longest earlier streak; the most recent one at least as long ended in ``params.last_seen``.

    ``params``: ``last_seen: {year: 2008, months: [6, 8]}`` ("last seen in the summer of 2008");
    ``history_start``: optional first date of the history searched (default: the data start).
    """
    p = params(claim)
    ctx = pair_context(ctx, claim)
    returns = ctx.returns_at
    if p.get("history_start"):
        returns = returns.loc[pd.Timestamp(p["history_start"]) :]
        if len(returns) < 2:
            return not_verifiable(f"the history searched starts {p['history_start']}, after as_of {day(ctx.session)}")
    table = streaks.outperformance_streaks(returns)
    current = ctx.streak
    rank = streaks.rank_streak(table, current)
    seen = p.get("last_seen", {})
    last = rank["last_at_least"]
    criteria = {"matches or beats the record": rank["is_record"]}
    if seen:
        months = tuple(seen.get("months", [1, 12]))
        criteria[f"last streak at least as long ended in {seen['year']} (months {months[0]}-{months[1]})"] = in_months(
            last["end"] if last else None, seen["year"], months
        )
    holders = ", ".join(f"{day(a)} to {day(b)}" for a, b in rank["record_streaks"]) or "none"
    detail = (
        f"streak at {day(ctx.session)}: {rank['sessions']} sessions, rank {rank['rank']} of {rank['n_streaks'] + 1}; "
        f"record before it {rank['record_sessions']} sessions ({holders}); most recent at least as long: "
        + (f"{day(last['start'])} to {day(last['end'])} ({last['sessions']} sessions)" if last else "none")
    )
    longest = table.sort_values(["sessions", "end"], ascending=[False, False]).head(int(p.get("top_n", 15)))
    return RecordMeasurement(
        value=criteria,
        unit="criteria",
        window=(returns.index[0], ctx.session),
        definition=f"all {ctx.small} > {ctx.large} streaks from {day(returns.index[0])} to {day(ctx.session)}; {DEFINITION}",
        detail=detail,
        evidence=longest,
        rank=rank,
    )


__all__ = [
    "RecordMeasurement",
    "how_it_ended",
    "in_months",
    "month_day_window",
    "most_recent_streak",
    "streak_length",
    "streak_record",
    "streak_start",
]
