"""Notebook 05_context: the policy rate, stocks and sector funds over the streak window, a fixed year's range,
market breadth, the yield curve, and the claims the data cannot settle.

Each section is one call, ``section(page, kinds, anchor, draw)``: for every claim of those kinds the
claim's words and what was measured (``claim_markdown``), its evidence table and its figure (one
drawing function per figure, saved through ``rotation.outputs.plots.save_figure`` as
``<notebook number>_<claim id>``). ``record`` judges and records every claim of the notebook with the
section and figures that hold its evidence. The shared pieces (``KindSection``, ``claim_markdown``,
``saved_image``, ``target_band``) serve notebook 07_macro too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, Markdown

from rotation.analytics import markets
from rotation.analytics.returns import rebased
from rotation.claims import judge, registry
from rotation.claims.evaluate import evaluate, measure
from rotation.claims.measures.base import Measurement
from rotation.claims.measures.context import (
    BreadthMeasurement,
    ChangeMeasurement,
    RangeMeasurement,
    WindowMeasurement,
)
from rotation.claims.measures.macro import SensitivityMeasurement
from rotation.core.fmt import day, pct
from rotation.data import catalogue
from rotation.outputs import plots, results
from rotation.studies.page import Page, readings_text, series_text

Draw = Callable[[Page, Mapping, Measurement], plt.Figure]


# ---------------------------------------------------------------------------------------------
# Shared by the notebooks' sections


@dataclass
class Shown:
    """One claim in a section: its measurement, the figure names saved for it, and what the notebook displays
    (Markdown, tables, images) in order."""

    claim_id: str
    measurement: Measurement
    figures: list[str] = field(default_factory=list)
    items: list = field(default_factory=list)


@dataclass
class KindSection:
    """A notebook section: its anchor, the claim kinds it shows, and each claim shown (``items``: what to display)."""

    anchor: str
    kinds: tuple[str, ...]
    shown: list[Shown] = field(default_factory=list)

    @property
    def items(self) -> list:
        """Everything to display, in order; a sentence when the claims file gives this notebook no claim of the kinds."""
        if not self.shown:
            return [Markdown(f"The claims file assigns no claim of kind `{' / '.join(self.kinds)}` to this notebook.")]
        return [item for s in self.shown for item in s.items]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*self.items)

    @property
    def figures(self) -> dict[str, list[str]]:
        """Claim id -> names of the figures drawn for it."""
        return {s.claim_id: list(s.figures) for s in self.shown}


def notebook_claims(page: Page) -> dict[str, dict]:
    """The claims file's entries of the page's notebook, in file order."""
    return {cid: c for cid, c in page.ctx.registry["claims"].items() if c["notebook"] == page.notebook}


def claim_kind(claim: Mapping) -> str:
    """A claim's kind, or its ``compare`` for entries that carry a reason instead (``untestable``, ``no_data``)."""
    return claim.get("kind") or claim["compare"]


def claim_markdown(claim: Mapping, m: Measurement) -> Markdown:
    """The claim's id and quote, then what was measured, the evidence in words and the sources (or why it cannot be judged)."""
    head = f'**`{claim["id"]}`**: "{claim["quote"]}"'
    if claim.get("part"):
        head += f'\n\n*Judged here:* "{claim["part"]}"'
    if m.status is not None:
        return Markdown(f"{head}\n\n**{m.status.value}**: {m.reason}")
    sources = "; ".join(getattr(m, "sources", ())) or "see the data line above"
    return Markdown(f"{head}\n\n*Measured:* {m.definition}.\n\n*Evidence:* {m.detail}.\n\n*Sources:* {sources}.")


def saved_image(fig: plt.Figure, name: str, run_name: str) -> Image:
    """Save ``fig`` through ``plots.save_figure`` and return the saved PNG to display (the figure is closed)."""
    width = round(fig.get_figwidth() * plt.rcParams["figure.dpi"])
    paths = plots.save_figure(fig, name, run_name, show=False)
    plt.close(fig)
    png = next(p for p in paths if p.suffix == ".png")
    return Image(filename=str(png), width=width)


def figure_name(page: Page, claim_id: str) -> str:
    """``<notebook number>_<claim id>``: the deterministic name of a claim's figure."""
    return f"{page.notebook.split('_')[0]}_{claim_id}"


def section(page: Page, kinds: Iterable[str], anchor: str, draw: Draw, *, digits: int | None = None) -> KindSection:
    """Measure, show and draw every claim of ``kinds`` of the page's notebook (file order).

    Each claim shows ``claim_markdown``, then its evidence table (rounded to ``digits`` when given) when the measure
    returned one, then, when the claim could be judged, the figure ``draw(page, claim, measurement)`` saved as
    ``figure_name``.
    """
    kinds = tuple(kinds)
    out = KindSection(anchor=anchor, kinds=kinds)
    for cid, claim in notebook_claims(page).items():
        if claim_kind(claim) not in kinds:
            continue
        m = measure(page.ctx, claim)
        shown = Shown(cid, m, items=[claim_markdown(claim, m)])
        if m.evidence is not None:
            shown.items.append(m.evidence if digits is None else m.evidence.round(digits))
        if m.status is None:
            name = figure_name(page, cid)
            shown.items.append(saved_image(draw(page, claim, m), name, page.run_name))
            shown.figures.append(name)
            shown.items.append(Markdown(readings_text(evaluate(page.ctx, cid))))
        out.shown.append(shown)
    return out


def record(page: Page, sections: Iterable[KindSection], *, unjudged_anchor: str = "untestable") -> pd.DataFrame:
    """Judge and record every claim of the notebook (``rotation.outputs.results.record``) with the section and the
    figures showing its evidence; unjudged entries point at ``unjudged_anchor``, others at ``verdicts``. The verdict table."""
    anchors: dict[str, str] = {}
    figures: dict[str, list[str]] = {}
    for s in sections:
        anchors.update({k: s.anchor for k in s.kinds})
        figures.update(s.figures)
    anchors.update(dict.fromkeys(registry.UNJUDGED, unjudged_anchor))
    page.records = [
        results.record(
            page.run_name,
            evaluate(page.ctx, cid),
            section=anchors.get(claim_kind(c), "verdicts"),
            figures=figures.get(cid, []),
        )
        for cid, c in notebook_claims(page).items()
    ]
    page.show_query_claims()
    return results.verdict_table(page.records)


# A change's label (8 pt, turned upright) is about 10 pt wide, 1/40 of a report figure's axes: labels closer than
# this fraction of the dates shown would overprint each other.
CHANGE_LABEL_GAP = 0.03


def labelled_changes(
    dates: pd.Series, first: pd.Timestamp, last: pd.Timestamp, gap: float = CHANGE_LABEL_GAP
) -> pd.Series:
    """Which of ``dates`` (sorted) get a label on an axis from ``first`` to ``last``: each one at least ``gap`` of
    that span after the last labelled one (the first always). Boolean, aligned with ``dates``."""
    room = (pd.Timestamp(last) - pd.Timestamp(first)) * gap
    keep, previous = [], None
    for d in pd.to_datetime(dates):
        keep.append(previous is None or d - previous >= room)
        previous = d if keep[-1] else previous
    return pd.Series(keep, index=dates.index, dtype=bool)


def target_band(ax: plt.Axes, band: pd.DataFrame, changes: pd.DataFrame, *, alpha: float, lw: float) -> str:
    """Draw the policy-rate target range ``band`` (columns ``lower``, ``upper``; percent; a step after each change) and
    its lower bound, and label ``changes`` (``markets.rate_changes``) with their size in bp along the top of the axes
    where there is room (``labelled_changes``). Returns what the source line should say when some changes go unlabelled, else ""."""
    ax.fill_between(
        band.index, band["lower"], band["upper"], step="post", color=plots.LARGE_COLOR, alpha=alpha, lw=0,
        label="target range (DFEDTARL to DFEDTARU)",
    )  # fmt: skip
    ax.plot(band.index, band["lower"], color=plots.LARGE_COLOR, lw=lw, drawstyle="steps-post", label="lower bound")
    keep = labelled_changes(changes["date"], band.index[0], band.index[-1])
    for d, b in zip(changes["date"][keep], changes["change_bp"][keep]):
        ax.annotate(
            f"{b:+.0f} bp", (d, 0.98), xycoords=("data", "axes fraction"), rotation=90, fontsize=8, va="top",
            ha="right", color="#555555",
        )  # fmt: skip
    skipped = int((~keep).sum())
    return (
        f"{len(changes) - skipped} of {len(changes)} target changes labelled in bp (a label needs {CHANGE_LABEL_GAP:.0%} "
        "of the dates shown after the previous one); the steps show every change"
        if skipped
        else ""
    )


# ---------------------------------------------------------------------------------------------
# Notebook 05's opening and closing


def data_note(page: Page) -> Markdown:
    """The data line: both series of the pair and their sources, the common calendar, as_of and the streak in force."""
    ctx, current = page.ctx, page.ctx.streak
    streak = (
        f"{int(current['sessions'])} sessions, {day(current['start'])} to {day(current['end'])} (base close {day(current['base'])})"
        if current["sessions"]
        else "none in force"
    )
    small_px, large_px = ctx.prices(page.small), ctx.prices(page.large)
    return Markdown(
        f"**Data.** {series_text(small_px)}. {series_text(large_px)}. Common calendar {day(ctx.returns.index[0])} to {day(ctx.returns.index[-1])}.\n\n"
        f"**as_of.** {ctx.as_of_note}. **Streak in force at as_of** ({page.small} > {page.large}): {streak}.\n\n"
        f"**Data used:** {ctx.describe()}."
    )


def unjudged_table(page: Page) -> pd.DataFrame:
    """The notebook's claims no data judges: the article's words, the verdict (not testable / not verifiable) and why."""
    unjudged = {cid: c for cid, c in notebook_claims(page).items() if c["compare"] in registry.UNJUDGED}
    return pd.DataFrame(
        {
            "article says": {cid: c["quote"] for cid, c in unjudged.items()},
            "verdict": {cid: judge.judge(None, c).value for cid, c in unjudged.items()},
            "why": {cid: c["reason"] for cid, c in unjudged.items()},
        }
    ).rename_axis("claim")


# ---------------------------------------------------------------------------------------------
# One function per figure


def rate_figure(page: Page, claim: Mapping, m: Measurement, years: int) -> plt.Figure:
    """The target range, the effective rate and the target changes over the ``years`` before as_of, the claimed level."""
    ctx = page.ctx
    lower, upper, dff = ctx.prices("fed_lower"), ctx.prices("fed_upper"), ctx.prices("dff")
    first = pd.Timestamp(f"{ctx.session.year - int(years)}-01-01")
    eff = dff.loc[first : ctx.session]
    fig, ax = plt.subplots()
    band = pd.DataFrame({"lower": lower, "upper": upper}).dropna().loc[first : ctx.session]
    changes = markets.rate_changes(band, start=first, end=ctx.session)
    labels = target_band(ax, band, changes, alpha=0.25, lw=1.0)
    ax.plot(eff.index, eff.values, color=plots.SMALL_COLOR, lw=1.2, label="effective rate (DFF)")
    for d in changes["date"]:
        ax.axvline(d, color="#555555", lw=0.6, ls=":")
    claimed = float(claim["claimed"])
    ax.axhline(claimed, color="black", lw=1, ls="--", label=f"claimed {claimed:.2f}%")
    ax.axvline(ctx.session, color="black", lw=1, ls="-.", label=f"as_of {day(ctx.session)}")
    plots.place_legend(ax, loc="lower left")
    plots.finish_figure(
        fig, ax, title="Federal funds target range and effective rate", xlabel="date", ylabel="rate (percent per year)",
        source=plots.source_note(
            lower.loc[first : ctx.session], upper, eff,
            definition="daily values; target carried forward from each change (single target before 2008-12-16); dotted lines: target changes",
            extra=labels,
        ),
    )  # fmt: skip
    return fig


def window_figure(page: Page, claim: Mapping, m: WindowMeasurement) -> plt.Figure:
    """Every series of a window claim rebased to 100 at the base close: judged ones solid, shown-only ones dashed."""
    judged = set(m.counted) | set(m.benchmarks)
    fig, ax = plt.subplots()
    colors = iter(plots.PALETTE[2:] + ["#2c3e50", "#16a085", "#b03a2e", "#7d3c98"])
    role_color = {page.small: plots.SMALL_COLOR, page.large: plots.LARGE_COLOR}
    drawn = []
    rows = {sid: row for sid, row in m.rows.items() if not np.isnan(row["return"])}
    for sid, row in rows.items():
        px = page.ctx.prices(sid)
        line = rebased(px, m.base, m.end)
        color = role_color.get(sid) or next(colors)
        own = sid in judged
        ax.plot(
            line.index, line.values, marker="o", ms=3, color=color, lw=(1.2, 2.2)[own], ls=("--", "-")[own],
            label=f"{sid}: {row['label']} ({pct(row['return'])})" + ("", ", shown only")[not own],
        )  # fmt: skip
        drawn.append(px.loc[m.base : m.end])
    for gain in claimed_gain(claim):
        ax.axhline(100 * (1 + gain), color="black", lw=1, ls=":", label=f"claimed gain {pct(gain, 0, False)}")
    ax.axhline(100, color="black", lw=0.8)
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax, title=f"{plots.names_text(rows)}: closes from {day(m.base)} to {day(m.end)}, rebased to 100",
        xlabel="date", ylabel=f"close, {day(m.base)} = 100",
        source=plots.source_note(
            *drawn,
            definition="simple close-to-close returns; indexes are price indexes (no dividends), "
            "ETFs and stocks Yahoo auto-adjusted closes (total-return prices); solid: judged, dashed: shown only",
        ),
    )  # fmt: skip
    return fig


def claimed_gain(claim: Mapping) -> list[float]:
    """The claimed gain (fraction) of a return claim, as a one-item list; empty when the claim states no number."""
    return [float(claim["claimed"])] if claim.get("unit") == "fraction" and claim.get("claimed") is not None else []


def range_figure(page: Page, claim: Mapping, m: RangeMeasurement) -> plt.Figure:
    """The period's closes of the judged and context series rebased to the base close, against the +/- band."""
    stats = {**m.stats, **m.context}
    first_stats = next(iter(m.stats.values()))
    fig, ax = plt.subplots()
    drawn = []
    for (sid, s), color in zip(stats.items(), [plots.SMALL_COLOR, plots.LARGE_COLOR] + plots.PALETTE[2:]):
        px = page.ctx.prices(sid)
        line = rebased(px, s["base"], s["end"])
        own = sid in m.stats
        ax.plot(
            line.index, line.values, color=color, lw=(1.1, 1.8)[own], ls=("--", "-")[own],
            label=f"{sid}: {px.attrs['description']} ({pct(s['return'])})" + ("", ", shown only")[not own],
        )  # fmt: skip
        drawn.append(px.loc[s["base"] : s["end"]])
    band = m.band
    ax.axhspan(
        100 * (1 - band),
        100 * (1 + band),
        color=plots.HIGHLIGHT,
        alpha=0.5,
        lw=0,
        label=f"+/-{band:.1%} band around the base close",
    )
    ax.axhline(100, color="black", lw=0.8)
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax, title=f"{plots.names_text(stats)} from {day(m.first)} to {day(m.last)}, against a +/-{band:.1%} band",
        xlabel="date", ylabel=f"close, {day(first_stats['base'])} = 100",
        source=plots.source_note(
            *drawn,
            definition=f"daily {catalogue.returns_words(*stats, closes=True)}, rebased to the last close before the period",
        ),
    )  # fmt: skip
    return fig


def relative_line(
    a: pd.Series, b: pd.Series, first: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.Series, pd.Timestamp, pd.Timestamp]:
    """``100 * (a / b)`` rebased to the last common close before ``first``, to the last on or before ``last``; with both ends."""
    common = a.dropna().index.intersection(b.dropna().index)
    base, end = common[common < first][-1], common[common <= last][-1]
    return rebased(a.loc[common], base, end) / rebased(b.loc[common], base, end) * 100, base, end


def cumulative_factor(daily: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """``100 * prod(1 + r)`` of a daily factor return (fraction) over ``first..last``, starting at 100 on the day before."""
    part = daily.loc[first:last]
    prior = daily.index[daily.index < first]
    start = prior[-1] if len(prior) else first - pd.Timedelta(days=1)
    return pd.concat([pd.Series([100.0], index=[start]), 100 * (1 + part).cumprod()])


def breadth_figure(page: Page, claim: Mapping, m: BreadthMeasurement) -> plt.Figure:
    """Relative price lines (small / large, equal / cap weight) and the cumulative SMB factor over the period."""
    names, first, last = m.series, m.first, m.last
    fig, ax = plt.subplots()
    drawn = []
    pairs = (
        (names["small"], names["large"], "small-cap / large-cap index", plots.SMALL_COLOR),
        (names["equal"], names["cap"], "equal weight / cap weight", plots.PALETTE[2]),
    )
    loaded = [
        (a, b, label, color, page.ctx.try_prices(a)[0], page.ctx.try_prices(b)[0]) for a, b, label, color in pairs
    ]
    for a, b, label, color, pa, pb in (row for row in loaded if row[4] is not None and row[5] is not None):
        ratio, base, end = relative_line(pa, pb, first, last)
        ax.plot(ratio.index, ratio.values, color=color, lw=1.6, label=f"{a} / {b} ({label})")
        drawn += [pa.loc[base:end], pb]
    factors = page.ctx.prices(m.factors)
    smb = cumulative_factor(factors["smb"], first, last)
    ax.plot(smb.index, smb.values, color=plots.PALETTE[3], lw=1.3, label="Fama-French SMB, cumulative")
    drawn.append(factors)
    ax.axhline(100, color="black", lw=0.8)
    plots.place_legend(ax, loc="lower left")
    plots.finish_figure(
        fig, ax, title=f"Breadth, {day(first)} to {day(last)}: small against big, equal weight against cap weight",
        xlabel="date", ylabel="relative level, start of period = 100",
        source=plots.source_note(
            *drawn,
            definition="relative price = ratio of the two series rebased to the last common close before the period; "
            "RSP and SPY Yahoo auto-adjusted (total returns), indexes price only; SMB daily returns compounded",
        ),
    )  # fmt: skip
    return fig


def curve_figure(page: Page, claim: Mapping, m: ChangeMeasurement, years: int) -> plt.Figure:
    """The 10-year minus 2-year spread over the ``years`` before the streak to as_of: the streak shaded, each verdict
    window drawn from end to end, the starts of the windows before the streak marked with their change."""
    ctx, current = page.ctx, page.ctx.streak
    start = (current["base"] if current["sessions"] else ctx.session) - pd.DateOffset(years=int(years))
    part = m.series.loc[start : ctx.session]
    fig, ax = plt.subplots()
    ax.plot(part.index, part.values, color=plots.LARGE_COLOR, lw=1.4, label="10-year minus 2-year spread")
    for base in streak_bases(page):
        plots.shade_period(ax, base, ctx.session, label=f"streak window ({day(base)} to {day(ctx.session)})")
    measured = [r for r in m.rows if pd.notna(r["from_date"])]
    for r in (r for r in measured if r["key"] in m.keys):
        ax.plot(
            [r["from_date"], r["to_date"]], [r["from_value"], r["to_value"]], color=plots.SMALL_COLOR, lw=2.4, marker="o",
            label=f"{('verdict window', 'verdict window, ' + r['window'].split(' (')[0])[len(m.keys) > 1]}: {r['change_bp']:+.0f} bp ({r['direction']})",
        )  # fmt: skip
    before = [
        r
        for r in measured
        if r["key"] not in m.keys and r["key"].startswith("before_streak") and r["from_date"] >= part.index[0]
    ]
    for r in before:
        ax.axvline(r["from_date"], color="#555555", lw=0.7, ls=":")
        ax.annotate(
            f"{r['key'].split(':')[1]} months before: {r['change_bp']:+.0f} bp", (r["from_date"], part.max()),
            rotation=90, fontsize=8, va="top", ha="right", color="#555555",
        )  # fmt: skip
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(ctx.session, color="black", lw=1, ls="-.", label=f"as_of {day(ctx.session)}")
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax, title="Treasury yield curve: 10-year minus 2-year spread",
        xlabel="date (dotted lines: starts of the windows before the streak, with their change)",
        ylabel="spread (percentage points)",
        source=plots.source_note(
            part,
            definition="FRED DGS10 - DGS2, constant-maturity yields, days FRED leaves blank omitted; change = end minus start of each window",
        ),
    )  # fmt: skip
    return fig


def sensitivity_figure(page: Page, claim: Mapping, m: SensitivityMeasurement) -> plt.Figure:
    """Each month's small-minus-large return against the month's change of the rate, with the least-squares line."""
    frame, fit = m.frame, m.fit
    x = np.linspace(frame["rate_change_pp"].min(), frame["rate_change_pp"].max(), 2)
    fig, ax = plt.subplots()
    ax.scatter(
        frame["rate_change_pp"], frame["relative_pp"], s=10, color=plots.LARGE_COLOR, alpha=0.6, label="one month"
    )
    line = frame["relative_pp"].mean() + fit["slope"] * (x - frame["rate_change_pp"].mean())
    ax.plot(
        x, line, color=plots.SMALL_COLOR, lw=2,
        label=f"least squares: {fit['slope']:+.2f} pp per 100 bp ({fit['level']:.0%} interval {fit['low']:+.2f} to {fit['high']:+.2f})",
    )  # fmt: skip
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax, title=f"Small caps against large caps when {m.rate.upper()} moves, {day(fit['first'])} to {day(fit['last'])}",
        xlabel=f"monthly change of {m.rate.upper()} (percentage points)",
        ylabel="small minus large, monthly return (pp)",
        source=plots.source_note(
            *[page.ctx.prices(s.split(":")[0]) for s in m.sources],
            definition=f"month-end {catalogue.returns_words(page.small, page.large, closes=True)} and month-end yields; a negative slope: small caps gain on large caps when the rate falls",
        ),
    )  # fmt: skip
    return fig


def streak_bases(page: Page) -> list[pd.Timestamp]:
    """The base close of the streak in force at as_of, as a one-item list (empty when none is in force)."""
    current = page.ctx.streak
    return [current["base"]] if current["sessions"] else []


# ---------------------------------------------------------------------------------------------
# The sections of notebook 05


def rates(page: Page, years: int) -> KindSection:
    """KindSection 1: the policy rate at as_of (``policy_rate`` claims) and its figure over ``years``."""
    return section(page, ["policy_rate"], "rates", lambda p, c, m: rate_figure(p, c, m, years))


def stocks(page: Page) -> KindSection:
    """KindSection 2: returns over the streak window (``window_gain`` and ``relative_return`` claims)."""
    return section(page, ["window_gain", "relative_return"], "stocks", window_figure)


def rangebound(page: Page) -> KindSection:
    """KindSection 3: a fixed year's range (``period_range`` claims)."""
    return section(page, ["period_range"], "rangebound", range_figure)


def breadth(page: Page) -> KindSection:
    """KindSection 4: breadth over a fixed period (``breadth`` claims)."""
    return section(page, ["breadth"], "breadth", breadth_figure)


def rate_effect(page: Page) -> KindSection:
    """Section 6: small caps' sensitivity to short rates, the price footprint of more floating-rate debt
    (``rate_sensitivity`` claims)."""
    return section(page, ["rate_sensitivity"], "floating", sensitivity_figure, digits=2)


def curve(page: Page, years: int) -> KindSection:
    """KindSection 5: the yield curve (``curve_change`` claims), the figure from ``years`` before the streak."""
    return section(page, ["curve_change"], "curve", lambda p, c, m: curve_figure(p, c, m, years), digits=2)


__all__ = [
    "KindSection",
    "Shown",
    "breadth",
    "breadth_figure",
    "claim_markdown",
    "curve",
    "curve_figure",
    "data_note",
    "rangebound",
    "range_figure",
    "rate_effect",
    "rate_figure",
    "rates",
    "record",
    "saved_image",
    "section",
    "sensitivity_figure",
    "stocks",
    "labelled_changes",
    "target_band",
    "unjudged_table",
    "window_figure",
]
