"""What notebook 04_mean_reversion shows: what followed earlier streaks, how rare a streak this long is
(in plain words and as a statistical anomaly), whether a streak predicts its own continuation, the odds
at ``as_of``, the path through the first half of 2026, four figures and what came after ``as_of``.

Definitions (as ``rotation.analytics.forward``, ``rarity`` and ``nulls``): daily price returns, close
to close, on the common calendar of the two series; a win is a session with small-cap return strictly
above large-cap return; forward returns over h sessions run from the close of the base session to the
close h sessions later. Everything but the path and ``after_as_of`` uses data up to ``as_of`` only.
The rarity tables, figure and verdict read one block bootstrap (``measures.odds.rarity_fit`` with the
rarity claim's settings), so the notebook never shows two estimates of one probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image

from rotation.analytics import forward, nulls, rarity, streaks
from rotation.claims import evaluate
from rotation.claims.measures import odds as measures
from rotation.core.errors import DataError
from rotation.core.fmt import day, pct
from rotation.outputs import plots
from rotation.studies.history import Shown
from rotation.studies.page import Page, series_text

NULL_NAMES = {"iid": "iid days", "markov": "Markov chain", "bootstrap": "block bootstrap"}


@dataclass(frozen=True)
class Odds:
    """The settings and the win/loss history notebook 04 works with (sessions up to ``as_of``).

    ``lengths``: episode lengths L (the parameter's plus the claimed streak); ``fit``: the one rarity
    simulation (the rarity claim's ``n_sims``, ``block_length`` and ``seed``; the notebook's when the
    claims file has no rarity claim); ``rng_iid``: the stream of the continuation simulation.
    """

    page: Page
    claimed_streak: int
    lengths: list
    horizons: list
    odds_horizons: list
    anchor: str
    level: float
    n_sims: int
    max_hazard_length: int
    seed: int
    fit: measures.RarityFit
    rng_iid: np.random.Generator
    intro: Shown

    @property
    def history(self) -> pd.DataFrame:
        return self.page.ctx.returns_at

    @property
    def spread(self) -> pd.Series:
        return streaks.daily_spread(self.history)

    @property
    def wins(self) -> np.ndarray:
        return self.fit.wins

    @property
    def n_days(self) -> int:
        return self.fit.n

    @property
    def session(self) -> pd.Timestamp:
        return self.page.ctx.session

    @property
    def rare_words(self) -> str:
        """The words the rarity claim judges (its ``part`` of the sentence; 'exceedingly rare' without one)."""
        return str(self.page.claim("streak_rarity").get("part") or "exceedingly rare")

    @property
    def rare_threshold(self) -> float:
        """The rarity claim's reading of 'exceedingly rare' (a probability; 0.05 without a claim)."""
        return float(self.page.claim("streak_rarity").get("claimed", 0.05))


def open_odds(
    page: Page,
    *,
    claimed_streak: int = 0,
    min_streaks: Sequence[int] = (8,),
    horizons: Sequence[int] = (5, 21, 63, 126, 252),
    anchor: str = "streak_end",
    odds_horizons: Sequence[int] = (21, 63, 126),
    level: float = 0.95,
    n_sims: int = 10000,
    sequence_block_length: int = 21,
    max_hazard_length: int = 12,
    seed: int = 20260121,
) -> Odds:
    """Resolve the parameters against the claims file, fit the nulls and run the one rarity simulation."""
    ctx = page.ctx
    claim = page.claim("streak_rarity")
    defaults = {
        "length": claimed_streak or max(min_streaks),
        "n_sims": n_sims,
        "block_length": sequence_block_length,
        "seed": seed,
    }
    settings = {**defaults, **(measures.rarity_settings(claim) if claim else {})}
    length = int(claimed_streak or settings["length"])
    settings["length"] = length
    fit = measures.rarity_fit(ctx, **settings)
    lengths = sorted({int(x) for x in min_streaks} | {length})
    history = ctx.returns_at
    small_px, large_px = ctx.prices(page.small), ctx.prices(page.large)
    intro = (
        f"**Data.** {series_text(small_px)}. "
        f"{series_text(large_px)}.\n\n"
        f"**Run.** {ctx.describe()}.\n\n"
        f"**Sample.** {fit.n:,} sessions with a return, {day(history.index[0])} to {day(ctx.session)} (history up to as_of). "
        f"**as_of.** {ctx.as_of_note}. Episode lengths L: {', '.join(map(str, lengths))} sessions "
        f"(claimed streak: {length}). Horizons: {', '.join(map(str, sorted(set(horizons))))} sessions."
    )
    rng_iid = np.random.default_rng(seed).spawn(2)[0]
    return Odds(
        page, length, lengths, sorted({int(x) for x in horizons}), sorted({int(x) for x in odds_horizons}), anchor,
        float(level), int(n_sims), int(max_hazard_length), int(seed), fit, rng_iid,
        Shown((page.claims_intro().data, intro)),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 1 · What followed earlier streaks


def streak_episodes(o: Odds, length: int, anchor: str) -> pd.DataFrame:
    """Every streak that reached ``length`` sessions before ``as_of``, based on ``anchor``."""
    return forward.streak_episodes(o.spread, int(length), anchor)


def summary_table(o: Odds, summary: pd.DataFrame) -> pd.DataFrame:
    """Display version of ``forward.horizon_summary`` (percent, counts, raw and adjusted p-values)."""
    small, large, level = o.page.small, o.page.large, o.level
    return pd.DataFrame(
        {
            "episodes (complete)": summary["episodes"], "independent": summary["independent"],
            "small ahead": summary["small_ahead"], "share (%)": 100 * summary["share"],
            f"{level:.0%} CI low (%)": 100 * summary["ci_low"], f"{level:.0%} CI high (%)": 100 * summary["ci_high"],
            "mean relative (%)": 100 * summary["mean"], "median relative (%)": 100 * summary["median"],
            f"mean {small} (%)": 100 * summary["mean_small"], f"mean {large} (%)": 100 * summary["mean_large"],
            "base rate share (%)": 100 * summary["base_share"], "base mean relative (%)": 100 * summary["base_mean"],
            "p vs base": summary["p_vs_base"], "Holm p": summary["p_holm"], "BH p": summary["p_bh"],
        }
    ).rename_axis("horizon (sessions)").round(3)  # fmt: skip


def forward_tables(o: Odds) -> Shown:
    """Per length L and base convention (the ``anchor`` parameter's first): the forward summary table."""
    parts: list = []
    for L in o.lengths:
        ends = streak_episodes(o, L, "streak_end")
        ongoing = int(ends["ongoing"].sum())
        running = (
            f" ({ongoing} still running at as_of: no first losing session and no forward window)" if ongoing else ""
        )
        parts.append(f"### Streaks of at least {L} sessions: {len(ends)} before as_of{running}")
        for a in sorted(forward.ANCHORS, key=lambda name: name != o.anchor):
            summary = forward.horizon_summary(o.history, streak_episodes(o, L, a), o.horizons, o.level)
            parts += [f"Base **{a}**: {forward.ANCHOR_TEXT[a]}.", summary_table(o, summary)]
    return Shown(tuple(parts))


def episode_list(o: Odds) -> pd.DataFrame:
    """The episodes of the shortest L with their forward relative returns (percent; blank past ``as_of``)."""
    eps = streak_episodes(o, o.lengths[0], o.anchor)
    fwd = forward.episode_forward(o.history, eps, o.horizons)
    wide = fwd.pivot_table(index="anchor_pos", columns="horizon", values="relative") * 100
    wide.columns = [f"{h} sessions (%)" for h in wide.columns]
    out = eps.join(wide, on="anchor_pos").drop(columns=["anchor_pos", "ongoing"])
    for col in ("start", "end", "reach", "anchor"):
        out[col] = out[col].dt.date
    out.index = range(1, len(out) + 1)
    return out.round(2)


def regressions(o: Odds) -> Shown:
    """Newey-West regressions of the forward relative return on the streak length in force, per horizon."""
    rows, notes = [], []
    for h in o.horizons:
        try:
            rows.append(forward.streak_regression(o.history, h))
        except DataError as exc:
            notes.append(f"{exc} before as_of (the history from {day(o.history.index[0])} is too short)")
    parts: list = ["Not estimated: " + "; ".join(notes) + "."] if notes else []
    if rows:
        r = pd.DataFrame([asdict(row) for row in rows]).set_index("horizon")
        table = pd.DataFrame(
            {
                "sessions used": r["n"], "HAC lags": r["maxlags"], "slope (bp per streak session)": r["slope"] * 1e4,
                "HAC s.e. (bp)": r["se_hac"] * 1e4, "HAC t": r["t_hac"], "HAC p": r["p_hac"],
                "plain OLS s.e. (bp)": r["se_ols"] * 1e4, "plain OLS t": r["t_ols"],
            }
        ).rename_axis("horizon (sessions)").round(3)  # fmt: skip
        parts.append(table)
    return Shown(tuple(parts))


def fan_chart_figure(o: Odds, run_name: str) -> Shown:
    """``04_fan_chart``: relative return after each episode's base, per L, with the episodes' quantile bands."""
    h_max = max(o.horizons)
    fig, axes = plt.subplots(
        len(o.lengths), 1, figsize=plots.report_figsize(len(o.lengths), panel_height=2.9), sharex=True, squeeze=False
    )
    for ax, L in zip(axes[:, 0], o.lengths):
        ep = streak_episodes(o, L, o.anchor)
        paths = (
            forward.forward_paths(o.history, ep["anchor_pos"].to_numpy(), h_max) * 100 if len(ep) else pd.DataFrame()
        )
        paths = paths.loc[:, paths.notna().sum() > 1] if len(paths.columns) else paths
        for col in paths.columns:
            ax.plot(paths.index, paths[col], color=plots.SPREAD_COLOR, lw=0.7, alpha=0.35)
        if len(paths.columns):
            avail = paths.notna().sum(axis=1)
            if (avail >= 3).any():  # bands need at least 3 episodes; only drawn bands enter the legend
                q = paths.quantile([0.1, 0.25, 0.5, 0.75, 0.9], axis=1).T.where(avail >= 3)
                ax.fill_between(
                    q.index, q[0.1], q[0.9], color=plots.SMALL_COLOR, alpha=0.12, lw=0, label="10-90% of episodes"
                )
                ax.fill_between(
                    q.index, q[0.25], q[0.75], color=plots.SMALL_COLOR, alpha=0.25, lw=0, label="25-75% of episodes"
                )
            ax.plot(
                paths.index,
                paths.median(axis=1).where(avail >= 1),
                color=plots.SMALL_COLOR,
                lw=2,
                label="median of episodes",
            )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(
            f"streaks of at least {L} sessions ({len(paths.columns)} with data after)",
            fontsize=plt.rcParams["axes.labelsize"],
            fontweight="normal",
        )
        if len(paths.columns):
            plots.place_legend(ax, loc="lower left")
        else:  # say what cannot be shown and why, instead of an empty frame
            ax.text(0.5, 0.5, f"no streak of at least {L} sessions\nwith sessions after it before as_of", transform=ax.transAxes,
                    ha="center", va="center", fontsize=plt.rcParams["axes.labelsize"], color="#555555")  # fmt: skip
    axes[-1][0].set_xlabel(f"sessions after the base close ({o.anchor})")
    fig.supylabel("cumulative return, small minus large (%)", fontsize=plt.rcParams["axes.labelsize"])
    definition = o.page.returns_definition(
        f"; relative return = small minus large cumulative return; base: {forward.ANCHOR_TEXT[o.anchor]}; bands "
        "need at least 3 episodes; episodes with a window reaching past as_of are cut at as_of"
    )
    plots.finish_figure(
        fig, None, title=f"{o.page.small.upper()} minus {o.page.large.upper()} after long streaks (faint lines: individual episodes)",
        xlabel=None, ylabel=None, source=plots.source_note(o.history, definition=definition),
    )  # fmt: skip
    plots.save_figure(fig, "04_fan_chart", run_name)
    plt.show()
    return Shown()


# ---------------------------------------------------------------------------------------------
# 2 · How rare is a streak this long?


def null_choice_text(
    p_by_null: pd.Series, threshold: float, names: Mapping[str, str] = NULL_NAMES, words: str = "exceedingly rare"
) -> str:
    """Whether the choice of null decides the rarity verdict: every null on one side of ``threshold``, or not.

    ``p_by_null``: P(some streak of at least L in the sample) per null (index: null keys).
    """
    lowest = p_by_null.idxmin()
    head = (
        f"Under the {len(p_by_null)} nulls the probability of at least one such streak ranges from {p_by_null.min():.3f} "
        f"({names.get(lowest, lowest)}) to {p_by_null.max():.3f}; the registry reads '{words}' as below {threshold:.0%}, and "
    )
    if p_by_null.min() > threshold:
        return head + "every null is above that reading, so the choice of null does not decide the verdict."
    if p_by_null.max() <= threshold:
        return head + "every null is at or below that reading, so the choice of null does not decide the verdict."
    return (
        head
        + "the nulls disagree about it: the verdict uses the Markov chain, and the sensitivity table shows the others."
    )


def longest_table(o: Odds) -> pd.DataFrame:
    """``rarity.longest_streak_table`` on the one bootstrap: P(some streak >= L), of the record, of either index, quantiles."""
    return rarity.longest_streak_table(o.wins, o.fit.boot, o.claimed_streak, int(nulls.longest_run(o.wins)))


def rarity_section(o: Odds) -> Shown:
    """The win/loss sequence, the Markov fit, the runs test, the longest streak, and P(longest >= L) per null."""
    wins, fit, L = o.wins, o.fit, o.claimed_streak
    chain, runs = fit.chain, nulls.runs_test(wins)
    table_all = streaks.outperformance_streaks(o.history)
    longest = int(nulls.longest_run(wins))
    records = table_all[table_all["sessions"] == longest]
    text = (
        f"**Win/loss sequence.** {o.n_days:,} sessions, {runs['wins']:,} wins (share {pct(fit.p, signed=False)}). "
        f"Markov fit: P(win | loss yesterday) = {chain.p01:.4f} (s.e. {chain.se01:.4f}), "
        f"P(win | win yesterday) = {chain.p11:.4f} (s.e. {chain.se11:.4f}); likelihood-ratio test against iid days: "
        f"statistic {chain.lr_stat:.2f}, p = {chain.lr_p:.3f}.\n\n"
        f"**Wald-Wolfowitz runs test.** {runs['runs']:,} runs against {runs['expected']:,.1f} expected under independence "
        f"(s.d. {runs['sd']:.1f}): z = {runs['z']:.2f}, two-sided p = {runs['p']:.3f} (negative z: fewer runs, i.e. streakier than chance).\n\n"
        f"**Longest streak observed** up to as_of: **{longest} sessions** ("
        + ", ".join(f"{day(r.start)} to {day(r.end)}" for r in records.itertuples())
        + f"). iid and Markov: exact. Bootstrap: {fit.n_sims:,} replications of {fit.block_length}-session blocks, seed {fit.seed} "
        "(the rarity claim's settings: the same simulation as its verdict)."
    )
    lt = longest_table(o)
    names = {**NULL_NAMES, "bootstrap": f"block bootstrap ({fit.block_length} sessions)"}
    shown = pd.DataFrame(
        {
            "method": lt["method"],
            f"P(streak >= {L})": lt["p_length"].astype(float), "MC s.e.": lt["se_length"].astype(float),
            f"P(streak >= {longest}, the record)": lt["p_record"].astype(float), "MC s.e. (record)": lt["se_record"].astype(float),
            f"P(either index >= {L})": lt["p_either"].astype(float), "MC s.e. (either)": lt["se_either"].astype(float),
            "longest: median": lt["median"], "longest: 5%": lt["q05"], "longest: 95%": lt["q95"],
        }
    ).rename(index=names).rename_axis("null model")  # fmt: skip
    decide = null_choice_text(lt["p_length"].astype(float), o.rare_threshold, names, o.rare_words)
    note = " MC s.e.: Monte Carlo standard error of a simulated probability (0: exact)."
    return Shown((text, decide + note, shown.round(4)))


def framings(o: Odds) -> Shown:
    """Both framings (given its start; in the sample) under each null, from the one simulation."""
    f, L = o.fit.table, o.claimed_streak
    text = (
        f"P(streak of at least {L} sessions), {o.n_days:,} sessions {day(o.history.index[0])} to {day(o.session)}. "
        f"*Given its start*: iid p^(L-1) with p the win share, Markov p11^(L-1), bootstrap: the share of win runs in the resampled "
        f"sequences that reach L. *In the sample*: P(longest streak in {o.n_days:,} sessions >= L); exact for iid and Markov, "
        f"simulated ({o.fit.n_sims:,} replications, Monte Carlo s.e. shown) for the bootstrap. Registry reading of '{o.rare_words}': "
        f"below {o.rare_threshold:.0%}."
    )
    table = pd.DataFrame(
        {
            f"given its start: P(a streak reaches {L})": f["given_start"].to_numpy(dtype=float),
            f"in the sample: P(some streak >= {L})": f["sample"].to_numpy(dtype=float),
            "Monte Carlo s.e. (sample)": f["mc_se"].to_numpy(dtype=float),
            "method": f["method"].to_numpy(),
        },
        index=pd.Index([rarity.NULLS[n] for n in f.index], name="null model"),
    )
    return Shown((text, table.round(6)))


def count_lengths(o: Odds) -> list[int]:
    """The lengths L of the counts table: from L-5 to the bootstrap's top length, plus the episode lengths."""
    return sorted(set(range(max(2, o.claimed_streak - 5), o.fit.max_length + 1)) | set(o.lengths))


def counts(o: Odds) -> pd.DataFrame:
    """Observed streaks of at least L sessions against each null's expected number."""
    observed = streaks.outperformance_streaks(o.history)["sessions"].to_numpy()
    chain = o.fit.chain
    table = rarity.counts_by_length(
        observed, o.n_days, count_lengths(o), o.fit.p, chain.p01, chain.p11, o.fit.boot["counts"], o.fit.n_sims
    )
    return table.rename_axis("L (sessions): streaks of at least L").round(2)


def length_grid(o: Odds) -> pd.DataFrame:
    """Per length L: observed streaks and the iid and Markov probabilities (``rarity.length_grid``)."""
    longest = int(nulls.longest_run(o.wins))
    grid = sorted(set(range(max(2, o.claimed_streak - 5), max(o.claimed_streak, longest) + 3)) | set(o.lengths))
    table = rarity.length_grid(o.wins, streaks.outperformance_streaks(o.history)["sessions"], grid)
    names = {
        "observed": "observed streaks >= L", "iid_p_any": "iid: P(at least one)", "markov_p_any": "Markov: P(at least one)",
        "iid_expected": "iid: expected number (approx.)", "iid_reach": "P(a given streak reaches L), iid",
    }  # fmt: skip
    return table.rename(columns=names).rename_axis("L (sessions)").round(4)


def longest_streak_figure(o: Odds, run_name: str) -> Shown:
    """``04_longest_streak_nulls``: the distribution of the longest streak in the sample under each null."""
    pmfs = rarity.longest_streak_pmfs(o.wins, o.fit.boot)
    lt = longest_table(o)
    observed, L = int(nulls.longest_run(o.wins)), o.claimed_streak
    names = {**NULL_NAMES, "bootstrap": f"block bootstrap ({o.fit.block_length} sessions)"}
    fig, axes = plt.subplots(
        len(pmfs), 1, figsize=plots.report_figsize(len(pmfs), panel_height=2.3), sharex=True, sharey=True
    )
    shown = {name: pmf[pmf > 1e-4] for name, pmf in pmfs.items()}  # lengths with at least 1 in 10,000
    low = int(min(pmf.index.min() for pmf in shown.values()))
    top = int(max(max(pmf.index.max() for pmf in shown.values()), observed)) + 1
    for ax, (key, pmf), color in zip(axes, shown.items(), [plots.LARGE_COLOR, plots.PALETTE[2], plots.PALETTE[3]]):
        ax.bar(pmf.index, pmf.to_numpy(), width=1.0, color=color, alpha=0.8)
        ax.axvline(observed, color=plots.SMALL_COLOR, lw=2, label=f"observed longest: {observed}")
        ax.axvline(L, color="black", lw=1.2, ls="--", label=f"claimed streak: {L}")
        row = lt.loc[key]
        how = "exact" if row["method"] == "exact" else f"{o.fit.n_sims:,} replications, MC s.e. {row['se_length']:.3f}"
        ax.set_title(
            f"{names[key]} ({how}): P(longest >= {L}) = {row['p_length']:.2f}",
            fontsize=plt.rcParams["axes.labelsize"],
            fontweight="normal",
        )
        ax.set_ylabel("probability")
        ax.set_xlim(low - 1.5, top + 0.5)
        plots.place_legend(ax, loc="upper right")
    axes[-1].set_xlabel("longest streak in the sample (sessions)")
    axes[-1].xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    definition = (
        f"win = daily spread of {o.page.returns_words(short=True)} > 0; nulls fitted to the sessions up to as_of; "
        f"iid and Markov exact, bootstrap simulated (seed {o.fit.seed})"
    )
    plots.finish_figure(
        fig, None, title=f"Longest {o.page.small.upper()} > {o.page.large.upper()} streak in {o.n_days:,} sessions under each null",
        xlabel=None, ylabel=None, source=plots.source_note(o.history, definition=definition),
    )  # fmt: skip
    plots.save_figure(fig, "04_longest_streak_nulls", run_name)
    plt.show()
    return Shown()


def plain_rarity(page: Page) -> Shown:
    """The plain-words reading of 'exceedingly rare': the streaks that long and how often they came (``streak_frequency``)."""
    claim = page.claim("streak_frequency")
    if not claim:
        return Shown(("The claims file gives this notebook no `streak_frequency` claim.",))
    j = evaluate.evaluate(page.ctx, claim["id"])
    m = j.measurement
    if m.status is not None:
        return Shown((f"**{j.label}**: {m.reason}",))
    words = f" (the words: '{claim['part']}')" if claim.get("part") else ""
    text = (
        f"**{j.label}**{words}. {m.detail}: {m.value:.2f} per decade against the reading 'at most {float(claim['claimed']):g} per decade'."
        f"\n\n*Definition:* {m.definition}."
    )
    return Shown((text, m.evidence))


# ---------------------------------------------------------------------------------------------
# 3 · Does a streak predict its own continuation?


@dataclass(frozen=True)
class Hazard:
    """Observed continuation shares (``nulls.continuation_hazard``) and the iid null's bands, for exactly j and at least j."""

    p_win: float
    observed: dict
    bands: dict
    simulated: dict


HAZARD_NAMES = {False: "exactly j", True: "at least j"}


def hazard(o: Odds) -> Hazard:
    """Continuation by streak length against ``n_sims`` simulated iid samples of the same size (memoized on the context)."""

    def compute() -> Hazard:
        p_win = float(o.wins.mean())
        observed = {
            k: nulls.continuation_hazard(o.wins, o.max_hazard_length, o.level, at_least=k) for k in (False, True)
        }
        sim = nulls.iid_hazard_counts(p_win, o.n_days, o.n_sims, o.rng_iid, o.max_hazard_length)
        bands = {
            False: nulls.hazard_null(sim["at"], sim["continued"], (0.05, 0.95)),
            True: nulls.hazard_null(sim["at_ge"], sim["continued_ge"], (0.05, 0.95)),
        }
        return Hazard(p_win, observed, bands, sim)

    key = ("hazard", o.page.small, o.page.large, str(o.session), o.n_sims, o.max_hazard_length, o.level, o.seed)
    return o.page.ctx.memo(key, compute)


def hazard_section(o: Odds) -> Shown:
    """The hazard table (observed share, exact interval, null mean and band) and what lies outside the band."""
    hz, level = hazard(o), o.level
    table = pd.concat(
        {
            HAZARD_NAMES[k]: pd.DataFrame(
                {
                    "sessions": hz.observed[k]["at"], "continued": hz.observed[k]["continued"],
                    "share (%)": 100 * hz.observed[k]["share"],
                    f"{level:.0%} CI low (%)": 100 * hz.observed[k]["ci_low"], f"{level:.0%} CI high (%)": 100 * hz.observed[k]["ci_high"],
                    "null mean (%)": 100 * hz.bands[k]["mean"], "null mean MC s.e. (pp)": 100 * hz.bands[k]["mean_se"],
                    "null 5% (%)": 100 * hz.bands[k]["lo"], "null 95% (%)": 100 * hz.bands[k]["hi"],
                }
            )
            for k in (False, True)
        },
        axis=1,
    ).rename_axis("streak length j (sessions)")  # fmt: skip
    lines = [
        f"Win probability used by the null: {pct(hz.p_win, signed=False)}; {o.n_sims:,} simulated samples of {o.n_days:,} sessions, seed {o.seed}."
    ]
    for k in (False, True):
        band, obs = hz.bands[k], hz.observed[k]
        gap = band["mean"] - hz.p_win
        at_key, cont_key = ("at_ge", "continued_ge") if k else ("at", "continued")
        count, p_global = nulls.band_exceedance_p(hz.simulated[at_key], hz.simulated[cont_key], band, obs["share"])
        outside = obs.index[(obs["share"] < band["lo"]) | (obs["share"] > band["hi"])].tolist()
        lines.append(
            f"* **{HAZARD_NAMES[k]}**: null mean minus win probability from {100 * gap.min():+.2f} to {100 * gap.max():+.2f} percentage points "
            f"(finite-sample bias plus simulation noise). Observed share outside the 5-95% band at j = "
            f"{', '.join(map(str, outside)) if outside else 'none'}; {p_global:.1%} of the iid replications have at least {count} of the "
            f"{o.max_hazard_length} lengths outside the same band (MC s.e. {100 * np.sqrt(p_global * (1 - p_global) / o.n_sims):.1f} pp; "
            f"a global check: the lengths are not independent)."
        )
    lines.append(
        "The *at least j* shares at neighbouring j reuse the same sessions (a 16-session streak counts at every j up to 15), "
        "so outliers at consecutive j are one finding driven by a few long streaks, not several. For both statistics, what "
        "limits the long lengths is how few sessions they have, which is what the width of the band shows."
    )
    return Shown(("\n".join(lines), table.round(2)))


def _count_label(x: int, n_at: float) -> str:
    n_text = str(int(n_at)) if n_at < 1000 else f"{n_at / 1000:.1f}k"
    return f"{x}\nn={n_text}"


def hazard_figure(o: Odds, run_name: str) -> Shown:
    """``04_continuation_hazard``: observed continuation shares against the iid null's band, two panels."""
    hz, level = hazard(o), o.level
    fig, axes = plt.subplots(2, 1, figsize=plots.report_figsize(2, panel_height=3.1), sharey=True)
    for ax, k in zip(axes, (False, True)):
        obs, band = hz.observed[k], hz.bands[k]
        j = obs.index.to_numpy()
        ax.fill_between(
            j,
            100 * band["lo"],
            100 * band["hi"],
            color=plots.SPREAD_COLOR,
            alpha=0.3,
            lw=0,
            label="iid null, 5-95% of replications",
        )
        ax.plot(
            j, 100 * band["mean"], color=plots.SPREAD_COLOR, lw=1.5, ls="--", label="iid null, mean within-sample share"
        )
        ax.axhline(100 * hz.p_win, color="black", lw=0.8, ls=":", label=f"overall win share {100 * hz.p_win:.1f}%")
        ok = (obs["at"] > 0).to_numpy()
        err = [100 * (obs["share"] - obs["ci_low"])[ok], 100 * (obs["ci_high"] - obs["share"])[ok]]
        ax.errorbar(
            j[ok],
            100 * obs["share"][ok],
            yerr=err,
            fmt="o",
            color=plots.SMALL_COLOR,
            capsize=3,
            label=f"observed share ({level:.0%} exact interval)",
        )
        ax.set_xticks(
            j
        )  # the number of sessions behind each share sits under its length, so labels never overlap the points
        ax.set_xticklabels([_count_label(x, n_at) for x, n_at in zip(j, obs["at"])], fontsize=7)
        ax.set_ylim(-2, 102)
        ax.set_ylabel("share followed by another win (%)")
        ax.set_title(
            f"after a streak of {HAZARD_NAMES[k]} sessions",
            fontsize=plt.rcParams["axes.labelsize"],
            fontweight="normal",
        )
        ax.set_xlabel("streak length j (sessions); n = sessions with that streak in force")
    plots.place_legend(axes[0], loc="lower left")
    definition = f"win = daily spread of {o.page.returns_words(short=True)} > 0; null: {o.n_sims:,} iid samples of {o.n_days:,} sessions with the observed win share; seed {o.seed}"
    plots.finish_figure(
        fig, None, title=f"Chance that a {o.page.small.upper()} > {o.page.large.upper()} streak lasts one more session",
        xlabel=None, ylabel=None, source=plots.source_note(o.history, definition=definition),
    )  # fmt: skip
    plots.save_figure(fig, "04_continuation_hazard", run_name)
    plt.show()
    return Shown()


# ---------------------------------------------------------------------------------------------
# 4 · The odds at as_of


def odds_at_as_of(o: Odds) -> Shown:
    """Historical odds that small caps kept outperforming after streaks that reached today's length (and the shortest L)."""
    current = o.page.ctx.streak
    k_now, level, first = int(current["sessions"]), o.level, o.lengths[0]
    conditions = ([k_now] if k_now else []) + [L for L in [first] if k_now > L or not k_now]
    rows = []
    for L in conditions:
        summary = forward.horizon_summary(o.history, streak_episodes(o, L, "as_of"), o.odds_horizons, o.level)
        for h, r in summary.iterrows():
            months = round(h / 21)
            rows.append(
                {
                    "condition": f"streak reached {L}" + (" (as at as_of)" if k_now == L else ""),
                    "horizon": f"{h} sessions (~{months} month{'s' if months != 1 else ''})",
                    "past episodes (independent)": int(r["independent"]),
                    "small caps ahead in": int(r["small_ahead"]),
                    "historical odds (%)": 100 * r["share"],
                    f"{level:.0%} interval (%)": "n/a" if not r["independent"] else f"{100 * r['ci_low']:.0f} to {100 * r['ci_high']:.0f}",
                    "median relative return (%)": 100 * r["median"],
                    "all-days base rate (%)": 100 * r["base_share"],
                    "p vs base": r["p_vs_base"], "Holm p": r["p_holm"], "BH p": r["p_bh"],
                }
            )  # fmt: skip
    head = (
        f" ({day(current['start'])} to {day(current['end'])})."
        if k_now
        else f" (small caps did not outperform that day). For reference, the odds after streaks that reached {first} sessions:"
    )
    lines = [f"At **{day(o.session)}** the streak in force is **{k_now} sessions**" + head]
    for r in rows:
        if r["condition"].startswith(f"streak reached {k_now}") or not k_now:
            n_ep = r["past episodes (independent)"]
            said = (
                f"small caps kept outperforming in **{r['small caps ahead in']} of {n_ep}** earlier episode(s) "
                f"({level:.0%} interval {r[f'{level:.0%} interval (%)']}%), against {r['all-days base rate (%)']:.0f}% of all sessions."
                if n_ep
                else "no earlier episode with a complete window: the history cannot say."
            )
            lines.append(f"* Over {r['horizon']}: " + said)
    return Shown(("\n".join(lines), pd.DataFrame(rows).round(3)))


# ---------------------------------------------------------------------------------------------
# 5 · Through the first half of 2026: the path


def first_half_path(page: Page, run_name: str) -> Shown:
    """The path claim's rule and measurement in words, its figure (``04_first_half_path``) and its month-end table."""
    claim = page.claim("relative_path_ahead")
    if not claim:
        return Shown(("The claims file assigns no claim of kind `relative_path_ahead` to this notebook.",))
    m = evaluate.evaluate(page.ctx, claim["id"]).measurement
    if m.status is not None:
        return Shown((f"**{m.status.value}**: {m.reason}.",))
    found = measures.relative_path(page.ctx, claim)
    path, months, small, large = found.path, found.month_ends, page.small, page.large
    fig, ax = plt.subplots()
    ax.plot(
        path.index,
        100 * path["relative"],
        color=plots.SMALL_COLOR,
        lw=1.6,
        label=f"{small} minus {large} cumulative return",
    )
    ax.fill_between(
        path.index,
        0,
        100 * path["relative"],
        where=path["relative"] > 0,
        color=plots.SMALL_COLOR,
        alpha=0.15,
        lw=0,
        label="small caps ahead",
    )
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(page.ctx.session, color="black", lw=1, ls="--", label=f"as_of {day(page.ctx.session)}")
    ax.plot(months.index, 100 * months["relative"], "o", color=plots.LARGE_COLOR, ms=4, label="month ends")
    plots.place_legend(ax, loc="upper left")
    plots.finish_figure(
        fig, ax, title=f"{small.upper()} minus {large.upper()} from the close of {day(path.index[0])}: ahead on {found.share:.0%} of sessions",
        xlabel="date (as_of marked)", ylabel="cumulative relative return (%)",
        source=plots.source_note(page.ctx.returns.loc[path.index[0] : path.index[-1]], definition=m.definition),
    )  # fmt: skip
    png = next(f for f in plots.save_figure(fig, "04_first_half_path", run_name, show=False) if f.suffix == ".png")
    image = Image(
        filename=str(png), width=round(fig.get_figwidth() * plt.rcParams["figure.dpi"])
    )  # as save_figure shows it
    plt.close(fig)
    table = pd.DataFrame(
        {
            "month": months["month"], f"{small} (%)": 100 * months["small"], f"{large} (%)": 100 * months["large"],
            "relative (%)": 100 * months["relative"], "month complete": months["complete"],
        }
    ).rename_axis("month-end session").round(2)  # fmt: skip
    text = f"**Rule (claims file).** {claim.get('rule', '')}\n\n**Measured.** {found.summary}."
    return Shown((text, image, table))


def path_readings(page: Page) -> Shown:
    """The path under every base the claims file lists (the registered one and its alternatives): share ahead and the end value."""
    claim = page.claim("relative_path_ahead")
    if not claim:
        return Shown()
    rows = []
    for label, variant in [("as registered", claim)] + [
        (a["label"], evaluate.with_alternative(claim, a)) for a in claim.get("alternatives", [])
    ]:
        found = measures.relative_path(page.ctx, variant)
        if isinstance(found, measures.RelativePath):
            rows.append(
                {"reading": label, "base close": found.base.date(), "end": found.end.date(), "sessions": found.n,
                 "ahead on": found.ahead, "share ahead (%)": 100 * found.share, "relative at the end (%)": 100 * found.final}
            )  # fmt: skip
    text = "**The path under each reading the claims file lists** (the sensitivity table below judges each):"
    return Shown((text, pd.DataFrame(rows).set_index("reading").round(2))) if rows else Shown()


def after_as_of(o: Odds) -> Shown:
    """With the data after ``as_of``: the relative return over the next sessions and how the streak in force ended."""
    returns, session = o.page.ctx.returns, o.session
    after = returns.loc[session:]
    if len(after) <= 1:
        return Shown(("The data end at as_of: nothing after it.",))
    h_max = min(len(after) - 1, max(o.horizons))
    rel = forward.forward_paths(returns, np.array([returns.index.get_loc(session)]), h_max).iloc[:, 0]
    text = (
        f"Data after as_of: {len(after) - 1:,} sessions (to {day(returns.index[-1])}). Over the first {h_max} of them "
        f"(to {day(after.index[h_max])}), {o.page.small} minus {o.page.large} = {pct(rel.iloc[-1])} (cumulative {o.page.returns_words(short=True)} from the close of {day(session)})."
    )
    current = o.page.ctx.streak
    if current["sessions"]:
        full = streaks.outperformance_streaks(returns)
        run = full[full["start"] == current["start"]].iloc[0]
        ended = (
            " and was still running."
            if run["ongoing"]
            else f"; its last winning session was {day(run['end'])}, and notebook 06 follows what came next."
        )
        text += f" The streak in force at as_of lasted {run['sessions']} sessions" + ended
    return Shown((text,))


__all__ = [
    "Hazard",
    "Odds",
    "after_as_of",
    "count_lengths",
    "counts",
    "episode_list",
    "fan_chart_figure",
    "first_half_path",
    "forward_tables",
    "framings",
    "hazard",
    "hazard_figure",
    "hazard_section",
    "length_grid",
    "longest_streak_figure",
    "longest_table",
    "null_choice_text",
    "odds_at_as_of",
    "open_odds",
    "path_readings",
    "plain_rarity",
    "rarity_section",
    "regressions",
    "streak_episodes",
    "summary_table",
]
