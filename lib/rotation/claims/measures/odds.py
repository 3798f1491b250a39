"""Claim kinds of notebook 04: how rare a streak is, and whether small caps stayed ahead over a period.

Definitions: daily price returns, close to close, on the common calendar of the two series; a
win is a session with small-cap return strictly above large-cap return (a tie is a loss).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation.analytics import aftermath, nulls, rarity
from rotation.claims.measures.base import Measurement, kind, not_verifiable, pair_context, params
from rotation.core.dates import parse_period
from rotation.core.errors import ParameterError
from rotation.core.fmt import day, pct

if TYPE_CHECKING:
    from rotation.claims.measuring import Context

_RARITY_CACHE: dict = {}


def _rarity(ctx: Context, length: int, n_sims: int, block_length: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """The rarity table for the sessions up to ``as_of`` (cached per context data and settings)."""
    key = (
        ctx.data_dir,
        ctx.small,
        ctx.large,
        ctx.session,
        ctx.end,
        int(length),
        int(n_sims),
        int(block_length),
        int(seed),
    )
    if key not in _RARITY_CACHE:
        spread = ctx.returns_at["small"] - ctx.returns_at["large"]
        wins = nulls.win_flags(spread)
        table = rarity.rarity_table(wins, spread, length, n_sims, block_length, np.random.default_rng(seed))
        _RARITY_CACHE[key] = (table, {"n": int(wins.size), "p": float(wins.mean()), **nulls.fit_markov(wins)})
    return _RARITY_CACHE[key]


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
    table, fit = _rarity(
        ctx, length, int(p.get("n_sims", 2000)), int(p.get("block_length", 21)), int(p.get("seed", 20260121))
    )
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
        detail=f"streak of at least {length} sessions; {others}",
        evidence=evidence,
        extra={"fit": fit},
    )


def _base_session(ctx: Context, base: str) -> tuple[pd.Timestamp | None, str]:
    """The base close of a forward path: ``as_of`` or the last winning session of the streak in force at ``as_of``."""
    if base == "as_of":
        return ctx.session, f"the close of as_of ({day(ctx.session)})"
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
    raise ParameterError(f"relative_path_ahead: base must be 'as_of' or 'streak_last_win', got {base!r}")


@kind("relative_path_ahead")
def relative_path_ahead(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria on the path of the cumulative relative return over the claim's fixed period.

    The claim is about ``about.period`` (looks ahead). From the close of ``params.base``
    (``as_of`` | ``streak_last_win``) to the close of the last common session on or before the
    period's last day (``params.end: period_end``) or of the data (``end: data_end``), the
    cumulative relative return ``(S_t/S_b - 1) - (L_t/L_b - 1)`` on every session. Criteria:
    ahead at the end; ahead at the end *and* on more than ``params.share_threshold`` of the
    sessions. Both true: confirmed; only the first: partly true; neither: refuted (the
    registry's ``rule``). Not verifiable while the data stop before the period's last day.
    """
    ctx = pair_context(ctx, claim)
    p = params(claim)
    _, last = parse_period(claim["about"]["period"])
    threshold = float(p.get("share_threshold", 0.5))
    small, large = ctx.prices(ctx.small), ctx.prices(ctx.large)
    both = aftermath.common_closes(small, large)
    data_end = both.index[-1]
    if data_end < last:
        return not_verifiable(
            f"not yet knowable: needs {ctx.small} and {ctx.large} closes through {day(last)}; the data end {day(data_end)}"
        )
    base, base_text = _base_session(ctx, str(p.get("base", "as_of")))
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
    rule = claim.get("rule", "")
    detail = (
        f"from {base_text} to {day(end)}: relative return {pct(final)} at the end ({ctx.small} {pct(path['small'].iloc[-1])}, "
        f"{ctx.large} {pct(path['large'].iloc[-1])}); ahead on {ahead} of {n} sessions ({share:.0%}); "
        f"value at the period's last session ({day(period_end_session)}): {pct(at_period_end)}; month ends: {months}"
        + (f". Rule: {rule}" if rule else "")
    )
    definition = (
        f"{ctx.small} minus {ctx.large} cumulative price return (difference of simple returns) from {base_text} to each "
        f"session through {day(end)}; share of sessions above 0; the claim's period is {claim['about']['period']}"
    )
    return Measurement(
        value=criteria,
        unit="criteria",
        window=(base, end),
        definition=definition,
        detail=detail,
        evidence=monthly,
        extra={"path": path, "share": share, "final": final, "at_period_end": at_period_end, "base": base},
    )


__all__ = ["relative_path_ahead", "streak_rarity"]
