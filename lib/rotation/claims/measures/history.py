"""Claim kinds about past episodes: a "fear-driven" streak, which past episode the current streak
resembles, and whether small caps led after a crash.

Definitions: daily price returns, close to close, on the common calendar of the two series; a
streak is a run of sessions with small-cap return strictly above large-cap return (see
``rotation.analytics.streaks``); an *episode* is a streak, its *base* the close before its first session.
Features of an episode use only data up to its last session (``rotation.analytics.episodes``). Every
measurement here uses data up to ``as_of`` only.

Named episodes are found from the data with a *spec* (a mapping in the claim's params):

* ``{window: "YYYY-MM-DD to YYYY-MM-DD"}``: the longest streak with at least one session in the
  window (ties: the earliest);
* ``{after_crash: "YYYY-MM", months: 12}``: the longest streak lying entirely within ``months``
  months after the crash session, the large index's largest one-day fall in that month.

A spec whose window is not over at ``as_of`` makes the claim *not applicable* at that date; one
the data do not cover makes it *not verifiable*, with the series and dates that would settle it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation.analytics import episodes, streaks
from rotation.analytics.returns import percentile_rank, session_on_or_before, span_text, window_return
from rotation.claims.measures.base import Measurement, kind, not_applicable, not_verifiable, params
from rotation.core.dates import parse_period
from rotation.core.errors import DataError, ParameterError
from rotation.core.fmt import day, pct
from rotation.core.verdicts import Verdict

if TYPE_CHECKING:
    from rotation.claims.measuring import Context

STREAK_DEF = "sessions with small-cap daily price return strictly above large-cap return (close to close, common calendar); a tie ends a streak"


def _claim_error(claim: Mapping, what: str) -> ParameterError:
    return ParameterError(f"claim {claim.get('id', '?')!r}: {what}")


# ---------------------------------------------------------------------------------------------
# Named episodes


def spec_text(spec: Mapping) -> str:
    """A named-episode spec in words."""
    if "window" in spec:
        first, last = parse_period(spec["window"])
        return f"the longest streak with a session in {day(first)} to {day(last)}"
    if "after_crash" in spec:
        return f"the longest streak within {int(spec.get('months', 12))} months after the crash (the large index's largest one-day fall in {spec['after_crash']})"
    raise ParameterError(f"episode spec {dict(spec)!r}: expected 'window' or 'after_crash'")


def crash_session(ctx: Context, month: str) -> tuple[pd.Timestamp | None, str]:
    """The crash session of ``month`` in the large index (data to ``as_of``), or None and why not."""
    large = ctx.prices(ctx.large).loc[: ctx.session]
    try:
        return episodes.find_crash(large, month), ""
    except DataError:
        return None, (
            f"needs daily closes of {ctx.large} in {month} to find the crash (its largest one-day fall); "
            f"{ctx.large} holds {span_text(ctx.prices(ctx.large))}"
        )


@dataclass(frozen=True)
class NamedEpisode:
    """One named episode located with data up to ``as_of``.

    ``row``: the streak row (None when not found); ``text``: how the spec defines it; ``status``: None,
    ``Verdict.NOT_APPLICABLE`` (the spec's window is not over at ``as_of``) or ``Verdict.NOT_VERIFIABLE``
    (the data do not cover it), with ``reason``; ``crash``: the crash session of an ``after_crash`` spec;
    ``window``: the (first, last) dates searched.
    """

    text: str
    row: pd.Series | None = None
    status: Verdict | None = None
    reason: str = ""
    crash: pd.Timestamp | None = None
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None


def find_named(ctx: Context, spec: Mapping, table: pd.DataFrame) -> NamedEpisode:
    """Locate one named episode with data up to ``as_of`` (see ``NamedEpisode``)."""
    returns = ctx.returns_at
    have = f"the {ctx.small} vs {ctx.large} returns hold {span_text(ctx.returns)}"
    text = spec_text(spec)
    crash = None
    if "window" in spec:
        first, last = parse_period(spec["window"])
    else:
        crash, why = crash_session(ctx, spec["after_crash"])
        if crash is None:
            first, last = episodes.month_bounds(spec["after_crash"])
            last = last + pd.DateOffset(months=int(spec.get("months", 12)))
            reason = f"{why}; and daily closes of {ctx.small} and {ctx.large} from {day(first)} to {day(last)}"
            return NamedEpisode(text, status=Verdict.NOT_VERIFIABLE, reason=reason)
        first, last = crash + pd.Timedelta(days=1), crash + pd.DateOffset(months=int(spec.get("months", 12)))
    window = (first, last)
    if last > ctx.session:
        dates = f" ({day(first)} to {day(last)})" if "after_crash" in spec else ""
        reason = f"{text}{dates} is not over at as_of {day(ctx.session)}"
        return NamedEpisode(text, status=Verdict.NOT_APPLICABLE, reason=reason, crash=crash, window=window)
    if returns.index[0] > first:
        reason = f"needs daily closes of {ctx.small} and {ctx.large} from {day(first)} to {day(last)} ({text}); {have}"
        return NamedEpisode(text, status=Verdict.NOT_VERIFIABLE, reason=reason, crash=crash, window=window)
    row = (
        episodes.longest_streak_overlapping(table, first, last)
        if "window" in spec
        else episodes.longest_streak_in(table, first, last)
    )
    if row is None:
        reason = f"no {ctx.small} > {ctx.large} streak in {day(first)} to {day(last)}"
        return NamedEpisode(text, status=Verdict.NOT_VERIFIABLE, reason=reason, crash=crash, window=window)
    return NamedEpisode(text, row=row, crash=crash, window=window)


def _blocked(found: NamedEpisode, **fields) -> Measurement:
    maker = not_applicable if found.status == Verdict.NOT_APPLICABLE else not_verifiable
    return maker(found.reason, **fields)


def episode_text(row: Mapping | pd.Series) -> str:
    return f"{day(row['start'])} to {day(row['end'])}, {int(row['sessions'])} sessions"


# ---------------------------------------------------------------------------------------------
# fear_episode


def _drawdown_value(large: pd.Series, base: pd.Timestamp, end: pd.Timestamp, at: str) -> float:
    """Large-index drawdown (fraction, <= 0) at the base close (``start``) or its deepest from the base to the end (``deepest``)."""
    dd = episodes.drawdown(large.loc[:end])
    if at == "start":
        return float(dd.loc[base])
    if at == "deepest":
        return float(dd.loc[base:end].min())
    raise ParameterError(f"params.drawdown_at: expected 'start' or 'deepest', got {at!r}")


@dataclass(frozen=True)
class FearResult:
    """A ``fear_episode`` measurement and the numbers behind it (typed; what notebooks and tests read).

    ``episode``: the streak row; ``base``: its base close; ``vix_mean``: average VIX close over it;
    ``vix_pct``/``vix_pct_at_end``: its percentile among VIX closes to ``as_of`` / to the streak's end;
    ``vix_level``: the cut; ``drawdown``: the registered drawdown (fraction, <= 0); ``other_drawdown``: the other one.
    """

    measurement: Measurement
    episode: pd.Series
    base: pd.Timestamp
    vix_mean: float
    vix_pct: float
    vix_pct_at_end: float
    vix_level: float
    drawdown: float
    other_drawdown: float


@kind("fear_episode")
def fear_episode(ctx: Context, claim: Mapping) -> Measurement:
    """The measurement of ``fear_result`` (see there)."""
    found = fear_result(ctx, claim)
    return found.measurement if isinstance(found, FearResult) else found


def fear_result(ctx: Context, claim: Mapping) -> FearResult | Measurement:
    """Criteria on a named past streak (``params.episode``): the large index fell over it; the average
    VIX close during it is above the ``params.vix_cut`` percentile of all VIX closes to ``as_of``
    (50 = the median); the large index's drawdown from its prior peak was at least
    ``params.drawdown_threshold`` (fraction) at the base close (``drawdown_at: start``) or at its
    deepest from the base to the streak's end (``drawdown_at: deepest``).
    """
    p = params(claim)
    spec = p.get("episode") or {}
    if "window" not in spec and "after_crash" not in spec:
        raise _claim_error(
            claim,
            "params.episode: expected {window: 'YYYY-MM-DD to YYYY-MM-DD'} or {after_crash: 'YYYY-MM', months: N}",
        )
    threshold = float(p.get("drawdown_threshold", 0.10))
    at = str(p.get("drawdown_at", "start"))
    cut = float(p.get("vix_cut", 50))
    if not 0 < cut < 100:
        raise _claim_error(claim, f"params.vix_cut: a percentile between 0 and 100, got {cut!r}")
    table = streaks.outperformance_streaks(ctx.returns_at)
    found = find_named(ctx, spec, table)
    if found.status:
        return _blocked(found)
    ep = found.row
    large = ctx.prices(ctx.large).loc[: ctx.session]
    vix_all, why = ctx.try_prices(str(p.get("vix_series", "vix")))
    vix = vix_all.loc[: ctx.session] if vix_all is not None else None
    base = ctx.returns.index[ctx.returns.index.get_loc(ep["start"]) - 1]
    if vix is None or vix.empty or vix.index[0] > ep["start"] or vix.index[-1] < ep["end"]:
        held = why or f"VIX holds {span_text(vix_all)}"
        return not_verifiable(f"needs VIX closes over the episode ({episode_text(ep)}); {held}")
    if base not in large.index:
        return not_verifiable(
            f"needs a {ctx.large} close on the episode's base {day(base)}; {ctx.large} holds {span_text(large)}"
        )
    during = vix.loc[ep["start"] : ep["end"]]
    vix_mean = float(during.mean())
    vix_level = float(np.percentile(vix.dropna().to_numpy(), cut))
    drawdown = _drawdown_value(large, base, ep["end"], at)
    at_text = (
        "at the streak start (its base close)"
        if at == "start"
        else "at its deepest from the base close to the streak's end"
    )
    cut_text = "median" if cut == 50 else f"{cut:g}th percentile"
    names = {
        "fell": f"{ctx.large} fell over the streak",
        "vix": f"VIX average during the streak above the {cut_text} of VIX closes to as_of",
        "drawdown": f"{ctx.large} at least {threshold:.0%} below its prior peak {at_text}",
    }
    criteria = {
        names["fell"]: bool(ep["large_return"] < 0),
        names["vix"]: bool(vix_mean > vix_level),
        names["drawdown"]: bool(drawdown <= -threshold),
    }
    other_dd = _drawdown_value(large, base, ep["end"], "deepest" if at == "start" else "start")
    vix_pct = percentile_rank(vix_mean, vix)
    vix_pct_then = percentile_rank(vix_mean, vix.loc[: ep["end"]])
    evidence = pd.DataFrame(
        [
            {
                "criterion": names["fell"],
                "measured": pct(ep["large_return"]),
                "threshold": "below 0",
                "met": criteria[names["fell"]],
            },
            {
                "criterion": names["vix"],
                "measured": f"{vix_mean:.2f} (percentile {vix_pct:.1f} of VIX closes {span_text(vix)})",
                "threshold": f"{vix_level:.2f}",
                "met": criteria[names["vix"]],
            },
            {
                "criterion": names["drawdown"],
                "measured": pct(drawdown),
                "threshold": f"{-threshold:.0%} or lower",
                "met": criteria[names["drawdown"]],
            },
        ]
    ).set_index("criterion")
    detail = (
        f"{found.text}: {episode_text(ep)} (base close {day(base)}); {ctx.small} {pct(ep['small_return'])}, {ctx.large} {pct(ep['large_return'])}; "
        f"VIX average {vix_mean:.2f} against a {cut_text} of {vix_level:.2f} (percentile {vix_pct:.1f} of {len(vix.dropna()):,} closes, {span_text(vix)}; "
        f"percentile {vix_pct_then:.1f} of the closes to the streak's end); "
        f"{ctx.large} drawdown {at_text} {pct(drawdown)} (threshold {-threshold:.0%}; "
        f"{'deepest during the streak' if at == 'start' else 'at the start'} {pct(other_dd)}); kind {episodes.classify(ep['small_return'], ep['large_return'])}"
    )
    measurement = Measurement(
        value=criteria,
        unit="criteria",
        window=(ctx.returns_at.index[0], ctx.session),
        definition=(
            f"{found.text} ({ctx.small} > {ctx.large}; {STREAK_DEF}); drawdown = close / running maximum of {ctx.large} closes since "
            f"{day(large.index[0])} - 1; VIX cut = {cut_text} of all VIX closes from {day(vix.index[0])} to {day(ctx.session)}"
        ),
        detail=detail,
        evidence=evidence,
    )
    return FearResult(measurement, ep, base, vix_mean, vix_pct, vix_pct_then, vix_level, drawdown, other_dd)


# ---------------------------------------------------------------------------------------------
# episode_resemblance


def feature_sets(claim: Mapping) -> dict[str, list[str]]:
    """The named feature sets of ``params.variants.feature_sets`` (plus ``all`` = every episode feature)."""
    p = params(claim)
    sets = dict((p.get("variants") or {}).get("feature_sets") or {})
    for name, cols in sets.items():
        unknown = [c for c in cols if c not in episodes.FEATURE_COLUMNS]
        if unknown:
            raise _claim_error(
                claim,
                f"params.variants.feature_sets.{name}: unknown feature {unknown[0]!r} (known: {', '.join(episodes.FEATURE_COLUMNS)})",
            )
    return sets


def chosen_features(claim: Mapping) -> tuple[str, list[str]]:
    """``params.features``: a name of ``variants.feature_sets`` or a list of features -> (name, features)."""
    chosen = params(claim).get("features")
    sets = feature_sets(claim)
    if isinstance(chosen, str):
        if chosen not in sets:
            raise _claim_error(
                claim,
                f"params.features: {chosen!r} is not a feature set of params.variants.feature_sets ({', '.join(sets)})",
            )
        return chosen, list(sets[chosen])
    if not chosen:
        raise _claim_error(claim, "params.features: a feature set name or a list of features is needed")
    cols = [str(c) for c in chosen]
    unknown = [c for c in cols if c not in episodes.FEATURE_COLUMNS]
    if unknown:
        raise _claim_error(
            claim, f"params.features: unknown feature {unknown[0]!r} (known: {', '.join(episodes.FEATURE_COLUMNS)})"
        )
    return ", ".join(cols), cols


def named_specs(claim: Mapping) -> dict[str, dict]:
    """``params.episodes``: name -> spec (exactly the episodes the claim compares)."""
    specs = dict(params(claim).get("episodes") or {})
    if len(specs) < 2:
        raise _claim_error(
            claim,
            "params.episodes: at least two named episodes (name -> {window: ...} or {after_crash: ..., months: ...}) are needed",
        )
    return {str(k): dict(v) for k, v in specs.items()}


def feature_table(
    ctx: Context,
    min_streak: int,
    named: Mapping[str, pd.Series | None],
    *,
    vol_window: int = 21,
    rate_lookback_months: int = 6,
    vix_series: str = "vix",
    rate_series: str = "dff",
) -> pd.DataFrame:
    """Episode features (``rotation.analytics.episodes.episode_features``) of every streak of at least ``min_streak`` sessions to ``as_of``,
    plus the ``named`` ones (label column), indexed by ``episodes.episode_key``. VIX or rates the data lack are NaN."""
    key = (
        "features",
        ctx.small,
        ctx.large,
        str(ctx.session),
        str(ctx.end),
        int(min_streak),
        {k: (None if v is None else str(v["start"])) for k, v in named.items()},
        vol_window,
        rate_lookback_months,
        vix_series,
        rate_series,
    )

    def compute() -> pd.DataFrame:
        table = streaks.outperformance_streaks(ctx.returns_at)
        rows = episodes.episode_rows(table, int(min_streak), named)
        vix, _ = ctx.try_prices(vix_series)
        rate, _ = ctx.try_prices(rate_series)
        cut = {k: (s.loc[: ctx.session] if s is not None else None) for k, s in (("vix", vix), ("rate", rate))}
        feats = episodes.episode_features(
            rows,
            ctx.returns_at,
            ctx.prices(ctx.large).loc[: ctx.session],
            cut["vix"],
            cut["rate"],
            vol_window=int(vol_window),
            rate_lookback_months=int(rate_lookback_months),
        )
        feats.index = pd.Index([episodes.episode_key(s) for s in feats["start"]], name="episode")
        return feats

    return ctx.memo(key, compute)


def _resemblance_setup(ctx: Context, claim: Mapping) -> dict | Measurement:
    """The named episodes and the current one, or the Measurement saying why the claim cannot be judged."""
    specs = named_specs(claim)
    table = streaks.outperformance_streaks(ctx.returns_at)
    found = {name: find_named(ctx, spec, table) for name, spec in specs.items()}
    for name, f in found.items():
        if f.status:
            return _blocked(f, detail=f"{name} episode: {f.text}")
    current = ctx.streak
    if not current["sessions"]:
        return not_applicable(f"no {ctx.small} > {ctx.large} streak is in force at {day(ctx.session)}")
    for name, f in found.items():
        if f.row["start"] == current["start"]:
            return not_applicable(
                f"the streak in force at {day(ctx.session)} ({episode_text(current)}) is the {name} episode itself; there is nothing to compare"
            )
    return {
        "found": found,
        "current": current,
        "named": {"current": current, **{f"{n} episode": f.row for n, f in found.items()}},
    }


def variant_grid(ctx: Context, claim: Mapping, setup: dict) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """The resemblance grid of ``params.variants`` (feature sets x standardisations x minimum lengths) and its feature tables."""
    p = params(claim)
    grid_spec = p.get("variants") or {}
    sets = feature_sets(claim) or {chosen_features(claim)[0]: chosen_features(claim)[1]}
    hows = [str(h) for h in grid_spec.get("standardisations", [p.get("standardisation", "zscore")])]
    lengths = [int(m) for m in grid_spec.get("min_streaks", [p.get("min_streak", 10)])]
    for how in hows:
        if how not in episodes.STANDARDISATIONS:
            raise _claim_error(
                claim, f"params.variants.standardisations: unknown {how!r} (use {', '.join(episodes.STANDARDISATIONS)})"
            )
    opts = feature_options(p)
    tables = {m: feature_table(ctx, m, setup["named"], **opts) for m in lengths}
    names = {n: episodes.episode_key(f.row["start"]) for n, f in setup["found"].items()}
    target = episodes.episode_key(setup["current"]["start"])
    key = ("grid", ctx.small, ctx.large, str(ctx.session), str(ctx.end), sets, hows, lengths, names, opts)
    grid = ctx.memo(key, lambda: episodes.resemblance_grid(tables, target, names, sets, hows))
    return grid, tables


def feature_options(p: Mapping) -> dict:
    """The feature-table options of a claim's params (``vol_window``, ``rate_lookback_months``, ``vix_series``, ``rate_series``)."""
    return {
        "vol_window": int(p.get("vol_window", 21)),
        "rate_lookback_months": int(p.get("rate_lookback_months", 6)),
        "vix_series": str(p.get("vix_series", "vix")),
        "rate_series": str(p.get("rate_series", "dff")),
    }


def by_axis(grid: pd.DataFrame, name: str, key: str | None = None) -> pd.DataFrame:
    """Per value of each axis of the grid (and over the whole grid): variants, the share (%) of comparable
    variants in which ``name`` is the nearer named episode, and (with ``key``, the episode's key) the
    share (%) of variants in which it is the nearest of all episodes."""
    rows = []
    axes = (
        ("all", "every variant"),
        ("feature_set", "feature set"),
        ("standardisation", "standardisation"),
        ("min_streak", "minimum streak length"),
    )
    for axis, label in axes:
        groups = [("all", grid)] if axis == "all" else list(grid.groupby(axis, sort=False))
        for value, part in groups:
            comparable = part[part["nearer"].notna()]
            row = {
                "choice": label,
                "value": str(value),
                "variants": len(part),
                "comparable": len(comparable),
                f"{name} nearer (%)": 100 * float((comparable["nearer"] == name).mean()) if len(comparable) else np.nan,
            }
            if key is not None:
                row[f"{name} nearest (%)"] = 100 * float((part["nearest"] == key).mean()) if len(part) else np.nan
            rows.append(row)
    return pd.DataFrame(rows).set_index(["choice", "value"])


def grid_subset(grid: pd.DataFrame, subset: Mapping | None) -> pd.DataFrame:
    """The grid rows a ``params.subset`` keeps (``feature_sets``, ``standardisations``, ``min_streaks``: lists; absent: all)."""
    keep = pd.Series(True, index=grid.index)
    for field_name, column in (
        ("feature_sets", "feature_set"),
        ("standardisations", "standardisation"),
        ("min_streaks", "min_streak"),
    ):
        values = (subset or {}).get(field_name)
        if values:
            keep &= grid[column].astype(str).isin([str(v) for v in values])
    return grid[keep]


@dataclass(frozen=True)
class GridDecision:
    """The resemblance verdict read from the grid (``params.decide: grid``).

    Over the ``variants`` the claim counts (``params.subset``; all by default): ``nearer`` of
    the ``comparable`` ones have the claimed episode nearer than the other; ``nearest`` of them
    have it nearest of all episodes. Criteria: each share above one half (a majority).
    """

    name: str
    other: str
    variants: int
    comparable: int
    nearer: int
    nearest: int

    @property
    def criteria(self) -> dict[str, bool]:
        return {
            f"{self.name} nearer than {self.other} in a majority of the {self.comparable} comparable variants ({self.nearer})": bool(
                self.comparable and self.nearer / self.comparable > 0.5
            ),
            f"{self.name} the nearest of all episodes in a majority of the {self.variants} variants ({self.nearest})": bool(
                self.variants and self.nearest / self.variants > 0.5
            ),
        }


def grid_decision(grid: pd.DataFrame, name: str, other: str, key: str, subset: Mapping | None = None) -> GridDecision:
    """Count, over the grid rows ``subset`` keeps, the variants where ``name`` is nearer than ``other`` and nearest of all."""
    part = grid_subset(grid, subset)
    comparable = part[part["nearer"].notna()]
    return GridDecision(
        name,
        other,
        int(len(part)),
        int(len(comparable)),
        int((comparable["nearer"] == name).sum()),
        int((part["nearest"] == key).sum()),
    )


@dataclass(frozen=True)
class Resemblance:
    """Everything the resemblance measurement found (typed; what notebook 03 shows).

    ``features``: the registered feature table; ``distances``: distances from the current episode
    under the registered choice (nearest first); ``registered``: the registered variant's grid row;
    ``grid``/``tables``: the variant grid and its feature tables by minimum length; ``target``/``keys``:
    the current and named episodes' keys; ``found``: ``find_named`` per name; ``shares``: ``by_axis``;
    ``decision``: the grid counts the verdict reads under ``params.decide: grid``.
    """

    nearer: str
    other: str
    set_name: str
    columns: list
    how: str
    min_streak: int
    features: pd.DataFrame
    distances: pd.DataFrame
    registered: pd.Series
    grid: pd.DataFrame
    tables: dict
    target: str
    keys: dict
    found: dict
    summary: dict
    shares: pd.DataFrame
    decision: GridDecision


def resemblance(ctx: Context, claim: Mapping) -> Resemblance | Measurement:
    """The resemblance of an ``episode_resemblance`` claim (see that kind), or the Measurement saying why it cannot be judged."""
    p = params(claim)
    setup = _resemblance_setup(ctx, claim)
    if isinstance(setup, Measurement):
        return setup
    want = str(p.get("nearer", next(iter(named_specs(claim)))))
    names = list(setup["found"])
    if want not in names:
        raise _claim_error(claim, f"params.nearer: {want!r} is not one of params.episodes ({', '.join(names)})")
    set_name, cols = chosen_features(claim)
    how = str(p.get("standardisation", "zscore"))
    min_streak = int(p.get("min_streak", 10))
    feats = feature_table(ctx, min_streak, setup["named"], **feature_options(p))
    target = episodes.episode_key(setup["current"]["start"])
    keys = {n: episodes.episode_key(f.row["start"]) for n, f in setup["found"].items()}
    dist = episodes.standardized_distance(feats, target, cols, how)
    row = episodes.resemblance_grid({min_streak: feats}, target, keys, {set_name: cols}, [how]).iloc[0]
    grid, tables = variant_grid(ctx, claim, setup)
    other = [n for n in names if n != want][0]
    return Resemblance(
        nearer=want,
        other=other,
        set_name=set_name,
        columns=cols,
        how=how,
        min_streak=min_streak,
        features=feats,
        distances=dist,
        registered=row,
        grid=grid,
        tables=tables,
        target=target,
        keys=keys,
        found=setup["found"],
        summary=episodes.grid_summary(grid, want),
        shares=by_axis(grid, want, keys[want]),
        decision=grid_decision(grid, want, other, keys[want], p.get("subset")),
    )


DECIDE = ("registered", "grid")


@kind("episode_resemblance")
def episode_resemblance(ctx: Context, claim: Mapping) -> Measurement:
    """Is the streak in force at ``as_of`` nearer (standardized feature distance) to ``params.nearer`` than to the other named episode?

    ``params``: ``episodes`` (name -> spec, see the module docstring), ``nearer`` (the name
    claimed nearer), the registered choice ``features`` (a name of ``variants.feature_sets`` or a
    list), ``standardisation`` (``zscore`` | ``rank`` | ``robust``), ``min_streak`` (streaks of at
    least this many sessions form the episodes compared, plus the named ones), and ``variants``
    (``feature_sets``, ``standardisations``, ``min_streaks``): the grid over which the ranks of
    the named episodes among all episodes, the nearest episode and the share of variants in
    which ``nearer`` wins are reported. ``decide``: ``registered`` (the value is True when
    ``nearer`` is strictly nearer under the registered choice) or ``grid`` (two criteria read from
    the grid rows ``subset`` keeps: ``nearer`` is nearer than the other in a majority of the
    comparable variants; it is the nearest of all episodes in a majority of the variants). A
    feature an episode lacks (VIX before 1990) is left out of that episode's distances, and the
    remaining ones are rescaled to the full count.
    """
    p = params(claim)
    decide = str(p.get("decide", "registered"))
    if decide not in DECIDE:
        raise _claim_error(claim, f"params.decide: expected one of {', '.join(DECIDE)}, got {decide!r}")
    found = resemblance(ctx, claim)
    if isinstance(found, Measurement):
        return found
    want, other, cols, row, grid, summary = (
        found.nearer,
        found.other,
        found.columns,
        found.registered,
        found.grid,
        found.summary,
    )
    names = [want, other]
    lacking = {n: [c for c in cols if c not in (row[f"features {n}"] or "").split(", ")] for n in names}
    parts = []
    for n in names:
        miss = f" (no {', '.join(lacking[n])})" if lacking[n] else ""
        ep = found.found[n].row
        parts.append(
            f"to the {n} episode ({episode_text(ep)}, {episodes.classify(ep['small_return'], ep['large_return'])}) {row[f'distance {n}']:.2f} "
            f"over {len(cols) - len(lacking[n])} of {len(cols)} features{miss}, rank {row[f'rank {n}']} of {row['episodes']}"
        )
    dist = found.distances
    nearest = dist.index[0] if len(dist) else None
    decision = found.decision
    detail = (
        f"registered choice ({found.set_name}: {', '.join(cols)}; {found.how}; streaks of at least {found.min_streak} sessions, {row['episodes']} episodes compared): distance "
        + "; ".join(parts)
        + (
            f"; nearest {nearest} ({found.features.loc[nearest, 'sessions']} sessions, {dist['distance'].iloc[0]:.2f})"
            if nearest
            else ""
        )
        + f". Across {summary.variants} variants ({len(grid['feature_set'].unique())} feature sets x {len(grid['standardisation'].unique())} standardisations x "
        f"{len(grid['min_streak'].unique())} minimum lengths): closer to {want} than to {other} on these features in {100 * summary.share_nearer:.0f}% "
        f"({int(round(summary.share_nearer * summary.comparable))} of {summary.comparable} comparable); nearest is {summary.nearest} in "
        f"{100 * summary.share_nearest:.0f}% ({int(summary.nearest_counts.get(summary.nearest, 0))} of {int(summary.nearest_counts.sum())}); "
        f"{want} the nearest in {int((grid['nearest'] == found.keys[want]).sum())} of {summary.variants}"
    )
    if decide == "grid":
        kept = (
            "every variant"
            if not p.get("subset")
            else "the variants of " + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in dict(p["subset"]).items())
        )
        detail += (
            f". Decided on the grid ({kept}): {want} nearer than {other} in {decision.nearer} of {decision.comparable} comparable variants, "
            f"the nearest of all episodes in {decision.nearest} of {decision.variants}"
        )
    value = decision.criteria if decide == "grid" else bool(row["nearer"] == want)
    return Measurement(
        value=value,
        unit="criteria" if decide == "grid" else "boolean",
        window=(ctx.returns_at.index[0], ctx.session),
        definition=(
            f"standardized feature distance ({episodes.STANDARDISATION_TEXT[found.how]}; Euclidean over the features both episodes have, "
            f"rescaled to the full count) from the streak in force at {day(ctx.session)} to every episode (streaks of at least {found.min_streak} "
            f"sessions to as_of, plus the named ones); {want} episode = {found.found[want].text}; {other} episode = "
            f"{found.found[other].text}; {STREAK_DEF}"
            + ("; the verdict counts the variants of the grid (majority rule)" if decide == "grid" else "")
        ),
        detail=detail,
        evidence=grid.copy(),
    )


# ---------------------------------------------------------------------------------------------
# lead_after_event


def base_session(
    p: Mapping, crash: pd.Timestamp | None, common: pd.DatetimeIndex
) -> tuple[pd.Timestamp | None, pd.Timestamp, str]:
    """The base close of ``params``: the anchor (the crash session for ``base: crash``, else the date ``base``) plus
    ``base_offset`` (a DateOffset mapping such as ``{weeks: 1}``), moved to the last common session on or before it.

    Returns ``(session or None when the calendar starts later, anchor date, the base in words)``.
    """
    spec = p.get("base", "crash")
    anchor = crash if spec == "crash" else pd.Timestamp(str(spec))
    offset = dict(p.get("base_offset") or {})
    text = f"the crash close ({day(crash)})" if spec == "crash" else f"the last close on or before {day(anchor)}"
    when = anchor
    if offset:
        try:
            when = anchor + pd.DateOffset(**{str(k): int(v) for k, v in offset.items()})
        except (TypeError, ValueError):
            raise ParameterError(
                f"params.base_offset: expected e.g. {{weeks: 1}} or {{months: 1}}, got {offset!r}"
            ) from None
        span = ", ".join(f"{v} {k}" for k, v in offset.items())
        text = (
            f"the last close on or before {span} after {'the crash' if spec == 'crash' else day(anchor)} ({day(when)})"
        )
    if not len(common) or common[0] > anchor:
        return None, anchor, text
    return session_on_or_before(common, when), anchor, text


@dataclass(frozen=True)
class LeadResult:
    """A ``lead_after_event`` measurement and what it rests on: the base close, the crash session (or None)
    and the table of ``episodes.lead_after`` (one row per horizon)."""

    measurement: Measurement
    base: pd.Timestamp
    crash: pd.Timestamp | None
    table: pd.DataFrame


@kind("lead_after_event")
def lead_after_event(ctx: Context, claim: Mapping) -> Measurement:
    """The measurement of ``lead_result`` (see there)."""
    found = lead_result(ctx, claim)
    return found.measurement if isinstance(found, LeadResult) else found


def lead_result(ctx: Context, claim: Mapping) -> LeadResult | Measurement:
    """Criteria: small minus large price return from a base close to the last common session on or
    before each horizon (``params.horizons_years`` after the base) is positive, one criterion per horizon.

    ``params``: ``crash_month`` (YYYY-MM; the crash = the large index's largest one-day fall in
    it), ``base`` (``crash`` or a date YYYY-MM-DD), ``base_offset`` (optional, e.g. ``{weeks: 1}``:
    the base is that long after the anchor), ``horizons_years``.
    """
    p = params(claim)
    horizons = [float(h) for h in p.get("horizons_years", [1, 2, 3])]
    if not horizons or min(horizons) <= 0:
        raise _claim_error(claim, f"params.horizons_years: positive numbers of years, got {p.get('horizons_years')!r}")
    if not p.get("crash_month"):
        raise _claim_error(claim, "params.crash_month: the month (YYYY-MM) searched for the crash is needed")
    month = str(p["crash_month"])
    small = ctx.prices(ctx.small).loc[: ctx.session]
    large = ctx.prices(ctx.large).loc[: ctx.session]
    common = small.index.intersection(large.index)
    crash, why = crash_session(ctx, month)
    holds = (
        f"{ctx.small} holds {span_text(ctx.prices(ctx.small))}, {ctx.large} holds {span_text(ctx.prices(ctx.large))}"
    )
    longest = pd.DateOffset(months=round(12 * max(horizons)))
    if p.get("base", "crash") == "crash" and crash is None:
        first, _ = episodes.month_bounds(month)
        return not_verifiable(
            f"{why}; the claim needs daily closes of both {ctx.small} and {ctx.large} from {month} to {first + longest:%Y-%m} "
            f"({max(horizons):g} years after the crash); {ctx.small} holds {span_text(ctx.prices(ctx.small))}"
        )
    base, anchor, base_text = base_session(p, crash, common)
    if base is None:
        return not_verifiable(
            f"needs closes of both {ctx.small} and {ctx.large} from {base_text} to about {day(anchor + longest)}; {holds}"
        )
    table = episodes.lead_after(small, large, base, horizons, last=ctx.session)
    if table["to"].isna().any():
        return not_verifiable(
            f"needs closes of both {ctx.small} and {ctx.large} from {day(base)} to {day(base + longest)}; the common data to as_of end {day(common[-1])}"
        )
    criteria = {
        f"{ctx.small} beat {ctx.large} over {h:g} year(s) from the {day(base)} close": bool(d > 0)
        for h, d in zip(table["years"], table["difference"])
    }
    after_crash = ""
    if crash is not None and crash in common:
        pos = common.get_loc(crash)
        five = common[min(pos + 5, len(common) - 1)]
        after_crash = (
            f"; the crash {day(crash)}: {ctx.large} {pct(large.pct_change().loc[crash])} that day; over the five sessions after its close "
            f"{ctx.small} {pct(window_return(small, crash, five))}, {ctx.large} {pct(window_return(large, crash, five))} (to {day(five)})"
        )
    evidence = pd.DataFrame(
        {
            "years": [f"{h:g}" for h in table["years"]],
            "base close": table["base"].dt.date,
            "to (close)": table["to"].dt.date,
            f"{ctx.small} (%)": 100 * table["small"],
            f"{ctx.large} (%)": 100 * table["large"],
            "small - large (pp)": 100 * table["difference"],
        }
    ).set_index("years")
    detail = (
        f"base {base_text}: small minus large "
        + "; ".join(
            f"{h:g}y {pct(d)} (to {day(t)})" for h, d, t in zip(table["years"], table["difference"], table["to"])
        )
        + after_crash
    )
    measurement = Measurement(
        value=criteria,
        unit="criteria",
        window=(base, table["to"].max()),
        definition=(
            f"{ctx.small} minus {ctx.large} price return (difference of simple returns, close to close) from {base_text} to the last common "
            f"session on or before {', '.join(f'{h:g}' for h in horizons)} year(s) later; crash = largest one-day fall of {ctx.large} in {month}"
        ),
        detail=detail,
        evidence=evidence,
    )
    return LeadResult(measurement, base, crash, table)


__all__ = [
    "DECIDE",
    "FearResult",
    "LeadResult",
    "NamedEpisode",
    "fear_result",
    "lead_result",
    "GridDecision",
    "Resemblance",
    "base_session",
    "grid_decision",
    "grid_subset",
    "resemblance",
    "by_axis",
    "chosen_features",
    "crash_session",
    "episode_resemblance",
    "fear_episode",
    "feature_options",
    "feature_sets",
    "feature_table",
    "find_named",
    "lead_after_event",
    "named_specs",
    "spec_text",
    "variant_grid",
]
