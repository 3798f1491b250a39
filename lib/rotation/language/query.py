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


def condition_text(condition: object) -> str:
    """A streak or window condition in words: ``beats``, ``rises``, ``falls``, or a minimum move per session
    (``{rises_by: 0.01}`` -> "rises by at least 1% a session"; ``{falls_by_bp: 5}`` -> "falls by at least 5 bp")."""
    if isinstance(condition, str):
        return condition
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return str(condition)
    name, x = next(iter(condition.items()))
    verb = "rises" if str(name).startswith("rises") else "falls"
    amount = f"{float(x):g} bp" if str(name).endswith("_bp") else f"{100 * float(x):g}%"
    return f"{verb} by at least {amount} a session"


def _pairs_text(fields: Mapping) -> str:
    """``key value`` pairs of a query's sub-mapping, conditions in words."""
    return ", ".join(f"{k} {condition_text(v) if k in ('streak', 'condition') else v}" for k, v in dict(fields).items())


def describe(query: Mapping) -> str:
    """The query in words (subject, measure, window, condition, comparison)."""
    if query.get("series"):
        subject = str(query["series"])
    else:
        a, b = query["pair"]
        subject = f"{a}/{b} ratio" if query.get("pair_as") == "ratio" else f"{a} minus {b}"
        if query.get("leg"):
            subject = f"{query['pair'][0 if query['leg'] == 'small' else 1]} (with {a} against {b})"
    parts = [f"{query['measure']} of {subject}"]
    if query.get("lookback"):
        parts.append(f"over {query['lookback']} sessions")
    if query.get("window"):
        parts.append("window " + _pairs_text(query["window"]))
    if query.get("condition") is not None:
        parts.append(f"condition {condition_text(query['condition'])}")
    if query.get("event"):
        parts.append("event " + _pairs_text(query["event"]))
    if query.get("history"):
        parts.append("against history: " + _pairs_text(query["history"]))
    if query.get("over"):
        over = dict(query["over"])
        parts.append(f"{over['stat']} over window " + _pairs_text(over["window"]))
    return "; ".join(parts)


def window_flags(query: Mapping, levels: pd.DataFrame, load: Loader | None = None) -> pd.Series | None:
    """The condition of a streak window (``window: {streak: condition}``) on every date of ``levels``, else None.

    With ``window.pair`` the condition is read on that pair (``beats``: its small leg beat its large
    one) and carried to the subject's dates; a subject date the pair lacks counts as not met.
    """
    window = dict(query.get("window") or {})
    if "streak" not in window:
        return None
    if window.get("pair"):
        if load is None:
            raise ParameterError("window.pair: the series loader is needed")
        other = P.subject_levels({"pair": list(window["pair"])}, load)
        flags = P.condition_flags(other, window["streak"])
        return flags.reindex(levels.index, fill_value=False).astype(bool)
    return P.condition_flags(P.with_leg(levels, query.get("leg")), window["streak"])


def query_values(query: Mapping, load: Loader, levels: pd.DataFrame | None = None) -> pd.Series:
    """The measured quantity at every date (before any comparison with history). Forward queries have none (see ``evaluate``)."""
    levels = P.subject_levels(query, load) if levels is None else levels
    flags = window_flags(query, levels, load)
    levels = P.with_leg(levels, query.get("leg"))
    measure = str(query["measure"])
    if measure == "sessions_meeting":
        condition = P.condition_flags(levels, query.get("condition", "beats"))
        return P.sessions_meeting_values(condition, query["window"], flags)
    if measure in ("level", "session_return", "drawdown", *P.WINDOW_MEASURES, *P.LOOKBACK_MEASURES):
        return P.window_values(levels, measure, query.get("window"), flags, query.get("lookback"))
    if measure == "streak":
        return P.streak_values(P.condition_flags(levels, query.get("condition", "beats"))).astype(float)
    if measure == "count":  # undefined before its since: a count from a later date says nothing yet
        flags = P.condition_flags(levels, query.get("condition", "beats"))
        counts = P.streak_count_values(flags, int(query["min_length"]), query.get("since")).astype(float)
        return counts.where(counts.index >= pd.Timestamp(query["since"])) if query.get("since") else counts
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
    flags = P.condition_flags(P.with_leg(levels.loc[:session], query.get("leg")), query.get("condition", "beats"))
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

    One series (or a ratio pair) is read against a constant: its ``relative`` outcome is its own
    return, and streaks of ``beats`` are its streaks of rises (``event.condition: rises``).
    Events are streaks of ``beats`` (``event: {min_length, anchor}``, outcome over ``horizon``
    sessions, ``P.event_outcomes``) or calendar windows of every year whose small-minus-large
    return passes a threshold (``event: {window, above|below}``, outcome over ``then``,
    ``P.calendar_outcomes``). ``start``: only events (and any-time bases) from that date on.
    Rows carry ``small``, ``large``, ``relative`` (fractions) and ``independent``.
    """
    if "small" not in known:  # one series (or a ratio): its own returns, against a constant (nothing to beat)
        known = pd.DataFrame({"small": known["value"], "large": 1.0}, index=known.index)
    event = dict(query.get("event") or {})
    start = pd.Timestamp(query["start"]) if query.get("start") else None
    if "window" in event and set(event["window"]) & set(P.ROLLING_EVENT_WINDOWS):
        from rotation.analytics.forward import independent_mask

        horizon = P.horizon_sessions(query.get("horizon", "1m"))
        rows = P.crossing_outcomes(known, event["window"], horizon, event.get("above"), event.get("below"))
        base = P.any_time_outcomes(known, horizon)
        if start is not None:
            rows = rows[rows["anchor"] >= start].reset_index(drop=True)
            rows["independent"] = independent_mask(rows["anchor_pos"].to_numpy(), horizon) if len(rows) else []
            base = base.loc[start:]
        side = f"above {event['above']:g}" if "above" in event else f"below {event['below']:g}"
        words = (
            f"sessions where the return over {dict(event['window'])} (small minus large for a pair) first passed {side}; "
            f"outcome over {horizon} sessions"
        )
        return rows, base, words
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
    single = "small" not in known  # one series: its own return, against nothing to beat
    share_words, of_words = (
        ("share positive", "return" if of == "relative" else of) if single else ("share beating", of)
    )
    any_time = f"any-time: {share_words} {base_share:.3f}, mean {of_words} {base_mean:.4g} over {len(base)} windows"
    if stat == "excess_mean":  # after-event mean minus the any-time mean ("beat its typical returns")
        after = P.outcome_stat(rows, "mean", of, independent)
        value = after - base_mean
        detail = f"{words}: mean {of} after {len(rows)} events {after:.4g} minus any-time {base_mean:.4g} = {value:.4g}"
        return Result(value=value, session=session, raw=value, n=len(rows), detail=f"{detail}; {any_time}{checked}")
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


def over_values(query: Mapping, load: Loader | None, levels: pd.DataFrame) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """A query with ``over: {window, stat}``: the inner query's value at every date (after its history
    comparison; booleans as 1/0), reduced by ``stat`` over ``over.window`` ending at each date.

    Returns the reduced Series and the window's base and end positions ("the highest RSI during the
    streak", "a record close at some session of the run", "the median daily spread").
    """
    over = dict(query["over"])
    inner = {k: v for k, v in query.items() if k != "over"}
    values = values_over_dates(inner, levels if load is None else load, levels.index)
    values.index = levels.index
    flags = window_flags({"window": over["window"], "leg": query.get("leg")}, levels, load)
    base, end = P.window_positions(levels.index, over["window"], flags)
    return P.reduce_over_window(values, base, end, str(over["stat"])), base, end


def _evaluate_over(query: Mapping, load: Loader | None, levels: pd.DataFrame, session: pd.Timestamp) -> Result:
    reduced, base, end = over_values(query, load, levels)
    i = levels.index.get_loc(session)
    over = dict(query["over"])
    words = describe(query)
    if base[i] < 0 or pd.isna(reduced.iloc[i]):
        return Result(value=None, session=session, detail=f"{words}: not defined at {session.date()} (no window there)")
    value = float(reduced.iloc[i])
    window = (levels.index[base[i]], levels.index[end[i]])
    detail = f"{words}: {over['stat']} {value:.6g} over the sessions after {window[0].date()} to {window[1].date()}"
    return Result(value=value, session=session, raw=value, window=window, detail=detail)


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
    if query.get("over"):
        return _evaluate_over(query, load, levels, session)
    if query["measure"] == "forward":
        return _evaluate_forward(query, levels, session)
    values = query_values(query, load, levels) if values is None else values
    raw = values.loc[session]
    raw = None if pd.isna(raw) else float(raw)
    window = None
    if query["measure"] in ("session_return", *P.WINDOW_MEASURES) or (
        query.get("window") and query["measure"] == "drawdown"
    ):
        window = P.window_bounds(
            levels,
            {"sessions": 1} if query["measure"] == "session_return" else query.get("window"),
            session,
            window_flags(query, levels, load),
        )
    words = describe(query)
    history = query.get("history")
    counting = bool(history) and dict(history).get("stat") in P.COUNTING_STATS
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
    if h.get("start") and pd.Timestamp(h["start"]) > session:
        return Result(
            value=None,
            session=session,
            raw=raw,
            window=window,
            detail=f"{words}: history.start {h['start']} is after the claim's session {session.date()}: nothing to compare with",
        )
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
    if counting:
        since_text = (
            f"threshold: {'above ' + str(h['above']) if h.get('above') is not None else 'below ' + str(h.get('below'))}"
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


# ---------------------------------------------------------------------------------------------
# The same values on many dates at once (the timeline)


def _running_history(
    query_pos: np.ndarray,
    query_vals: np.ndarray,
    comp_avail: np.ndarray,
    comp_vals: np.ndarray,
    comp_dates: pd.DatetimeIndex,
    h: Mapping,
) -> np.ndarray:
    """``history_stat`` at many query positions at once: a comparable counts for queries at positions >= its ``comp_avail``.

    Comparables are given in date order (their ``comp_avail`` non-decreasing). One pass over
    the queries in position order keeps the comparables so far in a sorted list (rank,
    percentile, record, count) and a strictly decreasing stack (the last at least as extreme:
    since, since_year). Returns floats (booleans as 1.0 / 0.0; NaN where undefined).
    """
    import bisect

    from rotation.core.dates import parse_period

    stat, direction = str(h.get("stat", "rank")), str(h.get("direction", "high"))
    sign = 1.0 if direction == "high" else -1.0
    within = parse_period(str(h["in"])) if h.get("in") else None
    above, below = h.get("above"), h.get("below")
    ok = ~np.isnan(comp_vals)
    comp_avail, comp_vals, comp_dates = comp_avail[ok], comp_vals[ok], comp_dates[ok]
    order = np.argsort(query_pos, kind="stable")
    out = np.full(len(query_pos), np.nan)
    ranked: list[float] = []  # sign * values, sorted
    raw: list[float] = []  # values, sorted (count)
    stack_vals: list[float] = []  # -(sign * value), increasing: sign * value strictly decreasing
    stack_dates: list[pd.Timestamp] = []
    j, tol, run = 0, 1e-12, 0
    for q in order:
        t = query_pos[q]
        while j < len(comp_vals) and comp_avail[j] <= t:
            if stat == "run":
                run = run + 1 if (comp_vals[j] > above if above is not None else comp_vals[j] < below) else 0
            x = sign * comp_vals[j]
            bisect.insort(ranked, x)
            bisect.insort(raw, comp_vals[j])
            while stack_vals and -stack_vals[-1] <= x:
                stack_vals.pop()
                stack_dates.pop()
            stack_vals.append(-x)
            stack_dates.append(comp_dates[j])
            j += 1
        if stat in P.COUNTING_STATS:
            if stat == "run":
                out[q] = run
                continue
            k = len(raw) - bisect.bisect_right(raw, above) if above is not None else bisect.bisect_left(raw, below)
            out[q] = k if stat == "count" else (k / len(raw) if raw else np.nan)
            continue
        v = query_vals[q]
        if np.isnan(v) or not ranked:  # undefined, or no earlier value to compare with
            continue
        v = sign * v
        n = len(ranked)
        if stat == "rank":
            out[q] = 1 + n - bisect.bisect_right(ranked, v + tol)
        elif stat == "record":
            out[q] = float(n - bisect.bisect_right(ranked, v + tol) == 0)
        elif stat == "percentile":
            below_v, ties = (
                bisect.bisect_left(ranked, v),
                bisect.bisect_right(ranked, v) - bisect.bisect_left(ranked, v),
            )
            out[q] = 100.0 * (below_v + 0.5 * (ties + 1)) / (n + 1)
        else:
            k = bisect.bisect_right(stack_vals, -(v - tol))  # stack entries with sign * value >= v - tol
            last = stack_dates[k - 1] if k else None
            if stat == "since_year":
                out[q] = np.nan if last is None else float(last.year)
            elif stat == "since":
                out[q] = float(last is not None and within[0] <= last <= within[1])
            else:
                raise ParameterError(f"history.stat: unknown {stat!r}")
    return out


def _comparable_stream(
    query: Mapping, levels: pd.DataFrame, values: pd.Series
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex] | None:
    """``(available from position, value, date)`` of every comparable, or None when they depend on the query date."""
    h = dict(query.get("history") or {})
    window = dict(query.get("window") or {})
    among = str(h.get("among", "streaks" if query["measure"] == "streak" else "rolling"))
    index = levels.index
    pos = np.arange(len(index))
    start = pd.Timestamp(h["start"]) if h.get("start") else None
    if among == "streaks":
        table = P.streak_table(P.condition_flags(P.with_leg(levels, query.get("leg")), query.get("condition", "beats")))
        avail, vals, dates = (
            table["last"].to_numpy() + 1,
            table["sessions"].to_numpy(dtype=float),
            pd.DatetimeIndex(table["end"]),
        )
    elif among == "rolling":
        avail, vals, dates = pos + 1, values.to_numpy(dtype=float), index
    elif among == "every_period" or (among == "same_period" and {"first_sessions", "dates"} & set(window)):
        code = P.PERIODS[str(window.get("period", "month"))] if among == "every_period" else "Y"
        keys = index.to_period(code).asi8
        last = np.concatenate((keys[1:] != keys[:-1], [False]))  # the last session of every COMPLETE period
        avail, vals, dates = pos[last] + 1, values.to_numpy(dtype=float)[last], index[last]
    else:
        return None
    if start is not None:
        keep = dates >= start
        avail, vals, dates = avail[keep], vals[keep], dates[keep]
    return avail, vals, dates


def _same_day_history(query: Mapping, values: pd.Series, positions: np.ndarray) -> np.ndarray:
    """``same_period`` history of a period-to-date window at many positions: a (dates x earlier years) matrix.

    For the session at each position, the comparable of an earlier year is the value at that year's
    last defined session on or before the same month and day, kept when it falls in the same
    calendar period (``P.comparables``); then ``history_stat`` row by row, vectorised.
    """
    h = dict(query.get("history") or {})
    stat, sign = str(h.get("stat", "rank")), 1.0 if h.get("direction", "high") == "high" else -1.0
    code = P.PERIODS[str(dict(query["window"])["period"])]
    valid = values.dropna()
    if h.get("start"):
        valid = valid.loc[pd.Timestamp(h["start"]) :]
    at = values.index[positions]
    out = np.full(len(positions), np.nan)
    if valid.empty:
        return np.zeros(len(positions)) if stat in ("count", "run") else out  # share: undefined
    years = np.arange(valid.index[0].year, at.year.max() + 1) if len(at) else np.arange(0)
    vals = np.full((len(at), len(years)), np.nan)
    dates = np.full((len(at), len(years)), np.datetime64("NaT"), dtype="datetime64[ns]")
    for k, y in enumerate(years):
        day = np.minimum(at.day, pd.to_datetime({"year": y, "month": at.month, "day": 1}).dt.days_in_month.to_numpy())
        wanted = pd.to_datetime({"year": np.full(len(at), y), "month": at.month, "day": day})
        p = valid.index.searchsorted(pd.DatetimeIndex(wanted), side="right") - 1
        found = valid.index[np.maximum(p, 0)]
        ok = (p >= 0) & (found.year == y) & (at.year != y) & (found < at)
        ok &= found.to_period(code).asi8 == pd.DatetimeIndex(wanted).to_period(code).asi8
        vals[:, k] = np.where(ok, valid.to_numpy()[np.maximum(p, 0)], np.nan)
        dates[:, k] = np.where(ok, found.to_numpy(), np.datetime64("NaT"))
    if stat in P.COUNTING_STATS:
        x = vals
        with np.errstate(invalid="ignore"):
            passed = x > h["above"] if h.get("above") is not None else x < h["below"]
        if stat == "count":
            return np.sum(passed & ~np.isnan(x), axis=1).astype(float)
        if stat == "share":
            n = np.sum(~np.isnan(x), axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(n > 0, np.sum(passed & ~np.isnan(x), axis=1) / n, np.nan)
        run, alive = np.zeros(len(x)), np.ones(len(x), dtype=bool)
        for k in range(x.shape[1] - 1, -1, -1):  # from the latest year back; a year without a value is skipped
            present = ~np.isnan(x[:, k])
            alive &= ~present | passed[:, k]
            run += alive & present
        return run
    v = sign * values.to_numpy(dtype=float)[positions][:, None]
    x, tol = sign * vals, 1e-12
    n = np.sum(~np.isnan(x), axis=1)
    with np.errstate(invalid="ignore"):
        if stat == "rank":
            out = 1.0 + np.sum(x > v + tol, axis=1)
        elif stat == "record":
            out = (np.sum(x > v + tol, axis=1) == 0).astype(float)
        elif stat == "percentile":
            out = 100.0 * (np.sum(x < v, axis=1) + 0.5 * (np.sum(x == v, axis=1) + 1)) / (n + 1)
        else:
            stamps = np.where(x >= v - tol, dates.view("i8"), np.iinfo(np.int64).min)  # NaT is the smallest int64
            last = pd.DatetimeIndex(stamps.max(axis=1) if stamps.shape[1] else np.full(len(x), np.iinfo(np.int64).min))
            if stat == "since_year":
                out = np.where(np.isnan(last.year), np.nan, last.year)
            elif stat == "since":
                from rotation.core.dates import parse_period

                first, final = parse_period(str(h["in"]))
                out = ((last >= first) & (last <= final)).astype(float)
            else:
                raise ParameterError(f"history.stat: unknown {stat!r}")
    return np.where(np.isnan(v[:, 0]) | (n == 0), np.nan, out)  # no earlier value: nothing to compare with


def _forward_over_positions(query: Mapping, levels: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """The forward statistic at each position: the samples grow as outcome windows close (each read once per size)."""
    stat, of = str(query.get("stat", "share_beating")), str(query.get("of", "relative"))
    if stat == "excess_mean":
        return _forward_over_positions({**query, "stat": "mean"}, levels, positions) - _forward_over_positions(
            {**query, "stat": "base_mean"}, levels, positions
        )
    rows, base, _ = forward_samples(query, levels)
    use_base = stat.startswith("base_")
    sample = base if use_base else rows
    if "ready_pos" in sample:
        ready = sample["ready_pos"].to_numpy()
    elif use_base:  # any-time rows of streak events: base session t is known once t + h has closed
        ready = levels.index.get_indexer(sample.index) + P.horizon_sessions(query.get("horizon", "1m"))
    else:
        ready = sample["anchor_pos"].to_numpy() + 1 + P.horizon_sessions(query.get("horizon", "1m"))
    order = np.argsort(ready, kind="stable")
    sample, ready = sample.iloc[order].reset_index(drop=not use_base), ready[order]
    sizes = np.searchsorted(ready, positions, side="right")
    name = stat.removeprefix("base_")
    independent = bool(query.get("independent", False))
    out = np.full(len(positions), np.nan)
    if use_base and name in ("mean", "n", "share_beating", "share_positive", "n_beating", "n_positive"):
        col = "relative" if name in ("share_beating", "n_beating") else of
        x = sample[col].to_numpy()
        flag = x > 0
        cum = np.concatenate(([0.0], np.cumsum(x if name == "mean" else flag)))
        k = sizes.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = {"mean": cum[sizes] / k, "n": k}.get(
                name, cum[sizes] / k if name.startswith("share") else cum[sizes]
            )
        return np.where((k > 0) | (name == "n"), value, np.nan)
    for k in np.unique(sizes):  # the independent mask is greedy in time order: the same on every prefix
        out[sizes == k] = P.outcome_stat(sample.iloc[:k], name, of, independent)
    return out


def values_over_dates(
    query: Mapping, frame: pd.DataFrame | Loader, dates: Iterable[object], max_age_days: int = 7
) -> pd.Series:
    """The query's value (``evaluate(query, ..., d).value``) at every date of ``dates``, computed at once.

    ``frame``: the subject's levels (``P.subject_levels``) or a loader. Each date reads the last
    session on or before it (NaN when none, or older than ``max_age_days``). Values are floats in
    the query's unit (ranks, percentiles, counts, sessions, fractions, years; ``record``/``since``
    as 1.0 / 0.0; NaN where undefined). Rolling, every-period, yearly and streak histories and
    forward outcomes are computed in one pass over the dates; a ``same_period`` history of a
    period-to-date window (its comparables move with the calendar day) is read date by date.
    Equal to the date-by-date evaluation (tested on random dates).
    """
    levels = frame if isinstance(frame, pd.DataFrame) else P.subject_levels(query, frame)
    dates = pd.DatetimeIndex([pd.Timestamp(d) for d in dates])
    index = levels.index
    pos = index.searchsorted(dates, side="right") - 1
    reachable = pos >= 0
    age = np.where(reachable, (dates - index[np.maximum(pos, 0)]).days, 0)
    reachable &= age <= max_age_days
    out = np.full(len(dates), np.nan)
    qpos = pos[reachable]
    if query.get("over"):
        reduced, _, _ = over_values(query, None if isinstance(frame, pd.DataFrame) else frame, levels)
        out[reachable] = reduced.to_numpy(dtype=float)[qpos]
        return pd.Series(out, index=dates, name="value")
    if query["measure"] == "forward":
        out[reachable] = _forward_over_positions(query, levels, qpos)
        return pd.Series(out, index=dates, name="value")
    values = query_values(query, None if isinstance(frame, pd.DataFrame) else frame, levels)
    h = dict(query.get("history") or {})
    if not h:
        out[reachable] = values.to_numpy(dtype=float)[qpos]
        return pd.Series(out, index=dates, name="value")
    if h.get("start"):  # a date before the history's start has nothing to compare with
        reachable &= ~(np.asarray(index[np.maximum(pos, 0)]) < np.datetime64(pd.Timestamp(h["start"])))
        qpos = pos[reachable]
    stream = _comparable_stream(query, levels, values)
    if stream is None:
        out[reachable] = _same_day_history(query, values, qpos)
        return pd.Series(out, index=dates, name="value")
    out[reachable] = _running_history(qpos, values.to_numpy(dtype=float)[qpos], *stream, h)
    return pd.Series(out, index=dates, name="value")


__all__ = [
    "Result",
    "describe",
    "evaluate",
    "evaluate_many",
    "forward_samples",
    "query_values",
    "resolve_session",
    "values_over_dates",
]
