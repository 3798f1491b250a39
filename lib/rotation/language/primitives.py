"""Primitives of the claim language, vectorised over dates.

Every primitive works on a *subject*: one series (``series: rut``) or a pair (``pair: [rut,
spx]``), as a frame of levels on its own observation dates (a pair on the dates both have).
Each returns a Series over ALL dates of the subject, whose value at date ``t`` uses data up to
``t`` only; a claim at one date reads that Series at the date (``value_at``). So the timeline
of a claim is the same computation read at every date.

Units: simple and log returns are fractions (0.018 = 1.8 %); ``change_bp`` is in basis points
(``(end - base) * 100`` of a series quoted in percent); levels are the series' own unit; streak
lengths and counts are sessions / numbers of streaks; ``mean_return`` is a fraction per session;
``annualized_return`` and ``volatility`` are fractions per year;
``rise_from_low`` and ``drawdown`` are fractions; ``rsi`` is in points (0 to 100);
``above_average`` is a fraction (0.08: the close 8 % above its moving average). A window's return runs from the close of
its *base* session to the close of its *end* session (``rotation.analytics.returns`` conventions). For a
pair read as ``spread`` a return is small minus large (difference of the two window returns);
read as ``ratio`` the pair is the single series ``small / large``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation.analytics.returns import percentile_rank
from rotation.analytics.streaks import run_lengths, streak_in_force
from rotation.core.errors import DataError, ParameterError

MEASURES = (
    "level",
    "session_return",
    "return",
    "log_return",
    "change_bp",
    "streak",
    "count",
    "sessions_meeting",
    "mean_return",
    "annualized_return",
    "volatility",
    "rise_from_low",
    "drawdown",
    "rsi",
    "above_average",
    "forward",
)
WINDOW_MEASURES = (  # measures over a window (``window:`` required)
    "return",
    "log_return",
    "change_bp",
    "sessions_meeting",
    "mean_return",
    "annualized_return",
    "volatility",
    "rise_from_low",
)
LOOKBACK_MEASURES = ("rsi", "above_average")  # indicators over a trailing number of sessions (``lookback:``)
COUNTING_STATS = ("count", "run", "share")  # history statistics over a threshold (``above`` / ``below``)
PERIODS = {"month": "M", "quarter": "Q", "ytd": "Y", "year": "Y"}
HORIZONS = {"1w": 5, "2w": 10, "4w": 20, "1m": 21, "2m": 42, "3m": 63, "6m": 126, "9m": 189, "12m": 252, "1y": 252}


# ---------------------------------------------------------------------------------------------
# Subjects


def with_leg(levels: pd.DataFrame, leg: str | None) -> pd.DataFrame:
    """A spread pair's frame with column ``value`` set to one of its legs (``small`` or ``large``).

    The measure then reads that leg, while ``beats`` conditions and streak windows still read the
    pair ("the Russell 2000 gained 7 % during its streak against the S&P 500").
    """
    if leg is None:
        return levels
    if "small" not in levels:
        raise ParameterError("leg: only with a pair read as a spread")
    return levels.assign(value=levels[str(leg)])


def subject_levels(query: Mapping, load: Callable[[str], pd.Series]) -> pd.DataFrame:
    """The subject's levels: column ``value`` (a series or a ratio pair) or ``small``/``large`` (a spread pair).

    ``load(series_id)`` returns a price/level Series; missing observations are dropped, and a
    pair keeps only the dates both series have.
    """
    if query.get("series") is not None:
        s = load(str(query["series"])).dropna()
        return pd.DataFrame({"value": s.astype(float)})
    small_id, large_id = (str(x) for x in query["pair"])
    small, large = load(small_id).dropna(), load(large_id).dropna()
    common = small.index.intersection(large.index)
    if len(common) < 2:
        raise DataError(f"series {small_id!r} and {large_id!r} share fewer than two dates")
    frame = pd.DataFrame({"small": small.loc[common].astype(float), "large": large.loc[common].astype(float)})
    if query.get("pair_as", "spread") == "ratio":
        return pd.DataFrame({"value": frame["small"] / frame["large"]})
    return frame


# ---------------------------------------------------------------------------------------------
# Windows: for each date t, the base and end positions of the window the claim at t is about


def _period_start_pos(index: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Position of the first session of each date's calendar period (month, quarter or year)."""
    keys = index.to_period(PERIODS[period]).asi8
    change = np.concatenate(([True], keys[1:] != keys[:-1]))
    return np.maximum.accumulate(np.where(change, np.arange(len(index)), 0))


def _pos_on_or_before(index: pd.DatetimeIndex, when: object) -> int:
    """Position of the last date of ``index`` on or before ``when`` (-1 when none)."""
    return int(index.searchsorted(pd.Timestamp(when), side="right")) - 1


def window_positions(
    index: pd.DatetimeIndex, window: Mapping | None, flags: pd.Series | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(base, end)`` integer positions, one pair per date of ``index`` (-1 where the window is not defined at that date).

    Windows: ``{sessions: N}`` the N sessions ending at the date; ``{months: N}`` from the last
    session on or before the same calendar day N months earlier; ``{period: month|quarter|ytd|year}``
    the period to date (base: last session of the previous period); ``{first_sessions: N}`` the
    first N sessions of the date's year (defined once the Nth has closed); ``{dates: "MM-DD to
    MM-DD"}`` the same calendar window of the date's year (``yearly_windows``; defined once it is
    complete, up to the year's end); ``{from: D}`` from
    the close of D (or the last session before it) to the date; ``{from: D, to: E}`` fixed.
    ``None``: one session (base = previous session).
    """
    n = len(index)
    pos = np.arange(n)
    window = dict(window or {"sessions": 1})
    base = np.full(n, -1)
    end = pos.copy()
    if "sessions" in window:
        base = pos - int(window["sessions"])
    elif "months" in window:
        then = index - pd.DateOffset(months=int(window["months"]))
        base = index.searchsorted(then, side="right") - 1
        base = np.where(base < pos, base, -1)
    elif "period" in window:
        base = _period_start_pos(index, str(window["period"])) - 1
    elif "first_sessions" in window:
        k = int(window["first_sessions"])
        first = _period_start_pos(index, "year")
        end = first + k - 1
        same_year = np.zeros(n, dtype=bool)
        inside = end < n
        same_year[inside] = index.year[np.minimum(end, n - 1)][inside] == index.year[inside]
        ok = same_year & (pos >= end)
        base = np.where(ok, first - 1, -1)
        end = np.where(ok, end, -1)
    elif "dates" in window:
        table = yearly_windows(index, window)
        row = index.year - index.year[0]
        b, e, ready = (table[c].to_numpy()[row] for c in ("base_pos", "end_pos", "ready_pos"))
        ok = (ready >= 0) & (pos >= ready) & (b >= 0)
        base, end = np.where(ok, b, -1), np.where(ok, e, -1)
    elif "streak" in window:
        if flags is None:
            raise ParameterError("window.streak: the condition's flags are needed (condition_flags)")
        length = streak_values(flags).to_numpy().astype(int)
        base = np.where(length > 0, pos - length, -1)
    elif "from" in window:
        b = _pos_on_or_before(index, window["from"])
        if "to" in window:
            e = _pos_on_or_before(index, window["to"])
            ok = (pos >= e) & (e > b)
            end = np.where(ok, e, -1)
        else:
            ok = pos > b
        base = np.where(ok & (b >= 0), b, -1)
    else:
        raise ParameterError(
            f"window: expected sessions, period, first_sessions, dates, streak or from, got {sorted(window)}"
        )
    bad = (base < 0) | (end < 0) | (end > pos)
    return np.where(bad, -1, base), np.where(bad, -1, end)


# ---------------------------------------------------------------------------------------------
# Calendar windows that recur in every year


def month_days(spec: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """``"MM-DD to MM-DD"`` -> ((month, day), (month, day)); the first must not be after the second."""
    parts = str(spec).split(" to ")
    try:
        (m1, d1), (m2, d2) = ((int(x) for x in p.split("-")) for p in parts)
        pd.Timestamp(year=2000, month=m1, day=d1), pd.Timestamp(year=2000, month=m2, day=d2)
    except (ValueError, TypeError):
        raise ParameterError(f"window.dates: expected 'MM-DD to MM-DD', got {spec!r}") from None
    if len(parts) != 2 or (m1, d1) > (m2, d2):
        raise ParameterError(f"window.dates: expected 'MM-DD to MM-DD' inside one calendar year, got {spec!r}")
    return (m1, d1), (m2, d2)


def _calendar_day(year: int, month_day: tuple[int, int]) -> pd.Timestamp:
    """``month_day`` in ``year``; 29 February in a common year reads as 28 February."""
    month, day = month_day
    return pd.Timestamp(year=year, month=month, day=min(day, pd.Timestamp(year=year, month=month, day=1).days_in_month))


def _ready(index: pd.DatetimeIndex, end_pos: int, end_day: pd.Timestamp) -> int:
    """The first position at which a window ending on calendar day ``end_day`` is known complete (-1: not yet).

    The window's last session ``end_pos`` (the last on or before ``end_day``) completes it when no
    weekday lies after it up to ``end_day``; otherwise the next session in the data does.
    """
    gap = pd.bdate_range(index[end_pos] + pd.Timedelta(days=1), end_day)
    if len(gap) == 0:
        return end_pos
    return end_pos + 1 if end_pos + 1 < len(index) else -1


def yearly_windows(index: pd.DatetimeIndex, window: Mapping, then: object = None) -> pd.DataFrame:
    """One calendar window per year of ``index``: columns ``year``, ``base_pos``, ``end_pos``, ``ready_pos`` (-1: undefined).

    ``window``: ``{dates: "MM-DD to MM-DD"}`` (base: the last session BEFORE the first day; end:
    the last session on or before the last day), ``{first_sessions: N}`` (base: the previous
    year's last session; end: the Nth session of the year) or ``{period: year|ytd}`` (the whole
    year). ``ready_pos``: the position from which the window is known complete (``_ready``).
    Positions are integer positions in ``index``; one row per year from the first to the last.
    ``then`` (an outcome window after this one, see ``outcome_windows``) is not taken here.
    """
    years = np.arange(index[0].year, index[-1].year + 1)
    rows = []
    n = len(index)
    for y in years:
        base = end = ready = -1
        if "first_sessions" in window:
            first = int(index.searchsorted(pd.Timestamp(year=int(y), month=1, day=1)))
            e = first + int(window["first_sessions"]) - 1
            if first > 0 and e < n and index[e].year == y:
                base, end, ready = first - 1, e, e
        else:
            if "dates" in window:
                start_md, end_md = month_days(str(window["dates"]))
            elif window.get("period") in ("year", "ytd"):
                start_md, end_md = (1, 1), (12, 31)
            else:
                raise ParameterError(
                    f"a window in every year: use dates, first_sessions or period year, got {dict(window)}"
                )
            first_day, last_day = _calendar_day(int(y), start_md), _calendar_day(int(y), end_md)
            b = int(index.searchsorted(first_day)) - 1
            e = _pos_on_or_before(index, last_day)
            if b >= 0 and e > b:
                base, end, ready = b, e, _ready(index, e, last_day)
        rows.append({"year": int(y), "base_pos": base, "end_pos": end, "ready_pos": ready if end >= 0 else -1})
    return pd.DataFrame(rows)


def yearly_values(levels: pd.DataFrame, measure: str, window: Mapping) -> pd.DataFrame:
    """The value of a calendar window in every year: ``year``, ``base``, ``end`` (dates), ``ready_pos``, ``value``.

    ``value`` as ``window_values`` (a return or change from the base close to the end close;
    small minus large for a spread pair); only years whose window is defined in the data.
    """
    index = levels.index
    t = yearly_windows(index, window)
    t = t[t["end_pos"] >= 0].reset_index(drop=True)
    b, e = t["base_pos"].to_numpy(), t["end_pos"].to_numpy()
    value = _over_window(levels, b, e, measure)
    return t.assign(base=index[b], end=index[e], value=value)[["year", "base", "end", "ready_pos", "value"]]


# ---------------------------------------------------------------------------------------------
# Values


def _change(values: np.ndarray, base: np.ndarray, end: np.ndarray, measure: str) -> np.ndarray:
    ok = (base >= 0) & (end >= 0)
    b, e = values[np.where(ok, base, 0)], values[np.where(ok, end, 0)]
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure in ("return", "session_return"):
            out = e / b - 1.0
        elif measure == "log_return":
            out = np.log(e / b)
        elif measure == "change_bp":
            out = (e - b) * 100.0
        else:
            raise ParameterError(f"measure {measure!r} is not a change over a window")
    return np.where(ok, out, np.nan)


def range_extreme(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, kind: str) -> np.ndarray:
    """The minimum (``kind="min"``) or maximum of ``values[lo:hi + 1]`` for each pair of positions (NaN where ``lo > hi``).

    A sparse table: O(n log n) to build, O(1) per range, so every date's window is read at once.
    Missing values (NaN) are skipped; a range of missing values only gives NaN.
    """
    fn = np.fmin if kind == "min" else np.fmax  # a missing value is skipped (NaN only when all are)
    values = np.asarray(values, dtype=float)
    levels = [values]
    while 2 ** len(levels) <= len(values):
        prev, half = levels[-1], 2 ** (len(levels) - 1)
        levels.append(fn(prev[:-half], prev[half:]))
    lo, hi = np.asarray(lo), np.asarray(hi)
    ok = (lo >= 0) & (hi >= lo)
    length = np.where(ok, hi - lo + 1, 1)
    k = np.floor(np.log2(length)).astype(int)
    out = np.full(len(lo), np.nan)
    for j in np.unique(k[ok]):
        sel = ok & (k == j)
        table = levels[j]
        out[sel] = fn(table[lo[sel]], table[hi[sel] - 2**j + 1])
    return out


REDUCTIONS = ("max", "min", "mean", "median")


def reduce_over_window(values: pd.Series, base: np.ndarray, end: np.ndarray, stat: str) -> pd.Series:
    """``stat`` of ``values`` over the sessions after ``base`` up to ``end`` (positions), at every date.

    ``max``/``min`` (``range_extreme``), ``mean`` and ``median`` of the values present (missing values
    skipped); NaN where the window is undefined (``base < 0``) or holds no value.
    """
    x = values.to_numpy(dtype=float)
    ok = (base >= 0) & (end > base)
    lo, hi = np.where(ok, base + 1, -1), np.where(ok, end, -1)
    if stat in ("max", "min"):
        out = range_extreme(x, lo, hi, stat)
    elif stat == "mean":
        present = ~np.isnan(x)
        total = np.concatenate(([0.0], np.cumsum(np.where(present, x, 0.0))))
        count = np.concatenate(([0], np.cumsum(present)))
        n = np.where(ok, count[np.maximum(hi, 0) + 1] - count[np.maximum(lo, 0)], 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(n > 0, (total[np.maximum(hi, 0) + 1] - total[np.maximum(lo, 0)]) / n, np.nan)
    elif stat == "median":
        out = np.full(len(x), np.nan)
        for i in np.flatnonzero(ok):
            part = x[lo[i] : hi[i] + 1]
            part = part[~np.isnan(part)]
            out[i] = np.median(part) if part.size else np.nan
    else:
        raise ParameterError(f"over.stat: expected one of {', '.join(REDUCTIONS)}, got {stat!r}")
    return pd.Series(out, index=values.index, name=f"{stat} over window")


def _extreme_change(values: np.ndarray, base: np.ndarray, end: np.ndarray, measure: str) -> np.ndarray:
    """``rise_from_low``: end close over the lowest close from the base to the session before the end, minus 1;
    ``drawdown``: end close over the highest close from the base to the end, minus 1 (fractions)."""
    ok = (base >= 0) & (end >= 0)
    e = values[np.where(ok, end, 0)]
    if measure == "rise_from_low":
        low = range_extreme(values, np.where(ok, base, -1), end - 1, "min")
        return np.where(ok, e / low - 1.0, np.nan)
    high = range_extreme(values, np.where(ok, base, -1), end, "max")
    return np.where(ok, e / high - 1.0, np.nan)


def _mean_session_return(values: np.ndarray, base: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Arithmetic mean of the one-session returns of the sessions after ``base`` up to ``end`` (fraction per session)."""
    daily = pd.Series(np.concatenate(([np.nan], values[1:] / values[:-1] - 1.0)))
    return reduce_over_window(daily, base, end, "mean").to_numpy()


MIN_ANNUALIZED_DAYS = 365  # annualized returns over windows of at least a year


def _annualized(values: np.ndarray, dates: pd.DatetimeIndex, base: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``(end close / base close) ** (365.25 / calendar days between them) - 1`` (fraction per year); undefined
    for windows shorter than ``MIN_ANNUALIZED_DAYS``."""
    ok = (base >= 0) & (end > base)
    b, e = np.where(ok, base, 0), np.where(ok, end, 1)
    days = (dates.to_numpy()[e] - dates.to_numpy()[b]) / np.timedelta64(1, "D")
    ok &= days >= MIN_ANNUALIZED_DAYS  # a shorter window's annual rate is an extrapolation, not a measurement
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, (values[e] / values[b]) ** (365.25 / days) - 1.0, np.nan)


def _volatility(daily: np.ndarray, base: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Standard deviation (ddof 1) of the daily returns after ``base`` up to ``end``, times sqrt(252) (fraction per year)."""
    x = np.concatenate(([0.0], daily[1:]))
    s1, s2 = np.cumsum(x), np.cumsum(x * x)
    ok = (base >= 0) & (end - base >= 2)
    b, e = np.where(ok, base, 0), np.where(ok, end, 2)
    n = e - b
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (s1[e] - s1[b]) / n
        var = ((s2[e] - s2[b]) - n * mean * mean) / (n - 1)
        return np.where(ok, np.sqrt(np.maximum(var, 0.0) * 252.0), np.nan)


def _over_window(levels: pd.DataFrame, base: np.ndarray, end: np.ndarray, measure: str) -> np.ndarray:
    """A window measure of one series (column ``value``) or small minus large (a spread pair)."""

    if measure == "volatility":  # of one series' daily log returns, or of a spread pair's daily return difference
        if "value" in levels:
            daily = np.log(levels["value"].to_numpy(dtype=float))
            daily = np.concatenate(([0.0], np.diff(daily)))
        else:
            r = levels[["small", "large"]].pct_change().fillna(0.0)
            daily = (r["small"] - r["large"]).to_numpy()
        return _volatility(daily, base, end)

    def one(values: np.ndarray) -> np.ndarray:
        if measure == "mean_return":
            return _mean_session_return(values, base, end)
        if measure == "annualized_return":
            return _annualized(values, levels.index, base, end)
        if measure in ("rise_from_low", "drawdown"):
            return _extreme_change(values, base, end, measure)
        return _change(values, base, end, measure)

    if "value" in levels:
        return one(levels["value"].to_numpy(dtype=float))
    if measure in ("rise_from_low", "drawdown"):
        raise ParameterError(f"measure {measure} of a pair: set pair_as: ratio, or leg: small|large")
    return one(levels["small"].to_numpy(dtype=float)) - one(levels["large"].to_numpy(dtype=float))


def window_values(
    levels: pd.DataFrame,
    measure: str,
    window: Mapping | None = None,
    flags: pd.Series | None = None,
    lookback: int | None = None,
) -> pd.Series:
    """The measured value at every date: a level, an indicator, a one-session return, or a measure over ``window``.

    ``level``; ``session_return``; over a window: ``return``, ``log_return``, ``change_bp``,
    ``mean_return`` (mean one-session return), ``annualized_return`` (the window's growth over its
    calendar days, ``(end / base) ** (365.25 / days) - 1``), ``volatility`` (standard deviation of
    the daily log returns, or of a spread pair's daily return difference, times sqrt(252)), ``rise_from_low`` (end close over the lowest close
    from the base up to the session before the end, minus 1: the largest gain ending at the date; like
    every window measure it is undefined where the window reaches before the data, where the ``max_gain``
    kind, ``analytics.spread.max_trailing_gain_series``, takes the shorter windows the data hold),
    ``drawdown`` (end close over the highest close from the base to the end, minus 1; without a
    window, since the first close); over ``lookback`` sessions: ``rsi`` (Wilder, points) and
    ``above_average`` (close over its simple moving average, minus 1). A spread pair gives small
    minus large for returns and changes; its level and indicators are refused (read it as a
    ratio, or one leg). ``flags``: the window's condition (``window.streak``).
    """
    from rotation.analytics.technicals import ma_distance, rsi_wilder

    index = levels.index
    if measure in ("level", *LOOKBACK_MEASURES) or (measure == "drawdown" and not window):
        if "value" not in levels:
            raise ParameterError(
                f"measure {measure} of a pair: set pair_as: ratio (small / large), or leg: small|large"
            )
        v = levels["value"]
        if measure == "level":
            return v.rename("level")
        if measure == "drawdown":
            return (v / v.cummax() - 1.0).rename("drawdown")
        if lookback is None:
            raise ParameterError(f"measure {measure}: lookback (sessions) is needed")
        out = rsi_wilder(v, int(lookback)) if measure == "rsi" else ma_distance(v, int(lookback))
        return out.where(np.isfinite(out)).rename(measure)  # an average of zero: undefined
    if measure == "session_return":
        window = {"sessions": 1}
    base, end = window_positions(index, window, flags)
    out = _over_window(levels, base, end, measure)
    return pd.Series(np.where(np.isfinite(out), out, np.nan), index=index, name=measure)  # a zero base: undefined


def window_bounds(
    levels: pd.DataFrame, window: Mapping | None, at: pd.Timestamp, flags: pd.Series | None = None
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The base and end dates of the window a claim at session ``at`` is about (None where undefined)."""
    base, end = window_positions(levels.index, window, flags)
    i = levels.index.get_loc(at)
    return None if base[i] < 0 else (levels.index[base[i]], levels.index[end[i]])


# ---------------------------------------------------------------------------------------------
# Conditions and streaks


def condition_flags(levels: pd.DataFrame, condition: object) -> pd.Series:
    """Whether the condition held on each session (the first date, without a previous close, is False).

    ``beats`` (pair: small's daily return > large's), ``rises``/``falls`` (daily change > 0 / < 0),
    ``{rises_by: x}`` / ``{falls_by: x}`` (daily return >= x / <= -x, fractions),
    ``{rises_by_bp: b}`` / ``{falls_by_bp: b}`` (daily change of a rate >= b bp / <= -b bp).
    """
    if condition == "beats":
        if "small" not in levels:
            raise ParameterError("condition beats needs a pair (pair: [small, large])")
        r = levels[["small", "large"]].pct_change()
        flags = r["small"] > r["large"]
    else:
        if "value" not in levels:
            raise ParameterError(f"condition {condition!r} is about one series: use series: or pair_as: ratio")
        v = levels["value"]
        name, x = (condition, None) if isinstance(condition, str) else next(iter(dict(condition).items()))
        if name == "rises":
            flags = v.diff() > 0
        elif name == "falls":
            flags = v.diff() < 0
        elif name == "rises_by":
            flags = v.pct_change() >= float(x) - 1e-12
        elif name == "falls_by":
            flags = v.pct_change() <= -float(x) + 1e-12
        elif name == "rises_by_bp":
            flags = v.diff() * 100.0 >= float(x) - 1e-9
        elif name == "falls_by_bp":
            flags = v.diff() * 100.0 <= -float(x) + 1e-9
        else:
            raise ParameterError(f"condition: unknown {name!r}")
    return flags.fillna(False).astype(bool).rename("condition")


def streak_values(flags: pd.Series) -> pd.Series:
    """Length (sessions) of the streak of the condition in force at each date; 0 where it did not hold."""
    return streak_in_force(flags.astype(float))


def streak_count_values(flags: pd.Series, min_length: int, since: object = None) -> pd.Series:
    """At each date: how many streaks reached ``min_length`` sessions on a date from ``since`` to that date.

    A streak counts once, on the session it reaches ``min_length`` (a streak still running counts).
    """
    reach = streak_values(flags).to_numpy() == int(min_length)
    if since is not None:
        reach &= flags.index >= pd.Timestamp(since)
    return pd.Series(np.cumsum(reach), index=flags.index, name="count")


def sessions_meeting_values(flags: pd.Series, window: Mapping, window_flags: pd.Series | None = None) -> pd.Series:
    """At each date: how many sessions of ``window`` (after its base, to its end) met the condition (a count of sessions).

    "For each of the first 14 sessions of the year" is ``window: {first_sessions: 14}`` with a
    value of 14; NaN where the window is not defined at the date (``window_positions``; a streak
    window reads ``window_flags``).
    """
    base, end = window_positions(flags.index, window, window_flags)
    held = np.concatenate(([0], np.cumsum(flags.to_numpy(dtype=int))))  # held[i + 1]: sessions 0..i that met it
    ok = (base >= 0) & (end >= 0)
    out = np.where(ok, held[np.maximum(end, 0) + 1] - held[np.maximum(base, 0) + 1], np.nan)
    return pd.Series(out, index=flags.index, name="sessions_meeting")


def streak_table(flags: pd.Series) -> pd.DataFrame:
    """Every streak of the condition: ``start``, ``end``, ``sessions``, ``first``/``last`` positions."""
    runs = run_lengths(flags)
    return runs[runs["value"]].drop(columns="value").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Comparison with history


def comparables(
    values: pd.Series, at: pd.Timestamp, among: str, window: Mapping | None = None, start: object = None
) -> pd.Series:
    """The earlier values the value at ``at`` is compared with (not including ``at`` itself).

    ``rolling``: the value at every earlier date; ``same_period``: in every earlier year, the
    value at the same point of the calendar (last date on or before the same month and day; for
    ``first_sessions`` windows, each year's window); ``every_period``: the value at the last
    date of every complete earlier month/quarter/year (``window.period``). ``start``: only dates
    from then on.
    """
    earlier = values.loc[:at].iloc[:-1] if at in values.index else values.loc[:at]
    if start is not None:
        earlier = earlier.loc[pd.Timestamp(start) :]
    earlier = earlier.dropna()
    if among == "rolling" or earlier.empty:
        return earlier
    idx = earlier.index
    if among == "every_period":
        period = str((window or {}).get("period", "month"))
        keys = idx.to_period(PERIODS[period])
        last_of = ~pd.Series(keys).duplicated(keep="last").to_numpy()
        current = pd.Timestamp(at).to_period(PERIODS[period])
        keep = last_of & (keys != current)
        return earlier[keep]
    if among == "same_period":
        if window and ({"first_sessions", "dates"} & set(window)):  # each year's fixed window, read at its last date
            years = idx.year
            last_of = ~pd.Series(years).duplicated(keep="last").to_numpy()
            return earlier[last_of & (years != pd.Timestamp(at).year)]
        at = pd.Timestamp(at)
        picks = []
        for year in sorted(set(idx.year) - {at.year}):
            day = min(at.day, pd.Timestamp(year=year, month=at.month, day=1).days_in_month)
            when = pd.Timestamp(year=year, month=at.month, day=day)
            pos = _pos_on_or_before(idx, when)
            if (
                pos >= 0
                and idx[pos].year == year
                and (window is None or "period" not in window or _same_period(idx[pos], when, window))
            ):
                picks.append(pos)
        return earlier.iloc[picks]
    raise ParameterError(f"history.among: unknown {among!r}")


def _same_period(found: pd.Timestamp, wanted: pd.Timestamp, window: Mapping) -> bool:
    code = PERIODS[str(window["period"])]
    return found.to_period(code) == wanted.to_period(code)


def history_stat(
    value: float | None,
    earlier: pd.Series,
    stat: str,
    direction: str = "high",
    within: tuple | None = None,
    above: float | None = None,
    below: float | None = None,
) -> dict:
    """The value against the earlier comparable values.

    ``rank``: 1 + number of earlier values strictly more extreme; ``percentile``: 0 to 100 of the
    value among earlier values and itself (``returns.percentile_rank`` of the values times -1 for
    ``direction: low``); ``record``: at least as extreme as every earlier value; ``since``: the last
    earlier date with a value at least as extreme falls inside ``within`` (first, last);
    ``since_year``: the calendar year of that date (None when no earlier value is as extreme: a
    record); ``count``: how many earlier values are strictly above ``above`` (or strictly below
    ``below``), in the values' unit, whatever the value itself (which may be None); ``run``: how
    many of the LATEST earlier values in a row pass that threshold ("each of the past five years");
    ``share``: the count over the number of earlier values (a fraction; undefined without any:
    "small caps beat in January in 60% of years"). Returns ``{"value": ..., "since": date or NaT, "n": comparables}``.
    """
    sign = 1.0 if direction == "high" else -1.0
    e = earlier.dropna()
    if stat in COUNTING_STATS:
        if (above is None) == (below is None):
            raise ParameterError(f"history.stat {stat} needs exactly one of history.above or history.below")
        x = e.to_numpy(dtype=float)
        passes = x > above if above is not None else x < below
        if stat == "count":
            return {"value": int(np.count_nonzero(passes)), "since": pd.NaT, "n": int(e.size)}
        if stat == "share":
            share = float(np.count_nonzero(passes)) / e.size if e.size else None
            return {"value": share, "since": pd.NaT, "n": int(e.size)}
        failed = np.flatnonzero(~passes)
        run = len(passes) - (failed[-1] + 1 if len(failed) else 0)
        return {"value": int(run), "since": pd.NaT, "n": int(e.size)}
    if e.size == 0:  # nothing earlier to compare with: no rank, record or "since"
        return {"value": None, "since": pd.NaT, "n": 0}
    v = sign * float(np.nan if value is None else value)
    x = sign * e.to_numpy(dtype=float)
    at_least = e.index[x >= v - 1e-12]
    last = at_least[-1] if len(at_least) else pd.NaT
    out = {"since": last, "n": int(e.size)}
    if np.isnan(v):
        out["value"] = None
    elif stat == "since_year":
        out["value"] = None if last is pd.NaT else int(last.year)
    elif stat == "rank":
        out["value"] = int(1 + np.count_nonzero(x > v + 1e-12))
    elif stat == "percentile":
        out["value"] = percentile_rank(v, np.concatenate((x, [v])))
    elif stat == "record":
        out["value"] = bool(len(at_least) == 0 or not np.any(x > v + 1e-12))
    elif stat == "since":
        if within is None:
            raise ParameterError("history.stat since needs history.in: 'YYYY-MM-DD to YYYY-MM-DD'")
        out["value"] = bool(last is not pd.NaT and within[0] <= last <= within[1])
    else:
        raise ParameterError(f"history.stat: unknown {stat!r}")
    return out


def last_at_least_series(values: pd.Series, direction: str = "high") -> pd.Series:
    """At every date, the last EARLIER date whose value was at least as extreme (NaT if none); O(n).

    The vectorised form of ``history_stat(..., "since")`` over ``rolling`` comparables.
    """
    v = values.to_numpy(dtype=float) * (1.0 if direction == "high" else -1.0)
    out = np.full(v.size, -1)
    stack: list[int] = []  # positions with strictly decreasing values
    for i, x in enumerate(v):
        if np.isnan(x):
            continue
        while stack and v[stack[-1]] < x - 1e-12:
            stack.pop()
        out[i] = stack[-1] if stack else -1
        stack.append(i)
    dates = values.index.to_numpy()
    return pd.Series(
        np.where(out >= 0, dates[np.maximum(out, 0)], np.datetime64("NaT")), index=values.index, name="since"
    )


# ---------------------------------------------------------------------------------------------
# Forward outcomes after events


def horizon_sessions(h: object) -> int:
    """A horizon in sessions: an int, or ``1w 2w 4w 1m 2m 3m 6m 9m 12m 1y`` (5 sessions a week, 21 a month)."""
    if isinstance(h, str):
        if h not in HORIZONS:
            raise ParameterError(f"horizon {h!r}: use a number of sessions or one of {', '.join(HORIZONS)}")
        return HORIZONS[h]
    return int(h)


def event_outcomes(levels: pd.DataFrame, min_length: int, horizon: int, anchor: str = "first_loss") -> pd.DataFrame:
    """Every earlier event (a ``beats`` streak reaching ``min_length``) and what followed over ``horizon`` sessions.

    One row per event with a complete forward window (``rotation.analytics.forward.episode_forward``):
    ``start``, ``end``, ``sessions``, ``anchor``, ``small``, ``large``, ``relative`` (fractions),
    ``independent`` (non-overlapping windows, kept greedily in time order).
    """
    from rotation.analytics.forward import episode_forward, streak_episodes
    from rotation.analytics.streaks import daily_spread

    returns = levels[["small", "large"]].pct_change().iloc[1:]
    episodes = streak_episodes(daily_spread(returns), int(min_length), anchor)
    return episode_forward(returns, episodes, [int(horizon)])


ROLLING_EVENT_WINDOWS = ("sessions", "months")  # event windows that end at every session (threshold crossings)


def crossing_outcomes(
    levels: pd.DataFrame, window: Mapping, horizon: int, above: float | None = None, below: float | None = None
) -> pd.DataFrame:
    """Every session on which a pair's window return first passes a threshold, and what followed over ``horizon`` sessions.

    The small-minus-large return over ``window`` (``{sessions: N}`` or ``{months: N}``, ending at each
    session) is the signal; an event is a session where it is strictly above ``above`` (or below
    ``below``) after a session where it was not ("the first day the five-day lead topped 4%"). The
    outcome runs from that session's close over the next ``horizon`` sessions. One row per event whose
    outcome window closed in ``levels``: ``start`` (the window's base date), ``end``, ``anchor`` (the
    event session), ``anchor_pos`` and ``ready_pos`` (positions in ``levels``: the event, and the
    session its outcome is known), ``sessions`` (the window's sessions), ``event`` (the signal value),
    ``small``, ``large``, ``relative`` (fractions) and ``independent`` (no outcome window overlapping
    an earlier kept one).
    """
    from rotation.analytics.forward import independent_mask

    if (above is None) == (below is None):
        raise ParameterError("event: give exactly one of above or below with a rolling window")
    h = horizon_sessions(horizon)
    index = levels.index
    base, end = window_positions(index, window)
    signal = _over_window(levels, base, end, "return")
    with np.errstate(invalid="ignore"):
        passes = signal > above if above is not None else signal < below
    first = passes & ~np.concatenate(([False], passes[:-1]))
    pos = np.flatnonzero(first)
    pos = pos[pos + h < len(index)]
    small, large = levels["small"].to_numpy(dtype=float), levels["large"].to_numpy(dtype=float)
    out_small = small[pos + h] / small[pos] - 1.0
    out_large = large[pos + h] / large[pos] - 1.0
    return pd.DataFrame(
        {
            "start": index[base[pos]],
            "end": index[pos],
            "sessions": end[pos] - base[pos],
            "anchor": index[pos],
            "anchor_pos": pos,
            "ready_pos": pos + h,
            "event": signal[pos],
            "small": out_small,
            "large": out_large,
            "relative": out_small - out_large,
            "independent": independent_mask(pos, h) if len(pos) else np.zeros(0, dtype=bool),
        }
    )


def any_time_outcomes(levels: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Forward returns over ``horizon`` sessions from EVERY session with a complete window (the any-time rate).

    One row per base session ``t`` (the first close included) whose session ``t + horizon`` is in
    ``levels``: ``small``, ``large`` (close of ``t + horizon`` / close of ``t`` - 1, fractions) and
    ``relative`` (small minus large), indexed by ``t``.
    """
    h = horizon_sessions(horizon)
    if h < 1:
        raise ParameterError(f"horizon: at least one session, got {horizon!r}")
    pair = levels[["small", "large"]]
    out = (pair.shift(-h) / pair - 1.0).iloc[: max(len(pair) - h, 0)]
    return out.assign(relative=out["small"] - out["large"])


def outcome_windows(index: pd.DatetimeIndex, event_window: Mapping, then: object) -> pd.DataFrame:
    """Per year: the event's calendar window and the outcome window after it (integer positions, -1: undefined).

    ``then``: ``rest_of_year`` (from the event window's end close to the year's last close),
    ``next_year`` (from the year's last close to the next year's last close), or
    ``{dates: "MM-DD to MM-DD", year: same|next}`` (that calendar window of the same or the next
    year, ``yearly_windows``). Columns ``year``, ``event_base``, ``event_end``, ``base_pos``,
    ``end_pos``, ``ready_pos`` (from which both windows are known complete).
    """
    ev = yearly_windows(index, event_window)
    if then == "rest_of_year":
        out_base = ev["end_pos"].to_numpy()
        out_end, out_ready = np.full(len(ev), -1), np.full(len(ev), -1)
        for i, y in enumerate(ev["year"]):
            last_day = pd.Timestamp(year=int(y), month=12, day=31)
            e = _pos_on_or_before(index, last_day)
            if out_base[i] >= 0 and e > out_base[i]:
                out_end[i], out_ready[i] = e, _ready(index, e, last_day)
    else:
        if then == "next_year":
            spec, offset = {"period": "year"}, 1
        elif isinstance(then, Mapping) and "dates" in then:
            spec, offset = {"dates": then["dates"]}, {"same": 0, "next": 1}[str(then.get("year", "next"))]
        else:
            raise ParameterError(
                f"then: use rest_of_year, next_year or {{dates: 'MM-DD to MM-DD', year: same|next}}, got {then!r}"
            )
        nxt = yearly_windows(index, spec).set_index("year").reindex(ev["year"] + offset)
        out_base, out_end, out_ready = (
            nxt[c].fillna(-1).to_numpy(dtype=int) for c in ("base_pos", "end_pos", "ready_pos")
        )
    ok = (ev["end_pos"].to_numpy() >= 0) & (out_end >= 0) & (out_ready >= 0) & (out_base >= 0)
    ready = np.maximum(ev["ready_pos"].to_numpy(), out_ready)
    ok &= ev["ready_pos"].to_numpy() >= 0
    return pd.DataFrame(
        {
            "year": ev["year"],
            "event_base": ev["base_pos"],
            "event_end": ev["end_pos"],
            "base_pos": np.where(ok, out_base, -1),
            "end_pos": np.where(ok, out_end, -1),
            "ready_pos": np.where(ok, ready, -1),
        }
    )


def calendar_outcomes(
    levels: pd.DataFrame,
    event_window: Mapping,
    then: object,
    above: float | None = None,
    below: float | None = None,
) -> pd.DataFrame:
    """Every year with a complete event window and outcome window: what the pair did in the event window and after.

    Columns: ``year``, ``event_end`` (date), ``event`` (small minus large return over the event
    window, fraction), ``is_event`` (``event`` strictly above ``above`` or strictly below
    ``below``; every year when neither is given), ``anchor``, ``end`` (outcome window's base and
    end dates), ``ready_pos``, ``small``, ``large``, ``relative`` (outcome returns, fractions),
    ``independent`` (True: one outcome window per year, none overlapping another year's).
    The rows with ``is_event`` are the events; all rows are the any-time sample.
    """
    index = levels.index
    w = outcome_windows(index, event_window, then)
    w = w[w["ready_pos"] >= 0].reset_index(drop=True)
    small, large = levels["small"].to_numpy(), levels["large"].to_numpy()
    eb, ee, b, e = (w[c].to_numpy() for c in ("event_base", "event_end", "base_pos", "end_pos"))
    event = _change(small, eb, ee, "return") - _change(large, eb, ee, "return")
    out_small, out_large = _change(small, b, e, "return"), _change(large, b, e, "return")
    if above is not None and below is not None:
        raise ParameterError("event: give one of above or below, not both")
    is_event = event > above if above is not None else (event < below if below is not None else np.ones(len(w), bool))
    return pd.DataFrame(
        {
            "year": w["year"].to_numpy(),
            "event_end": index[ee],
            "event": event,
            "is_event": is_event,
            "anchor": index[b],
            "end": index[e],
            "ready_pos": w["ready_pos"].to_numpy(),
            "small": out_small,
            "large": out_large,
            "relative": out_small - out_large,
            "independent": np.ones(len(w), dtype=bool),
        }
    )


def outcome_stat(rows: pd.DataFrame, stat: str, of: str = "relative", independent: bool = False) -> float:
    """One statistic of forward outcomes: ``n``, ``n_independent``, ``n_beating``/``share_beating``
    (relative > 0), ``n_positive``/``share_positive`` (``of`` > 0), ``mean``, ``median`` (of ``of``, fractions)."""
    if stat == "n_independent":
        return float(rows["independent"].sum()) if "independent" in rows else float(len(rows))
    if independent and "independent" in rows:
        rows = rows[rows["independent"]]
    n = len(rows)
    if stat == "n":
        return float(n)
    if stat in ("n_beating", "share_beating"):
        k = int((rows["relative"] > 0).sum())
        return float(k) if stat == "n_beating" else (k / n if n else float("nan"))
    if stat in ("n_positive", "share_positive"):
        k = int((rows[of] > 0).sum())
        return float(k) if stat == "n_positive" else (k / n if n else float("nan"))
    if stat == "mean":
        return float(rows[of].mean()) if n else float("nan")
    if stat == "median":
        return float(rows[of].median()) if n else float("nan")
    raise ParameterError(f"stat: unknown {stat!r}")


STUDY_HORIZONS = ("1w", "1m", "3m", "6m", "12m")


@dataclass(frozen=True)
class EventStudy:
    """What followed every earlier streak event, beside the any-time rate: the table published studies show, and more.

    ``cases``: every earlier event (a ``beats`` streak of at least ``min_length`` sessions), one row
    each: ``start``, ``end``, ``sessions``, ``anchor`` (date whose close is the base), then the
    small-minus-large return (fraction) at each horizon, NaN where its window had not closed.
    ``table``: rows ``(horizon, "after signal" | "any time")``; columns ``sessions``, ``N``
    (windows), ``independent N`` (non-overlapping windows), ``mean small``, ``mean large``,
    ``mean relative``, ``median relative`` (fractions), ``% small positive``, ``% beating``
    (percent of all N), and for after-signal rows ``% beating (independent)`` with its exact
    Clopper-Pearson interval ``CI low``/``CI high`` at ``level``, ``p vs any time`` (exact two-sided
    binomial test of the independent share against the any-time share) and ``p Holm`` (Holm-adjusted
    over the horizons of the table, one family).
    """

    cases: pd.DataFrame
    table: pd.DataFrame
    min_length: int
    anchor: str
    horizons: tuple
    level: float
    start: pd.Timestamp | None
    span: tuple[pd.Timestamp, pd.Timestamp]

    def summary(self) -> str:
        """One line: the events, the anchor, the span of the data."""
        first, last = self.span
        return (
            f"{len(self.cases)} streaks of at least {self.min_length} sessions, {first.date()} to {last.date()}"
            f"{f' (events from {self.start.date()})' if self.start is not None else ''}; outcomes from the {self.anchor}"
            f" anchor; intervals {100 * self.level:g}% exact; p-values Holm-adjusted over {len(self.horizons)} horizons"
        )


def _outcome_row(part: pd.DataFrame, hs: int) -> dict:
    n = len(part)

    def pct(x: pd.Series) -> float:
        return 100 * float(x.mean()) if n else np.nan

    return {
        "sessions": hs,
        "N": n,
        "mean small": float(part["small"].mean()) if n else np.nan,
        "mean large": float(part["large"].mean()) if n else np.nan,
        "mean relative": float(part["relative"].mean()) if n else np.nan,
        "median relative": float(part["relative"].median()) if n else np.nan,
        "% small positive": pct(part["small"] > 0),
        "% beating": pct(part["relative"] > 0),
    }


def event_study(
    levels: pd.DataFrame,
    min_length: int,
    horizons: tuple | list = STUDY_HORIZONS,
    anchor: str = "first_loss",
    level: float = 0.95,
    start: object = None,
) -> EventStudy:
    """The event study of ``beats`` streaks of at least ``min_length`` sessions in a spread pair's ``levels``.

    Horizons in sessions or ``1w 1m 3m 6m 12m`` (``horizon_sessions``); only windows closed by the
    last date of ``levels`` count (cut them at the claim date). ``start``: events and any-time
    bases from that date on.
    """
    from scipy import stats  # here, not at import: claims files are checked without scipy.stats

    from rotation.analytics.forward import adjusted_pvalues, binomial_interval, independent_mask, streak_episodes
    from rotation.analytics.streaks import daily_spread

    returns = levels[["small", "large"]].pct_change().iloc[1:]
    episodes = streak_episodes(daily_spread(returns), int(min_length), anchor)
    first = pd.Timestamp(start) if start is not None else None
    if first is not None:
        episodes = episodes[episodes["anchor"] >= first].reset_index(drop=True)
    cases = episodes[["start", "end", "sessions", "anchor"]].copy()
    rows, pvalues = [], {}
    for h in horizons:
        hs = horizon_sessions(h)
        ev = event_outcomes(levels, int(min_length), hs, anchor)
        base = any_time_outcomes(levels, hs)
        if first is not None:
            ev = ev[ev["anchor"] >= first].reset_index(drop=True)
            ev["independent"] = independent_mask(ev["anchor_pos"].to_numpy(), hs) if len(ev) else []
            base = base.loc[first:]
        cases[str(h)] = cases["anchor"].map(dict(zip(ev["anchor"], ev["relative"], strict=True)))
        ind = ev[ev["independent"]] if len(ev) else ev
        k, n = int((ind["relative"] > 0).sum()), len(ind)
        lo, hi = binomial_interval(k, n, level)
        share = float((base["relative"] > 0).mean()) if len(base) else np.nan
        p = float(stats.binomtest(k, n, share).pvalue) if n and 0 < share < 1 else np.nan
        pvalues[str(h)] = p
        after = {
            **_outcome_row(ev, hs),
            "independent N": n,
            "% beating (independent)": 100 * k / n if n else np.nan,
            "CI low": 100 * lo,
            "CI high": 100 * hi,
            "p vs any time": p,
        }
        any_time = {**_outcome_row(base, hs), "independent N": -(-len(base) // hs)}
        rows += [
            {"horizon": str(h), "rows": "after signal", **after},
            {"horizon": str(h), "rows": "any time", **any_time},
        ]
    table = pd.DataFrame(rows).set_index(["horizon", "rows"])
    holm = adjusted_pvalues(pd.Series(pvalues))["p_holm"]
    table["p Holm"] = [holm[h] if r == "after signal" else np.nan for h, r in table.index]
    return EventStudy(
        cases=cases,
        table=table,
        min_length=int(min_length),
        anchor=anchor,
        horizons=tuple(horizons),
        level=level,
        start=first,
        span=(levels.index[0], levels.index[-1]),
    )


def outcome_table(
    levels: pd.DataFrame, min_length: int, horizons: list, anchor: str = "first_loss", level: float = 0.95
) -> pd.DataFrame:
    """``event_study(...).table``: per horizon, after-signal vs any-time rows (kept for callers of the table alone)."""
    return event_study(levels, min_length, horizons, anchor, level).table


__all__ = [
    "HORIZONS",
    "COUNTING_STATS",
    "ROLLING_EVENT_WINDOWS",
    "crossing_outcomes",
    "REDUCTIONS",
    "reduce_over_window",
    "LOOKBACK_MEASURES",
    "STUDY_HORIZONS",
    "WINDOW_MEASURES",
    "range_extreme",
    "with_leg",
    "EventStudy",
    "event_study",
    "calendar_outcomes",
    "month_days",
    "sessions_meeting_values",
    "outcome_windows",
    "yearly_values",
    "yearly_windows",
    "MEASURES",
    "PERIODS",
    "any_time_outcomes",
    "comparables",
    "condition_flags",
    "event_outcomes",
    "history_stat",
    "horizon_sessions",
    "last_at_least_series",
    "outcome_stat",
    "outcome_table",
    "streak_count_values",
    "streak_table",
    "streak_values",
    "subject_levels",
    "window_bounds",
    "window_positions",
    "window_values",
]
