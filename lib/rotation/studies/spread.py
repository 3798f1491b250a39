"""What notebook 02_spread shows: the analysis window, the average daily spread under five definitions,
how unusual it is, the price gains, "overbought", record closes, four figures, and how each claim's words
are read (the readings the claims file lists, judged by the reading rule).

Definitions (as ``rotation.analytics.spread`` and ``rotation.claims.measures.spread``): daily price
returns, close to close, on the common calendar; daily spread = small minus large. The *analysis
window* is the streak in force at ``as_of`` (data to ``as_of`` only), or the last ``fallback_sessions``
sessions when none is (context only). Fractions inside; percent and bp only in tables, text and figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rotation.analytics import spread, streaks, technicals
from rotation.analytics.returns import percentile_rank
from rotation.claims import evaluate, judge
from rotation.claims.measures import spread as spread_measures
from rotation.core.fmt import day, pct
from rotation.core.verdicts import Verdict
from rotation.outputs import plots
from rotation.studies.page import Page, Section, readings_text, series_text

NAN = float("nan")
# the rule of a claim kind the claims file does not register (another article): shown, never recorded
DEFAULT_CLAIMS = {
    "mean_spread": {"compare": "equal", "claimed": NAN, "tolerance": 0, "unit": "bp per session"},
    "max_gain": {"compare": "equal", "claimed": NAN, "tolerance": 0, "unit": "fraction"},
    "rsi_level": {"compare": "at_least", "claimed": 70, "tolerance": 0, "unit": "RSI points"},
    "level_record": {"params": {"level": NAN}},
}


def claim_of(page: Page, kind: str) -> dict:
    """This notebook's claim of ``kind``, or the stated default rule when the claims file has none."""
    return page.claim(kind, DEFAULT_CLAIMS[kind])


def has_claim(page: Page, kind: str) -> bool:
    """Whether the claims file gives this notebook a claim of ``kind``; without one, its section measures as
    context and judges nothing (another article's claims file)."""
    return page.by_kind.get(kind) is not None


def no_claim_text(kind: str, what: str) -> str:
    """The line a section shows when the claims file has no claim of ``kind``: ``what`` is measured, not judged."""
    return f"**No `{kind}` claim in this claims file:** {what} measured as context, not judged."


def record_level(page: Page) -> float:
    """The level of the record-close claim (its ``params.level``, else its claimed value; NaN when none)."""
    claim = claim_of(page, "level_record")
    return float((claim.get("params") or {}).get("level", claim.get("claimed", NAN)))


# ---------------------------------------------------------------------------------------------
# The analysis window


@dataclass(frozen=True, kw_only=True)
class Window(Section):
    """The analysis window and the article's window of ``claimed_sessions`` sessions ending at ``as_of``.

    ``rows``/``claimed_rows``: daily ``small``, ``large``, ``spread`` (fractions); ``in_streak``: the
    window is the streak in force at ``as_of``; ``same``: both windows are the same sessions;
    ``label``: the window's name in tables and figure titles; ``text``: the data and window note.
    """

    rows: pd.DataFrame
    claimed_rows: pd.DataFrame
    claimed_sessions: int
    in_streak: bool
    same: bool
    label: str
    session: pd.Timestamp

    @property
    def first(self) -> pd.Timestamp:
        return self.rows.index[0]

    @property
    def last(self) -> pd.Timestamp:
        return self.rows.index[-1]

    @property
    def n(self) -> int:
        return len(self.rows)


def analysis_window(page: Page, fallback_sessions: int) -> Window:
    """The streak in force at ``as_of`` (or the last ``fallback_sessions`` sessions), with the data note."""
    ctx, small, large = page.ctx, page.small, page.large
    session, n_claimed = ctx.session, int(fallback_sessions)
    in_streak = bool(ctx.streak["sessions"])
    rows = spread_measures.analysis_window(ctx, 0 if in_streak else n_claimed)
    claimed_rows = spread_measures.analysis_window(ctx, n_claimed)
    same = len(rows) == n_claimed and rows.index[0] == claimed_rows.index[0]
    span = f"{day(rows.index[0])} to {day(rows.index[-1])}"
    if in_streak:
        label = f"streak at as_of ({len(rows)} sessions)"
        note = f"the {small} > {large} streak in force at {day(session)}: {span}, {len(rows)} sessions"
    else:
        label = f"last {n_claimed} sessions (no streak at as_of; context only)"
        note = (
            f"no {small} > {large} streak is in force at {day(session)} ({small} did not outperform that day), "
            f"so the tables show the last {n_claimed} sessions as context: {span}"
        )
    small_px, large_px = ctx.prices(small), ctx.prices(large)
    beside = (
        ""
        if same
        else f"The last {n_claimed} sessions ending at as_of ({day(claimed_rows.index[0])} to {day(session)}) are shown beside it."
    )
    text = (
        f"**Data.** {series_text(small_px)}. "
        f"{series_text(large_px)}. "
        f"Common calendar {day(ctx.returns.index[0])} to {day(ctx.returns.index[-1])}.\n\n"
        f"**as_of.** {ctx.as_of_note}.\n\n**Analysis window.** {note}. {beside}\n\n**Data used:** {ctx.describe()}."
    )
    return Window(
        text=text,
        rows=rows,
        claimed_rows=claimed_rows,
        claimed_sessions=n_claimed,
        in_streak=in_streak,
        same=same,
        label=label,
        session=session,
    )


# ---------------------------------------------------------------------------------------------
# 1. The average daily spread under five definitions


@dataclass(frozen=True, kw_only=True)
class Definitions(Section):
    """The average daily spread under each definition (``values``, fractions) and the claimed value (bp).

    ``table``: bp per session on the analysis window (and the article's window when it differs), the
    difference from the claim and the registry's rule (``judge``) applied to each; ``matching``: the
    definitions the rule confirms.
    """

    values: pd.Series
    claimed_bp: float
    matching: list[str]


def definitions(page: Page, window: Window) -> Definitions:
    """Each definition of the average daily spread, judged against the claim with the claims file's rule."""
    claim = claim_of(page, "mean_spread")
    claimed_bp = float(claim["claimed"])
    values = spread.spread_definitions(window.rows)
    article_label = f"article's window (last {window.claimed_sessions} sessions)"
    columns = {window.label: values * 1e4}
    if not window.same:
        columns[article_label] = spread.spread_definitions(window.claimed_rows) * 1e4
    table = pd.DataFrame(columns)
    matching = []
    if has_claim(page, "mean_spread"):
        table["claimed (bp)"] = claimed_bp
        table["difference (bp)"] = table[window.label] - claimed_bp
        verdicts = table[window.label].map(lambda v: str(judge.judge(v, claim, claimed=claimed_bp)))
        table["judge() on analysis window"] = verdicts
        if not window.same:
            table["judge() on article's window"] = table[article_label].map(
                lambda v: str(judge.judge(v, claim, claimed=claimed_bp))
            )
        matching = list(verdicts[verdicts == str(Verdict.CONFIRMED)].index)
        found = f"Claimed: {claimed_bp:g} bp per session; rule: {judge.tolerance_text(claim)}.\n\n" + (
            f"Definitions that reproduce the claim within the tolerance: **{', '.join(matching)}**."
            if matching
            else "**No definition reproduces the claim within the tolerance.**"
        )
    else:
        found = no_claim_text("mean_spread", "the five averages are")
    table["definition"] = pd.Series(spread.SPREAD_DEFINITIONS)
    table.index.name = "average daily spread (bp per session)"
    rows = window.rows
    text = (
        f"Window {day(window.first)} to {day(window.last)} ({window.n} sessions). Cumulative {page.returns_words(short=True)}: "
        f"{page.small} {pct(np.prod(1 + rows['small']) - 1)}, {page.large} {pct(np.prod(1 + rows['large']) - 1)}. "
        + found
    )
    return Definitions(text=text, table=table.round(1), values=values, claimed_bp=claimed_bp, matching=matching)


# ---------------------------------------------------------------------------------------------
# 2. How unusual the spread is


@dataclass(frozen=True, kw_only=True)
class Unusual(Section):
    """The arithmetic mean spread of the window (``measured``, fraction) against history, and its intervals.

    ``window_means``: the mean of every earlier window of the same length (fractions); ``earlier``:
    earlier streaks of at least ``min_len`` sessions; percentiles 0-100 (ties half); ``hac``/``boot``:
    ``spread.hac_mean_ci`` and ``spread.block_bootstrap_mean_ci`` of the daily spreads (None below 2
    sessions): intervals for the *underlying mean daily edge* those sessions estimate, not for the
    realised average, which is measured exactly.
    """

    measured: float
    claimed_bp: float
    window_means: pd.Series
    earlier: pd.DataFrame
    min_len: int
    pct_windows: float
    pct_streaks: float
    pct_claim: float
    hac: spread.MeanInterval | None
    boot: spread.MeanInterval | None


def earlier_window_means(daily: pd.Series, session: pd.Timestamp, n: int) -> pd.Series:
    """Mean daily spread of every ``n``-session window ending before ``session`` (the one ending at it left out)."""
    means = spread.rolling_mean(daily.loc[:session], n)
    return means.iloc[:-1]


def _or_na(value: object) -> str:
    return "n/a" if value is None else str(value)


def interval_note(
    measured: float, claimed_bp: float, hac: spread.MeanInterval | None, boot: spread.MeanInterval | None
) -> str:
    """What the HAC and bootstrap intervals are, and what they are not (Markdown; empty without intervals).

    The claim states the realised average over the window, which the data give exactly; the intervals
    describe the uncertainty of an underlying mean daily edge estimated from those sessions. So the
    verdict compares the claim with the realised average; whether the claimed value lies inside an
    interval only says whether an edge of that size is consistent with the sessions.
    """
    if hac is None or boot is None:
        return ""
    if np.isnan(claimed_bp):  # no claim of this kind: what the intervals are, nothing to compare
        return (
            f" The realised average over these sessions is measured exactly: **{measured * 1e4:.1f} bp**. The HAC "
            f"and bootstrap intervals are of another quantity: an underlying mean daily edge that these sessions "
            f"estimate (what a similar stretch might average)."
        )
    inside = {
        name: "inside" if ci.lower * 1e4 <= claimed_bp <= ci.upper * 1e4 else "outside"
        for name, ci in (("HAC", hac), ("bootstrap", boot))
    }
    return (
        f" The realised average over these sessions is measured exactly: **{measured * 1e4:.1f} bp**; the claim is "
        f"about that average, and the verdict compares {claimed_bp:g} bp with it. The HAC and bootstrap intervals "
        f"are of another quantity: an underlying mean daily edge that these sessions estimate (what a similar "
        f"stretch might average). An edge of {claimed_bp:g} bp lies {inside['HAC']} the HAC interval and "
        f"{inside['bootstrap']} the bootstrap interval, which says whether an edge that size is consistent with "
        f"the sessions, not whether the realised average was {claimed_bp:g} bp."
    )


def unusual(
    page: Page,
    window: Window,
    defs: Definitions,
    *,
    min_streak: int | None,
    block_length: int,
    n_boot: int,
    hac_lags: int,
    seed: int,
) -> Unusual:
    """The window's mean spread among all earlier same-length windows and earlier long streaks; HAC and
    moving-block bootstrap intervals of the underlying mean edge (``hac_lags`` -1: the Newey-West rule)."""
    ctx, n = page.ctx, window.n
    measured, claimed_bp = float(defs.values["arithmetic"]), defs.claimed_bp
    daily = streaks.daily_spread(ctx.returns)
    means = earlier_window_means(daily, ctx.session, n)
    table_streaks = streaks.outperformance_streaks(ctx.returns_at)
    min_len = int(min_streak) if min_streak is not None else n
    earlier = table_streaks[(table_streaks["sessions"] >= min_len) & (table_streaks["end"] < window.first)]
    x = window.rows["spread"].to_numpy()
    hac = spread.hac_mean_ci(x, maxlags=None if hac_lags < 0 else int(hac_lags)) if n >= 2 else None
    boot = (
        spread.block_bootstrap_mean_ci(x, min(int(block_length), n), int(n_boot), np.random.default_rng(seed))
        if n >= 2
        else None
    )
    pct_windows, pct_streaks = percentile_rank(measured, means), percentile_rank(measured, earlier["mean_spread"])
    pct_claim = percentile_rank(claimed_bp / 1e4, means)
    hac_v = hac or spread.MeanInterval("HAC", NAN, NAN, NAN, NAN, 0.95, n)
    boot_v = boot or spread.MeanInterval("block bootstrap", NAN, NAN, NAN, NAN, 0.95, n)
    rows = [
        (f"percentile among all {len(means):,} earlier {n}-session windows", pct_windows, "percentile (0-100)"),
        (
            "share of those windows with a mean at least as large",
            100 * float((means >= measured).mean()) if len(means) else NAN,
            "%",
        ),
        (
            f"percentile among {len(earlier)} earlier streaks of at least {min_len} sessions",
            pct_streaks,
            "percentile (0-100)",
        ),
        *(
            []
            if np.isnan(claimed_bp)
            else [
                (
                    f"claimed {claimed_bp:g} bp: percentile among the same {n}-session windows",
                    pct_claim,
                    "percentile (0-100)",
                )
            ]
        ),
        ("arithmetic mean spread over the analysis window", measured * 1e4, "bp per session"),
        (f"HAC standard error (Newey-West, {_or_na(hac_v.lags)} lags)", hac_v.se * 1e4, "bp per session"),
        ("HAC 95% interval (Student t, n-1 df), lower", hac_v.lower * 1e4, "bp per session"),
        ("HAC 95% interval (Student t, n-1 df), upper", hac_v.upper * 1e4, "bp per session"),
        (
            f"moving-block bootstrap 95% interval, lower (block {_or_na(boot_v.block_length)}, {n_boot:,} resamples)",
            boot_v.lower * 1e4,
            "bp per session",
        ),
        ("moving-block bootstrap 95% interval, upper", boot_v.upper * 1e4, "bp per session"),
    ]
    table = pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")
    positive = int((window.rows["spread"] > 0).sum())
    text = (
        f"Windows: every {n}-session window of the daily spread from {day(daily.index[0])} ending before "
        f"{day(ctx.session)}; streaks: every {page.small} > {page.large} streak of at least {min_len} sessions that "
        f"ended before {day(window.first)}. Percentile = share of the comparison values below the measured mean, "
        f"ties counted half. {positive} of the {n} days in the analysis window have a positive spread"
        + (" (all of them, by construction of a streak)." if window.in_streak else ".")
        + interval_note(measured, claimed_bp, hac, boot)
    )
    return Unusual(
        text=text,
        table=table.round(2),
        measured=measured,
        claimed_bp=claimed_bp,
        window_means=means,
        earlier=earlier,
        min_len=min_len,
        pct_windows=pct_windows,
        pct_streaks=pct_streaks,
        pct_claim=pct_claim,
        hac=hac,
        boot=boot,
    )


# ---------------------------------------------------------------------------------------------
# 3. The gain


def _longer(sessions: int, limit: int) -> str:
    """``", more than <limit> sessions"`` for a window longer than ``limit`` sessions, else nothing."""
    return f", more than {limit} sessions" if sessions > limit else ""


def gains(page: Page, window: Window, gain_max_sessions: int, low_lookback: int) -> Section:
    """Price gains of the small-cap index ending at ``as_of`` from each base the measure knows
    (``measures.spread.gain_rows``), each judged with the claims file's rule; the window's own base too."""
    claim = claim_of(page, "max_gain")
    prices = page.ctx.prices(page.small).loc[: window.session]
    index = page.ctx.returns.index
    base_pos = index.get_loc(window.first) - 1
    base = index[base_pos] if base_pos >= 0 else None
    p = {"max_sessions": int(gain_max_sessions), "low_lookback": int(low_lookback)}
    found = spread_measures.gain_rows(prices, window.session, p, base, streak_label="over the analysis window")
    table = pd.DataFrame(
        [
            {
                "window": label,
                "from (close)": day(g["base_date"]),
                "base close": g["base_close"],
                "to": day(g["end"]),
                "end close": g["end_close"],
                "sessions": g["sessions"],
                "gain (%)": 100 * g["gain"],
                f"at most {gain_max_sessions} sessions?": g["sessions"] <= gain_max_sessions,
            }
            for label, g in found.values()
        ]
    ).set_index("window")
    small_px = page.ctx.prices(page.small)
    described = f"{small_px.attrs['description']}, {small_px.attrs.get('definition', 'daily closes')}."
    if not has_claim(page, "max_gain"):
        return Section(f"{described} {no_claim_text('max_gain', 'the gains are')}", table.round(2))
    table["judge()"] = [str(judge.judge(g["gain"], claim)) for _, g in found.values()]
    matches = table[table["judge()"] != str(Verdict.REFUTED)]
    listed = ", ".join(
        f"**{w}** ({r['gain (%)']:.1f}% over {r['sessions']} sessions{_longer(r['sessions'], gain_max_sessions)})"
        for w, r in matches.iterrows()
    )
    text = (
        f"{described} Claimed: {pct(claim['claimed'], 0, False)}; rule: {judge.tolerance_text(claim)}. Windows whose "
        f"gain is within the confirmed or partly-true band: {listed or '**none**'}."
    )
    return Section(text, table.round(2))


# ---------------------------------------------------------------------------------------------
# 4. Overbought


@dataclass(frozen=True, kw_only=True)
class Overbought(Section):
    """RSI (Wilder) of the small-cap index and its distance above two moving averages, each in its own history.

    ``rsi``: the RSI series to ``as_of`` (points); ``level``: the claimed overbought line; ``at_or_above``:
    the window's sessions with RSI at or above it (date -> RSI); ``distance``: close / average - 1 by window.
    """

    rsi: pd.Series
    window: int
    level: float
    at_or_above: pd.Series
    distance: dict[int, pd.Series]


def distance_sentence(distance: Mapping[int, pd.Series], session: pd.Timestamp) -> str:
    """The close's distance above each moving average at ``session`` and its percentile in its own history."""
    parts = [
        f"{100 * d.loc[session]:+.1f}% above its {w}-session average (percentile {percentile_rank(d.loc[session], d):.1f})"
        for w, d in distance.items()
        if pd.notna(d.loc[session])
    ]
    return f"The close stood {' and '.join(parts)}." if parts else ""


def overbought(page: Page, window: Window, rsi_window: int, ma_short: int, ma_long: int) -> Overbought:
    """RSI at ``as_of``, the sessions of the window at or above the overbought line, and the MA distances,
    each as a percentile of its own history (all sessions from the data start to ``as_of``)."""
    claim = claim_of(page, "rsi_level")
    level, session = float(claim["claimed"]), window.session
    prices = page.ctx.prices(page.small).loc[:session]
    rsi = technicals.rsi_wilder(prices, int(rsi_window))
    distance = {int(w): technicals.ma_distance(prices, int(w)) for w in (ma_short, ma_long)}
    rows = [
        {
            "indicator": f"RSI({rsi_window}), Wilder",
            "value at as_of": rsi.loc[session],
            "unit": "points (0-100)",
            "percentile in own history": percentile_rank(rsi.loc[session], rsi),
            "threshold": f">= {level:g} overbought",
            "history from": day(rsi.first_valid_index()),
        }
    ]
    rows += [
        {
            "indicator": f"distance above {w}-session average",
            "value at as_of": 100 * d.loc[session],
            "unit": "%",
            "percentile in own history": percentile_rank(d.loc[session], d),
            "threshold": "none conventional",
            "history from": day(d.first_valid_index()),
        }
        for w, d in distance.items()
    ]
    recent = rsi.loc[window.first : session]
    above = recent[recent >= level]
    listed = ", ".join(f"{day(d)} ({v:.1f})" for d, v in above.items()) or "none"
    text = (
        f"{prices.attrs['description']}, daily closes to {day(session)}. RSI at as_of **{rsi.loc[session]:.1f}**; "
        + (
            f"rule: {judge.tolerance_text(claim)}. "
            if has_claim(page, "rsi_level")
            else f"the conventional overbought line {level:g}; {no_claim_text('rsi_level', 'the RSI is')} "
        )
        + f"Sessions of the analysis window with RSI at or above {level:g}: "
        f"{listed}; highest RSI in the window {recent.max():.1f} on {day(recent.idxmax())}. "
        + distance_sentence(distance, session)
    )
    table = pd.DataFrame(rows).set_index("indicator").round(2)
    return Overbought(
        text=text, table=table, rsi=rsi, window=int(rsi_window), level=level, at_or_above=above, distance=distance
    )


# ---------------------------------------------------------------------------------------------
# 5. Record closes and the level


def record_summary(px: pd.Series, window: Window, level: float, band: float) -> dict:
    """One column of the records table: records in the window, the previous high, whether ``level`` fits (rows left
    out when ``level`` is NaN: no claimed level)."""
    hist = px.loc[: window.session]
    inside = hist.loc[window.first : window.session]
    recs = spread.records_in_window(hist, window.first, window.session)
    high, prior = spread.running_high(hist, window.session), spread.previous_high(hist, window.first)
    return {
        "series": px.attrs.get("description", px.name),
        "definition": px.attrs.get("definition", ""),
        "data from": day(hist.index[0]),
        "last close in window": day(inside.index[-1]),
        "closes in window (min)": round(float(inside.min()), 2),
        "closes in window (max)": round(float(inside.max()), 2),
        "record closes in window": len(recs),
        "record dates": ", ".join(day(d) for d in recs.index) or "none",
        "previous all-time high (before the window)": round(prior["close"], 2),
        "set on": day(prior["date"]),
        "highest close to as_of": round(high["close"], 2),
        "on": day(high["date"]),
        **(
            {}
            if np.isnan(level)
            else {
                f"any close above {level:,.0f}": bool(inside.max() > level),
                f"{level:,.0f} fits (within {band:.0%})": spread.level_fits(inside, level, band),
            }
        ),
    }


def records(page: Page, window: Window, etf: str, level_band: float) -> Section:
    """Record closes of the small-cap index and of ``etf`` in the window, and which series the claimed level fits
    (``spread.level_fits``, the rule the claim's measure uses)."""
    ctx, level = page.ctx, record_level(page)
    etf_px = ctx.prices(etf)
    etf_hist = etf_px.loc[: window.session]
    covers = len(etf_hist) > 1 and etf_hist.index[-1] >= window.first and etf_hist.index[0] < window.first
    series = {page.small: ctx.prices(page.small), **({etf: etf_px} if covers else {})}
    summaries = {name: record_summary(px, window, level, level_band) for name, px in series.items()}
    if np.isnan(level):
        what = f"record closes of {' and '.join(series)} are"
        return Section(f"Window {day(window.first)} to {day(window.session)}. {no_claim_text('level_record', what)}",
                       pd.DataFrame(summaries))  # fmt: skip
    fits = [name for name, s in summaries.items() if s[f"{level:,.0f} fits (within {level_band:.0%})"]]
    fit_text = f"**{', '.join(fits)}**" if fits else "**neither series**"
    etf_text = (
        f"; the article attributes it to **{etf}**."
        if covers
        else f"; {etf} has no data covering the window ({day(etf_px.index[0])} to {day(etf_px.index[-1])}), "
        "so its part of the claim cannot be checked."
    )
    text = f"Window {day(window.first)} to {day(window.session)}. The level {level:,.0f} fits {fit_text}{etf_text}"
    return Section(text, pd.DataFrame(summaries))


# ---------------------------------------------------------------------------------------------
# How the words are read


def readings(page: Page, kind: str) -> Section:
    """How the claim of ``kind`` is read: its registered reading, then each listed alternative under the
    reading rule (allowed readings counted; context and sensitivity shown, not counted), and the verdict
    label the rule gives. Empty when this notebook has no claim of ``kind``."""
    claim = page.by_kind.get(kind)
    if claim is None:
        return Section("")
    return Section(readings_text(evaluate.evaluate(page.ctx, claim["id"])))


# ---------------------------------------------------------------------------------------------
# Figures


def figure_cumulative(page: Page, window: Window) -> list[Path]:
    """``02_cumulative_returns``: both cumulative returns (price or total, as the series are) over the window, from the
    close before it."""
    returns = page.ctx.returns
    pos = returns.index.get_loc(window.first)
    cum = (1 + window.rows[["small", "large"]]).cumprod() - 1
    start = pd.DataFrame({"small": [0.0], "large": [0.0]}, index=returns.index[max(pos - 1, 0) : pos][:1])
    cum = pd.concat([start, cum])
    fig, ax = plt.subplots()
    for col, color in (("small", plots.SMALL_COLOR), ("large", plots.LARGE_COLOR)):
        name = page.small if col == "small" else page.large
        label = page.ctx.prices(name).attrs["description"]
        ax.plot(cum.index, 100 * cum[col], color=color, lw=2, marker="o", ms=4, label=label)
    ax.axhline(0, color="black", lw=0.8)
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig,
        ax,
        title=f"Cumulative {page.returns_words(short=True)} over the analysis window: {window.label}",
        xlabel="session",
        ylabel=f"cumulative {page.returns_words(short=True).removesuffix('s')} since the prior close (%)",
        source=plots.source_note(
            returns.loc[cum.index[0] : window.session],
            definition=f"cumulative simple {page.returns_words()}, close to close, from the close before the window",
        ),
    )
    return plots.save_figure(fig, "02_cumulative_returns", page.run_name)


LINE_STYLES = {"arithmetic": "-", "median": "--", "log": ":", "cumulative": "-.", "geometric": (0, (5, 1, 1, 1))}


def figure_definitions(page: Page, window: Window, defs: Definitions) -> list[Path]:
    """``02_spread_definitions``: the daily spread (one slot per session) with each definition's average and the claim."""
    fig, ax = plt.subplots()
    bars = window.rows["spread"] * 1e4
    positions = np.arange(len(bars))  # one slot per session (no gaps for weekends and holidays)
    colors = pd.Series(plots.LARGE_COLOR, index=bars.index).where(bars <= 0, plots.SMALL_COLOR)
    ax.bar(positions, bars.values, color=list(colors), width=0.8, alpha=0.55, label="daily spread")
    step = max(1, int(np.ceil(len(bars) / 8)))  # at most 8 date labels across a report column
    ax.set_xticks(positions[::step], [d.strftime("%b %d") for d in bars.index[::step]])
    for (name, value), color in zip(defs.values.items(), plots.PALETTE[1:] + plots.PALETTE[:1]):
        ax.axhline(value * 1e4, color=color, lw=1.8, ls=LINE_STYLES[name], label=f"{name}: {value * 1e4:.1f} bp")
    ax.axhline(defs.claimed_bp, color="black", lw=2.2, ls="--", label=f"claimed: {defs.claimed_bp:g} bp")
    ax.axhline(0, color="black", lw=0.8)
    plots.place_legend(ax, loc="upper left", ncols=2)
    plots.finish_figure(
        fig,
        ax,
        title=f"Daily spread, {page.small.upper()} minus {page.large.upper()}, and its average under five definitions",
        xlabel=f"session (close date, {day(window.first)} to {day(window.last)}; one slot per session)",
        ylabel="spread (bp per session)",
        source=plots.source_note(window.rows, definition=page.definition("; definitions in section 1")),
    )
    return plots.save_figure(fig, "02_spread_definitions", page.run_name)


def figure_window_means(page: Page, window: Window, found: Unusual) -> list[Path]:
    """``02_window_means``: histogram of every earlier same-length window's mean spread, the measured and claimed
    means and the earlier long streaks marked; x cut at the 0.1% and 99.9% quantiles."""
    values_bp, measured_bp, claimed_bp = found.window_means * 1e4, found.measured * 1e4, found.claimed_bp
    daily = streaks.daily_spread(page.ctx.returns)
    fig, ax = plt.subplots()
    n = window.n
    ax.hist(
        values_bp,
        bins=120,
        color=plots.SPREAD_COLOR,
        alpha=0.8,
        label=f"all {len(values_bp):,} earlier {n}-session windows",
    )
    ax.axvline(
        measured_bp,
        color=plots.SMALL_COLOR,
        lw=2.2,
        label=f"measured: {measured_bp:.1f} bp (percentile {found.pct_windows:.1f})",
    )
    ax.axvline(
        claimed_bp, color="black", lw=2, ls="--", label=f"claimed: {claimed_bp:g} bp (percentile {found.pct_claim:.1f})"
    )
    marks = found.earlier["mean_spread"] * 1e4
    label = f"earlier streaks of >= {found.min_len} sessions ({len(marks)})"
    ax.plot(marks, np.zeros(len(marks)), "|", color=plots.LARGE_COLOR, ms=18, mew=1.5, label=label)
    lo_x, hi_x = histogram_range(values_bp, measured_bp, claimed_bp)
    ax.set_xlim(lo_x - 0.05 * (hi_x - lo_x), hi_x + 0.05 * (hi_x - lo_x))
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig,
        ax,
        title=f"Mean daily spread over every {n}-session window since {day(daily.index[0])}",
        xlabel=f"mean daily spread over {n} sessions (bp per session, arithmetic)",
        ylabel="number of windows",
        source=plots.source_note(
            daily.loc[: window.session],
            definition=page.definition(f"; overlapping windows ending before {day(window.session)}"),
            extra="x axis cut at the 0.1% and 99.9% quantiles of the window means",
        ),
    )
    return plots.save_figure(fig, "02_window_means", page.run_name)


def histogram_range(values: pd.Series, *marks: float) -> tuple[float, float]:
    """x range of the window-means histogram: the 0.1% and 99.9% quantiles of ``values``, widened to the marks."""
    lo_q, hi_q = np.quantile(values, [0.001, 0.999]) if len(values) else (marks[0], marks[0])
    return min(lo_q, *marks), max(hi_q, *marks)


def figure_price_rsi(
    page: Page, window: Window, ob: Overbought, price_sessions: int, ma_short: int, ma_long: int
) -> list[Path]:
    """``02_price_rsi``: the small-cap close with two moving averages (and the claimed level when on scale), over
    RSI with the overbought and oversold lines; the analysis window shaded."""
    prices = page.ctx.prices(page.small).loc[: window.session]
    panel = prices.iloc[-int(price_sessions) :]
    level = record_level(page)
    fig, (ax, ax_rsi) = plt.subplots(2, 1, sharex=True, figsize=(plots.REPORT_WIDTH_IN, 5.4), height_ratios=[2.2, 1])
    ax.plot(panel.index, panel.values, color=plots.SMALL_COLOR, lw=1.6, label=f"{prices.attrs['description']} close")
    for w, color in ((ma_short, plots.LARGE_COLOR), (ma_long, plots.PALETTE[2])):
        average = technicals.moving_average(prices, int(w)).loc[panel.index]
        ax.plot(panel.index, average, color=color, lw=1.2, label=f"{w}-session average")
    _level_line(ax, panel, level)
    plots.shade_period(ax, window.first, window.session, label="analysis window")
    plots.place_legend(ax, loc="upper left")
    ax_rsi.plot(panel.index, ob.rsi.loc[panel.index], color=plots.PALETTE[3], lw=1.3, label=f"RSI({ob.window}), Wilder")
    ax_rsi.axhline(ob.level, color=plots.SMALL_COLOR, lw=1, ls="--", label=f"overbought {ob.level:g}")
    ax_rsi.axhline(30, color=plots.LARGE_COLOR, lw=1, ls="--", label="oversold 30")
    plots.shade_period(ax_rsi, window.first, window.session)
    ax_rsi.set_ylim(0, 100)
    ax_rsi.set_ylabel("RSI (points)")
    ax_rsi.set_xlabel("date")
    plots.place_legend(ax_rsi, loc="lower left", ncols=3)
    plots.finish_figure(
        fig,
        ax,
        title=f"{page.small.upper()} price with moving averages, and RSI({ob.window})",
        xlabel=None,
        ylabel=f"close ({prices.attrs.get('unit') or 'level'})",
        source=plots.source_note(
            panel,
            definition=f"{prices.attrs.get('definition') or 'daily closes'}; simple moving averages; RSI with Wilder smoothing",
        ),
    )
    return plots.save_figure(fig, "02_price_rsi", page.run_name)


def _level_line(ax: plt.Axes, panel: pd.Series, level: float) -> None:
    """The claimed level as a dotted line when it lies within 0.8-1.25 times the panel's range; else a legend note;
    nothing without a claimed level (NaN)."""
    if np.isnan(level):
        return
    if panel.min() * 0.8 <= level <= panel.max() * 1.25:
        ax.axhline(level, color="black", lw=1, ls=":", label=f"level {level:,.0f} quoted by the article")
    else:
        ax.plot([], [], " ", label=f"level {level:,.0f} quoted by the article: off this scale")


__all__ = [
    "Definitions",
    "Overbought",
    "Unusual",
    "Window",
    "analysis_window",
    "claim_of",
    "definitions",
    "distance_sentence",
    "earlier_window_means",
    "figure_cumulative",
    "figure_definitions",
    "figure_price_rsi",
    "figure_window_means",
    "gains",
    "histogram_range",
    "interval_note",
    "overbought",
    "readings",
    "record_level",
    "record_summary",
    "records",
    "unusual",
]
