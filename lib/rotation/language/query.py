"""A query: subject, measure, window or event, statistic and comparison with history -> one value.

``query_values(query, load)`` gives the measured value at EVERY date of the subject (look-ahead
free: the value at ``t`` uses data up to ``t``); ``evaluate(query, load, at)`` reads it at one
date and adds the comparison with history, the window's dates and the evidence rows. The
timeline (every claim on every date) reads the same Series; only the comparison with history
and forward outcomes are computed per date (``evaluate_many``).

The syntax of a query is documented in docs/check_another_article.md; ``rotation.language.schema``
checks it before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError
from rotation.language import primitives as P

Loader = Callable[[str], pd.Series]


@dataclass(frozen=True)
class Result:
    """One query read at one date: ``value`` (float, int or bool; None when undefined), the
    session it was read at, the window's base and end dates, ``raw`` (the measured quantity
    before any comparison with history), ``since`` (last earlier date at least as extreme),
    ``n`` (comparables or events), words and evidence rows."""

    value: object
    session: pd.Timestamp
    raw: float | None = None
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None
    since: pd.Timestamp | None = None
    n: int | None = None
    detail: str = ""
    evidence: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def describe(query: Mapping) -> str:
    """The query in words (subject, measure, window, condition, comparison)."""
    if query.get("series"):
        subject = str(query["series"])
    else:
        a, b = query["pair"]
        subject = f"{a}/{b} ratio" if query.get("pair_as") == "ratio" else f"{a} minus {b}"
    parts = [f"{query['measure']} of {subject}"]
    if query.get("window"):
        parts.append("window " + ", ".join(f"{k} {v}" for k, v in dict(query["window"]).items()))
    if query.get("condition") is not None:
        parts.append(f"condition {query['condition']}")
    if query.get("event"):
        parts.append("event " + ", ".join(f"{k} {v}" for k, v in dict(query["event"]).items()))
    if query.get("history"):
        parts.append("against history: " + ", ".join(f"{k} {v}" for k, v in dict(query["history"]).items()))
    return "; ".join(parts)


def query_values(query: Mapping, load: Loader, levels: pd.DataFrame | None = None) -> pd.Series:
    """The measured quantity at every date (before any comparison with history). Forward queries have none (see ``evaluate``)."""
    levels = P.subject_levels(query, load) if levels is None else levels
    measure = str(query["measure"])
    if measure in ("level", "session_return", *P.WINDOW_MEASURES):
        return P.window_values(levels, measure, query.get("window"))
    if measure == "streak":
        return P.streak_values(P.condition_flags(levels, query.get("condition", "beats"))).astype(float)
    if measure == "count":
        flags = P.condition_flags(levels, query.get("condition", "beats"))
        return P.streak_count_values(flags, int(query["min_length"]), query.get("since")).astype(float)
    raise ParameterError(f"measure {measure!r} has no value series")


def resolve_session(index: pd.DatetimeIndex, at: object, max_age_days: int = 7) -> pd.Timestamp:
    """The last date of ``index`` on or before ``at``; ``DataError`` when none, or when it is older than ``max_age_days``."""
    at = pd.Timestamp(at)
    pos = int(index.searchsorted(at, side="right")) - 1
    if pos < 0:
        raise DataError(f"the data start {index[0].date()}, after {at.date()}")
    if (at - index[pos]).days > max_age_days:
        raise DataError(f"the data end {index[pos].date()}, more than {max_age_days} days before {at.date()}")
    return index[pos]


def _streak_history(levels: pd.DataFrame, query: Mapping, session: pd.Timestamp, start: object) -> pd.Series:
    """Lengths of the streaks of the condition that ended before the current one started (indexed by end date)."""
    flags = P.condition_flags(levels.loc[:session], query.get("condition", "beats"))
    table = P.streak_table(flags)
    current_start = (
        table["start"].iloc[-1] if len(table) and table["end"].iloc[-1] == session else session + pd.Timedelta(days=1)
    )
    done = table[table["end"] < current_start]
    if start is not None:
        done = done[done["end"] >= pd.Timestamp(start)]
    return pd.Series(done["sessions"].to_numpy(dtype=float), index=pd.DatetimeIndex(done["end"]), name="streak")


def forward_samples(query: Mapping, known: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """``(events, any_time, words)``: outcome rows after each event and over every base, from ``known`` (data to the claim date).

    Events are streaks of ``beats`` (``event: {min_length, anchor}``, outcome over ``horizon``
    sessions, ``P.event_outcomes``) or calendar windows of every year whose small-minus-large
    return passes a threshold (``event: {window, above|below}``, outcome over ``then``,
    ``P.calendar_outcomes``). ``start``: only events (and any-time bases) from that date on.
    Rows carry ``small``, ``large``, ``relative`` (fractions) and ``independent``.
    """
    if "small" not in known:
        raise ParameterError("measure forward needs a pair read as a spread (pair: [small, large])")
    event = dict(query.get("event") or {})
    start = pd.Timestamp(query["start"]) if query.get("start") else None
    if "window" in event:
        then = query.get("then", "next_year")
        rows = P.calendar_outcomes(known, event["window"], then, event.get("above"), event.get("below"))
        if start is not None:
            rows = rows[rows["event_end"] >= start].reset_index(drop=True)
        passes = (
            f" above {event['above']:g}"
            if "above" in event
            else (f" below {event['below']:g}" if "below" in event else "")
        )
        words = f"years whose window {dict(event['window'])} had small minus large{passes}; outcome {then}"
        return rows[rows["is_event"]].reset_index(drop=True), rows, words
    from rotation.analytics.forward import independent_mask

    horizon = P.horizon_sessions(query.get("horizon", "1m"))
    rows = P.event_outcomes(known, int(event.get("min_length", 1)), horizon, str(event.get("anchor", "first_loss")))
    base = P.any_time_outcomes(known, horizon)
    if start is not None:
        rows = rows[rows["anchor"] >= start].reset_index(drop=True)
        rows["independent"] = independent_mask(rows["anchor_pos"].to_numpy(), horizon) if len(rows) else []
        base = base.loc[start:]
    return rows, base, f"streaks of at least {event.get('min_length', 1)} sessions; outcome over {horizon} sessions"


def _evaluate_forward(query: Mapping, levels: pd.DataFrame, session: pd.Timestamp) -> Result:
    known = levels.loc[:session]
    stat, of = str(query.get("stat", "share_beating")), str(query.get("of", "relative"))
    independent = bool(query.get("independent", False))
    rows, base, words = forward_samples(query, known)
    checked = (
        f"; checked from {known.index[0].date()} only"
        if query.get("start") and pd.Timestamp(query["start"]) < known.index[0]
        else ""
    )
    base_share = P.outcome_stat(base, "share_beating") if len(base) else float("nan")
    base_mean = P.outcome_stat(base, "mean", of) if len(base) else float("nan")
    any_time = f"any-time: share beating {base_share:.3f}, mean {of} {base_mean:.4g} over {len(base)} windows"
    if stat.startswith("base_"):
        value = P.outcome_stat(base, stat.removeprefix("base_"), of)
        return Result(value=value, session=session, raw=value, n=len(base), detail=f"{words}; {any_time}{checked}")
    value = P.outcome_stat(rows, stat, of, independent)
    detail = (
        f"{words}: {len(rows)} earlier events with a complete window ({int(rows['independent'].sum())} independent); "
        f"{stat} = {value:.4g}; {any_time}{checked}"
    )
    evidence = rows.drop(columns=[c for c in ("anchor_pos", "ready_pos", "is_event") if c in rows]).rename(
        columns={"relative": "small minus large"}
    )
    return Result(value=value, session=session, raw=value, n=len(rows), detail=detail, evidence=evidence)


def evaluate(
    query: Mapping,
    load: Loader,
    at: object,
    *,
    levels: pd.DataFrame | None = None,
    values: pd.Series | None = None,
    max_age_days: int = 7,
) -> Result:
    """The query read at date ``at`` (the last date of the subject on or before it), with its comparison with history.

    ``levels``/``values`` may be passed in when already computed (a timeline reads them once).
    """
    levels = P.subject_levels(query, load) if levels is None else levels
    session = resolve_session(levels.index, at, max_age_days)
    if query["measure"] == "forward":
        return _evaluate_forward(query, levels, session)
    values = query_values(query, load, levels) if values is None else values
    raw = values.loc[session]
    raw = None if pd.isna(raw) else float(raw)
    window = None
    if query["measure"] in ("session_return", *P.WINDOW_MEASURES):
        window = P.window_bounds(
            levels, {"sessions": 1} if query["measure"] == "session_return" else query.get("window"), session
        )
    words = describe(query)
    history = query.get("history")
    counting = bool(history) and dict(history).get("stat") == "count"
    if raw is None and not counting:
        return Result(
            value=None,
            session=session,
            window=window,
            detail=f"{words}: not defined at {session.date()} (the window is not complete or not in the data)",
        )
    first = levels.index[0]
    asked_from = (dict(history or {}).get("start") or query.get("since")) if query["measure"] != "forward" else None
    checked = f"; checked from {first.date()} only" if asked_from and pd.Timestamp(asked_from) < first else ""
    if not history:
        return Result(
            value=raw,
            session=session,
            raw=raw,
            window=window,
            detail=f"{words}: {raw:.6g} at {session.date()}{checked}",
        )
    h = dict(history)
    stat, direction = str(h.get("stat", "rank")), str(h.get("direction", "high"))
    among = str(h.get("among", "streaks" if query["measure"] == "streak" else "rolling"))
    if among == "streaks":
        earlier = _streak_history(levels, query, session, h.get("start"))
    else:
        earlier = P.comparables(values, session, among, query.get("window"), h.get("start"))
    within = None
    if h.get("in"):
        from rotation.core.dates import parse_period

        within = parse_period(str(h["in"]))
    got = P.history_stat(raw, earlier, stat, direction, within, h.get("above"), h.get("below"))
    since = got["since"]
    since_text = (
        f"last at least as {'high' if direction == 'high' else 'low'}: {since.date()}"
        if since is not pd.NaT
        else "never before"
    )
    shown = "undefined" if raw is None else f"{raw:.6g}"
    detail = (
        f"{words}: {shown} at {session.date()}; {stat} among {got['n']} earlier comparable values = {got['value']}; "
        f"{since_text}{checked}"
    )
    if counting:
        passed = earlier[earlier > h["above"]] if h.get("above") is not None else earlier[earlier < h["below"]]
        evidence = pd.DataFrame({"date": passed.index, "value": passed.to_numpy()})
        return Result(
            value=got["value"], session=session, raw=raw, window=window, n=got["n"], detail=detail, evidence=evidence
        )
    sign = 1.0 if direction == "high" else -1.0
    top = earlier.iloc[np.argsort(-sign * earlier.to_numpy(), kind="stable")[:10]] if len(earlier) else earlier
    evidence = pd.DataFrame({"date": top.index, "value": top.to_numpy()}) if len(top) else None
    return Result(
        value=got["value"],
        session=session,
        raw=raw,
        window=window,
        since=None if since is pd.NaT else since,
        n=got["n"],
        detail=detail,
        evidence=evidence,
    )


def evaluate_many(query: Mapping, load: Loader, dates: Iterable[object], max_age_days: int = 7) -> pd.DataFrame:
    """The query at many dates (the timeline): columns ``session``, ``value``, ``raw``; the subject and its
    value series are computed once; a date the data cannot reach gives an empty row."""
    levels = P.subject_levels(query, load)
    values = None if query["measure"] == "forward" else query_values(query, load, levels)
    rows = []
    for d in dates:
        try:
            r = evaluate(query, load, d, levels=levels, values=values, max_age_days=max_age_days)
            rows.append({"date": pd.Timestamp(d), "session": r.session, "value": r.value, "raw": r.raw})
        except DataError:
            rows.append({"date": pd.Timestamp(d), "session": pd.NaT, "value": None, "raw": None})
    return pd.DataFrame(rows).set_index("date")


__all__ = ["Result", "describe", "evaluate", "evaluate_many", "query_values", "resolve_session"]
