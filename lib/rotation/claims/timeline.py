"""Every claim's measured value and verdict on every session of a range ("on which dates was the article right?").

One tidy table, one row per (session, claim), with the columns of ``COLUMNS``:

* ``measured``: the claim's measurement in its ``unit`` (a criteria claim: the number of criteria
  met, unit ``criteria met of N``; a boolean claim: 1 or 0); empty when there is none.
* ``verdict``: always ``rotation.claims.judge.judge`` of a measurement against the claim entry:
  the same rule the notebooks use, never a second one. Applicability follows
  ``rotation.claims.evaluate.applicability``: a ``premise: streak`` claim applies only on sessions
  with a streak of at least ``article.streak_premise`` sessions in force; a fixed period applies
  per its ``looks``; ``untestable``/``no_data`` entries are listed with their status.
* ``how``: ``fast path`` (the measurement vectorised over dates from ``rotation.analytics``, for the
  kinds and parameters of ``FAST_PATHS``), ``reference`` (``evaluate.measure`` on a ``Context`` at
  that date, on every applicable session) or ``reference on a grid: <grid>`` (the reference on a
  coarser grid, when every session would not fit the time budget; the other sessions of that claim
  have no row), ``applicability`` (the claim does not apply; no measurement needed) or
  ``claims file`` (an untestable / no-data entry).
* ``note``: why a claim does not apply, or ``future not in the data`` for a claim that looks ahead
  of the date further than the data reach (its verdict is then "not verifiable"), else empty.
* ``rule``: the decision rule in words (``judge.tolerance_text``).

Dates are sessions of the common calendar of the article's pair (``streaks.aligned_returns``).
The fast paths match the per-date reference (tested on the real data and on planted series).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rotation.claims.evaluate import measure as reference_measure
from rotation.claims.judge import judge, tolerance_text
from rotation.claims.measures.base import Measurement
from rotation.claims.measuring import Context
from rotation.claims.registry import UNJUDGED
from rotation.core.dates import parse_period
from rotation.core.errors import ParameterError
from rotation.core.verdicts import Verdict

COLUMNS = ["date", "claim_id", "kind", "measured", "unit", "verdict", "how", "note", "rule"]
FAST, REFERENCE, APPLICABILITY, CLAIMS_FILE = "fast path", "reference", "applicability", "claims file"
GRIDS = ("every session", "month-ends", "quarter-ends", "year-ends")  # finest first
LAST_ONLY = "the last applicable session only"  # the coarsest grid: the budget allowed one date
FUTURE = "future not in the data"
MAX_CONTEXTS = 64  # per-date contexts kept at once (claims measured on the same dates share them)
DEFAULT_BUDGET_S = 4.0  # seconds of reference measurement for a whole timeline (split over the claims needing it)


# ---------------------------------------------------------------------------------------------
# The shared inputs


@dataclass
class Sessions:
    """What every claim of one timeline shares: the pair's returns, the streak scan, the claims, a series cache.

    ``ctx`` is a ``Context`` at the last date of the data (``data_end`` if given); ``dates`` the
    sessions of the range; ``scan`` the streak in force on every session (``analytics.scan``).
    """

    ctx: Context
    dates: pd.DatetimeIndex
    scan: pd.DataFrame
    contexts: dict = field(default_factory=dict, repr=False)

    @property
    def last(self) -> pd.Timestamp:
        """The last session of the data used (the pair's common calendar)."""
        return self.ctx.returns.index[-1]

    def context(self, date: pd.Timestamp) -> Context:
        """A ``Context`` at ``date`` sharing this timeline's series cache and aligned returns (one per date)."""
        key = pd.Timestamp(date)
        if key in self.contexts:
            return self.contexts[key]
        base = self.ctx
        ctx = Context(
            as_of=str(key.date()),
            data_end=base.data_end,
            small=base.small,
            large=base.large,
            claims=base.claims,
            data_dir=base.data_dir,
            _series=base._series,
        )
        ctx.__dict__["returns"] = base.returns  # the same cached_property value: same series, same data end
        if len(self.contexts) >= MAX_CONTEXTS:  # each holds its slices and judgements: keep the latest ones only
            self.contexts.pop(next(iter(self.contexts)))
        self.contexts[key] = ctx
        return ctx


def sessions(
    *,
    claims: str = "",
    start: str = "",
    end: str = "",
    data_end: str = "",
    data_dir: str = "",
    small: str = "",
    large: str = "",
    dates: Iterable[str | pd.Timestamp] | None = None,
    series: Mapping[str, pd.Series] | None = None,
) -> Sessions:
    """The shared inputs of a timeline: every session from ``start`` to ``end`` (default: all), or the given ``dates``.

    A date that is not a session is moved to the previous session (as ``Context`` does for ``as_of``).
    ``series``: price series by id used instead of loading them (the benchmark's longer histories).
    """
    from rotation.analytics.scan import scan_streaks
    from rotation.analytics.streaks import resolve_as_of

    ctx = Context(
        as_of="",
        data_end=data_end,
        small=small,
        large=large,
        claims=claims,
        data_dir=data_dir,
        _series=dict(series or {}),
    )
    index = ctx.returns.index
    if dates is not None:
        chosen = pd.DatetimeIndex(sorted({resolve_as_of(index, pd.Timestamp(d))[0] for d in dates}))
    else:
        first = pd.Timestamp(start) if start else index[0]
        last = pd.Timestamp(end) if end else max(index[-1], first)
        if last < first:
            raise ParameterError(f"--from {first.date()} is after --to {last.date()}")
        chosen = index[(index >= first) & (index <= last)]
        if chosen.empty:
            raise ParameterError(
                f"--from/--to: no session from {first.date()} to {last.date()}; the data cover {index[0].date()} to {index[-1].date()}"
            )
    return Sessions(ctx=ctx, dates=chosen, scan=scan_streaks(ctx.returns))


# ---------------------------------------------------------------------------------------------
# Applicability, vectorised over dates (the semantics of evaluate.applicability)


def applies(s: Sessions, claim: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Per date of ``s.dates``: does the claim apply, and if not, why (text; empty where it applies).

    The rules of ``rotation.claims.evaluate.applicability``: a fixed period looking back applies once
    it is over; one looking ahead while the date is inside it; ``premise: streak`` needs a streak of at
    least ``article.streak_premise`` sessions in force at the date.
    """
    dates = s.dates
    ok = np.ones(len(dates), dtype=bool)
    why = np.full(len(dates), "", dtype=object)
    about = claim.get("about") or {"at": "as_of"}
    if "period" in about:
        first, last = parse_period(about["period"])
        if about.get("looks", "back") == "back":
            blocked = dates < last
            text = f"the claim is about {first.date()} to {last.date()}, not over at this date"
        else:
            blocked = (dates < first) | (dates > last)
            text = f"the claim looks ahead from a date within {first.date()} to {last.date()}"
        why[blocked & ok] = text
        ok &= ~blocked
    if claim.get("premise") == "streak":
        need = int(s.ctx.article.get("streak_premise", 1))
        streak = s.scan["streak"].reindex(dates).to_numpy()
        blocked = streak < need
        why[blocked & ok] = f"about the streak: fewer than {need} sessions in force (article.streak_premise)"
        ok &= ~blocked
    return ok, why


# ---------------------------------------------------------------------------------------------
# Fast paths: one per claim kind, vectorised over dates; None when the claim's parameters are outside it


def _plain_pair(claim: Mapping) -> bool:
    return not (claim.get("params") or {}).get("pair")


def fast_streak_length(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """Sessions of the streak in force (``scan.streak``), as ``measures.streak.streak_length``."""
    if not _plain_pair(claim):
        return None
    return s.scan["streak"].reindex(dates).astype(int)


def fast_streak_start(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """Criteria: the streak in force began inside the month-day window of the date's year (``measures.streak.streak_start``)."""
    from rotation.claims.measures.streak import month_day_window

    if not _plain_pair(claim):
        return None
    window = (claim.get("params") or {}).get("window", "01-01 to 01-10")
    start = s.scan["streak_start"].reindex(dates)
    has = s.scan["streak"].reindex(dates).to_numpy() > 0
    bounds = {y: month_day_window(y, window) for y in set(dates.year)}
    out = {}
    for d, st, h in zip(dates, start, has):
        first, last = bounds[d.year]
        out[d] = {"starts on or after": bool(h and st >= first), "starts on or before": bool(h and st <= last)}
    return pd.Series(out, dtype=object).reindex(dates)


def fast_streak_record(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """Criteria: the streak in force matches the record; the last streak at least as long ended in ``last_seen`` (``measures.streak.streak_record``)."""
    from rotation.claims.measures.streak import in_months

    p = claim.get("params") or {}
    if not _plain_pair(claim) or p.get("history_start"):
        return None
    rows = s.scan.reindex(dates)
    seen = p.get("last_seen", {})
    out = {}
    for d, is_record, last in zip(dates, rows["is_record"], rows["last_at_least_end"]):
        criteria = {"matches or beats the record": bool(is_record)}
        if seen:
            months = tuple(seen.get("months", [1, 12]))
            when = None if pd.isna(last) else pd.Timestamp(last)
            criteria["last at least as long ended in"] = in_months(when, seen["year"], months)
        out[d] = criteria
    return pd.Series(out, dtype=object).reindex(dates)


def fast_mean_spread(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """Arithmetic mean daily spread over the streak in force, bp per session (``scan.streak_mean_spread`` x 1e4)."""
    p = claim.get("params") or {}
    if not _plain_pair(claim) or p.get("definition", "arithmetic") != "arithmetic" or p.get("window_sessions"):
        return None
    return s.scan["streak_mean_spread"].reindex(dates) * 1e4


def fast_rsi_level(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """RSI (Wilder) of the small-cap index at each date (``measures.spread.rsi_level`` with ``at: as_of``).

    Wilder's RSI at a date uses closes up to that date only, so one pass over the whole series
    gives every date's value.
    """
    from rotation.analytics.technicals import rsi_wilder

    p = claim.get("params") or {}
    if p.get("at", "as_of") != "as_of":
        return None
    rsi = rsi_wilder(s.ctx.prices(s.ctx.small), int(p.get("rsi_window", 14)))
    return rsi.reindex(dates)


def fast_max_gain(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """Largest small-cap gain over any window of at most ``max_sessions`` sessions ending at each date (fraction):
    ``analytics.spread.max_trailing_gain_series`` on the small-cap series' own sessions."""
    from rotation.analytics.spread import max_trailing_gain_series

    p = claim.get("params") or {}
    if p.get("base", "max_window") != "max_window":
        return None
    prices = s.ctx.prices(s.ctx.small)
    return max_trailing_gain_series(prices, int(p.get("max_sessions", 15))).reindex(dates)


def _query_values(ctx, query: Mapping, dates: pd.DatetimeIndex) -> np.ndarray:
    """``language.query.values_over_dates`` of ``query`` on ``dates``, kept per context: claims and criteria that
    ask the same query on the same dates compute it once."""
    from rotation.claims.measures.query import _max_age
    from rotation.language.query import values_over_dates

    stamps = dates.asi8
    key = ("timeline values", dict(query), len(stamps), int(stamps[0]) if len(stamps) else 0, hash(stamps.tobytes()))
    return ctx.memo(
        key, lambda: values_over_dates(query, ctx.prices, dates, max_age_days=_max_age(ctx, query)).to_numpy()
    )


def fast_query(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """A claim-language query at each date, as ``measures.query`` reads it.

    Dated ``as_of``: ``language.query.values_over_dates`` (every date at once). Dated on its own day
    (``about.at: YYYY-MM-DD``): the measure reads the query at that day whatever the date checked at, so
    it is measured once (the reference) and holds on every date from that day; before it, the claim
    does not apply. A forward outcome dated ``as_of`` (it needs data after each date) goes through the
    reference, which says when that future is not in the data.
    """
    from rotation.claims.measures.base import not_applicable

    query = dict(claim.get("query") or {})
    at = str((claim.get("about") or {}).get("at", "as_of"))
    if at != "as_of":
        when = pd.Timestamp(at)
        later = dates[dates >= when]
        once = reference_measure(s.context(later[-1]), claim) if len(later) else None
        before = not_applicable(f"the claim is dated {when.date()}, after the date checked at")
        return pd.Series([once if d >= when else before for d in dates], index=dates, dtype=object)
    ctx = s.ctx
    if claim.get("criteria"):  # several queries, each judged on its own rule at every date
        from rotation.claims.measures.base import not_verifiable
        from rotation.claims.measures.query import criterion_met

        criteria = dict(claim["criteria"])
        if any(c["query"].get("measure") == "forward" for c in criteria.values()):
            return None
        columns = {name: _query_values(ctx, c["query"], dates) for name, c in criteria.items()}
        rows = [
            {name: criterion_met(float(columns[name][i]), c) for name, c in criteria.items()} for i in range(len(dates))
        ]
        missing = [[name for name, met in row.items() if met is None] for row in rows]
        out = [
            not_verifiable(f"not defined at this date (stale, early or incomplete data): {', '.join(m)}") if m else row
            for row, m in zip(rows, missing, strict=True)
        ]
        return pd.Series(out, index=dates, dtype=object)
    if query.get("measure") == "forward":
        return None
    return pd.Series(_query_values(ctx, query, dates), index=dates)


def values_at(series: pd.Series, dates: pd.DatetimeIndex, max_age_days: int = 7) -> np.ndarray:
    """``analytics.returns.value_at`` at every date at once: the last non-missing value on or before each date,
    NaN where the series starts later or that value is more than ``max_age_days`` calendar days old."""
    known = series.dropna()
    pos = known.index.searchsorted(dates, side="right") - 1
    found = pos >= 0
    at = known.index[np.maximum(pos, 0)]
    fresh = found & ((dates - at).days <= max_age_days)
    return np.where(fresh, known.to_numpy(dtype=float)[np.maximum(pos, 0)], np.nan)


def fast_policy_rate(s: Sessions, claim: Mapping, dates: pd.DatetimeIndex) -> pd.Series | None:
    """The fed funds target's lower or upper bound or midpoint at each date, percent (``measures.context.policy_rate``
    through ``analytics.markets.target_range_at``: both bounds must reach the date); the effective rate: reference."""
    p = claim.get("params") or {}
    rate = str(p.get("rate", "lower"))
    if rate not in ("lower", "upper", "midpoint"):
        return None
    low = values_at(s.ctx.prices(p.get("lower", "fed_lower")), dates)
    high = values_at(s.ctx.prices(p.get("upper", "fed_upper")), dates)
    both = ~(np.isnan(low) | np.isnan(high))
    value = {"lower": low, "upper": high, "midpoint": (low + high) / 2.0}[rate]
    return pd.Series(np.where(both, value, np.nan), index=dates)


FAST_PATHS: dict[str, Callable[[Sessions, Mapping, pd.DatetimeIndex], pd.Series | None]] = {
    "streak_length": fast_streak_length,
    "streak_start": fast_streak_start,
    "streak_record": fast_streak_record,
    "mean_spread": fast_mean_spread,
    "rsi_level": fast_rsi_level,
    "max_gain": fast_max_gain,
    "query": fast_query,
    "policy_rate": fast_policy_rate,
}


# ---------------------------------------------------------------------------------------------
# The table


def measured_number(value: object) -> float:
    """A measurement as one number: criteria met (count), a boolean as 1/0, a number as is; NaN for none."""
    if isinstance(value, Mapping):
        return float(sum(bool(v) for v in value.values() if v is not None))
    if value is None:
        return float("nan")
    try:
        return float(value)  # bools too
    except (TypeError, ValueError):
        return float("nan")


def shown_unit(claim: Mapping, value: object = None) -> str:
    """The unit of ``measured``: the claim's, or ``criteria met of N`` for a criteria claim."""
    if isinstance(value, Mapping):
        return f"criteria met of {len(value)}"
    unit = str(claim.get("unit") or "")
    return "1 = true, 0 = false" if claim.get("compare") == "boolean" else unit


def grid_dates(dates: pd.DatetimeIndex, grid: str) -> pd.DatetimeIndex:
    """The last of ``dates`` in each month / quarter / year (``GRIDS``); all of them for ``every session``;
    every K-th year-end, counted back from the last, for ``every K years (year-ends)``."""
    if grid == "every session" or dates.empty:
        return dates
    if grid == LAST_ONLY:
        return dates[-1:]
    if grid.startswith("every ") and grid.endswith(" years (year-ends)"):
        ends = grid_dates(dates, "year-ends")
        step = int(grid.split()[1])
        return ends[::-1][::step][::-1]  # the last year-end kept: it is in every grid
    freq = {"month-ends": "M", "quarter-ends": "Q", "year-ends": "Y"}[grid]
    periods = dates.to_period(freq)
    keep = np.concatenate((periods[1:] != periods[:-1], [True]))
    return dates[keep]


def choose_grid(dates: pd.DatetimeIndex, cost: float, budget: float) -> str:
    """The finest grid of ``GRIDS`` whose dates, at ``cost`` seconds each, fit ``budget`` seconds;
    beyond year-ends, ``every K years (year-ends)`` with the smallest K that fits, else ``LAST_ONLY``."""
    for grid in GRIDS:
        if len(grid_dates(dates, grid)) * cost <= budget:
            return grid
    years = len(grid_dates(dates, "year-ends"))
    step = max(2, int(np.ceil(years * cost / max(budget, cost))))
    return f"every {step} years (year-ends)" if step < years else LAST_ONLY


def needed_end(claim: Mapping, m: Measurement, date: pd.Timestamp) -> pd.Timestamp | None:
    """The last date of data a measurement at ``date`` needs when it looks ahead of ``date`` (None: it does not)."""
    about = claim.get("about") or {}
    ends = []
    if "period" in about and about.get("looks") == "ahead":
        ends.append(parse_period(about["period"])[1])
    if m.window is not None and m.window[1] is not None and pd.notna(m.window[1]):
        ends.append(pd.Timestamp(m.window[1]))
    extra_end = (m.extra or {}).get("end")
    if isinstance(extra_end, pd.Timestamp):
        ends.append(extra_end)
    ahead = [e for e in ends if e > date]
    return max(ahead) if ahead else None


@dataclass(frozen=True)
class ClaimPlan:
    """How one claim is evaluated: ``how`` and the dates measured."""

    claim_id: str
    how: str
    dates: pd.DatetimeIndex


def claim_rows(
    s: Sessions, claim: Mapping, *, budget: float | None, reference: bool = False
) -> tuple[pd.DataFrame, ClaimPlan]:
    """The timeline rows of one claim (``COLUMNS``), and how it was evaluated.

    ``budget``: seconds the reference may take for this claim (None: every applicable session);
    ``reference``: use the reference even where a fast path exists (for tests and comparisons).
    """
    cid = claim["id"]
    rule = tolerance_text(claim)
    kind = str(claim.get("kind") or claim["compare"])
    dates = s.dates
    if claim["compare"] in UNJUDGED:
        verdict = judge(None, claim).value
        frame = _frame(dates, cid, kind, np.nan, shown_unit(claim), verdict, CLAIMS_FILE, claim.get("reason", ""), rule)
        return frame, ClaimPlan(cid, CLAIMS_FILE, dates[:0])
    ok, why = applies(s, claim)
    blocked = dates[~ok]
    parts = [
        _frame(
            blocked,
            cid,
            kind,
            np.nan,
            shown_unit(claim),
            Verdict.NOT_APPLICABLE.value,
            APPLICABILITY,
            why[~ok],
            rule,
        )
    ]
    todo = dates[ok]
    fast = None if reference else FAST_PATHS.get(kind)
    values = fast(s, claim, todo) if fast is not None and len(todo) else None
    if fast is not None and not len(todo):  # no date to measure: nothing for either path to do
        plan = ClaimPlan(cid, FAST, todo)
    elif values is not None:
        judged = judged_values(values, claim)
        shown = [m.value if m.status is None else None for m, _ in judged]
        sample = next((v for v in shown if isinstance(v, Mapping)), None)
        parts.append(
            _frame(
                todo,
                cid,
                kind,
                [measured_number(v) for v in shown],
                shown_unit(claim, sample),
                [v for _, v in judged],
                FAST,
                [m.reason if m.status is not None else "" for m, _ in judged],
                rule,
            )
        )
        plan = ClaimPlan(cid, FAST, todo)
    else:
        rows, plan = _reference_rows(s, claim, todo, budget)
        parts.append(rows)
    frame = _concat(parts)
    order = np.argsort(frame["date"].to_numpy(), kind="stable")
    return frame.take(order).reset_index(drop=True), plan


def judged_values(values: Iterable[object], claim: Mapping) -> list[tuple[Measurement, str]]:
    """Each value (a number, a criteria dict or a ``Measurement``) as a measurement and ``judge``'s verdict on it.

    ``judge`` runs once per distinct value: a streak length, a rate or a set of criteria recurs on many dates.
    """
    seen: dict[object, tuple[Measurement, str]] = {}
    out = []
    for v in values:
        v = _plain(v)
        key = ("m", id(v)) if isinstance(v, Measurement) else tuple(sorted(v.items())) if isinstance(v, Mapping) else v
        if isinstance(key, float) and np.isnan(key):
            key = "nan"
        if key not in seen:
            m = v if isinstance(v, Measurement) else Measurement(value=v)
            seen[key] = (m, judge(m, claim).value)
        out.append(seen[key])
    return out


def _plain(value: object) -> object:
    """A numpy scalar as a Python value (``judge`` takes floats, bools and dicts)."""
    return value.item() if isinstance(value, np.generic) else value


def _reference_rows(
    s: Sessions, claim: Mapping, todo: pd.DatetimeIndex, budget: float | None
) -> tuple[pd.DataFrame, ClaimPlan]:
    """``evaluate.measure`` on a ``Context`` at each date: every session when the budget allows, else a grid."""
    cid = claim["id"]
    grid = GRIDS[0]
    done: dict[pd.Timestamp, Measurement] = {}
    if budget is not None and len(todo) > 1:
        probe = todo[-1]  # the last date belongs to every grid, and has the longest history to measure
        started = time.perf_counter()
        done[probe] = reference_measure(s.context(probe), claim)  # an upper bound: it may load series too
        cost = max(time.perf_counter() - started, 1e-4)
        grid = choose_grid(todo, cost, max(budget - cost, 0.0))
    chosen = grid_dates(todo, grid)
    how = REFERENCE if grid == GRIDS[0] else f"reference on a grid: {grid}"
    measured, units, verdicts, notes = [], [], [], []
    unit = shown_unit(claim)
    for date in chosen:
        m = done.get(date) or reference_measure(s.context(date), claim)
        verdict = judge(m, claim)
        note = m.reason if m.status is not None else ""
        need = needed_end(claim, m, date)
        if need is not None and need > s.last:
            verdict = Verdict.NOT_VERIFIABLE
            note = f"{FUTURE}: needs data to {need.date()}, the data end {s.last.date()}"
        value = m.value if m.status is None and verdict != Verdict.NOT_VERIFIABLE else None
        if isinstance(m.value, Mapping):
            unit = shown_unit(claim, m.value)
        measured.append(measured_number(value))
        verdicts.append(verdict.value)
        notes.append(note)
        units.append(unit)
    frame = _frame(chosen, cid, str(claim.get("kind")), measured, units, verdicts, how, notes, tolerance_text(claim))
    return frame, ClaimPlan(cid, how, chosen)


def _frame(dates, cid, kind, measured, unit, verdict, how, note, rule) -> pd.DataFrame:
    """Rows of ``COLUMNS``; each text column categorical (one value or one per row), the table's memory per row small."""
    n = len(dates)
    return pd.DataFrame(
        {
            "date": pd.DatetimeIndex(dates),
            "claim_id": _text(cid, n),
            "kind": _text(kind, n),
            "measured": np.broadcast_to(np.asarray(measured, dtype=float), (n,)).copy()
            if n
            else np.array([], dtype=float),
            "unit": _text(unit, n),
            "verdict": _text(verdict, n),
            "how": _text(how, n),
            "note": _text(note, n),
            "rule": _text(rule, n),
        },
        columns=COLUMNS,
    )


def _text(value: object, n: int) -> pd.Categorical:
    """A categorical text column of ``n`` rows: ``value`` repeated, or one value per row."""
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        codes, uniques = pd.factorize(np.asarray([str(v) for v in value], dtype=object))
        return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([str(value)], dtype=object))


def _object_categories(values: pd.Categorical) -> pd.Categorical:
    """The same categorical with its categories held as Python objects (one category dtype to merge on)."""
    return pd.Categorical.from_codes(values.codes, categories=pd.Index(list(values.categories), dtype=object))


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Frames of ``_frame`` end to end, categorical columns merged without going through text again."""
    from pandas.api.types import union_categoricals

    frames = [f for f in frames if len(f)] or list(frames[:1])
    columns = {}
    for column in COLUMNS:
        parts = [f[column] for f in frames]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            columns[column] = _object_categories(union_categoricals([_object_categories(p.array) for p in parts]))
        else:
            columns[column] = np.concatenate([p.to_numpy() for p in parts])
    return pd.DataFrame(columns, columns=COLUMNS)


def timeline(
    s: Sessions,
    claim_ids: Sequence[str] | None = None,
    *,
    budget: float | None = DEFAULT_BUDGET_S,
    reference: bool = False,
) -> pd.DataFrame:
    """Every claim (or ``claim_ids``) on every date of ``s``: the tidy table of ``COLUMNS``, with ``attrs``.

    ``budget``: seconds of reference measurement for the whole table, shared equally by the
    claims without a fast path (None: every applicable session, however long it takes).
    ``attrs["plans"]`` says per claim how it was evaluated and on how many dates.
    """
    registry = s.ctx.registry["claims"]
    ids = list(registry) if claim_ids is None else list(claim_ids)
    unknown = [c for c in ids if c not in registry]
    if unknown:
        raise ParameterError(f"unknown claim id {unknown[0]!r} (not in {s.ctx.claims_path})")
    claims = [{**registry[c], "id": c} for c in ids]
    slow = [c for c in claims if c["compare"] not in UNJUDGED and (reference or c.get("kind") not in FAST_PATHS)]
    frames, plans = [], []
    spent_start = time.perf_counter()
    for claim in claims:
        share = None
        if budget is not None:  # a fast-path kind whose parameters fall outside it uses a share too
            left = max(budget - (time.perf_counter() - spent_start), 0.0)
            share = left / max(sum(1 for c in slow if ids.index(c["id"]) >= ids.index(claim["id"])), 1)
        frame, plan = claim_rows(s, claim, budget=share, reference=reference)
        frames.append(frame)
        plans.append(plan)
    table = _concat(frames)
    table.attrs = {
        "small": s.ctx.small,
        "large": s.ctx.large,
        "claims_file": str(s.ctx.claims_path),
        "article": s.ctx.article.get("title", ""),
        "first": str(s.dates[0].date()),
        "last": str(s.dates[-1].date()),
        "data_last": str(s.last.date()),
        "sources": [
            s.ctx.prices(s.ctx.small).attrs.get("source", ""),
            s.ctx.prices(s.ctx.large).attrs.get("source", ""),
        ],
        "plans": {p.claim_id: {"how": p.how, "dates": len(p.dates)} for p in plans},
    }
    return table


def verdict_labels(ctx: Context, claim_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Each claim's verdict at the context's date as the scorecard shows it (``evaluate(...).label``, robustness included).

    The notebooks record exactly these (``outputs.results.record``); a verdicts-only sweep uses them.
    """
    from rotation.claims.evaluate import evaluate

    ids = list(ctx.registry["claims"]) if claim_ids is None else list(claim_ids)
    return {cid: evaluate(ctx, cid).label for cid in ids}


__all__ = [
    "COLUMNS",
    "FAST_PATHS",
    "GRIDS",
    "Sessions",
    "applies",
    "claim_rows",
    "grid_dates",
    "sessions",
    "timeline",
    "verdict_labels",
]
