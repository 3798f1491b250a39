"""Claim kinds about the article's context: the policy rate at a date, stocks' and funds' returns over the
streak window (against a threshold or against a benchmark), a fixed year's range, market breadth over a
fixed period, and the direction of the yield curve.

Definitions: returns are simple close-to-close returns (fractions) from a *base* close to the close at
``as_of``; by default the base is the close before the first session of the streak in force at
``as_of`` (the *streak window*). Index series (``rut``, ``spx``) are price indexes (no dividends);
ETFs and stocks are Yahoo auto-adjusted closes (splits and dividends reinvested), i.e. total-return
prices, so a fund against an index compares a total return with a price return (the dividend gap is
a few bp over a few weeks; the like-for-like benchmark, SPY, is listed as an alternative where it
matters). Rates and yields are percent per year as FRED publishes them; a value "at" a date is the
last one published on or before it (blank FRED days are missing, not zero).

Series names in ``params`` are catalogue ids or Yahoo tickers; ``small`` and ``large`` stand for the
run's index pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation.analytics import markets as analytics
from rotation.analytics.returns import compounded, session_on_or_before, value_at, window_return
from rotation.claims.measures.base import Measurement, kind, not_verifiable, params
from rotation.core.dates import parse_period
from rotation.core.errors import DataError, ParameterError
from rotation.core.fmt import day, pct
from rotation.core.verdicts import Verdict

if TYPE_CHECKING:
    from rotation.claims.measuring import Context

BASES = ("streak", "first_session", "year_end", "months")
RATES = ("lower", "upper", "midpoint", "effective")


# ---------------------------------------------------------------------------------------------
# Typed measurements: what a notebook shows beside the verdict, as named fields (no string-keyed extras)


@dataclass(frozen=True)
class Sourced(Measurement):
    """A measurement that names its series' sources (``"<id>: <where its numbers came from>"``)."""

    sources: tuple[str, ...] = ()

    @classmethod
    def unverifiable(cls, reason: str, **fields) -> Sourced:
        """The same typed measurement, saying the data cannot settle the claim (``reason`` names what would)."""
        return cls(status=Verdict.NOT_VERIFIABLE, reason=reason, **fields)


@dataclass(frozen=True)
class RateMeasurement(Sourced):
    """``policy_rate``: the target changes from ``first`` to the claim date (``rotation.analytics.markets.rate_changes``)."""

    changes: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    first: pd.Timestamp | None = None


@dataclass(frozen=True)
class WindowMeasurement(Sourced):
    """``window_gain`` / ``relative_return``: per series its window row (``gains_table``), the window's ends, and
    which series were counted, used as benchmarks, or shown only."""

    rows: Mapping[str, dict] = field(default_factory=dict, compare=False, repr=False)
    base: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    counted: tuple[str, ...] = ()
    benchmarks: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()


@dataclass(frozen=True)
class RangeMeasurement(Sourced):
    """``period_range``: per series its period statistics (judged ``stats``, shown-only ``context``), the period and band."""

    stats: Mapping[str, dict] = field(default_factory=dict, compare=False, repr=False)
    context: Mapping[str, dict] = field(default_factory=dict, compare=False, repr=False)
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    band: float = float("nan")


@dataclass(frozen=True)
class BreadthMeasurement(Sourced):
    """``breadth``: per calendar year (and ``whole period``) the returns, the period, the series ids by role
    (``small``, ``large``, ``equal``, ``cap``) and the factors file id."""

    rows: Mapping[str, dict] = field(default_factory=dict, compare=False, repr=False)
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    series: Mapping[str, str] = field(default_factory=dict)
    factors: str = ""


@dataclass(frozen=True)
class ChangeMeasurement(Sourced):
    """A level's change over windows (``curve_change``, ``series_change``): the series, one row per window
    (``window_changes``), the key of the verdict windows and which windows are readings the words allow."""

    series: pd.Series | None = field(default=None, compare=False, repr=False)
    rows: tuple[dict, ...] = field(default=(), compare=False, repr=False)
    keys: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Shared pieces


def series_id(ctx: Context, name: object) -> str:
    """A series named in ``params``: ``small``/``large`` are the run's pair, anything else a catalogue id or ticker."""
    text = str(name)
    return {"small": ctx.small, "large": ctx.large}.get(text, text)


def sources_of(ctx: Context, names: list[str]) -> list[str]:
    """``"<id>: <where its numbers came from>"`` for each loadable series of ``names`` (for the notebook's source lines)."""
    out = []
    for name in dict.fromkeys(names):
        px, _ = ctx.try_prices(name)
        if px is not None:
            out.append(f"{name}: {px.attrs.get('source', '')}")
    return out


def _pricing(px: pd.Series) -> str:
    return (
        "total-return prices (Yahoo auto-adjusted)"
        if "adjusted" in px.attrs.get("definition", "")
        else "price index (no dividends)"
    )


def window_bounds(ctx: Context, p: Mapping) -> tuple[pd.Timestamp | None, pd.Timestamp, str]:
    """``(base, end, words)`` of the return window ending at ``as_of`` under ``params.base``.

    ``streak`` (default): the close before the first session of the streak in force at ``as_of``;
    ``first_session``: the close of the streak's first session; ``year_end``: the last close of the
    year before ``as_of``'s year; ``months``: the last close on or before ``params.months`` calendar
    months before ``as_of``. ``base`` is None when the rule finds no session.
    """
    rule = str(p.get("base", "streak"))
    end = ctx.session
    calendar = ctx.returns_at.index
    streak = ctx.streak
    if rule == "streak":
        base = streak["base"] if streak["sessions"] and pd.notna(streak["base"]) else None
        words = (
            (
                f"the streak window: close of {day(base)} (the session before the streak's first session, {day(streak['start'])}) "
                f"to the close of {day(end)}"
            )
            if base is not None
            else f"the streak window (no streak in force at {day(end)})"
        )
    elif rule == "first_session":
        base = streak["start"] if streak["sessions"] else None
        words = f"close of the streak's first session ({day(base)}) to the close of {day(end)}"
    elif rule == "year_end":
        base = session_on_or_before(calendar, pd.Timestamp(f"{end.year - 1}-12-31"))
        words = f"last close of {end.year - 1} ({day(base)}) to the close of {day(end)}"
    elif rule == "months":
        months = int(p.get("months", 3))
        base = session_on_or_before(calendar, analytics.months_before(end, months))
        words = f"{months} months: close of {day(base)} to the close of {day(end)}"
    else:
        raise ParameterError(f"claim params.base: unknown value {rule!r} (use one of {', '.join(BASES)})")
    if base is not None and base >= end:
        base = None
    return base, end, words


def gains_table(ctx: Context, names: list[str], base: pd.Timestamp, end: pd.Timestamp) -> dict[str, dict]:
    """``{series id: window_gain row + label, pricing, span}`` for every series of ``names`` (rows of unloadable series hold the reason)."""
    out: dict[str, dict] = {}
    for name in dict.fromkeys(names):
        px, why = ctx.try_prices(name)
        if px is None:
            out[name] = {
                "return": np.nan,
                "peak_gain": np.nan,
                "why": why,
                "span": "not loadable",
                "label": name,
                "pricing": "",
            }
            continue
        row = analytics.window_gain(px.loc[:end], base, end)
        row.update(
            {
                "label": px.attrs.get("description", name),
                "pricing": _pricing(px),
                "span": analytics.span_of(px),
                "why": "",
            }
        )
        out[name] = row
    return out


def missing_reason(rows: Mapping[str, dict], needed: list[str], base: pd.Timestamp, end: pd.Timestamp) -> str:
    """Which series lack which close of the window (for a not-verifiable measurement)."""
    parts = []
    for name in needed:
        r = rows[name]
        if r["why"]:
            parts.append(f"{name}: {r['why']}")
        elif np.isnan(r["return"]):
            lacks = [day(d) for d, c in ((base, r["base_close"]), (end, r["end_close"])) if np.isnan(c)]
            parts.append(f"{name} has no close on {' or '.join(lacks)} (the data hold {r['span']})")
    return f"needs closes of {', '.join(needed)} on {day(base)} (base) and {day(end)}; " + "; ".join(parts)


def gains_evidence(rows: Mapping[str, dict]) -> pd.DataFrame:
    """The rows a notebook shows: closes rounded to cents, returns in percent."""
    table = pd.DataFrame(
        [
            {
                "series": name,
                "what": r["label"],
                "prices": r["pricing"],
                "data held": r["span"],
                "base date": day(r.get("base")),
                "base close": round(r.get("base_close", np.nan), 2),
                "end date": day(r.get("end")),
                "end close": round(r.get("end_close", np.nan), 2),
                "return (%)": round(100 * r["return"], 2),
                "highest close in window": round(r.get("peak_close", np.nan), 2),
                "on": day(r.get("peak_date")),
                "gain to highest close (%)": round(100 * r["peak_gain"], 2),
            }
            for name, r in rows.items()
        ]
    )
    return table.set_index("series")


def not_tested(p: Mapping) -> str:
    """The part of the claim this measurement does not reach (``params.not_tested``), as a detail suffix."""
    return f"; not tested here: {p['not_tested']}" if p.get("not_tested") else ""


# ---------------------------------------------------------------------------------------------
# The policy rate at as_of


@kind("policy_rate")
def policy_rate(ctx: Context, claim: Mapping) -> Measurement:
    """The federal funds rate at ``as_of`` in percent: ``params.rate`` = ``lower`` (default) or ``upper`` bound
    of the target range, its ``midpoint``, or the ``effective`` rate (FRED DFF). The target changes of the
    calendar year before ``as_of`` and of ``as_of``'s year to date are reported (the "easing cycle")."""
    p = params(claim)
    rate = str(p.get("rate", "lower"))
    if rate not in RATES:
        raise ParameterError(f"claim params.rate: unknown value {rate!r} (use one of {', '.join(RATES)})")
    when = ctx.session
    lower, upper = ctx.prices(p.get("lower", "fed_lower")), ctx.prices(p.get("upper", "fed_upper"))
    effective = ctx.prices(p.get("effective", "dff"))
    try:
        target = analytics.target_range_at(lower, upper, when)
    except DataError as exc:
        return not_verifiable(f"needs the fed funds target range (FRED DFEDTARL/DFEDTARU) at {day(when)}: {exc}")
    try:
        eff_date, eff = value_at(effective, when)
    except DataError:
        eff_date, eff = None, np.nan
    if rate == "effective" and eff_date is None:
        return not_verifiable(
            f"needs the effective fed funds rate (FRED DFF) at {day(when)}; the data hold {analytics.span_of(effective)}"
        )
    value = {"lower": target["lower"], "upper": target["upper"], "midpoint": target["midpoint"], "effective": eff}[rate]
    years = int(p.get("years_shown", 2))
    first = pd.Timestamp(f"{when.year - years}-01-01")
    frame = pd.DataFrame({"lower": lower, "upper": upper}).dropna()
    changes = analytics.rate_changes(frame, start=first, end=when)
    prior = changes[changes["date"].dt.year == when.year - 1]
    this_year = changes[changes["date"].dt.year == when.year]
    range_text = (
        f"{target['lower']:.2f}% (single target)"
        if target["single"]
        else f"{target['lower']:.2f}-{target['upper']:.2f}%"
    )

    def moves(part: pd.DataFrame) -> str:
        if part.empty:
            return "none"
        listed = ", ".join(f"{day(d)} {b:+.0f} bp" for d, b in zip(part["date"], part["change_bp"]))
        return f"{len(part)} ({listed}; {part['change_bp'].sum():+.0f} bp in total)"

    detail = (
        f"target range at {day(when)}: {range_text} (value of {day(target['date'])}); effective rate (DFF) "
        + (f"{eff:.2f}% ({day(eff_date)})" if eff_date is not None else "not available")
        + f"; target changes in {when.year - 1}: {moves(prior)}; in {when.year} to {day(when)}: {moves(this_year)}"
    )
    evidence = pd.DataFrame(
        {
            "effective date": [day(d) for d in changes["date"]],
            "target before (%)": [
                f"{a:.2f}-{b:.2f}" if abs(a - b) > 1e-9 else f"{a:.2f}"
                for a, b in zip(changes["lower_before"], changes["upper_before"])
            ],
            "target after (%)": [
                f"{a:.2f}-{b:.2f}" if abs(a - b) > 1e-9 else f"{a:.2f}"
                for a, b in zip(changes["lower_after"], changes["upper_after"])
            ],
            "change (bp)": changes["change_bp"].round(0).to_numpy(),
            "effective rate that day (%)": [round(float(effective.get(d, np.nan)), 2) for d in changes["date"]],
        },
        index=pd.RangeIndex(1, len(changes) + 1, name="change"),
    )
    names = {
        "lower": "lower bound of the target range",
        "upper": "upper bound of the target range",
        "midpoint": "midpoint of the target range",
        "effective": "effective federal funds rate (FRED DFF)",
    }
    return RateMeasurement(
        value=float(value),
        unit="percent",
        window=(first, when),
        definition=f"{names[rate]} at {day(when)}, percent per year (FRED DFEDTARL/DFEDTARU: single target DFEDTAR before 2008-12-16; DFF daily)",
        detail=detail,
        evidence=evidence,
        changes=changes,
        first=first,
        sources=tuple(
            sources_of(ctx, [p.get("lower", "fed_lower"), p.get("upper", "fed_upper"), p.get("effective", "dff")])
        ),
    )


# ---------------------------------------------------------------------------------------------
# Returns over the window against a threshold


@kind("window_gain")
def window_gain(ctx: Context, claim: Mapping) -> Measurement:
    """Return (fraction) over the window (``params.base``, default the streak window) of the series in ``params.series``,
    combined by ``params.combine``: ``min`` (default; every named series must reach the threshold, so the smallest
    counts) or ``max`` (any one of them). ``params.at``: ``end`` (default; return to the close at ``as_of``) or
    ``peak`` (to the highest close in the window). ``params.also_shown``: series reported beside, not judged."""
    p = params(claim)
    counted = [series_id(ctx, s) for s in p.get("series", [])]
    if not counted:
        raise ParameterError(f"claim {claim.get('id', '')!r} params.series: name at least one series")
    shown = [series_id(ctx, s) for s in p.get("also_shown", []) if series_id(ctx, s) not in counted]
    combine, at = str(p.get("combine", "min")), str(p.get("at", "end"))
    if combine not in ("min", "max") or at not in ("end", "peak"):
        raise ParameterError(
            f"claim {claim.get('id', '')!r}: params.combine must be min or max and params.at end or peak (got {combine!r}, {at!r})"
        )
    base, end, words = window_bounds(ctx, p)
    if base is None:
        return not_verifiable(f"no base close for {words} in the {ctx.small}/{ctx.large} calendar before {day(end)}")
    rows = gains_table(ctx, counted + shown, base, end)
    key = "return" if at == "end" else "peak_gain"
    if any(np.isnan(rows[s][key]) for s in counted):
        return WindowMeasurement.unverifiable(
            missing_reason(rows, counted, base, end), evidence=gains_evidence(rows), rows=rows, base=base, end=end
        )
    values = {s: rows[s][key] for s in counted}
    chosen = (min if combine == "min" else max)(values, key=values.get)
    rule = {"min": "the smallest of", "max": "the largest of"}[combine] if len(counted) > 1 else ""
    measure_words = "return to the close at as_of" if at == "end" else "gain to the highest close in the window"
    detail = (
        f"{words}: "
        + "; ".join(
            f"{s} {pct(rows[s]['return'])} (highest close {rows[s]['peak_close']:.2f} on {day(rows[s]['peak_date'])}, "
            f"{pct(rows[s]['peak_gain'])})"
            for s in counted
        )
        + (f"; counted: {chosen} ({rule} {', '.join(counted)})" if rule else "")
        + (
            "; also shown, not judged: "
            + "; ".join(f"{s} {pct(rows[s]['return'])}" for s in shown if not np.isnan(rows[s]["return"]))
            if shown
            else ""
        )
        + f"; returns need only the base and end closes ({day(base)}, {day(end)})"
        + not_tested(p)
    )
    pricing = "; ".join(dict.fromkeys(f"{s}: {rows[s]['pricing']}" for s in counted))
    return WindowMeasurement(
        value=float(values[chosen]),
        unit="fraction",
        window=(base, end),
        definition=f"{(rule + ' ') if rule else ''}{', '.join(counted)} {measure_words}, close of {day(base)} to {day(end)} ({pricing})",
        detail=detail,
        evidence=gains_evidence(rows),
        rows=rows,
        base=base,
        end=end,
        counted=tuple(counted),
        shown=tuple(shown),
        sources=tuple(sources_of(ctx, counted + shown)),
    )


# ---------------------------------------------------------------------------------------------
# Return A below/above return B


@kind("relative_return")
def relative_return(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: each series of ``params.series`` returned ``params.direction`` (``above`` or ``below``) each benchmark of
    ``params.benchmarks`` over the window (``params.base``, default the streak window). ``params.also_shown``: other
    benchmarks reported beside (not judged)."""
    p = params(claim)
    counted = [series_id(ctx, s) for s in p.get("series", [])]
    benchmarks = [series_id(ctx, s) for s in p.get("benchmarks", ["large"])]
    if not counted or not benchmarks:
        raise ParameterError(
            f"claim {claim.get('id', '')!r}: params.series and params.benchmarks must each name at least one series"
        )
    shown = [series_id(ctx, s) for s in p.get("also_shown", []) if series_id(ctx, s) not in counted + benchmarks]
    way = str(p.get("direction", "above"))
    if way not in ("above", "below"):
        raise ParameterError(f"claim {claim.get('id', '')!r} params.direction: use above or below, got {way!r}")
    base, end, words = window_bounds(ctx, p)
    if base is None:
        return not_verifiable(f"no base close for {words} in the {ctx.small}/{ctx.large} calendar before {day(end)}")
    rows = gains_table(ctx, counted + benchmarks + shown, base, end)
    needed = counted + benchmarks
    if any(np.isnan(rows[s]["return"]) for s in needed):
        return WindowMeasurement.unverifiable(
            missing_reason(rows, needed, base, end), evidence=gains_evidence(rows), rows=rows, base=base, end=end
        )
    criteria = {}
    for s in counted:
        for b in benchmarks:
            ahead = rows[s]["return"] > rows[b]["return"]
            criteria[f"{s} return {way} {b}'s"] = bool(
                ahead if way == "above" else rows[s]["return"] < rows[b]["return"]
            )
    others = [s for s in shown if not np.isnan(rows[s]["return"])]
    detail = (
        f"{words}: "
        + "; ".join(f"{s} {pct(rows[s]['return'])}" for s in counted)
        + "; against "
        + "; ".join(f"{b} {pct(rows[b]['return'])}" for b in benchmarks)
        + ("; also shown: " + "; ".join(f"{s} {pct(rows[s]['return'])}" for s in others) if others else "")
        + "; "
        + "; ".join(dict.fromkeys(f"{s}: {rows[s]['pricing']}" for s in needed))
        + not_tested(p)
    )
    return WindowMeasurement(
        value=criteria,
        unit="criteria",
        window=(base, end),
        definition=f"each of {', '.join(counted)} returned {way} {', '.join(benchmarks)} over {words} (simple close-to-close returns)",
        detail=detail,
        evidence=gains_evidence(rows),
        rows=rows,
        base=base,
        end=end,
        counted=tuple(counted),
        benchmarks=tuple(benchmarks),
        shown=tuple(shown),
        sources=tuple(sources_of(ctx, counted + benchmarks + shown)),
    )


# ---------------------------------------------------------------------------------------------
# Fixed periods: a year's range, market breadth


def claim_period(claim: Mapping) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period a fixed-period claim is measured on: ``params.period``, else ``about.period``."""
    text = params(claim).get("period") or (claim.get("about") or {}).get("period")
    if not text:
        raise ParameterError(
            f"claim {claim.get('id', '')!r}: needs about.period or params.period ('YYYY-MM-DD to YYYY-MM-DD')"
        )
    return parse_period(str(text))


def _period_stats(ctx: Context, sid: str, first: pd.Timestamp, last: pd.Timestamp) -> dict:
    px = ctx.prices(sid)
    base, end = analytics.period_bounds(px, first, last)
    stats = analytics.period_stats(px, base, end)
    stats.update({"label": px.attrs.get("description", sid), "pricing": _pricing(px)})
    return stats


@kind("period_range")
def period_range(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria for the small-cap index over a fixed period (``about.period``): it stayed within a +/-``params.band`` band
    and returned less than the large-cap index.

    ``params.test``: ``return`` (default; the period's return within +/-band) or ``high_low`` (the high/low range of its
    closes no wider than a +/-band band allows, ``(1 + band) / (1 - band) - 1``). ``params.context``: series shown beside,
    not judged (e.g. the tech sector of "a booming tech sector")."""
    p = params(claim)
    band = float(p.get("band", 0.10))
    test = str(p.get("test", "return"))
    if test not in ("return", "high_low") or not 0 < band < 1:
        raise ParameterError(
            f"claim {claim.get('id', '')!r}: params.test must be return or high_low and params.band a fraction between 0 and 1 (got {test!r}, {band!r})"
        )
    first, last = claim_period(claim)
    small, large = series_id(ctx, p.get("series", "small")), series_id(ctx, p.get("against", "large"))
    try:
        stats = {s: _period_stats(ctx, s, first, last) for s in (small, large)}
    except DataError as exc:
        return not_verifiable(
            f"needs closes of {small} and {large} from before {day(first)} through {day(last)}: {exc}"
        )
    context_rows = {}
    for s in p.get("context", []):
        sid = series_id(ctx, s)
        try:
            context_rows[sid] = _period_stats(ctx, sid, first, last)
        except DataError:
            continue
    s, l = stats[small], stats[large]
    if test == "return":
        name = f"{small} return within +/-{band:.1%}"
        ok = abs(s["return"]) <= band + 1e-12
    else:
        limit = analytics.band_range_limit(band)
        name = f"{small} high/low range within {limit:.1%} (fits a +/-{band:.1%} band)"
        ok = s["range"] <= limit + 1e-12
    criteria = {name: bool(ok), f"{small} return below {large}'s": bool(s["return"] < l["return"])}
    table = pd.DataFrame(
        {
            sid: {
                "what": r["label"],
                "prices": r["pricing"],
                "base close date": day(r["base"]),
                "base close": round(r["base_close"], 2),
                "last close date": day(r["end"]),
                "last close": round(r["end_close"], 2),
                "return (%)": round(100 * r["return"], 2),
                "highest close": round(r["high"], 2),
                "highest on": day(r["high_date"]),
                "lowest close": round(r["low"], 2),
                "lowest on": day(r["low_date"]),
                "high/low range (%)": round(100 * r["range"], 2),
                "farthest from base close (%)": round(100 * r["max_away"], 2),
                "max drawdown (%)": round(100 * r["max_drawdown"], 2),
                "role": "judged" if sid in stats else "context, not judged",
            }
            for sid, r in {**stats, **context_rows}.items()
        }
    )
    detail = (
        f"{day(first)} to {day(last)} (close of {day(s['base'])} to {day(s['end'])}): {small} {pct(s['return'])} "
        f"(high/low range {pct(s['range'], signed=False)}, farthest from the base close {pct(s['max_away'], signed=False)}, "
        f"max drawdown {pct(s['max_drawdown'])}); {large} {pct(l['return'])}"
        + "".join(f"; {sid} {pct(r['return'])} (context)" for sid, r in context_rows.items())
        + not_tested(p)
    )
    return RangeMeasurement(
        value=criteria,
        unit="criteria",
        window=(s["base"], s["end"]),
        definition=(
            f"{small} ({s['pricing']}) and {large} ({l['pricing']}) returns over {day(first)} to {day(last)}, last close before the period to its last close; "
            + (
                "rangebound = return within +/-band"
                if test == "return"
                else "rangebound = the period's closes fit a +/-band band (high/low range)"
            )
        ),
        detail=detail,
        evidence=table,
        stats=stats,
        context=context_rows,
        first=first,
        last=last,
        band=band,
        sources=tuple(sources_of(ctx, [small, large, *context_rows])),
    )


BREADTH_MEASURES = ("small_vs_large", "smb", "equal_weight")


@kind("breadth")
def breadth(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria of narrow breadth over a fixed period (``about.period``), one per ``params.measures``:

    ``small_vs_large``: the small-cap index returned less than the large-cap index (price returns);
    ``smb``: the Fama-French small-minus-big factor, compounded daily, was negative;
    ``equal_weight``: the equal-weight S&P 500 (``params.equal_weight``, RSP) returned less than the
    cap-weighted one (``params.cap_weight``, SPY); both Yahoo auto-adjusted (total returns).
    The evidence table gives each calendar year of the period and the whole period."""
    p = params(claim)
    chosen = list(p.get("measures", BREADTH_MEASURES))
    unknown = [m for m in chosen if m not in BREADTH_MEASURES]
    if unknown or not chosen:
        raise ParameterError(
            f"claim {claim.get('id', '')!r} params.measures: unknown {unknown} (use {', '.join(BREADTH_MEASURES)})"
        )
    first, last = claim_period(claim)
    small, large = series_id(ctx, p.get("small", "small")), series_id(ctx, p.get("large", "large"))
    equal, cap = series_id(ctx, p.get("equal_weight", "rsp")), series_id(ctx, p.get("cap_weight", "spy"))
    factors_id = str(p.get("factors", "ff_factors"))
    rows: dict[str, dict] = {}
    needs = {"small_vs_large": [small, large], "equal_weight": [equal, cap]}
    try:
        for label, a, b in analytics.split_years(first, last):
            row = {"from": day(a), "to": day(b)}
            for sid in dict.fromkeys([small, large, equal, cap]):
                px, why = ctx.try_prices(sid)
                try:
                    if px is None:
                        raise DataError(why)
                    base, end = analytics.period_bounds(px, a, b)
                    row[sid] = window_return(px, base, end)
                except DataError as exc:
                    if any(sid in needs[m] for m in chosen if m in needs):
                        raise DataError(f"{sid}: {exc}") from None
                    row[sid] = np.nan
            factors, why = ctx.try_prices(factors_id)
            smb = compounded(factors["smb"], a, b) if factors is not None else np.nan
            covered = (
                factors is not None
                and factors.index[-1] >= b - pd.Timedelta(days=7)
                and factors.index[0] <= a + pd.Timedelta(days=7)
            )
            if "smb" in chosen and not covered:
                raise DataError(
                    f"{factors_id} (Fama-French factors) must cover {day(a)} to {day(b)}; the data hold {analytics.span_of(factors) if factors is not None else why}"
                )
            row["smb"] = smb if covered else np.nan
            row["mkt_rf"] = compounded(factors["mkt_rf"], a, b) if covered else np.nan
            rows[label] = row
    except DataError as exc:
        return not_verifiable(f"needs data over {day(first)} to {day(last)}: {exc}")
    whole = rows["whole period"]
    names = {
        "small_vs_large": f"{small} return below {large}'s",
        "smb": "Fama-French SMB compounded return negative",
        "equal_weight": f"{equal} (equal weight) return below {cap}'s (cap weight)",
    }
    tests = {
        "small_vs_large": lambda r: r[small] < r[large],
        "smb": lambda r: r["smb"] < 0,
        "equal_weight": lambda r: r[equal] < r[cap],
    }
    criteria = {names[m]: bool(tests[m](whole)) for m in chosen}
    table = pd.DataFrame(
        {
            label: {
                "from": r["from"],
                "to": r["to"],
                **{f"{sid} (%)": round(100 * r[sid], 2) for sid in dict.fromkeys([small, large, equal, cap])},
                f"{small} minus {large} (pp)": round(100 * (r[small] - r[large]), 2),
                f"{equal} minus {cap} (pp)": round(100 * (r[equal] - r[cap]), 2),
                "SMB compounded (%)": round(100 * r["smb"], 2),
                "Mkt-RF compounded (%)": round(100 * r["mkt_rf"], 2),
            }
            for label, r in rows.items()
        }
    ).T
    pricing = {sid: _pricing(px) for sid in (small, large) if (px := ctx.try_prices(sid)[0]) is not None}
    detail = (
        f"{day(first)} to {day(last)}: {small} {pct(whole[small])} vs {large} {pct(whole[large])} ({'; '.join(f'{k}: {v}' for k, v in pricing.items())}); "
        f"{equal} {pct(whole[equal])} vs {cap} {pct(whole[cap])} (equal vs cap weight, both Yahoo auto-adjusted); "
        f"SMB {pct(whole['smb'])} (Fama-French, daily, compounded)"
        + "".join(
            f"; {label}: {small} minus {large} {100 * (r[small] - r[large]):+.2f} pp, {equal} minus {cap} {100 * (r[equal] - r[cap]):+.2f} pp, SMB {pct(r['smb'])}"
            for label, r in rows.items()
            if label != "whole period"
        )
        + not_tested(p)
    )
    return BreadthMeasurement(
        value=criteria,
        unit="criteria",
        window=(first, last),
        definition=f"narrow breadth over {day(first)} to {day(last)}: "
        + "; ".join(names[m] for m in chosen)
        + " (returns from the last close before the period to its last close; SMB = prod(1 + daily SMB) - 1)",
        detail=detail,
        evidence=table,
        rows=rows,
        first=first,
        last=last,
        series={"small": small, "large": large, "equal": equal, "cap": cap},
        factors=factors_id,
        sources=tuple(sources_of(ctx, [small, large, equal, cap, factors_id])),
    )


# ---------------------------------------------------------------------------------------------
# The yield curve


CURVE_WINDOWS = ("streak", "before_streak", "to_as_of", "all_to_as_of")


def unmeasured_change(why: str, *extra: str) -> dict:
    """A row of a change table for a window the data cannot measure: values NaN/NaT, direction "n/a",
    ``why`` the reason; ``extra`` names further value columns (NaN)."""
    row = {"from_date": pd.NaT, "from_value": np.nan, "to_date": pd.NaT, "to_value": np.nan}
    row.update(dict.fromkeys(("change", "change_bp", *extra), np.nan))
    return {**row, "direction": "n/a", "why": why}


Window = tuple[str, str, pd.Timestamp, pd.Timestamp]  # (key, words, start, end)


def streak_window(ctx: Context) -> list[Window]:
    """The streak window ``("streak", words, base close, as_of)``, or nothing when no streak is in force at ``as_of``."""
    base = ctx.streak["base"] if ctx.streak["sessions"] and pd.notna(ctx.streak["base"]) else None
    if base is None:
        return []
    return [("streak", f"streak window ({day(base)} to {day(ctx.session)})", base, ctx.session)]


def months_to(ctx: Context, months: list[int], prefix: str = "to_as_of") -> list[Window]:
    """``(f"{prefix}:{m}", words, start, as_of)`` for each of ``months`` calendar months ending at ``as_of``."""
    end = ctx.session
    return [
        (
            f"{prefix}:{m}",
            f"{m} months to as_of ({day(analytics.months_before(end, m))} to {day(end)})",
            analytics.months_before(end, m),
            end,
        )
        for m in months
    ]


def curve_windows(ctx: Context, months: list[int]) -> list[Window]:
    """``(key, words, start, end)`` of the windows the yield-curve table shows: the streak window, then the
    ``months`` before it (ending at its base close) and the ``months`` to ``as_of``."""
    out = streak_window(ctx)
    if out:
        base = out[0][2]
        out += [
            (
                f"before_streak:{m}",
                f"{m} months before the streak ({day(analytics.months_before(base, m))} to {day(base)})",
                analytics.months_before(base, m),
                base,
            )
            for m in months
        ]
    return out + months_to(ctx, months)


def window_changes(
    series: pd.Series,
    windows: list[Window],
    *,
    change: Callable[..., dict] = analytics.level_change,
    max_age_days: int = 7,
    extra: tuple[str, ...] = (),
) -> list[dict]:
    """One row per window: ``change(series, start, end, max_age_days=...)`` (from/to date and value, change, bp,
    direction) with the window's ``key``, ``window`` words, ``start`` and ``end``; a window the data cannot measure
    gets ``unmeasured_change`` (NaN values, ``why``; ``extra`` names further NaN columns)."""
    rows = []
    for key, words, start, end in windows:
        try:
            row = change(series, start, end, max_age_days=max_age_days)
        except DataError as exc:
            row = unmeasured_change(str(exc), *extra)
        rows.append({**row, "key": key, "window": words, "start": start, "end": end})
    return rows


def curve_keys(ctx: Context, p: Mapping, months: list[int]) -> tuple[str, ...]:
    """Keys of the windows that decide a ``curve_change`` verdict under ``params.window``.

    ``all_to_as_of``: every window ending at ``as_of`` (the streak window and each of ``months``): a trend phrase in
    the present tense ("steepens") allows any of them and fixes none, so each is one criterion."""
    window = str(p.get("window", "streak"))
    if window == "all_to_as_of":
        return tuple(k for k, *_ in streak_window(ctx) + months_to(ctx, months))
    return ("streak",) if window == "streak" else (f"{window}:{int(p.get('months', 12))}",)


@kind("curve_change")
def curve_change(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: the spread ``params.long`` minus ``params.short`` (default 10-year minus 2-year Treasury yield) rose over
    ``params.window``: ``streak`` (default; from the streak's base close to ``as_of``), ``before_streak`` (the
    ``params.months`` before the streak's base close), ``to_as_of`` (the ``params.months`` to ``as_of``) or
    ``all_to_as_of`` (one criterion per window ending at ``as_of``: the streak window and each of ``table_months``;
    all rose: confirmed, some: partly true, none: refuted).

    "Steepening" = the spread is higher at the end of the window than at its start by more than
    ``params.rise_above_bp`` (default 0 bp; yields are published in whole bp). Each end uses the last published value on
    or before its date. The evidence table shows every window (``params.table_months``, default 3, 6 and 12) with its
    change and direction."""
    p = params(claim)
    window = str(p.get("window", "streak"))
    if window not in CURVE_WINDOWS:
        raise ParameterError(
            f"claim {claim.get('id', '')!r} params.window: use one of {', '.join(CURVE_WINDOWS)}, got {window!r}"
        )
    long_id, short_id = str(p.get("long", "dgs10")), str(p.get("short", "dgs2"))
    max_age = int(p.get("max_age_days", 7))
    long_px, short_px = ctx.prices(long_id), ctx.prices(short_id)
    spread = analytics.curve_spread(long_px, short_px, name=f"{long_id} - {short_id}")
    months = [int(m) for m in p.get("table_months", [3, 6, 12])]
    months = sorted(set(months + ([int(p.get("months", 12))] if window in ("before_streak", "to_as_of") else [])))
    keys = curve_keys(ctx, p, months)
    rows = window_changes(spread, curve_windows(ctx, months), max_age_days=max_age)
    chosen = [r for r in rows if r["key"] in keys]
    span = f"{long_id} {analytics.span_of(long_px)}, {short_id} {analytics.span_of(short_px)}"
    evidence = pd.DataFrame(
        [
            {
                "window": r["window"],
                "spread at start (pp)": r["from_value"],
                "on": day(r["from_date"]),
                "spread at end (pp)": r["to_value"],
                "on ": day(r["to_date"]),
                "change (bp)": r["change_bp"],
                "direction": r["direction"],
                "verdict window": r["key"] in keys,
            }
            for r in rows
        ]
    ).set_index("window")
    typed = {
        "evidence": evidence,
        "series": spread,
        "rows": tuple(rows),
        "keys": keys,
        "sources": tuple(sources_of(ctx, [long_id, short_id])),
    }
    missing = [r for r in chosen if np.isnan(r["change"])]
    if not chosen or missing:
        why = (
            missing[0].get("why", "")
            if missing
            else f"the window {keys[0]} has no start (no streak in force at {day(ctx.session)})"
        )
        return ChangeMeasurement.unverifiable(
            f"needs {long_id} and {short_id} on or up to {max_age} days before both ends of the window; {why} (the data hold {span})",
            **typed,
        )
    threshold = float(p.get("rise_above_bp", 0))
    more = f" by more than {threshold:g} bp" if threshold else ""
    value = {
        f"{long_id} minus {short_id} spread rose over the {r['window']}{more}": bool(r["change_bp"] > threshold + 1e-6)
        for r in chosen
    }
    judged = "; ".join(
        (f"{r['window']}: " if len(chosen) > 1 else "")
        + f"{r['from_value']:.2f} pp on {day(r['from_date'])} to {r['to_value']:.2f} pp on {day(r['to_date'])}, "
        f"{r['change_bp']:+.0f} bp ({r['direction']})"
        for r in chosen
    )
    others = "; ".join(
        f"{r['window']}: {r['change_bp']:+.0f} bp ({r['direction']})"
        for r in rows
        if r["key"] not in keys and not np.isnan(r["change"])
    )
    rule = (
        f"; rule: one criterion per window ending at as_of ({len(chosen)}), all rose: confirmed, some: partly true, none: refuted"
        if window == "all_to_as_of"
        else ""
    )
    detail = (
        f"{long_id} - {short_id}: {judged}" + (f"; other windows: {others}" if others else "") + rule + not_tested(p)
    )
    span_words = (
        chosen[0]["window"]
        if len(chosen) == 1
        else "windows ending at as_of (" + ", ".join(r["window"] for r in chosen) + ")"
    )
    return ChangeMeasurement(
        value=value,
        unit="criteria",
        window=(min(r["from_date"] for r in chosen), max(r["to_date"] for r in chosen)),
        definition=(
            f"{long_id} minus {short_id} (percentage points; FRED constant-maturity yields, blank days missing) at the end of the "
            f"{span_words} minus at its start; steepening = change > {threshold:g} bp"
        ),
        detail=detail,
        **typed,
    )


__all__ = [
    "BreadthMeasurement",
    "ChangeMeasurement",
    "RangeMeasurement",
    "RateMeasurement",
    "Sourced",
    "WindowMeasurement",
    "breadth",
    "claim_period",
    "curve_change",
    "curve_windows",
    "months_to",
    "not_tested",
    "streak_window",
    "unmeasured_change",
    "window_changes",
    "gains_table",
    "period_range",
    "policy_rate",
    "relative_return",
    "series_id",
    "sources_of",
    "window_bounds",
    "window_gain",
]
