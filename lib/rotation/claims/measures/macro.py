"""Claim kinds that macro data settle: inflation's trend, the absence of a recessionary collapse, small-cap
leadership against later recessions, the direction of a market series (oil, yields) over a window, bank-loan
growth, the policy-rate path after the claim, and small caps' sensitivity to a rate.

**What was known at the claim's date.** A claim made at ``as_of`` rests only on what was published by then:
with ``params.view: published`` (the default) each monthly series keeps the months its declared release
rule (``rotation.analytics.macro.PUBLICATION``) puts on or before ``as_of``. The values themselves are the data
folder's revised (current-vintage) figures, not the first releases; ``view: revised`` keeps every month up
to ``as_of`` whatever its release date (hindsight). Every measurement states which view it used and
carries both in typed fields for the notebook.

Units: inflation and loan growth in percent (year over year; annualised: percent per year); unemployment
and the Sahm indicator in percentage points; payroll changes in thousands of persons per month; yields in
percent per year (changes in bp); oil in USD per barrel (changes as fractions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation.analytics import macro
from rotation.analytics import markets as analytics
from rotation.claims.measures.base import Measurement, kind, params
from rotation.claims.measures.context import (
    ChangeMeasurement,
    Sourced,
    months_to,
    not_tested,
    series_id,
    sources_of,
    streak_window,
    window_changes,
)
from rotation.core.errors import DataError, ParameterError
from rotation.core.fmt import day, pct

if TYPE_CHECKING:
    from rotation.claims.measuring import Context

VIEWS = ("published", "revised")
PATH_VIEWS = ("after", "claim_date")  # policy_path: judged on the months after the claim (hindsight) or up to it


@dataclass(frozen=True)
class InflationMeasurement(Sourced):
    """``inflation_trend``: per view the rows of ``inflation_rows`` and per view and series the year-over-year rate."""

    rows: Mapping[str, list[dict]] = field(default_factory=dict, compare=False, repr=False)
    yoy: Mapping[str, Mapping[str, pd.Series]] = field(default_factory=dict, compare=False, repr=False)
    view: str = "published"
    months: int = 3


@dataclass(frozen=True)
class LabourMeasurement(Sourced):
    """``recession_check``: per view the ``labour_state`` (Sahm indicator, payroll change), and USREC (revised)."""

    states: Mapping[str, dict] = field(default_factory=dict, compare=False, repr=False)
    usrec: pd.Series | None = field(default=None, compare=False, repr=False)
    usrec_start: pd.Timestamp | None = None
    view: str = "published"


@dataclass(frozen=True)
class LeadershipMeasurement(Sourced):
    """``leadership_recession``: the monthly leadership signal (fraction), recession-ahead flags, USREC as seen in the
    verdict's view, and per view the conditional recession table."""

    signal: pd.Series | None = field(default=None, compare=False, repr=False)
    ahead: pd.Series | None = field(default=None, compare=False, repr=False)
    usrec: pd.Series | None = field(default=None, compare=False, repr=False)
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)
    view: str = "published"


@dataclass(frozen=True)
class LoanMeasurement(Sourced):
    """``loan_growth``: per view the ``loan_rows`` state, the loan level (revised) and its annualised growth per window."""

    states: Mapping[str, dict] = field(default_factory=dict, compare=False, repr=False)
    level: pd.Series | None = field(default=None, compare=False, repr=False)
    growth: Mapping[int, pd.Series] = field(default_factory=dict, compare=False, repr=False)
    view: str = "published"


@dataclass(frozen=True)
class PathMeasurement(Sourced):
    """``policy_path``: the target series, its changes up to the claim date and in the months after it, and the
    first and last day of the months judged."""

    rates: pd.Series | None = field(default=None, compare=False, repr=False)
    history: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    after: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None


def month(x: object) -> str:
    """``2025-12`` for a month dated its first day."""
    return pd.Timestamp(x).strftime("%Y-%m") if pd.notna(x) else "n/a"


def view_of(p: Mapping, claim: Mapping) -> str:
    view = str(p.get("view", "published"))
    if view not in VIEWS:
        raise ParameterError(f"claim {claim.get('id', '')!r} params.view: use one of {', '.join(VIEWS)}, got {view!r}")
    return view


def as_seen(ctx: Context, name: str, view: str) -> pd.Series:
    """Series ``name`` at ``as_of``: the observations published by then (``published``), or every one whose period had
    ended by then, published or not (``revised``: monthly series up to the month before ``as_of``'s, daily ones up to it)."""
    full = ctx.prices(name)
    if view == "published":
        return macro.known_by(full, ctx.claim_date, name=name)
    monthly_series = (
        (full.index.day == 1).all() and len(full) > 1 and (full.index[1:] - full.index[:-1]).days.min() >= 28
    )
    part = (
        full.loc[full.index < ctx.claim_date.to_period("M").to_timestamp()]
        if monthly_series
        else full.loc[: ctx.claim_date]
    )
    part.attrs = dict(full.attrs)
    return part


def view_words(view: str, as_of: pd.Timestamp) -> str:
    if view == "published":
        return f"months published by {day(as_of)} (declared release lags; revised values)"
    return f"every month ended by {day(as_of)}, including those published later (revised values, hindsight)"


def last_valid(series: pd.Series) -> pd.Timestamp | None:
    clean = series.dropna()
    return clean.index[-1] if len(clean) else None


# ---------------------------------------------------------------------------------------------
# Inflation


def inflation_rows(ctx: Context, names: list[str], months: int, view: str) -> list[dict]:
    """Per series: latest month with a year-over-year rate, that rate, the rate ``months`` calendar months earlier, the change (pp)."""
    rows = []
    for name in names:
        yoy = macro.yoy_inflation(as_seen(ctx, name, view))
        latest = last_valid(yoy)
        earlier = latest - pd.DateOffset(months=months) if latest is not None else None
        rows.append(
            {
                "series": name,
                "view": view,
                "latest month": latest,
                "yoy latest (%)": yoy.get(latest, np.nan),
                "earlier month": earlier,
                "yoy earlier (%)": yoy.get(earlier, np.nan) if earlier is not None else np.nan,
            }
        )
        rows[-1]["change (pp)"] = rows[-1]["yoy latest (%)"] - rows[-1]["yoy earlier (%)"]
    return rows


@kind("inflation_trend")
def inflation_trend(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: year-over-year inflation of each index in ``params.series`` (default CPI and core CPI) is lower in the
    latest month known at ``as_of`` than ``params.months`` (default 3) calendar months before ("cooling").

    Year over year = ``100 * (P[M] / P[M-12] - 1)``, percent; a month FRED left blank is missing (never filled)."""
    p = params(claim)
    names = [str(s) for s in p.get("series", ["cpi", "core_cpi"])]
    months, view = int(p.get("months", 3)), view_of(p, claim)
    rows = {v: inflation_rows(ctx, names, months, v) for v in VIEWS}
    chosen = rows[view]
    evidence = pd.DataFrame(
        [
            {**r, "latest month": month(r["latest month"]), "earlier month": month(r["earlier month"])}
            for v in VIEWS
            for r in rows[v]
        ]
    ).set_index(["series", "view"])
    typed = {
        "evidence": evidence,
        "rows": rows,
        "view": view,
        "months": months,
        "sources": tuple(sources_of(ctx, names)),
        "yoy": {v: {n: macro.yoy_inflation(as_seen(ctx, n, v)) for n in names} for v in VIEWS},
    }
    missing = [r for r in chosen if np.isnan(r["change (pp)"])]
    if missing:
        r = missing[0]
        return InflationMeasurement.unverifiable(
            f"{r['series']}: needs year-over-year rates for {month(r['latest month'])} and {month(r['earlier month'])} ({view_words(view, ctx.claim_date)}); "
            "one of them is missing",
            **typed,
        )
    value = {
        f"{r['series']} inflation lower in {month(r['latest month'])} than in {month(r['earlier month'])}": bool(
            r["change (pp)"] < 0
        )
        for r in chosen
    }
    other = "published" if view == "revised" else "revised"
    detail = (
        "; ".join(
            f"{r['series']}: {r['yoy earlier (%)']:.2f}% in {month(r['earlier month'])} to {r['yoy latest (%)']:.2f}% in {month(r['latest month'])} "
            f"({r['change (pp)']:+.2f} pp)"
            for r in chosen
        )
        + f" [{view_words(view, ctx.claim_date)}]; {other} view: "
        + "; ".join(
            f"{r['series']} {r['yoy latest (%)']:.2f}% in {month(r['latest month'])} ({r['change (pp)']:+.2f} pp over {months} months)"
            for r in rows[other]
        )
    )
    first = min(r["earlier month"] for r in chosen)
    last = max(r["latest month"] for r in chosen)
    return InflationMeasurement(
        value=value,
        unit="criteria",
        window=(first, last),
        definition=(
            f"year-over-year inflation (percent, 100 * (P[M] / P[M-12] - 1)) of {', '.join(names)} in the latest month known at "
            f"{day(ctx.claim_date)} against {months} months earlier; cooling = lower; {macro.VINTAGE_NOTE}"
        ),
        detail=detail,
        **typed,
    )


# ---------------------------------------------------------------------------------------------
# No recessionary collapse


def labour_state(ctx: Context, view: str, payroll_months: int) -> dict:
    """Latest Sahm indicator and average payroll change over ``payroll_months`` in ``view``."""
    sahm = macro.sahm_indicator(as_seen(ctx, "unrate", view))
    pay = macro.payroll_change(as_seen(ctx, "payems", view), payroll_months)
    s_month, p_month = last_valid(sahm), last_valid(pay)
    return {
        "view": view,
        "sahm month": s_month,
        "sahm (pp)": sahm.get(s_month, np.nan),
        "payroll month": p_month,
        f"payroll change, {payroll_months}-month average (thousands/month)": pay.get(p_month, np.nan),
        "sahm": sahm,
        "payroll": pay,
    }


@kind("recession_check")
def recession_check(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria for "without a recessionary collapse" in the labour data known at ``as_of``: the Sahm-rule indicator
    (``rotation.analytics.macro.sahm_indicator``, pp) below ``params.sahm_threshold`` (default 0.50, the rule's signal), and the
    average monthly payroll change over ``params.payroll_months`` (default 3) above ``params.payroll_floor`` (thousands
    of persons per month; default -100: a collapse is a fall faster than that). The NBER indicator (USREC) is reported
    for the ``params.usrec_months`` before ``as_of`` from the revised data only: NBER dates recessions long after."""
    p = params(claim)
    view = view_of(p, claim)
    threshold, floor = float(p.get("sahm_threshold", 0.5)), float(p.get("payroll_floor", -100.0))
    pm, um = int(p.get("payroll_months", 3)), int(p.get("usrec_months", 12))
    states = {v: labour_state(ctx, v, pm) for v in VIEWS}
    state = states[view]
    pay_key = f"payroll change, {pm}-month average (thousands/month)"
    usrec_full = ctx.prices("usrec")
    start = (ctx.claim_date - pd.DateOffset(months=um)).to_period("M").to_timestamp()
    rec_revised = usrec_full.loc[start : ctx.claim_date]
    rec_known = macro.known_by(usrec_full, ctx.claim_date, name="usrec").loc[start:]
    evidence = pd.DataFrame(
        [
            {
                k: (month(v) if k in ("sahm month", "payroll month") else v)
                for k, v in s.items()
                if k not in ("sahm", "payroll")
            }
            for s in states.values()
        ]
    ).set_index("view")
    typed = {
        "evidence": evidence,
        "states": states,
        "view": view,
        "usrec": usrec_full,
        "usrec_start": start,
        "sources": tuple(sources_of(ctx, ["unrate", "payems", "usrec"])),
    }
    if np.isnan(state["sahm (pp)"]) or np.isnan(state[pay_key]):
        return LabourMeasurement.unverifiable(
            f"needs UNRATE and PAYEMS for the months before {day(ctx.claim_date)} ({view_words(view, ctx.claim_date)})",
            **typed,
        )
    value = {
        f"Sahm indicator below {threshold:.2f} pp ({month(state['sahm month'])})": bool(state["sahm (pp)"] < threshold),
        (
            f"payrolls not falling faster than {-floor:g} thousand a month over {pm} months"
            if floor < 0
            else f"payrolls changing by more than {floor:+g} thousand a month over {pm} months"
        )
        + f" ({month(state['payroll month'])})": bool(state[pay_key] > floor),
    }
    usrec_text = (
        f"NBER indicator (USREC, revised, published long after): {macro.recession_months(usrec_full, start, ctx.claim_date)} recession month(s) in "
        f"{month(start)} to {month(rec_revised.index[-1]) if len(rec_revised) else 'n/a'}; "
        + (
            f"published by {day(ctx.claim_date)} under the declared lag: {month(rec_known.index[0])} to {month(rec_known.index[-1])}"
            if len(rec_known)
            else f"none of these months published by {day(ctx.claim_date)} under the declared lag ({macro.lag_rule('usrec').text})"
        )
    )
    other = states["revised" if view == "published" else "published"]
    detail = (
        f"Sahm indicator {state['sahm (pp)']:.2f} pp in {month(state['sahm month'])}; payrolls {state[pay_key]:+.1f} thousand a month over the {pm} months "
        f"to {month(state['payroll month'])} [{view_words(view, ctx.claim_date)}]; {other['view']} view: Sahm {other['sahm (pp)']:.2f} pp "
        f"({month(other['sahm month'])}), payrolls {other[pay_key]:+.1f} thousand a month ({month(other['payroll month'])}); {usrec_text}"
    )
    return LabourMeasurement(
        value=value,
        unit="criteria",
        window=(state["payroll month"] - pd.DateOffset(months=pm), state["sahm month"]),
        definition=(
            f"labour data known at {day(ctx.claim_date)}: Sahm-rule indicator (3-month average unemployment rate minus the lowest "
            f"3-month average of the previous 12 months, pp) below {threshold:.2f}; average monthly change of nonfarm payrolls over "
            f"{pm} months above {floor:g} thousand; {macro.VINTAGE_NOTE}"
        ),
        detail=detail,
        **typed,
    )


# ---------------------------------------------------------------------------------------------
# Small-cap leadership and later recessions


@kind("leadership_recession")
def leadership_recession(ctx: Context, claim: Mapping) -> Measurement:
    """Percentage points: the share of months followed by an NBER recession within ``params.horizon_months`` (default 12)
    when small caps led over the trailing ``params.lookback_months`` (default 12), minus the share when they lagged.
    Leadership: ``params.measure`` ``pair`` (default; small minus large index price return, month-end closes) or ``smb``
    (the Fama-French small-minus-big factor compounded). Negative = fewer recessions after small-cap leadership."""
    p = params(claim)
    look, horizon = int(p.get("lookback_months", 12)), int(p.get("horizon_months", 12))
    measure = str(p.get("measure", "pair"))
    view = view_of(p, claim)
    if measure == "pair":
        small, large = (series_id(ctx, s) for s in p.get("pair", ["small", "large"]))
        signal = macro.month_end_relative(
            ctx.prices(small).loc[: ctx.claim_date], ctx.prices(large).loc[: ctx.claim_date], look
        )
        words, names = f"{small} minus {large} price return over the trailing {look} months", [small, large, "usrec"]
    elif measure == "smb":
        factors = str(p.get("factors", "ff_factors"))
        signal = macro.month_end_compounded(ctx.prices(factors)["smb"].loc[: ctx.claim_date], look)
        words, names = f"Fama-French SMB compounded over the trailing {look} months", [factors, "usrec"]
    else:
        raise ParameterError(f"claim {claim.get('id', '')!r} params.measure: use pair or smb, got {measure!r}")
    usrec = as_seen(ctx, "usrec", view)
    ahead = macro.recession_ahead(usrec, horizon)
    tables = {
        v: macro.conditional_recession_rates(signal, macro.recession_ahead(as_seen(ctx, "usrec", v), horizon))
        for v in VIEWS
    }
    table = tables[view]
    both = pd.concat([signal, ahead], axis=1).dropna()
    typed = {
        "evidence": pd.concat(tables, names=["view"]),
        "signal": signal,
        "ahead": ahead,
        "usrec": usrec,
        "tables": tables,
        "view": view,
        "sources": tuple(sources_of(ctx, names)),
    }
    if both.empty or table["months"].min() == 0:
        return LeadershipMeasurement.unverifiable(
            f"needs months with both {words} and USREC {horizon} months ahead; the data hold too few", **typed
        )
    spells = int(
        (
            (usrec.loc[both.index[0] : both.index[-1] + pd.DateOffset(months=horizon)] > 0.5).astype(int).diff() == 1
        ).sum()
    )
    diff = float(table.loc["small caps lead", "share (%)"] - table.loc["small caps lag", "share (%)"])
    detail = (
        f"{month(both.index[0])} to {month(both.index[-1])}: a recession followed within {horizon} months in "
        f"{table.loc['small caps lead', 'share (%)']:.1f}% of {int(table.loc['small caps lead', 'months'])} months when small caps led and "
        f"{table.loc['small caps lag', 'share (%)']:.1f}% of {int(table.loc['small caps lag', 'months'])} months when they lagged ({diff:+.1f} pp); "
        f"the sample holds {spells} recession(s) (overlapping monthly windows: far fewer independent cases than months)"
    )
    return LeadershipMeasurement(
        value=diff,
        unit="percentage points",
        window=(both.index[0], both.index[-1]),
        definition=(
            f"share of months followed by an NBER recession month (USREC) within {horizon} months, when {words} was positive, "
            f"minus the share when it was not; {view_words(view, ctx.claim_date)}"
        ),
        detail=detail,
        **typed,
    )


# ---------------------------------------------------------------------------------------------
# Direction of a daily series (oil, yields) over a window


SERIES_WINDOWS = ("streak", "months")


def change_windows(ctx: Context, months: list[int]) -> list[tuple[str, str, pd.Timestamp, pd.Timestamp]]:
    """``(key, words, start, end)`` of each window ending at ``as_of``: the streak window, then ``months`` calendar months."""
    return streak_window(ctx) + months_to(ctx, months, prefix="months")


@kind("series_change")
def series_change(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: series ``params.series`` (e.g. ``wti``, ``dgs2``) moved in ``params.direction`` (``fell``/``rose``) over
    ``params.window`` ending at ``as_of``: ``streak`` (default; from the streak's base close) or ``months`` (the
    ``params.months`` calendar months before). Each end is the last value published on or before its date (at most
    ``params.max_age_days`` old). The table shows the streak window and ``params.table_months`` (3, 6 and 12)."""
    p = params(claim)
    name = str(p.get("series", "wti"))
    direction, window = str(p.get("direction", "fell")), str(p.get("window", "streak"))
    if direction not in ("fell", "rose") or window not in SERIES_WINDOWS:
        raise ParameterError(
            f"claim {claim.get('id', '')!r} params: direction is fell or rose, window is {' or '.join(SERIES_WINDOWS)}"
        )
    max_age = int(p.get("max_age_days", 7))
    series = macro.known_by(ctx.prices(name), ctx.claim_date, name=name)
    key = "streak" if window == "streak" else f"months:{int(p.get('months', 12))}"
    table_months = sorted(
        set(int(m) for m in p.get("table_months", [3, 6, 12]))
        | ({int(p.get("months", 12))} if window == "months" else set())
    )
    rows = window_changes(
        series,
        change_windows(ctx, table_months),
        change=macro.change_between,
        max_age_days=max_age,
        extra=("pct_change",),
    )
    chosen = next((r for r in rows if r["key"] == key), None)
    unit = ctx.prices(name).attrs.get("unit", "")
    evidence = pd.DataFrame(
        [
            {
                "window": r["window"],
                f"start ({unit})": r["from_value"],
                "on": day(r["from_date"]),
                f"end ({unit})": r["to_value"],
                "on ": day(r["to_date"]),
                "change": r["change"],
                "change (%)": 100 * r["pct_change"],
                "direction": r["direction"],
                "verdict window": r["key"] == key,
            }
            for r in rows
        ]
    ).set_index("window")
    typed = {
        "evidence": evidence,
        "series": series,
        "rows": tuple(rows),
        "keys": (key,),
        "sources": tuple(sources_of(ctx, [name])),
    }
    if chosen is None or np.isnan(chosen["change"]):
        why = chosen.get("why", "") if chosen else f"no streak in force at {day(ctx.session)}"
        return ChangeMeasurement.unverifiable(
            f"needs {name} on or up to {max_age} days before both ends of the window ({why}; the data hold {analytics.span_of(series)})",
            **typed,
        )
    moved = chosen["change"] < 0 if direction == "fell" else chosen["change"] > 0
    others = "; ".join(
        f"{r['window']}: {r['change']:+.2f} ({r['direction']})"
        for r in rows
        if r["key"] != key and not np.isnan(r["change"])
    )
    detail = (
        f"{name}: {chosen['from_value']:.2f} on {day(chosen['from_date'])} to {chosen['to_value']:.2f} on {day(chosen['to_date'])} "
        f"({chosen['change']:+.2f} {unit}, {pct(chosen['pct_change'])}); other windows: {others}"
    )
    return ChangeMeasurement(
        value={f"{name} {direction} over the {chosen['window']}": bool(moved)},
        unit="criteria",
        window=(chosen["from_date"], chosen["to_date"]),
        definition=(
            f"{name} ({ctx.prices(name).attrs.get('description', '')}, {unit}) at the end of the {chosen['window']} minus at its start "
            f"(last value on or before each date; blank days missing); {direction} = change {'<' if direction == 'fell' else '>'} 0"
        ),
        detail=detail,
        **typed,
    )


# ---------------------------------------------------------------------------------------------
# Bank loans


def loan_rows(ctx: Context, name: str, view: str, windows: list[int]) -> dict:
    """Latest month known and the annualised growth (percent per year) over each window, then and one window earlier."""
    level = as_seen(ctx, name, view)
    latest = last_valid(level)
    out = {"view": view, "latest month": latest}
    for m in windows:
        growth = macro.annualised_growth(level, m)
        out[f"{m}-month growth, annualised (%)"] = growth.get(latest, np.nan)
        out[f"{m} months before that (%)"] = (
            growth.get(latest - pd.DateOffset(months=m), np.nan) if latest is not None else np.nan
        )
    return out


@kind("loan_growth")
def loan_growth(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria for "loan demand stabilizes" on bank loans ``params.series`` (default BUSLOANS): in the latest month known
    at ``as_of``, growth over ``params.months`` (default 3) months, annualised (percent per year), is at least 0 (loans no
    longer shrinking) and at least the growth of the ``months`` before (no renewed slowdown). Loan *volumes* reflect
    supply and demand; the demand itself is surveyed (the Fed's senior loan officer survey), which the data do not hold."""
    p = params(claim)
    name, months, view = str(p.get("series", "busloans")), int(p.get("months", 3)), view_of(p, claim)
    windows = sorted({3, 6, months})
    states = {v: loan_rows(ctx, name, v, windows) for v in VIEWS}
    state = states[view]
    g_now, g_before = state[f"{months}-month growth, annualised (%)"], state[f"{months} months before that (%)"]
    evidence = pd.DataFrame([{**s, "latest month": month(s["latest month"])} for s in states.values()]).set_index(
        "view"
    )
    full = ctx.prices(name)
    typed = {
        "evidence": evidence,
        "states": states,
        "level": full,
        "growth": {m: macro.annualised_growth(full, m) for m in windows},
        "view": view,
        "sources": tuple(sources_of(ctx, [name])),
    }
    if np.isnan(g_now) or np.isnan(g_before):
        return LoanMeasurement.unverifiable(
            f"needs {name} for {2 * months} months before {day(ctx.claim_date)} ({view_words(view, ctx.claim_date)}); the data hold {analytics.span_of(full)}",
            **typed,
        )
    latest, prior = state["latest month"], state["latest month"] - pd.DateOffset(months=months)
    value = {
        f"{name} growing over the {months} months to {month(latest)}": bool(g_now >= 0),
        f"{months}-month growth to {month(latest)} at least that to {month(prior)}": bool(g_now >= g_before),
    }
    detail = (
        f"{name} grew {g_now:+.2f}% a year (annualised) over the {months} months to {month(latest)}, against {g_before:+.2f}% over the {months} months to "
        f"{month(prior)} [{view_words(view, ctx.claim_date)}]; latest month in the file: {month(full.index[-1])}"
        + (
            "; months after it are not in the data folder"
            if full.index[-1] < ctx.claim_date.to_period("M").to_timestamp() - pd.DateOffset(months=1)
            else ""
        )
    )
    return LoanMeasurement(
        value=value,
        unit="criteria",
        window=(prior - pd.DateOffset(months=months), latest),
        definition=(
            f"{name} ({full.attrs.get('description', '')}, {full.attrs.get('unit', '')}): growth over {months} months annualised, "
            f"100 * ((L[M] / L[M-{months}]) ** (12/{months}) - 1), percent per year, in the latest month known at {day(ctx.claim_date)}; "
            f"stabilizing = not negative and not below the previous {months} months; {macro.VINTAGE_NOTE}"
        ),
        detail=detail,
        **typed,
    )


# ---------------------------------------------------------------------------------------------
# The policy rate after the claim


@kind("policy_path")
def policy_path(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria for "the Fed maintaining an easing bias", read on the target range (lower bound, ``params.series``,
    default ``fed_lower``): the last target change on or before ``as_of`` was a cut; at least one cut in the judged
    months; no hike in them. ``params.judged_on``: ``after`` (default; the ``params.months_after``, default 6, calendar
    months after ``as_of``: hindsight) or ``claim_date`` (the ``params.months_before``, default 6, months up to
    ``as_of``: what was known on the claim's date; the months after are shown beside). A target change is public on
    its day. A *bias* is also a matter of the Fed's statements and projections, which the data do not hold: the rate
    path is what they can settle."""
    p = params(claim)
    name, months = str(p.get("series", "fed_lower")), int(p.get("months_after", 6))
    judged_on, before_n = str(p.get("judged_on", "after")), int(p.get("months_before", 6))
    if judged_on not in PATH_VIEWS:
        raise ParameterError(f"claim {claim.get('id', '')!r} params.judged_on: use one of {', '.join(PATH_VIEWS)}")
    rates = ctx.prices(name)
    end = ctx.claim_date + pd.DateOffset(months=months)
    history = analytics.rate_changes(rates, end=ctx.claim_date)
    after = analytics.rate_changes(rates, start=ctx.claim_date + pd.Timedelta(days=1), end=end)
    evidence = pd.concat(
        [history.tail(4).assign(when="before as_of"), after.assign(when=f"{months} months after as_of")]
    ).set_index("date")
    start = ctx.claim_date - pd.DateOffset(months=before_n)
    span = (start, ctx.claim_date) if judged_on == "claim_date" else (ctx.claim_date, end)
    typed = {
        "evidence": evidence,
        "rates": rates,
        "history": history,
        "after": after,
        "start": span[0],
        "end": span[1],
        "sources": tuple(sources_of(ctx, [name])),
    }
    if judged_on == "after" and rates.index[-1] < end:
        return PathMeasurement.unverifiable(
            f"needs {name} through {day(end)} ({months} months after {day(ctx.claim_date)}); the data used end {day(rates.index[-1])}",
            **typed,
        )
    if history.empty:
        return PathMeasurement.unverifiable(f"{name} shows no target change before {day(ctx.claim_date)}", **typed)
    last = history.iloc[-1]
    judged = history[history["date"] > start] if judged_on == "claim_date" else after
    cuts, hikes = int((judged["change"] < 0).sum()), int((judged["change"] > 0).sum())
    words = f"from {day(span[0])} to {day(span[1])}"
    value = {
        f"last change before as_of a cut ({day(last['date'])}, {last['change_bp']:+.0f} bp)": bool(last["change"] < 0),
        f"at least one cut {words}": cuts > 0,
        f"no hike {words}": hikes == 0,
    }
    moves = "; ".join(f"{day(d)} {b:+.0f} bp" for d, b in zip(after["date"], after["change_bp"])) or "none"
    known = "; ".join(f"{day(d)} {b:+.0f} bp" for d, b in zip(judged["date"], judged["change_bp"])) or "none"
    detail = (
        f"last target change before {day(ctx.claim_date)}: {day(last['date'])} ({last['change_bp']:+.0f} bp, to {last['after']:.2f}%); "
        + (f"changes {words} (known on the claim's date): {known}; hindsight, " if judged_on == "claim_date" else "")
        + f"changes from {day(ctx.claim_date)} to {day(end)}: {moves}; the data reach {day(rates.index[-1])}"
    )
    return PathMeasurement(
        value=value,
        unit="criteria",
        window=(min(last["date"], span[0]) if judged_on == "claim_date" else last["date"], span[1]),
        definition=(
            f"fed funds target ({name}, percent per year; FRED, carried forward daily): the last change on or before as_of, and the "
            + (
                f"changes in the {before_n} calendar months up to it (known on the claim's date)"
                if judged_on == "claim_date"
                else f"changes in the {months} calendar months after it"
            )
            + " (cuts < 0, hikes > 0)"
        ),
        detail=detail,
        **typed,
    )


# ---------------------------------------------------------------------------------------------
# Small caps' sensitivity to a rate


@dataclass(frozen=True)
class SensitivityMeasurement(Sourced):
    """``rate_sensitivity``: the monthly frame (relative return, rate change; percentage points) and the fit
    (``rotation.analytics.markets.rate_sensitivity``: slope, standard error, interval, correlation, months)."""

    frame: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    fit: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)
    rate: str = ""


@kind("rate_sensitivity")
def rate_sensitivity(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: the small-cap index gains on the large-cap index when the rate ``params.rate`` (default ``dgs2``, the
    2-year Treasury yield; short rates set floating-rate borrowing costs) falls, over the ``params.years`` (default 10)
    years of calendar months ended before the claim's month: the OLS slope of the monthly relative return (small minus
    large, percentage points) on the monthly change of the rate (percentage points) is negative, and its
    ``params.level`` (default 95%) interval lies below 0. ``params.pair`` (default the run's pair) names the indexes.
    A rate's month-end value is known at that day's close, before the claim date."""
    p = params(claim)
    rate_id, years, level = str(p.get("rate", "dgs2")), int(p.get("years", 10)), float(p.get("level", 0.95))
    small, large = (series_id(ctx, s) for s in p.get("pair", ["small", "large"]))
    last = ctx.claim_date.to_period("M").to_timestamp() - pd.DateOffset(months=1)
    first = last - pd.DateOffset(months=12 * years - 1)
    names = [small, large, rate_id]
    rate = macro.known_by(ctx.prices(rate_id), ctx.claim_date, name=rate_id)
    try:
        fit = analytics.rate_sensitivity(
            ctx.prices(small).loc[: ctx.claim_date],
            ctx.prices(large).loc[: ctx.claim_date],
            rate,
            first,
            last,
            level=level,
        )
    except DataError as exc:
        return SensitivityMeasurement.unverifiable(
            f"needs {small}, {large} and {rate_id} month ends over {month(first)} to {month(last)}: {exc}",
            sources=tuple(sources_of(ctx, names)),
            rate=rate_id,
        )
    share = f"{level:.0%}"
    evidence = pd.DataFrame(
        {
            "months": [fit["months"]],
            "from": [month(fit["first"])],
            "to": [month(fit["last"])],
            "slope (pp per 100 bp)": [fit["slope"]],
            "standard error": [fit["se"]],
            f"{share} interval, low": [fit["low"]],
            f"{share} interval, high": [fit["high"]],
            "correlation": [fit["correlation"]],
        },
        index=pd.Index([f"{small} minus {large} on {rate_id}"], name="regression"),
    )
    value = {
        f"{small} gains on {large} when {rate_id} falls (slope below 0)": bool(fit["slope"] < 0),
        f"the {share} interval of the slope lies below 0": bool(fit["high"] < 0),
    }
    detail = (
        f"{fit['months']} months, {month(fit['first'])} to {month(fit['last'])}: slope {fit['slope']:+.2f} pp of relative return "
        f"per 100 bp rise of {rate_id} ({share} interval {fit['low']:+.2f} to {fit['high']:+.2f}; correlation "
        f"{fit['correlation']:+.2f}); a negative slope is what more floating-rate debt would make (lower rates, relatively "
        "higher small-cap returns); rate moves also carry growth and inflation news, so the slope is an association, not the "
        "debt's effect alone" + not_tested(p)
    )
    return SensitivityMeasurement(
        value=value,
        unit="criteria",
        window=(fit["first"], fit["last"]),
        definition=(
            f"OLS slope of the monthly {small} minus {large} price return (percentage points, month-end closes) on the monthly "
            f"change of {rate_id} (percentage points, month-end values), {years} years of months ended before the claim's month; "
            f"{share} interval from the t distribution"
        ),
        detail=detail,
        evidence=evidence,
        frame=fit["frame"],
        fit={k: v for k, v in fit.items() if k != "frame"},
        rate=rate_id,
        sources=tuple(sources_of(ctx, names)),
    )


def param_specs() -> dict:
    """The claims-file schema of these kinds' ``params`` (``rotation.claims.measures.params.kind_params`` adds them)."""
    from rotation.language.schema import Choice, Fields, Int, ListOf, Number, SeriesId, Text

    view = Choice(VIEWS)
    return {
        "inflation_trend": Fields({"series": ListOf(SeriesId(), 1, 10), "months": Int(1, 120), "view": view}),
        "recession_check": Fields(
            {
                "sahm_threshold": Number(0, 10),
                "payroll_months": Int(1, 24),
                "payroll_floor": Number(-10_000, 10_000),
                "usrec_months": Int(1, 120),
                "view": view,
            }
        ),
        "leadership_recession": Fields(
            {
                "measure": Choice(("pair", "smb")),
                "pair": ListOf(SeriesId(("small", "large")), 2, 2),
                "factors": SeriesId(),
                "lookback_months": Int(1, 120),
                "horizon_months": Int(1, 120),
                "view": view,
            }
        ),
        "series_change": Fields(
            {
                "series": SeriesId(),
                "direction": Choice(("fell", "rose")),
                "window": Choice(SERIES_WINDOWS),
                "months": Int(1, 120),
                "table_months": ListOf(Int(1, 120), 0, 20),
                "max_age_days": Int(0, 366),
            }
        ),
        "loan_growth": Fields({"series": SeriesId(), "months": Int(1, 24), "view": view}),
        "policy_path": Fields(
            {
                "series": SeriesId(),
                "months_after": Int(1, 120),
                "judged_on": Choice(PATH_VIEWS),
                "months_before": Int(1, 120),
            }
        ),
        "rate_sensitivity": Fields(
            {
                "rate": SeriesId(),
                "pair": ListOf(SeriesId(("small", "large")), 2, 2),
                "years": Int(2, 60),
                "level": Number(0.5, 0.999),
                "not_tested": Text(500),
            }
        ),
    }


__all__ = [
    "InflationMeasurement",
    "LabourMeasurement",
    "LeadershipMeasurement",
    "LoanMeasurement",
    "PathMeasurement",
    "SensitivityMeasurement",
    "inflation_trend",
    "leadership_recession",
    "loan_growth",
    "param_specs",
    "policy_path",
    "rate_sensitivity",
    "recession_check",
    "series_change",
]
