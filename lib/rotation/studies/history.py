"""What notebook 03_history shows: the named episodes, the episode table, "fear-driven" 2008, the
resemblance grid, the years after 1987, the Fama-French SMB proxy, four figures and what came after ``as_of``.

Definitions (as ``rotation.analytics.episodes`` and ``rotation.claims.measures.history``): daily
price returns, close to close, on the common calendar of the two series; a streak is a maximal run of
sessions with small-cap return strictly above large-cap return; an episode is a streak, its base the
close before its first session. Everything uses data up to ``as_of`` except ``after_as_of``.
Every function returns a dataclass (tables as DataFrames, words as Markdown); the decisions a
notebook cell would otherwise make (which claim exists, which series are missing) are made here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

from rotation.analytics import episodes, streaks
from rotation.analytics.returns import span_text
from rotation.claims import evaluate
from rotation.claims.measures import base
from rotation.claims.measures import history as measures
from rotation.core.dates import parse_period
from rotation.core.fmt import day, pct
from rotation.data.catalogue import returns_words
from rotation.outputs import plots
from rotation.studies.page import Page, series_text

IN_PERCENT = {"small_return", "large_return", "mean_spread", "drawdown", "realized_vol"}


@dataclass(frozen=True)
class Shown:
    """What a notebook cell shows, in order: Markdown text (``str``) and tables (``DataFrame``)."""

    parts: tuple = ()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*(Markdown(p) if isinstance(p, str) else p for p in self.parts))


@dataclass(frozen=True)
class History:
    """The series, the streak table and the claims notebook 03 works with (data up to ``as_of``).

    ``min_streak``: the episode table's minimum length (the parameter, else the resemblance
    claim's); ``horizons``: sessions after a streak's end shown as "what followed"; ``named``:
    the current and named episodes (row or None); ``found``: ``find_named`` per named spec.
    """

    page: Page
    min_streak: int
    horizons: list
    small_px: pd.Series
    large_px: pd.Series
    vix: pd.Series | None
    vix_why: str
    dff: pd.Series | None
    dff_why: str
    ff: pd.DataFrame | None
    ff_why: str
    table: pd.DataFrame
    current: pd.Series
    found: dict
    named: dict
    intro: Shown = field(default_factory=Shown)

    @property
    def ctx(self):
        return self.page.ctx

    @property
    def returns(self) -> pd.DataFrame:
        return self.page.ctx.returns_at

    @property
    def session(self) -> pd.Timestamp:
        return self.page.ctx.session

    def claim(self, kind: str) -> dict:
        return self.page.claim(kind)


def _series_note(series: pd.Series | None, why: str, label: str) -> str:
    return (
        f"{label}: {series.attrs['source']} ({span_text(series)})"
        if series is not None
        else f"{label}: not available ({why})"
    )


def _specs(page: Page) -> dict:
    """The named-episode specs of the resemblance claim, plus the 2008 claim's episode when it differs."""
    resemblance, fear = page.claim("episode_resemblance"), page.claim("fear_episode")
    specs = dict(base.params(resemblance).get("episodes") or {})
    episode = base.params(fear).get("episode")
    if fear and episode not in specs.values():
        specs[str(fear["id"])] = episode
    return specs


def open_history(page: Page, min_streak: int | None = None, horizons: Sequence[int] = (21, 63, 126, 252)) -> History:
    """Load the series (VIX, fed funds and Fama-French factors when the data hold them) and locate the named episodes."""
    ctx = page.ctx
    if min_streak is None:
        min_streak = int(base.params(page.claim("episode_resemblance")).get("min_streak", 10))
    small_px, large_px = ctx.prices(page.small), ctx.prices(page.large)
    vix, vix_why = ctx.try_prices("vix")
    dff, dff_why = ctx.try_prices("dff")
    ff, ff_why = ctx.try_prices("ff_factors")
    returns = ctx.returns_at
    table = streaks.outperformance_streaks(returns)
    current = ctx.streak
    found = {str(name): measures.find_named(ctx, spec, table) for name, spec in _specs(page).items()}
    named = {"current": current if current["sessions"] else None}
    named.update({f"{name} episode": f.row for name, f in found.items()})
    notes = "; ".join(
        [_series_note(vix, vix_why, "VIX"), _series_note(dff, dff_why, "Fed funds"), _series_note(ff, ff_why, "SMB")]
    )
    intro = (
        f"**Data.** {series_text(small_px)} ({span_text(small_px)}). "
        f"{series_text(large_px)} ({span_text(large_px)}). {notes}.\n\n"
        f"**Streak history**: {len(table):,} streaks, {day(returns.index[0])} to {day(ctx.session)}.\n\n"
        f"**as_of.** {ctx.as_of_note}. **Data used:** {ctx.describe()}."
    )
    return History(
        page, int(min_streak), [int(h) for h in horizons], small_px, large_px, vix, vix_why, dff, dff_why, ff, ff_why,
        table, current, found, named, Shown((page.claims_intro().data, intro)),
    )  # fmt: skip


def named_episodes(h: History) -> Shown:
    """One line per named episode: its rule, the crash session when it has one, its window and the streak found."""
    lines = []
    for name, f in h.found.items():
        crash = ""
        if f.crash is not None:
            crash = (
                f" (crash session {day(f.crash)}: {h.page.large} {pct(h.large_px.pct_change().loc[f.crash])} that day)"
            )
        where = f"{day(f.window[0])} to {day(f.window[1])}" if f.window else "n/a"
        got = measures.episode_text(f.row) if f.row is not None else f"none: {f.status} ({f.reason})"
        lines.append(f"* **{name} episode**, {f.text}{crash}; window {where}: **{got}**.")
    now = (
        f"**{measures.episode_text(h.current)}**."
        if h.current["sessions"]
        else "none: small caps did not outperform on as_of."
    )
    lines.append(f"* **current episode** (streak in force at {day(h.session)}): {now}")
    return Shown(("\n".join(lines),))


def features(h: History) -> pd.DataFrame:
    """The episode features of every streak of at least ``min_streak`` sessions plus the named ones."""
    opts = measures.feature_options(base.params(h.claim("episode_resemblance")))
    return measures.feature_table(h.ctx, h.min_streak, h.named, **opts)


def episode_table(h: History) -> Shown:
    """The episode table in display units (percent, bp, percentiles) with its count and the VIX coverage."""
    feats, small, large = features(h), h.page.small, h.page.large
    shown = pd.DataFrame(
        {
            "label": feats["label"], "start": feats["start"].dt.date, "end": feats["end"].dt.date, "sessions": feats["sessions"],
            f"{small} (%)": feats["small_return"] * 100, f"{large} (%)": feats["large_return"] * 100,
            "mean spread (bp/session)": feats["mean_spread"] * 1e4, "kind": feats["kind"],
            "VIX avg": feats["vix_mean"], "VIX pctile": feats["vix_pct"],
            "realized vol (%)": feats["realized_vol"] * 100, "realized vol pctile": feats["realized_vol_pct"],
            f"{large} drawdown at base (%)": feats["drawdown"] * 100,
            "fed funds (%)": feats["rate"], "fed funds change (pp)": feats["rate_change_6m"],
        }
    )  # fmt: skip
    vix = f"VIX from {day(h.vix.index[0])}" if h.vix is not None else "VIX not available"
    text = (
        f"**{len(feats)} episodes** (streaks of at least {h.min_streak} sessions from {day(h.returns.index[0])} to "
        f"{day(h.session)}, plus the named ones); blank VIX = no VIX data ({vix})."
    )
    return Shown((text, shown.round(2)))


def followed(h: History) -> pd.DataFrame:
    """Price returns (percent) from each episode's end to ``horizons`` sessions later, and small minus large (pp)."""
    feats, small, large = features(h), h.page.small, h.page.large
    outcomes = episodes.outcomes_after(feats, h.small_px, h.large_px, h.horizons, last=h.session)
    out = pd.DataFrame(index=feats.index)
    for hz in h.horizons:
        out[f"{small} +{hz} (%)"] = outcomes[f"small_{hz}"] * 100
        out[f"{large} +{hz} (%)"] = outcomes[f"large_{hz}"] * 100
        out[f"small−large +{hz} (pp)"] = outcomes[f"diff_{hz}"] * 100
    return out.round(2)


def judgement(page: Page, kind: str) -> Shown:
    """The claim of ``kind``: its measurement's words and evidence, or why it cannot be judged, and its sensitivity table."""
    claim = page.claim(kind)
    if not claim:
        return Shown((f"The claims file gives this notebook no `{kind}` claim.",))
    j = evaluate.evaluate(page.ctx, claim["id"])
    m = j.measurement
    if m.status is not None:
        return Shown((f"**{j.label}**: {m.reason}" + (f" ({m.detail})" if m.detail else ""),))
    parts: list = [f"**{j.label}**. {m.detail}.\n\n*Definition:* {m.definition}."]
    if m.evidence is not None and len(m.evidence) <= 20:
        parts.append(m.evidence.round(2))
    if j.sensitivity is not None:
        share = evaluate.agreement_share(j)
        parts += [
            f"**Sensitivity** (`{j.claim_id}`; label: {j.robustness}; {share:.0%} of the judged alternatives agree):",
            j.sensitivity,
        ]
    return Shown(tuple(parts))


def resemblance(page: Page) -> measures.Resemblance | None:
    """The resemblance claim's typed result (None when the notebook has no such claim or it cannot be judged)."""
    claim = page.claim("episode_resemblance")
    found = measures.resemblance(page.ctx, claim) if claim else None
    return found if isinstance(found, measures.Resemblance) else None


def resemblance_detail(page: Page, top_neighbours: int = 5) -> Shown:
    """The nearest episodes under the registered choice, and the named episodes' raw and standardized features."""
    r = resemblance(page)
    if r is None:
        return Shown()
    neighbours = r.distances.join(r.features[["sessions", "kind", "label"]]).head(int(top_neighbours))
    keys = [r.target, *r.keys.values()]
    side = pd.concat(
        {
            "value": r.features.loc[keys, r.columns].T,
            "standardized": episodes.standardise(r.features[r.columns], r.how).loc[keys].T,
        },
        axis=1,
    )
    return Shown(
        (
            f"**Nearest {int(top_neighbours)} episodes under the registered choice** (distance; `shared` = number of features that entered):",
            neighbours.round(2),
            "**The current and the named episodes side by side** (raw values and standardized scores; blank = the episode lacks that feature):",
            side.round(3),
        )
    )


def grid_rule(claim: Mapping, r: measures.Resemblance) -> str:
    """The rule the verdict reads from the grid, in words, with the counts it reads (empty under ``decide: registered``)."""
    if base.params(claim).get("decide", "registered") != "grid":
        return "The verdict reads the registered variant only; the grid is context."
    d = r.decision
    return (
        f"**Rule (claims file: `decide: grid`).** The words fix the two episodes compared ('{r.nearer}' rather than "
        f"'{r.other}'), not the features, the standardisation or the episode table, so every variant of the grid is a reading "
        f"they allow. Confirmed if {r.nearer} is nearer than {r.other} in a majority of the comparable variants **and** the "
        f"nearest of all episodes in a majority of the variants ('mirrors'); partly true if only the first holds; refuted "
        f"otherwise. Counted: nearer in **{d.nearer} of {d.comparable}**, nearest in **{d.nearest} of {d.variants}**. "
        f"The shares per value of each choice are in the table below; alternatives restricted to one feature set are in the "
        f"sensitivity table above."
    )


def resemblance_caveats(page: Page, r: measures.Resemblance) -> str:
    """What the shares do not say, from the data: each named episode's length, kind and missing features, and the
    verdict on the claim that small caps led after the crash (the premise of the comparison), when the notebook has it."""
    lines = []
    for name in (r.nearer, r.other):
        ep = r.found[name].row
        entered = (r.registered[f"features {name}"] or "").split(", ")
        missing = [c for c in r.columns if c not in entered]
        lack = f"; no {', '.join(missing)} (no data for it over the episode)" if missing else ""
        kind = episodes.classify(ep["small_return"], ep["large_return"])
        lines.append(f"* the {name} episode: {measures.episode_text(ep)}, a {kind}{lack}.")
    lead = page.claim("lead_after_event")
    if lead:
        j = evaluate.evaluate(page.ctx, lead["id"])
        lines.append(f'* the era the sentence names, judged below (`{j.claim_id}`, "{lead["quote"]}"): **{j.label}**.')
    return "**What the shares leave out.**\n" + "\n".join(lines)


def grid_tables(page: Page) -> Shown:
    """The variant grid, the shares of variants per value of each choice, and how often each episode is the nearest."""
    r = resemblance(page)
    if r is None:
        return Shown()
    s = r.summary
    counts = s.nearest_counts.rename("variants in which it is the nearest").to_frame()
    sessions = {k: int(t.loc[k, "sessions"]) for t in r.tables.values() for k in t.index}
    counts["sessions"] = [sessions.get(k, 0) for k in counts.index]
    counts["share (%)"] = 100 * counts.iloc[:, 0] / counts.iloc[:, 0].sum()
    text = (
        f"**{s.variants} variants**: closer to {r.nearer} than to {r.other} on these features in "
        f"**{100 * s.share_nearer:.0f}%** ({s.comparable} comparable); the nearest episode is **{s.nearest}** in "
        f"**{100 * s.share_nearest:.0f}%** of the variants. Episodes: {page.small} > {page.large} streaks from "
        f"{day(page.ctx.returns_at.index[0])} to {day(page.ctx.session)}."
    )
    grid = r.grid.rename(columns={"min_streak": "min streak", "feature_set": "feature set"})
    rule = grid_rule(page.claim("episode_resemblance"), r)
    return Shown((text, grid.round(2), rule, r.shares.round(1), counts.round(1), resemblance_caveats(page, r)))


def smb_proxy(h: History, top_n: int = 10) -> Shown:
    """SMB > 0 streaks (Fama-French daily factor) beside their sign agreement with the index pair's spread."""
    proxy = smb_streaks(h)
    if proxy is None:
        return Shown((f"SMB proxy not available: {h.ff_why or 'no common dates with the index pair'}.",))
    smb, runs, agree, claimed = proxy.smb, proxy.runs, proxy.agreement, proxy.claimed_length
    small, large = h.page.small, h.page.large
    rank = int((runs["sessions"] > claimed).sum()) + 1
    at_least = int((runs["sessions"] >= claimed).sum())
    overlap = runs[runs["start"] >= agree["first"]]
    now = int(streaks.streak_in_force(smb).iloc[-1])
    during = smb.loc[h.current["start"] : h.current["end"]] if h.current["sessions"] else smb.iloc[0:0]
    longest = runs.loc[runs["sessions"].idxmax()]
    tag = f"[{proxy.agreement_text}]"
    during_text = (
        f"; during the current {small} > {large} streak SMB was positive on {int((during > 0).sum())} of its {len(during)} days"
        if len(during)
        else ""
    )
    lines = [
        f"* **Agreement**: {proxy.agreement_text}; on days small beat large, SMB was positive {agree['positive_agreement']:.1%} of the time.",
        f"* **Longest SMB > 0 streak since {day(smb.index[0])}**: {longest['sessions']} days ({day(longest['start'])} to {day(longest['end'])}). {tag}",
        f"* **A {claimed}-day SMB streak** (the article's length) would rank **#{rank}** among {len(runs):,} SMB > 0 streaks; "
        f"{at_least} streaks were at least that long ({at_least / len(runs):.2%}). {tag}",
        f"* **Overlap check**: since {day(agree['first'])} the longest SMB streak is {overlap['sessions'].max()} days, the longest "
        f"{small} > {large} streak {int(h.table['sessions'].max())} sessions. SMB streak in force on {day(smb.index[-1])}: {now} days"
        f"{during_text}. {tag}",
        f"* Days with SMB exactly 0 (end a streak): {(smb == 0).mean():.1%}.",
    ]
    top = runs.sort_values(["sessions", "end"], ascending=[False, False]).head(int(top_n)).reset_index(drop=True)
    top.index += 1
    top = top.assign(
        start=top["start"].dt.date, end=top["end"].dt.date, **{"SMB cumulative (%)": top.pop("smb_cum") * 100}
    )
    return Shown(("\n".join(lines), top.round(2)))


@dataclass(frozen=True)
class SmbStreaks:
    """SMB > 0 runs (``start``, ``end``, ``sessions``, ``smb_cum``: compounded SMB over the run), the factor to ``as_of``,
    its sign agreement with the pair's daily spread (``episodes.sign_agreement``) and the article's streak length."""

    smb: pd.Series
    runs: pd.DataFrame
    agreement: dict
    agreement_text: str
    claimed_length: int


def smb_streaks(h: History) -> SmbStreaks | None:
    """The SMB proxy's runs and agreement, or None when the factor or common dates are missing."""
    if h.ff is None:
        return None
    smb = h.ff["smb"].loc[: h.session]
    try:
        agree = episodes.sign_agreement(smb, streaks.daily_spread(h.returns))
    except Exception:  # noqa: BLE001 - no common dates: the proxy section says so
        return None
    runs = streaks.run_lengths(smb > 0)
    runs = runs[runs["value"]].reset_index(drop=True)[["start", "end", "sessions"]]
    cum = np.concatenate(([0.0], np.cumsum(np.log1p(smb.to_numpy()))))
    pos = smb.index.get_indexer
    runs["smb_cum"] = np.expm1(cum[pos(runs["end"]) + 1] - cum[pos(runs["start"])])
    text = (
        f"SMB/{h.page.small}−{h.page.large} sign agreement {agree['rate']:.1%} ({agree['n']:,} days, "
        f"{day(agree['first'])} to {day(agree['last'])})"
    )
    claimed = int(h.ctx.registry["claims"].get("streak_length", {}).get("claimed", 13))
    return SmbStreaks(smb, runs, agree, text, claimed)


def after_as_of(h: History) -> Shown:
    """With all data: how long the streak in force at ``as_of`` lasted and what followed its end (context, not a verdict)."""
    if not h.current["sessions"]:
        return Shown(("No streak was in force at `as_of`.",))
    returns_all, small, large = h.ctx.returns, h.page.small, h.page.large
    full = streaks.outperformance_streaks(returns_all)
    run = full[full["start"] == h.current["start"]].iloc[0]
    after = episodes.outcomes_after(pd.DataFrame({"end": [run["end"]]}), h.small_px, h.large_px, h.horizons)
    parts = [
        f"+{hz} sessions: {small} {pct(after[f'small_{hz}'].iloc[0])}, {large} {pct(after[f'large_{hz}'].iloc[0])}"
        for hz in h.horizons
    ]
    still = " and was still running" if run["ongoing"] else ""
    out = [
        f"With all data (to {day(returns_all.index[-1])}) the streak lasted **{run['sessions']} sessions** to {day(run['end'])}"
        f"{still}. After its end: " + "; ".join(parts) + " (n/a: data do not reach)."
    ]
    tail = pd.DataFrame({"small": h.small_px, "large": h.large_px}).dropna().loc[run["end"] :]
    if len(tail) > 1:
        rs, rl = tail.iloc[-1] / tail.iloc[0] - 1
        out.append(
            f"From the streak's end to the last common date {day(tail.index[-1])} ({len(tail) - 1} sessions): "
            f"{small} {pct(rs)}, {large} {pct(rl)}, small minus large {pct(rs - rl)}."
        )
    return Shown(tuple(out))


# ---------------------------------------------------------------------------------------------
# Figures: one function per figure, each saved through plots.save_figure under its fixed name


def episode_paths_figure(h: History, run_name: str) -> Shown:
    """``03_episode_paths``: relative price from each episode's start to ``max(horizons)`` sessions after its end."""
    feats, returns = features(h), h.returns
    fig, ax = plt.subplots(figsize=plots.report_figsize(panel_height=4.2))
    styles = {"current": (plots.SMALL_COLOR, 2.6)}
    others = [n for n in h.named if n != "current"]
    for name, color in zip(others, (plots.LARGE_COLOR, plots.PALETTE[2], plots.PALETTE[3], plots.PALETTE[4])):
        styles[name] = (color, 2.2)
    for k, row in feats.iterrows():
        path = episodes.relative_path(returns, row["start"], row["end"], after=max(h.horizons), last=h.session)
        names = [n for n in styles if n in row["label"].split("; ")]
        color, width = styles[names[0]] if names else ("#b0b0b0", 0.9)
        label = f"{row['label']}: {k}, {row['sessions']} sessions" if names else None
        ax.plot(path.index, path.values, color=color, lw=width, label=label, zorder=3 if names else 1)
        ax.plot(row["sessions"], path.iloc[row["sessions"]], "o", color=color, ms=4 if names else 2.5, zorder=4)
    ax.plot([], [], color="#b0b0b0", lw=0.9, label=f"other streaks ≥ {h.min_streak} sessions")
    ax.axhline(100, color="black", lw=0.8)
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax,
        title=f"{h.page.small.upper()} relative to {h.page.large.upper()} from each streak's start to {max(h.horizons)} sessions after its end",
        xlabel="sessions from streak start (0 = close before the first streak session; dot = streak end)",
        ylabel="relative price, streak start = 100",
        source=plots.source_note(returns, definition=f"relative price = cumulative (1 + r_small) / cumulative (1 + r_large), {h.page.returns_words(short=True)}, close to close; paths cut at as_of"),
    )  # fmt: skip
    plots.save_figure(fig, "03_episode_paths", run_name)
    plt.show()
    return Shown()


def _heat_label(value: float, column: str) -> str:
    """A feature's raw value as printed in a heatmap cell (percent, rate with two decimals, or a whole number)."""
    if np.isnan(value):
        return ""
    if column in IN_PERCENT:
        return f"{value * 100:.1f}%"
    return f"{value:.2f}" if column.startswith("rate") else f"{value:.0f}"


def flat_score_limits(scores: pd.DataFrame, how: str) -> dict[str, float]:
    """Colour limits for a heatmap of standardized ``scores`` whose every finite value is the centre (0; 0.5 for
    ranks), as with a single episode: seaborn would paint them in the colour map's low end, a symmetric range
    (+/-1; 0 to 1 for ranks) in its centre colour. Empty (seaborn's own limits) when the scores differ."""
    centre, half = (0.5, 0.5) if how == "rank" else (0.0, 1.0)
    values = scores.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite - centre).max() > 0:
        return {}
    return {"vmin": centre - half, "vmax": centre + half}


def feature_heatmap_figure(h: History, run_name: str) -> Shown:
    """``03_feature_heatmap``: every episode's registered features, coloured by their standardized score, raw values printed."""
    feats, claim = features(h), h.claim("episode_resemblance")
    columns = measures.chosen_features(claim)[1] if claim else ["small_return", "large_return", "drawdown"]
    how = base.params(claim).get("standardisation", "zscore")
    heat = episodes.standardise(feats[columns].astype(float), how)
    heat.index = [
        f"{k}, {s} s" + (f" ({lab})" if lab else "")
        for k, s, lab in zip(feats.index, feats["sessions"], feats["label"])
    ]
    labels = pd.DataFrame({c: feats[c].astype(float).map(lambda v, c=c: _heat_label(v, c)) for c in columns})
    what = episodes.STANDARDISATION_TEXT[how].split(" (")[0].split(" across")[0]
    fig, ax = plt.subplots(figsize=(plots.REPORT_WIDTH_IN, 0.3 * len(heat) + 2.4))
    centre = 0.5 if how == "rank" else 0.0
    sns.heatmap(
        heat, annot=labels.to_numpy(), fmt="", cmap="RdBu_r", center=centre, linewidths=0.5,
        annot_kws={"fontsize": 7}, cbar_kws={"label": f"{what} across the episodes", "shrink": 0.8}, ax=ax,
        **flat_score_limits(heat, how),
    )  # fmt: skip
    ax.grid(False)
    ax.set_facecolor("#d9d9d9")
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    context = [s.loc[: h.session] for s in (h.vix, h.dff) if s is not None]
    plots.finish_figure(
        fig, ax,
        title=f"Episode features (colour: {what} across the episodes; text: raw value)",
        xlabel="feature (returns, drawdown in %; percentiles 0-100; fed funds in % per year, change in pp)",
        ylabel="episode (start date, sessions)",
        source=plots.source_note(
            h.returns, h.large_px.loc[: h.session], *context,
            definition=f"streaks of at least {h.min_streak} sessions plus the named ones; features measured with data up to each streak's end; grey = not available (no VIX before its first date)",
        ),
    )  # fmt: skip
    plots.save_figure(fig, "03_feature_heatmap", run_name)
    plt.show()
    return Shown()


def resemblance_ranks_figure(page: Page, run_name: str) -> Shown:
    """``03_resemblance_ranks``: the rank of both named episodes in every variant, one panel per minimum length."""
    r = resemblance(page)
    if r is None:
        return Shown(("No variant grid at this date (see the resemblance section for the reason); no rank figure.",))
    grid, want, other, s = r.grid, r.nearer, r.other, r.summary
    lengths = sorted(grid["min_streak"].unique())
    ncols = min(2, len(lengths))
    nrows = int(np.ceil(len(lengths) / ncols))
    height = nrows * (0.17 * grid.groupby("min_streak").size().max() + 0.9) + 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(plots.REPORT_WIDTH_IN, height), sharey=True, squeeze=False)
    for ax in axes.flat[len(lengths) :]:
        ax.set_visible(False)
    axes = axes.flat
    marks = {want: ("o", plots.PALETTE[2]), other: ("s", plots.LARGE_COLOR)}
    for ax, length in zip(axes, lengths):
        part = grid[grid["min_streak"] == length].reset_index(drop=True)
        ypos = np.arange(len(part))
        for name, (marker, color) in marks.items():
            ax.scatter(part[f"rank {name}"], ypos, marker=marker, color=color, s=24, label=f"{name} episode", zorder=3)
        ax.set_xlim(0.5, max(part["episodes"].max(), 2) + 0.5)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=6))
        ax.set_title(
            f"streaks ≥ {length} sessions ({int(part['episodes'].iloc[0])} episodes)",
            fontsize=plt.rcParams["axes.labelsize"],
            fontweight="normal",
        )
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_yticks(ypos, [f"{f}, {st}" for f, st in zip(part["feature_set"], part["standardisation"])])
    axes[0].invert_yaxis()
    fig.supxlabel(
        "rank of the episode among all episodes of the table by distance to the current streak (1 = nearest)",
        fontsize=plt.rcParams["axes.labelsize"],
    )
    title = (
        f"Rank of the {want} episode (green circles) and the {other} episode (blue squares) by distance to the current streak, {len(grid)} variants\n"
        f"{want} nearer than {other} in {100 * s.share_nearer:.0f}% of the variants; the nearest episode is {s.nearest} in {100 * s.share_nearest:.0f}%"
    )
    definition = (
        f"distance from the {page.small} > {page.large} streak in force at {day(page.ctx.session)} over each feature set "
        "(standardized across the episodes of the table; features an episode lacks left out and the rest rescaled); "
        "episodes = streaks of at least the panel's length to as_of plus the named ones"
    )
    large = page.ctx.prices(page.large).loc[: page.ctx.session]
    plots.finish_figure(
        fig,
        None,
        title=title,
        xlabel=None,
        ylabel=None,
        source=plots.source_note(page.ctx.returns_at, large, definition=definition),
    )
    plots.save_figure(fig, "03_resemblance_ranks", run_name)
    plt.show()
    return Shown()


def after_1987_figure(h: History, run_name: str) -> Shown:
    """``03_after_1987``: both indexes rebased at the crash close over the claim's period, the base of every reading dashed."""
    claim = h.claim("lead_after_event")
    j = evaluate.evaluate(h.ctx, claim["id"]) if claim else None
    crash = measures.crash_session(h.ctx, str(base.params(claim)["crash_month"]))[0] if claim else None
    if j is None or crash is None or j.measurement.status is not None:
        return Shown(
            (
                "The years after the crash are not measured at this date or with these series (see the section above); no figure.",
            )
        )
    common = (
        pd.concat([h.small_px.rename("small"), h.large_px.rename("large")], axis=1, join="inner")
        .dropna()
        .loc[: h.session]
    )
    first, last = parse_period(claim["about"]["period"])
    part = common.loc[first:last]
    part.attrs = dict(h.returns.attrs)
    rebased = 100 * part / part.loc[crash]
    registered = measures.base_session(base.params(claim), crash, common.index)[0]
    bases = {registered: ["registered"]}
    for alt in claim.get("alternatives", []):
        when = measures.base_session(base.params(evaluate.with_alternative(claim, alt)), crash, common.index)[0]
        if when != registered:
            bases.setdefault(when, []).append(alt["label"])
    fig, ax = plt.subplots(figsize=plots.report_figsize(panel_height=3.8))
    ax.plot(rebased.index, rebased["small"], color=plots.SMALL_COLOR, lw=1.8, label=h.small_px.attrs["description"])
    ax.plot(rebased.index, rebased["large"], color=plots.LARGE_COLOR, lw=1.8, label=h.large_px.attrs["description"])
    colors = ("black", plots.PALETTE[3], plots.PALETTE[4], plots.PALETTE[2], plots.SPREAD_COLOR)
    for (when, names), color in zip(sorted(bases.items()), colors):
        ax.axvline(
            when, color=color, lw=1.1, ls="--", label=textwrap.fill(f"base {day(when)}: " + "; ".join(names), 40)
        )
    ax.axhline(100, color="black", lw=0.6)
    plots.place_legend(ax, loc="upper left")
    years = ", ".join(str(y) for y in base.params(claim).get("horizons_years", []))
    plots.finish_figure(
        fig, ax,
        title=f"{h.page.small.upper()} and {h.page.large.upper()} after the crash of {day(crash)}, rebased to 100 at the crash close",
        xlabel="date", ylabel="close, crash close = 100",
        source=plots.source_note(part, definition=f"daily {returns_words(h.page.small, h.page.large, closes=True)}, common calendar, the claim's period {claim['about']['period']}; dashed lines: the base closes of the registered choice and its alternatives (registered horizons from each base: {years} years)"),
    )  # fmt: skip
    plots.save_figure(fig, "03_after_1987", run_name)
    plt.show()
    return Shown()


def smb_streaks_figure(h: History, run_name: str) -> Shown:
    """``03_smb_streaks``: the longest SMB > 0 streak per year beside the index pair's longest streak per year."""
    proxy = smb_streaks(h)
    if proxy is None:
        return Shown(("SMB proxy not available: no figure.",))
    runs, smb = proxy.runs, proxy.smb
    yearly = runs.groupby(runs["end"].dt.year)["sessions"].max()
    yearly = yearly.reindex(range(yearly.index.min(), yearly.index.max() + 1), fill_value=0)
    yearly_idx = h.table.groupby(h.table["end"].dt.year)["sessions"].max()
    small, large = h.page.small.upper(), h.page.large.upper()
    fig, ax = plt.subplots(figsize=plots.report_figsize(panel_height=3.8))
    ax.bar(
        yearly.index,
        yearly.values,
        color=plots.SPREAD_COLOR,
        width=0.85,
        label="longest SMB > 0 streak in the year (proxy)",
    )
    ax.plot(
        yearly_idx.index,
        yearly_idx.values,
        color=plots.SMALL_COLOR,
        lw=1.8,
        marker="o",
        ms=3,
        label=f"longest {small} > {large} streak in the year",
    )
    ax.axhline(
        proxy.claimed_length, color="black", ls="--", lw=1, label=f"article's streak length ({proxy.claimed_length})"
    )
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax,
        title=f"Longest small-cap streak per year since {smb.index[0].year}: SMB proxy and the index pair",
        xlabel="year (streak end)", ylabel="streak length (days / sessions)",
        source=plots.source_note(smb, definition=f"SMB = Fama-French small minus big, daily; streak = consecutive days with SMB > 0; {proxy.agreement_text}", extra=f"index pair: {h.returns.attrs['small_source']}; {h.returns.attrs['large_source']}"),
    )  # fmt: skip
    plots.save_figure(fig, "03_smb_streaks", run_name)
    plt.show()
    return Shown()


__all__ = [
    "History",
    "Shown",
    "SmbStreaks",
    "after_1987_figure",
    "after_as_of",
    "episode_paths_figure",
    "episode_table",
    "feature_heatmap_figure",
    "flat_score_limits",
    "features",
    "followed",
    "grid_rule",
    "grid_tables",
    "judgement",
    "named_episodes",
    "open_history",
    "resemblance",
    "resemblance_caveats",
    "resemblance_detail",
    "resemblance_ranks_figure",
    "smb_proxy",
    "smb_streaks",
    "smb_streaks_figure",
]
