"""Claim kinds of notebook 04: how rare a streak is, and whether small caps stayed ahead over a period.

Definitions: daily price returns, close to close, on the common calendar of the two series; a
win is a session with small-cap return strictly above large-cap return (a tie is a loss).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation.analytics import aftermath, nulls, rarity, streaks
from rotation.claims.measures.base import Measurement, kind, not_verifiable, pair_context, params
from rotation.core.dates import parse_period
from rotation.core.errors import ParameterError
from rotation.core.fmt import day, pct

if TYPE_CHECKING:
    from rotation.claims.measuring import Context


@dataclass(frozen=True)
class RarityFit:
    """The null models of the win/loss days up to ``as_of`` and the one block bootstrap behind every rarity figure.

    ``wins``: win flags (small-cap return strictly above large-cap); ``chain``: ``nulls.fit_markov``;
    ``boot``: ``nulls.block_bootstrap_runs`` (``n_sims`` replications, blocks of ``block_length``
    sessions, ``np.random.default_rng(seed)``, run lengths counted to ``max_length``); ``table``:
    ``rarity.rarity_table`` for ``length`` on that same bootstrap. The verdict and every table of
    notebook 04 read this one simulation, so they never show two estimates of one probability.
    """

    length: int
    n_sims: int
    block_length: int
    seed: int
    max_length: int
    spread: pd.Series
    wins: np.ndarray
    chain: nulls.MarkovFit
    boot: dict
    table: pd.DataFrame

    @property
    def n(self) -> int:
        """Sessions in the sample."""
        return int(self.wins.size)

    @property
    def p(self) -> float:
        """Win share of the sample."""
        return float(self.wins.mean())


def rarity_fit(ctx: Context, length: int, n_sims: int, block_length: int, seed: int) -> RarityFit:
    """The nulls fitted to the sessions up to ``as_of`` and one block bootstrap (memoized on the context).

    The bootstrap counts run lengths up to ``max(longest observed streak, length) + 2`` so that the
    record and the claimed length share one simulation.
    """
    key = (
        "rarity_fit",
        ctx.small,
        ctx.large,
        str(ctx.session),
        str(ctx.end),
        int(length),
        int(n_sims),
        int(block_length),
        int(seed),
    )

    def compute() -> RarityFit:
        spread = ctx.returns_at["small"] - ctx.returns_at["large"]
        wins = nulls.win_flags(spread)
        top = int(max(nulls.longest_run(wins), int(length))) + 2
        boot = nulls.block_bootstrap_runs(
            spread, int(n_sims), int(block_length), np.random.default_rng(int(seed)), max_length=top
        )
        table = rarity.rarity_table(wins, spread, int(length), int(n_sims), int(block_length), None, boot=boot)
        return RarityFit(
            int(length),
            int(n_sims),
            int(block_length),
            int(seed),
            top,
            spread,
            wins,
            nulls.fit_markov(wins),
            boot,
            table,
        )

    return ctx.memo(key, compute)


def rarity_settings(claim: Mapping) -> dict:
    """The simulation settings of a ``streak_rarity`` claim: ``length``, ``n_sims``, ``block_length``, ``seed``."""
    p = params(claim)
    return {
        "length": int(p["length"]),
        "n_sims": int(p.get("n_sims", 2000)),
        "block_length": int(p.get("block_length", 21)),
        "seed": int(p.get("seed", 20260121)),
    }


@kind("streak_rarity")
def streak_rarity(ctx: Context, claim: Mapping) -> Measurement:
    """Probability of a streak of at least ``params.length`` sessions under ``params.model`` and ``params.framing``.

    ``params``: ``length`` (sessions), ``model`` (the null: ``iid`` | ``markov`` | ``bootstrap``),
    ``framing`` (``sample``: some streak that long in a sample as long as the history up to
    ``as_of``; ``given_start``: a streak, once begun, reaching that length), ``n_sims``,
    ``block_length`` and ``seed`` (the bootstrap's simulation), ``min_sessions`` (shorter histories
    before ``as_of`` are not verifiable). Evidence: every null x framing.
    """
    ctx = pair_context(ctx, claim)
    p = params(claim)
    length = int(p["length"])
    null, framing = str(p.get("model", "markov")), str(p.get("framing", "sample"))
    if null not in rarity.NULLS or framing not in rarity.FRAMINGS:
        raise ParameterError(
            f"streak_rarity: params.model must be one of {sorted(rarity.NULLS)} and framing one of {sorted(rarity.FRAMINGS)}"
        )
    returns = ctx.returns_at
    if len(returns) < int(p.get("min_sessions", 250)):
        return not_verifiable(
            f"needs at least {int(p.get('min_sessions', 250))} sessions of {ctx.small} and {ctx.large} before as_of; "
            f"the data hold {len(returns)} ({returns.index[0].date()} to {ctx.session.date()})"
        )
    result = rarity_fit(ctx, **rarity_settings(claim))
    table = result.table
    fit = {"n": result.n, "p": result.p, **asdict(result.chain)}
    value = float(table.loc[null, framing])
    others = "; ".join(
        f"{n}: given its start {float(r['given_start']):.2g}, in the sample {float(r['sample']):.3f}"
        for n, r in table.iterrows()
    )
    n_txt = f"{fit['n']:,} sessions {day(returns.index[0])} to {day(ctx.session)}"
    definition = (
        f"P({rarity.FRAMINGS[framing].replace('L sessions', f'{length} sessions').replace('n sessions', n_txt)}) under "
        f"{rarity.NULLS[null]} fitted to the {ctx.small} > {ctx.large} win/loss days up to as_of "
        f"(win share {fit['p']:.4f}; Markov p01 {fit['p01']:.4f}, p11 {fit['p11']:.4f})"
    )
    evidence = table.assign(given_start=table["given_start"].astype(float), sample=table["sample"].astype(float))
    return Measurement(
        value=value,
        unit="probability",
        window=(returns.index[0], ctx.session),
        definition=definition,
        detail=f"streak of at least {length} sessions; {others}; {runs_test_text(result.wins)}",
        evidence=evidence,
    )


def runs_test_text(wins: np.ndarray) -> str:
    """The Wald-Wolfowitz runs test of the win/loss days in words (z and the two-sided p)."""
    runs = nulls.runs_test(wins)
    return (
        f"Wald-Wolfowitz runs test: {runs['runs']:,} runs against {runs['expected']:,.1f} expected under independent days, "
        f"z = {runs['z']:.2f}, two-sided p = {runs['p']:.2f}"
    )


@dataclass(frozen=True)
class StreakCount:
    """Streaks of at least ``length`` sessions in the history up to ``as_of``, and how often they came.

    ``streaks``: their rows (``start``, ``end``, ``sessions``; the streak in force at ``as_of``
    included once it has that many sessions); ``years``: the history's span in years (365.25-day
    years from the first to the last session); ``per_decade``: ``len(streaks) / years * 10``.
    """

    length: int
    streaks: pd.DataFrame
    years: float
    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def count(self) -> int:
        return len(self.streaks)

    @property
    def per_decade(self) -> float:
        return float(self.count / self.years * 10) if self.years > 0 else float("nan")


def streak_count(ctx: Context, length: int) -> StreakCount:
    """Every streak of at least ``length`` sessions up to ``as_of`` (``streaks.outperformance_streaks``)."""
    returns = ctx.returns_at
    table = streaks.outperformance_streaks(returns)
    long = table[table["sessions"] >= int(length)][["start", "end", "sessions"]].reset_index(drop=True)
    first, last = returns.index[0], ctx.session
    return StreakCount(int(length), long, float((last - first).days / 365.25), first, last)


@kind("streak_frequency")
def streak_frequency(ctx: Context, claim: Mapping) -> Measurement:
    """How often a streak of at least ``params.length`` sessions came: streaks per decade of history up to ``as_of``.

    The plain-words reading of "rare": the number of streaks of at least that length (the one in
    force at ``as_of`` counted when it has reached it) divided by the years of history, times ten.
    ``params``: ``length`` (sessions), ``min_sessions`` (shorter histories are not verifiable).
    """
    ctx = pair_context(ctx, claim)
    p = params(claim)
    returns = ctx.returns_at
    if len(returns) < int(p.get("min_sessions", 250)):
        return not_verifiable(
            f"needs at least {int(p.get('min_sessions', 250))} sessions of {ctx.small} and {ctx.large} before as_of; "
            f"the data hold {len(returns)} ({day(returns.index[0])} to {day(ctx.session)})"
        )
    found = streak_count(ctx, int(p["length"]))
    listed = ", ".join(f"{day(r.start)} to {day(r.end)} ({r.sessions})" for r in found.streaks.itertuples())
    return Measurement(
        value=found.per_decade,
        unit="streaks per decade",
        window=(found.first, found.last),
        definition=(
            f"number of {ctx.small} > {ctx.large} streaks of at least {found.length} sessions from {day(found.first)} to "
            f"{day(found.last)} (the streak in force at as_of included), per ten years of that history ({found.years:.1f} years)"
        ),
        detail=f"{found.count} streaks of at least {found.length} sessions in {found.years:.1f} years: {listed or 'none'}",
        evidence=found.streaks.assign(start=found.streaks["start"].dt.date, end=found.streaks["end"].dt.date),
    )


BASES = ("as_of", "streak_last_win", "period_start")


def _base_session(
    ctx: Context, base: str, period_first: pd.Timestamp, both: pd.DataFrame
) -> tuple[pd.Timestamp | None, str]:
    """The base close of a forward path: ``as_of``, the last winning session of the streak in force at
    ``as_of``, or ``period_start``: the last common close before the period's first day."""
    if base == "as_of":
        return ctx.session, f"the close of as_of ({day(ctx.session)})"
    if base == "period_start":
        before = both.index[both.index < period_first]
        if not len(before):
            return None, f"no common close of {ctx.small} and {ctx.large} before {day(period_first)}"
        return before[-1], f"the last close before the period ({day(before[-1])})"
    if base == "streak_last_win":
        if not ctx.streak["sessions"]:
            return None, f"no {ctx.small} > {ctx.large} streak in force at {day(ctx.session)}"
        ended = aftermath.streak_break(ctx.returns, ctx.streak["start"])
        if ended["ongoing"]:
            return (
                None,
                f"the streak that began {day(ctx.streak['start'])} was still running at the end of the data ({day(ctx.returns.index[-1])})",
            )
        return ended["last_win"], f"the close of the streak's last winning session ({day(ended['last_win'])})"
    raise ParameterError(f"relative_path_ahead: base must be one of {', '.join(BASES)}, got {base!r}")


@dataclass(frozen=True)
class RelativePath:
    """The cumulative relative return path of a ``relative_path_ahead`` claim, and its criteria.

    ``path``: columns ``small``, ``large``, ``relative`` (fractions, from the base close) on every
    session from the base to ``end``; ``share``: share of the ``n`` sessions after the base with
    ``relative > 0`` (``ahead`` of them); ``final``: the last value; ``at_period_end``: the value at
    the period's last session; ``month_ends``: ``aftermath.month_ends`` rows; ``criteria``: the
    claim's named criteria (``{name: bool}``); ``summary``: the measurement in words (no rule).
    """

    base: pd.Timestamp
    base_text: str
    end: pd.Timestamp
    period_end_session: pd.Timestamp
    path: pd.DataFrame
    share: float
    ahead: int
    n: int
    final: float
    at_period_end: float
    month_ends: pd.DataFrame
    criteria: dict
    summary: str


def relative_path(ctx: Context, claim: Mapping) -> RelativePath | Measurement:
    """The path of a ``relative_path_ahead`` claim (see that kind), or the Measurement saying why it cannot be measured."""
    ctx = pair_context(ctx, claim)
    p = params(claim)
    first, last = parse_period(claim["about"]["period"])
    threshold = float(p.get("share_threshold", 0.5))
    small, large = ctx.prices(ctx.small), ctx.prices(ctx.large)
    both = aftermath.common_closes(small, large)
    data_end = both.index[-1]
    if data_end < last:
        return not_verifiable(
            f"not yet knowable: needs {ctx.small} and {ctx.large} closes through {day(last)}; the data end {day(data_end)}"
        )
    base, base_text = _base_session(ctx, str(p.get("base", "as_of")), first, both)
    if base is None:
        return not_verifiable(f"the base date cannot be set: {base_text}")
    end_rule = str(p.get("end", "period_end"))
    if end_rule not in ("period_end", "data_end"):
        raise ParameterError(f"relative_path_ahead: end must be 'period_end' or 'data_end', got {end_rule!r}")
    end = both.index[both.index <= last][-1] if end_rule == "period_end" else data_end
    if end <= base:
        return not_verifiable(f"the path from {day(base)} to {day(end)} holds no session")
    path = aftermath.relative_return_path(small, large, base, end)
    share, ahead, n = aftermath.share_positive(path["relative"])
    final = float(path["relative"].iloc[-1])
    period_end_session = both.index[both.index <= last][-1]
    at_period_end = float(path["relative"].get(period_end_session, np.nan))
    monthly = aftermath.month_ends(path)
    criteria = {
        f"ahead at the end ({day(end)})": bool(final > 0),
        f"ahead at the end and on more than {threshold:.0%} of the {n} sessions": bool(final > 0 and share > threshold),
    }
    months = ", ".join(f"{m} {pct(v)}" for m, v in zip(monthly["month"], monthly["relative"]))
    summary = (
        f"from {base_text} to {day(end)}: relative return {pct(final)} at the end ({ctx.small} {pct(path['small'].iloc[-1])}, "
        f"{ctx.large} {pct(path['large'].iloc[-1])}); ahead on {ahead} of {n} sessions ({share:.0%}); "
        f"value at the period's last session ({day(period_end_session)}): {pct(at_period_end)}; month ends: {months}"
    )
    return RelativePath(
        base,
        base_text,
        end,
        period_end_session,
        path,
        share,
        ahead,
        n,
        final,
        at_period_end,
        monthly,
        criteria,
        summary,
    )


@kind("relative_path_ahead")
def relative_path_ahead(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria on the path of the cumulative relative return over the claim's fixed period.

    The claim is about ``about.period`` (looks ahead). From the close of ``params.base``
    (``as_of`` | ``streak_last_win`` | ``period_start``, the last close before the period) to the
    close of the last common session on or before the period's last day (``params.end:
    period_end``) or of the data (``end: data_end``), the cumulative relative return
    ``(S_t/S_b - 1) - (L_t/L_b - 1)`` on every session. Criteria: ahead at the end; ahead at the
    end *and* on more than ``params.share_threshold`` of the sessions. Both true: confirmed; only
    the first: partly true; neither: refuted (the registry's ``rule``). Not verifiable while the
    data stop before the period's last day.
    """
    found = relative_path(ctx, claim)
    if isinstance(found, Measurement):
        return found
    pair = pair_context(ctx, claim)
    rule = claim.get("rule", "")
    return Measurement(
        value=found.criteria,
        unit="criteria",
        window=(found.base, found.end),
        definition=(
            f"{pair.small} minus {pair.large} cumulative price return (difference of simple returns) from {found.base_text} to each "
            f"session through {day(found.end)}; share of sessions above 0; the claim's period is {claim['about']['period']}"
        ),
        detail=found.summary + (f". Rule: {rule}" if rule else ""),
        evidence=found.month_ends,
    )


__all__ = [
    "BASES",
    "RarityFit",
    "RelativePath",
    "StreakCount",
    "rarity_fit",
    "rarity_settings",
    "relative_path",
    "relative_path_ahead",
    "runs_test_text",
    "streak_count",
    "streak_frequency",
    "streak_rarity",
]
