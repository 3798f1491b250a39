"""Claim kinds about the streak's size and the small-cap index's level: mean daily spread, largest
gain over a short window, RSI "overbought", and record closes above a level.

Definitions: daily price returns, close to close (fractions inside, bp or percent in displays);
the analysis window is the streak in force at ``as_of`` (or, with ``params.window_sessions``, the
last N sessions ending at ``as_of``); the index and ETF levels are daily closes (ETFs Yahoo
auto-adjusted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from rotation.analytics import spread, streaks, technicals
from rotation.analytics.returns import percentile_rank
from rotation.claims.measures.base import Measurement, kind, not_verifiable, pair_context, params
from rotation.core.errors import DataError
from rotation.core.fmt import day, pct

if TYPE_CHECKING:
    from rotation.claims.measuring import Context

SPREAD_DEF = "small-cap minus large-cap daily price return, close to close, common calendar"


def analysis_window(ctx: Context, sessions: int = 0) -> pd.DataFrame:
    """Daily rows (``small``, ``large``, ``spread``) of the streak in force at ``as_of``, or of the last ``sessions`` sessions."""
    if sessions:
        rows = spread.window_returns(ctx.returns_at, ctx.session, int(sessions))
        return rows.assign(spread=rows["small"] - rows["large"])
    current = ctx.streak
    return streaks.streak_sessions(ctx.returns, current["start"], current["end"])


def _window_text(rows: pd.DataFrame, sessions: int) -> str:
    kind_text = f"the last {sessions} sessions" if sessions else "the streak in force"
    return f"{kind_text} at {day(rows.index[-1])}: {day(rows.index[0])} to {day(rows.index[-1])} ({len(rows)} sessions)"


@kind("mean_spread")
def mean_spread(ctx: Context, claim: Mapping) -> Measurement:
    """Average daily spread over the streak, in bp per session, under ``params.definition`` (arithmetic by default).

    The other definitions (median, log, cumulative/n, geometric) are reported in the detail and
    the evidence rows; the percentile among every earlier window of the same length is given too.
    """
    ctx = pair_context(ctx, claim)
    p = params(claim)
    rows = analysis_window(ctx, int(p.get("window_sessions", 0)))
    defs = spread.spread_definitions(rows)
    name = p.get("definition", "arithmetic")
    n = len(rows)
    daily = streaks.daily_spread(ctx.returns_at)
    means = spread.rolling_mean(daily, n)
    means = means.loc[: means.index[-2]] if len(means) > 1 else means.iloc[0:0]
    value = float(defs[name]) * 1e4
    detail = (
        f"{_window_text(rows, int(p.get('window_sessions', 0)))}; "
        + "; ".join(f"{k} {v * 1e4:.1f} bp" for k, v in defs.items())
        + f"; percentile of the arithmetic mean among all {len(means):,} earlier {n}-session windows: "
        + f"{percentile_rank(float(defs['arithmetic']), means):.1f}"
    )
    evidence = pd.DataFrame(
        {"average daily spread (bp per session)": defs * 1e4, "definition": pd.Series(spread.SPREAD_DEFINITIONS)}
    )
    return Measurement(
        value=value,
        unit="bp per session",
        window=(rows.index[0], rows.index[-1]),
        definition=f"{name} average of the daily spread ({SPREAD_DEF}) over {_window_text(rows, int(p.get('window_sessions', 0)))}",
        detail=detail,
        evidence=evidence,
    )


def gain_rows(
    prices: pd.Series,
    session: pd.Timestamp,
    p: Mapping,
    streak_base: pd.Timestamp | None,
    streak_label: str = "over the streak",
) -> dict[str, tuple[str, dict]]:
    """The candidate gains ending at ``session``, keyed by base: ``max_window`` (largest over at most N
    sessions), ``year_end``, ``recent_low`` and ``streak`` (from the close ``streak_base``, named
    ``streak_label``); each ``(label, gain)`` (``spread.gain_between``). A base the history cannot
    supply is left out."""
    max_sessions, lookback = int(p.get("max_sessions", 15)), int(p.get("low_lookback", 63))
    out = {
        "max_window": (
            f"largest over at most {max_sessions} sessions",
            spread.max_trailing_gain(prices, session, max_sessions),
        )
    }
    try:
        out["year_end"] = (
            "since the previous year-end close",
            spread.gain_between(prices, spread.year_start_base(prices, session), session),
        )
    except DataError:  # the history starts after the previous year end
        pass
    out["recent_low"] = (
        f"since the lowest close of the prior {lookback} sessions",
        spread.gain_between(prices, spread.recent_low(prices, session, lookback), session),
    )
    if streak_base is not None and streak_base in prices.index:
        out["streak"] = (streak_label, spread.gain_between(prices, streak_base, session))
    return out


@kind("max_gain")
def max_gain(ctx: Context, claim: Mapping) -> Measurement:
    """Price gain of the small-cap index ending at ``as_of`` (fraction): by default the largest over any window of at most ``params.max_sessions`` sessions.

    ``params.base``: ``max_window`` (default), ``year_end`` (since the previous year's last close)
    or ``recent_low`` (since the lowest close of the prior ``low_lookback`` sessions).
    """
    p = params(claim)
    prices = ctx.prices(ctx.small).loc[: ctx.session]
    base = ctx.streak["base"] if ctx.streak["sessions"] else None
    rows = gain_rows(prices, ctx.session, p, base if pd.notna(base) else None)
    chosen = p.get("base", "max_window")
    if chosen not in rows:
        return not_verifiable(f"no {chosen} base close before {day(ctx.session)} in {ctx.small}")
    label, gain = rows[chosen]
    evidence = pd.DataFrame(
        [
            {
                "window": k,
                "from (close)": day(g["base_date"]),
                "base close": round(g["base_close"], 2),
                "to": day(g["end"]),
                "end close": round(g["end_close"], 2),
                "sessions": g["sessions"],
                "gain (%)": round(100 * g["gain"], 2),
            }
            for k, g in rows.values()
        ]
    ).set_index("window")
    detail = (
        f"{label}: {pct(gain['gain'])} over {gain['sessions']} sessions from the {day(gain['base_date'])} close; "
        + "; ".join(f"{k}: {pct(g['gain'])} over {g['sessions']} sessions" for k, g in rows.values() if k != label)
    )
    return Measurement(
        value=float(gain["gain"]),
        unit="fraction",
        window=(gain["base_date"], ctx.session),
        definition=f"{ctx.small} price gain, close to close, {label}, ending at {day(ctx.session)}",
        detail=detail,
        evidence=evidence,
    )


@kind("rsi_level")
def rsi_level(ctx: Context, claim: Mapping) -> Measurement:
    """RSI (Wilder) of the small-cap index: at ``as_of`` (default) or its maximum over the streak (``params.at: streak_max``), in points."""
    p = params(claim)
    window = int(p.get("rsi_window", 14))
    prices = ctx.prices(ctx.small).loc[: ctx.session]
    rsi = technicals.rsi_wilder(prices, window)
    if pd.isna(rsi.loc[ctx.session]):
        return not_verifiable(
            f"RSI({window}) needs at least {window + 1} closes of {ctx.small} before {day(ctx.session)}"
        )
    at = p.get("at", "as_of")
    if at == "streak_max" and ctx.streak["sessions"]:
        part = rsi.loc[ctx.streak["start"] : ctx.session]
        value, when = float(part.max()), part.idxmax()
    else:
        value, when = float(rsi.loc[ctx.session]), ctx.session
    streak_part = (
        rsi.loc[ctx.streak["start"] : ctx.session] if ctx.streak["sessions"] else rsi.loc[ctx.session : ctx.session]
    )
    ma = {w: technicals.ma_distance(prices, w) for w in (50, 200)}
    detail = (
        f"RSI({window}) {value:.1f} on {day(when)}; percentile in its own history {percentile_rank(value, rsi):.1f}; "
        f"highest in the streak {streak_part.max():.1f} on {day(streak_part.idxmax())}; "
        + "; ".join(
            f"close {100 * d.loc[ctx.session]:+.1f}% above its {w}-session average (percentile {percentile_rank(d.loc[ctx.session], d):.1f})"
            for w, d in ma.items()
            if pd.notna(d.loc[ctx.session])
        )
    )
    return Measurement(
        value=value,
        unit="RSI points",
        window=(prices.index[0], ctx.session),
        definition=f"RSI({window}) of {ctx.small} with Wilder smoothing, daily closes, {'maximum over the streak' if at == 'streak_max' else 'at ' + day(ctx.session)}",
        detail=detail,
    )


@kind("level_record")
def level_record(ctx: Context, claim: Mapping) -> Measurement:
    """Criteria: ``params.series`` set a new all-time closing high in the streak window; it closed above the claimed level.

    "All-time" = since the series' first close in the data. The previous high the window broke
    is reported (value and date); so is which series the claimed level fits.
    """
    p = params(claim)
    series_id = str(p.get("series", ctx.small))
    level = float(p.get("level", claim.get("claimed")))
    px, why = ctx.try_prices(series_id)
    start = ctx.streak["start"]
    if px is None:
        return not_verifiable(f"needs daily closes of {series_id} over the streak window: {why}")
    hist = px.loc[: ctx.session]
    if hist.empty or hist.index[-1] < start or hist.index[0] >= start:
        return not_verifiable(
            f"needs closes of {series_id} from before {day(start)} to {day(ctx.session)}; the data hold {day(px.index[0])} to {day(px.index[-1])}"
        )
    window = hist.loc[start:]
    recs = spread.records_in_window(hist, start, ctx.session)
    prior = spread.previous_high(hist, start)
    criteria = {
        f"{series_id} set a new all-time closing high in the streak window": bool(len(recs)),
        f"{series_id} closed above {level:,.0f}": bool(window.max() > level),
    }
    others = {sid: ctx.try_prices(sid)[0] for sid in dict.fromkeys([ctx.small, series_id])}
    band = spread.LEVEL_BAND
    fits = [
        sid for sid, s in others.items() if s is not None and spread.level_fits(s.loc[start : ctx.session], level, band)
    ]
    detail = (
        f"{series_id} closes in the window {window.min():,.2f} to {window.max():,.2f}; previous all-time high "
        f"{prior['close']:,.2f} on {day(prior['date'])}; record closes on {', '.join(day(d) for d in recs.index) or 'no session'}; "
        f"the level {level:,.0f} fits {', '.join(fits) or 'neither series'} (within {band:.0%} of its closes in the window)"
    )
    evidence = pd.DataFrame({"close": window.round(2), "new all-time high": window.index.isin(recs.index)})
    return Measurement(
        value=criteria,
        unit="criteria",
        window=(hist.index[0], ctx.session),
        definition=f"record = close strictly above every earlier close of {series_id} since {day(hist.index[0])} ({px.attrs.get('definition', '')}); window {day(start)} to {day(ctx.session)}",
        detail=detail,
        evidence=evidence,
    )


__all__ = ["analysis_window", "gain_rows", "level_record", "max_gain", "mean_spread", "rsi_level"]
