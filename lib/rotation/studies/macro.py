"""Notebook 07_macro: what was published by the claim's date, inflation, labour, small-cap leadership and later
recessions, oil and yields over windows, bank loans and the policy path after the claim.

Each section is one call of ``rotation.studies.context.section`` with the drawing function of its figure;
each figure shows the data published by the claim's date beside the revised series (hindsight after it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from rotation.analytics import macro, markets
from rotation.claims.measures.context import ChangeMeasurement
from rotation.claims.measures.macro import (
    InflationMeasurement,
    LabourMeasurement,
    LeadershipMeasurement,
    LoanMeasurement,
    PathMeasurement,
)
from rotation.core.fmt import day
from rotation.outputs import plots
from rotation.studies.context import KindSection, section, target_band
from rotation.studies.page import Page

LAG_SERIES = ("cpi", "core_cpi", "unrate", "payems", "busloans", "usrec")


def claim_note(page: Page) -> Markdown:
    """The claim date, the data used, and the vintage of the monthly files."""
    return Markdown(
        f"**Claims dated** {day(page.ctx.claim_date)}. **Data used:** {page.ctx.describe()}.\n\n**Vintage.** {macro.VINTAGE_NOTE}."
    )


def lag_row(page: Page, name: str) -> dict:
    """One row of the publication table: the series' release rule, its latest month published by the claim date
    (and that month's release under the rule) and the latest month in the file (or why the series cannot be loaded)."""
    series, why = page.ctx.try_prices(name)
    row = {"release rule": macro.lag_rule(name).text}
    if series is None:
        return {**row, "latest published by as_of": "n/a", "latest in the file": why}
    known = macro.known_by(series, page.ctx.claim_date, name=name)
    last = known.index[-1:]
    return {
        **row,
        "latest published by as_of": ", ".join(last.strftime("%Y-%m")) or "none",
        "its release (rule)": ", ".join(day(d) for d in macro.release_dates(last, name)),
        "latest in the file": series.index[-1].strftime("%Y-%m"),
    }


def lags_table(page: Page, names: Iterable[str] = LAG_SERIES) -> pd.DataFrame:
    """Per monthly series: its declared release rule, the latest month published by the claim date, the file's latest."""
    return pd.DataFrame({name: lag_row(page, name) for name in names}).T.rename_axis("series")


def shown_from(page: Page, years: int) -> pd.Timestamp:
    """The first date the figures show: ``years`` before the claim date."""
    return page.ctx.claim_date - pd.DateOffset(years=int(years))


def mark_claim_date(page: Page, ax: plt.Axes) -> None:
    """The claim date as a dash-dot vertical line."""
    ax.axvline(page.ctx.claim_date, color="black", lw=1, ls="-.", label=f"claim date {day(page.ctx.claim_date)}")


# ---------------------------------------------------------------------------------------------
# One function per figure


def inflation_figure(page: Page, claim: Mapping, m: InflationMeasurement, years: int) -> plt.Figure:
    """Year-over-year inflation per index: the revised series dashed, the months published by the claim date with
    markers, the verdict window's segments in black."""
    start, as_of = shown_from(page, years), page.ctx.claim_date
    fig, ax = plt.subplots()
    drawn = []
    published = m.yoy["published"]
    for name, color in zip(published, (plots.SMALL_COLOR, plots.LARGE_COLOR, *plots.PALETTE[2:])):
        full = page.ctx.prices(name)
        yoy = macro.yoy_inflation(full).loc[start:]
        known = published[name].loc[start:]
        ax.plot(
            yoy.index,
            yoy.values,
            color=color,
            lw=1.2,
            ls="--",
            label=f"{name}: revised series (after as_of: hindsight)",
        )
        ax.plot(
            known.index,
            known.values,
            color=color,
            lw=1.8,
            marker="o",
            ms=3,
            label=f"{name}: months published by {day(as_of)}",
        )
        drawn.append(full.loc[start:])
    for r in m.rows[m.view]:
        ax.plot(
            [r["earlier month"], r["latest month"]],
            [r["yoy earlier (%)"], r["yoy latest (%)"]],
            color="black",
            lw=2.2,
            alpha=0.6,
        )
    mark_claim_date(page, ax)
    ax.legend(loc="upper left", fontsize=8)
    plots.finish_figure(
        fig, ax, title="Year-over-year inflation, CPI and core CPI", xlabel="reference month",
        ylabel="inflation, year over year (percent)",
        source=plots.source_note(
            *drawn, definition="100 * (P[M] / P[M-12] - 1); black segments: the verdict window; months FRED left blank are gaps",
            extra=macro.VINTAGE_NOTE,
        ),
    )  # fmt: skip
    return fig


def recession_months_shaded(page: Page, axes: Iterable[plt.Axes], usrec: pd.Series) -> str:
    """Shade each NBER recession month of ``usrec`` on ``axes``; the sentence saying how many, for the source line."""
    months = usrec.index[usrec > 0.5]
    for ax in axes:
        for d in months:
            ax.axvspan(d, d + pd.offsets.MonthEnd(0), color=plots.HIGHLIGHT, alpha=0.6, lw=0)
    span = [f"{len(months)} from {day(d0)} to {day(d1)}" for d0, d1 in zip(usrec.index[:1], usrec.index[-1:])]
    return f"NBER recession months shaded (USREC, revised): {''.join(span)}" if span else "USREC: no months in range"


def labour_figure(page: Page, claim: Mapping, m: LabourMeasurement, years: int) -> plt.Figure:
    """The Sahm indicator and the average payroll change: the revised series beside the months published by the
    claim date, the claim's thresholds, NBER recession months shaded."""
    p = dict(claim.get("params") or {})
    threshold, floor, pm = (
        float(p.get("sahm_threshold", 0.5)),
        float(p.get("payroll_floor", -100)),
        int(p.get("payroll_months", 3)),
    )
    start, as_of = shown_from(page, years), page.ctx.claim_date
    unrate, payems, usrec = page.ctx.prices("unrate"), page.ctx.prices("payems"), page.ctx.prices("usrec")
    sahm_all = macro.sahm_indicator(unrate).loc[start:]
    pay_all = macro.payroll_change(payems, pm).loc[start:]
    state = m.states["published"]
    sahm_known, pay_known = state["sahm"].loc[start:], state["payroll"].loc[start:]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=plots.report_figsize(2))
    top.plot(
        sahm_all.index,
        sahm_all.values,
        color=plots.LARGE_COLOR,
        lw=1.2,
        ls="--",
        label="revised series (after as_of: hindsight)",
    )
    top.plot(
        sahm_known.index,
        sahm_known.values,
        color=plots.SMALL_COLOR,
        lw=1.8,
        marker="o",
        ms=3,
        label=f"published by {day(as_of)}",
    )
    top.axhline(threshold, color="black", lw=1, ls=":", label=f"signal threshold {threshold:.2f} pp")
    top.set_ylabel("Sahm indicator (pp)")
    bottom.bar(pay_all.index, pay_all.values, width=20, color=plots.LARGE_COLOR, alpha=0.45, label="revised series")
    bottom.bar(pay_known.index, pay_known.values, width=20, color=plots.SMALL_COLOR, label=f"published by {day(as_of)}")
    bottom.axhline(floor, color="black", lw=1, ls=":", label=f"collapse threshold {floor:g} thousand a month")
    bottom.axhline(0, color="black", lw=0.6)
    bottom.set_ylabel(f"payrolls, {pm}-month avg change\n(thousands per month)")
    bottom.set_xlabel("reference month")
    rec_note = recession_months_shaded(page, (top, bottom), usrec.loc[start:])
    for ax in (top, bottom):
        mark_claim_date(page, ax)
        ax.legend(loc="upper left", fontsize=8)
    plots.finish_figure(
        fig, None, title="Unemployment (Sahm indicator) and payrolls around the claim date", xlabel=None, ylabel=None,
        source=plots.source_note(
            unrate.loc[start:], payems, usrec,
            definition="Sahm = 3-month average unemployment rate minus its lowest 3-month average of the previous 12 months; " + rec_note,
            extra=macro.VINTAGE_NOTE,
        ),
    )  # fmt: skip
    return fig


def leadership_figure(page: Page, claim: Mapping, m: LeadershipMeasurement) -> plt.Figure:
    """The trailing relative return (small minus large, percentage points) month by month, recession months shaded."""
    signal, usrec = m.signal.dropna(), m.usrec
    fig, ax = plt.subplots()
    ax.fill_between(
        signal.index,
        100 * signal.values,
        0,
        where=signal.values > 0,
        color=plots.SMALL_COLOR,
        alpha=0.5,
        lw=0,
        label="small caps lead",
    )
    ax.fill_between(
        signal.index,
        100 * signal.values,
        0,
        where=signal.values <= 0,
        color=plots.LARGE_COLOR,
        alpha=0.5,
        lw=0,
        label="small caps lag",
    )
    rec = usrec.loc[signal.index[0] :]
    months = rec.index[rec > 0.5]
    labels = ["NBER recession month (USREC)"] + [None] * max(len(months) - 1, 0)
    for d, label in zip(months, labels):
        ax.axvspan(d, d + pd.offsets.MonthEnd(0), color="#555555", alpha=0.35, lw=0, label=label)
    ax.axhline(0, color="black", lw=0.8)
    mark_claim_date(page, ax)
    ax.legend(loc="lower left", fontsize=8)
    leading = [s.split(":")[0] for s in m.sources if s.split(":")[0] != "usrec"][:1]
    plots.finish_figure(
        fig, ax, title=f"{signal.name}: small against large caps, and recessions", xlabel="month",
        ylabel="trailing relative return (percentage points)",
        source=plots.source_note(*[page.ctx.prices(s) for s in leading], usrec, definition=m.definition),
    )  # fmt: skip
    return fig


def change_figure(page: Page, claim: Mapping, m: ChangeMeasurement, years: int) -> plt.Figure:
    """A daily series from ``years`` before the claim date to the data's end, each window drawn from end to end
    (the verdict window solid, the others dotted)."""
    name = dict(claim.get("params") or {}).get("series")
    full = page.ctx.prices(name)
    part = full.loc[shown_from(page, years) :]
    fig, ax = plt.subplots()
    ax.plot(
        part.index, part.values, color=plots.LARGE_COLOR, lw=1.1, label=f"{name}: {full.attrs.get('description', '')}"
    )
    for r in (r for r in m.rows if pd.notna(r["from_date"])):
        own = r["key"] in m.keys
        ax.plot(
            [r["from_date"], r["to_date"]], [r["from_value"], r["to_value"]], color=(("#555555", plots.SMALL_COLOR)[own]),
            lw=(1.0, 2.4)[own], ls=(":", "-")[own], marker="o", ms=(2, 4)[own],
            label=f"{('other window', 'verdict window')[own]}: {r['window']}, {r['change']:+.2f}",
        )  # fmt: skip
    mark_claim_date(page, ax)
    ax.legend(loc="best", fontsize=8)
    plots.finish_figure(
        fig, ax, title=f"{claim['id']}: {full.attrs.get('description', name)}", xlabel="date", ylabel=f"{full.attrs.get('unit', '')}",
        source=plots.source_note(
            part,
            definition="daily values, blank days omitted; each window from the last value on or before its start to the last on or before as_of",
        ),
    )  # fmt: skip
    return fig


def loan_figure(page: Page, claim: Mapping, m: LoanMeasurement, years: int) -> plt.Figure:
    """Annualised loan growth over each window, the latest month published by the claim date marked."""
    start = shown_from(page, years)
    fig, ax = plt.subplots()
    for (months_n, growth), color in zip(
        sorted(m.growth.items()), (plots.SMALL_COLOR, plots.LARGE_COLOR, plots.PALETTE[2])
    ):
        part = growth.loc[start:]
        ax.plot(
            part.index,
            part.values,
            color=color,
            lw=1.6,
            marker="o",
            ms=2.5,
            label=f"{months_n}-month growth, annualised",
        )
    known = [d for d in [m.states["published"]["latest month"]] if d is not None]
    for d in known:
        ax.axvline(d, color="#555555", lw=0.8, ls=":", label=f"latest month published by as_of ({d.strftime('%Y-%m')})")
    ax.axhline(0, color="black", lw=0.8)
    mark_claim_date(page, ax)
    ax.legend(loc="lower left", fontsize=8)
    plots.finish_figure(
        fig, ax, title="Commercial and industrial bank loans: growth", xlabel="reference month",
        ylabel="growth, annualised (percent per year)",
        source=plots.source_note(m.level.loc[start:], definition="100 * ((L[M] / L[M-N]) ** (12/N) - 1)", extra=macro.VINTAGE_NOTE),
    )  # fmt: skip
    return fig


def path_figure(page: Page, claim: Mapping, m: PathMeasurement, years: int) -> plt.Figure:
    """The target range from ``years`` before the claim date to the data's end, the horizon judged shaded."""
    start = shown_from(page, years)
    lower, upper = page.ctx.prices("fed_lower"), page.ctx.prices("fed_upper")
    band = pd.DataFrame({"lower": lower, "upper": upper}).dropna().loc[start:]
    fig, ax = plt.subplots()
    labels = target_band(ax, band, markets.rate_changes(band["lower"], start=start), alpha=0.3, lw=1.2)
    plots.shade_period(ax, m.start, m.end, label=f"horizon judged ({day(m.start)} to {day(m.end)})")
    mark_claim_date(page, ax)
    ax.legend(loc="lower left", fontsize=8)
    plots.finish_figure(
        fig, ax, title="Federal funds target range before and after the claim", xlabel="date", ylabel="rate (percent per year)",
        source=plots.source_note(
            lower.loc[start:], upper, definition="daily values, target carried forward from each change", extra=labels
        ),
    )  # fmt: skip
    return fig


# ---------------------------------------------------------------------------------------------
# The sections of notebook 07


def inflation(page: Page, years: int) -> KindSection:
    """KindSection 1: "cooling inflation" (``inflation_trend`` claims)."""
    return section(page, ["inflation_trend"], "inflation", lambda p, c, m: inflation_figure(p, c, m, years), digits=2)


def labour(page: Page, years: int) -> KindSection:
    """KindSection 2: "without a recessionary collapse" (``recession_check`` claims)."""
    return section(page, ["recession_check"], "labour", lambda p, c, m: labour_figure(p, c, m, years), digits=2)


def expansion(page: Page) -> KindSection:
    """KindSection 3: small-cap leadership and later recessions (``leadership_recession`` claims)."""
    return section(page, ["leadership_recession"], "expansion", leadership_figure, digits=1)


def market_moves(page: Page, years: int) -> KindSection:
    """KindSection 4: oil and yields over windows (``series_change`` claims)."""
    return section(page, ["series_change"], "markets", lambda p, c, m: change_figure(p, c, m, years), digits=2)


def loans(page: Page, years: int) -> KindSection:
    """KindSection 5: "loan demand stabilizes" (``loan_growth`` claims)."""
    return section(page, ["loan_growth"], "loans", lambda p, c, m: loan_figure(p, c, m, years), digits=2)


def fed_path(page: Page, years: int) -> KindSection:
    """KindSection 6: the policy path after the claim (``policy_path`` claims)."""
    return section(page, ["policy_path"], "fed", lambda p, c, m: path_figure(p, c, m, years))


def evidence(sections: Iterable[KindSection]) -> dict[str, tuple[str, list[str]]]:
    """Claim kind -> (section anchor, the names of the figures of all its claims), for ``Page.record``."""
    out: dict[str, tuple[str, list[str]]] = {}
    for s in sections:
        names = [name for shown in s.shown for name in shown.figures]
        out.update({kind: (s.anchor, names) for kind in s.kinds})
    return out


__all__ = [
    "change_figure",
    "claim_note",
    "evidence",
    "expansion",
    "fed_path",
    "inflation",
    "inflation_figure",
    "labour",
    "labour_figure",
    "lags_table",
    "leadership_figure",
    "loan_figure",
    "loans",
    "market_moves",
    "path_figure",
]
