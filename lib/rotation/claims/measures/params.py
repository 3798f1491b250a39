"""The parameters of every claim kind, with type and range, for the claims-file schema.

Read from each kind's code (the constants its measures accept); ``rotation.claims.registry`` hands
``kind_params()`` to ``rotation.language.schema.check_document`` whenever a claims file is loaded.
A kind declared outside this table adds its own: ``PARAMS[kind] = Fields(...)``.
"""

from __future__ import annotations

from rotation.language.schema import (
    MAX_SIMS,
    MAX_TEXT,
    AnyOf,
    Choice,
    Date,
    DictOf,
    Fields,
    Int,
    ListOf,
    Number,
    Period,
    SeriesId,
    Text,
)

PARAMS: dict[str, Fields] = {}  # parameter schemas declared by kinds outside this module (kind name -> Fields)


def kind_params() -> dict[str, Fields]:
    """Every kind's parameters with type and range (read from each kind's code in ``rotation.claims.measures``), plus ``PARAMS``."""
    return {**_builtin_params(), **PARAMS}


def _builtin_params() -> dict[str, Fields]:
    from rotation.analytics.episodes import FEATURE_COLUMNS, STANDARDISATIONS
    from rotation.analytics.rarity import FRAMINGS, NULLS
    from rotation.analytics.spread import SPREAD_DEFINITIONS
    from rotation.claims.measures.context import BASES, BREADTH_MEASURES, CURVE_WINDOWS, RATES
    from rotation.claims.measures.macro import param_specs as macro_param_specs

    role = SeriesId(("small", "large"))
    pair = ListOf(SeriesId(), 2, 2)
    month_days = Text(40, r"\d{2}-\d{2} to \d{2}-\d{2}", "'MM-DD to MM-DD'")
    fraction = Number(0, 1)
    episode = Fields({"window": Period(), "after_crash": Text(7, r"\d{4}-\d{2}", "YYYY-MM"), "months": Int(1, 120)})
    note = Text(MAX_TEXT)
    return {
        "streak_length": Fields({"pair": pair}),
        "streak_start": Fields({"window": month_days}),
        "streak_record": Fields(
            {
                "pair": pair,
                "history_start": Date(),
                "last_seen": Fields(
                    {"year": Int(1900, 2200), "months": ListOf(Int(1, 12), 2, 2)}, required=("year", "months")
                ),
            }
        ),
        "mean_spread": Fields(
            {"definition": Choice(tuple(SPREAD_DEFINITIONS)), "window_sessions": Int(0, 10_000), "pair": pair}
        ),
        "max_gain": Fields(
            {
                "base": Choice(("max_window", "year_end", "recent_low", "streak")),
                "max_sessions": Int(1, 10_000),
                "low_lookback": Int(1, 10_000),
            }
        ),
        "rsi_level": Fields({"rsi_window": Int(2, 1000), "at": Choice(("as_of", "streak_max"))}),
        "level_record": Fields({"series": SeriesId(), "level": Number()}),
        "fear_episode": Fields(
            {
                "episode": episode,
                "drawdown_threshold": fraction,
                "drawdown_at": Choice(("start", "deepest")),
                "vix_cut": Number(0, 100),
                "vix_series": SeriesId(),
            }
        ),
        "episode_resemblance": Fields(
            {
                "episodes": DictOf(episode, 10),
                "nearer": Text(100),
                "features": AnyOf(
                    (Text(200), ListOf(Choice(tuple(FEATURE_COLUMNS)), 1, 50)),
                    "a feature-set name or a list of features",
                ),
                "standardisation": Choice(tuple(STANDARDISATIONS)),
                "min_streak": Int(1, 1000),
                "vol_window": Int(2, 1000),
                "rate_lookback_months": Int(1, 120),
                "vix_series": SeriesId(),
                "rate_series": SeriesId(),
                "variants": Fields(
                    {
                        "feature_sets": DictOf(ListOf(Choice(tuple(FEATURE_COLUMNS)), 1, 50), 20),
                        "standardisations": ListOf(Choice(tuple(STANDARDISATIONS)), 1, 10),
                        "min_streaks": ListOf(Int(1, 1000), 1, 20),
                    }
                ),
                "decide": Choice(("registered", "grid")),
                "subset": Fields(
                    {
                        "feature_sets": ListOf(Text(200), 1, 20),
                        "standardisations": ListOf(Choice(tuple(STANDARDISATIONS)), 1, 10),
                        "min_streaks": ListOf(Int(1, 1000), 1, 20),
                    }
                ),
            }
        ),
        "lead_after_event": Fields(
            {
                "crash_month": Text(7, r"\d{4}-\d{2}", "YYYY-MM"),
                "base": Date(("crash",)),
                "base_offset": Fields({"weeks": Int(0, 520), "months": Int(0, 120), "days": Int(0, 3660)}),
                "horizons_years": ListOf(Number(0, 50, lo_open=True), 1, 20),
            }
        ),
        "streak_rarity": Fields(
            {
                "length": Int(1, 10_000),
                "model": Choice(tuple(NULLS)),
                "framing": Choice(tuple(FRAMINGS)),
                "n_sims": Int(1, MAX_SIMS),
                "block_length": Int(1, 1000),
                "seed": Int(0, 2**32 - 1),
                "min_sessions": Int(1, 100_000),
            },
            required=("length",),
        ),
        "streak_frequency": Fields({"length": Int(1, 10_000), "min_sessions": Int(1, 100_000)}, required=("length",)),
        "relative_path_ahead": Fields(
            {
                "base": Choice(("as_of", "streak_last_win", "period_start")),
                "end": Choice(("period_end", "data_end")),
                "share_threshold": fraction,
            }
        ),
        "policy_rate": Fields(
            {
                "rate": Choice(RATES),
                "years_shown": Int(1, 50),
                "lower": SeriesId(),
                "upper": SeriesId(),
                "effective": SeriesId(),
            }
        ),
        "window_gain": Fields(
            {
                "series": ListOf(role, 1, 20),
                "also_shown": ListOf(role, 0, 20),
                "combine": Choice(("min", "max")),
                "at": Choice(("end", "peak")),
                "base": Choice(BASES),
                "months": Int(1, 120),
            }
        ),
        "relative_return": Fields(
            {
                "series": ListOf(role, 1, 20),
                "benchmarks": ListOf(role, 1, 20),
                "also_shown": ListOf(role, 0, 20),
                "direction": Choice(("above", "below")),
                "base": Choice(BASES),
                "months": Int(1, 120),
                "not_tested": note,
            }
        ),
        "period_range": Fields(
            {
                "band": Number(0, 10, lo_open=True),
                "test": Choice(("return", "high_low")),
                "series": role,
                "against": role,
                "context": ListOf(SeriesId(), 0, 20),
                "period": Period(),
            }
        ),
        "breadth": Fields(
            {
                "measures": ListOf(Choice(BREADTH_MEASURES), 1, 10),
                "small": role,
                "large": role,
                "equal_weight": SeriesId(),
                "cap_weight": SeriesId(),
                "factors": SeriesId(),
                "period": Period(),
            }
        ),
        "curve_change": Fields(
            {
                "window": Choice(CURVE_WINDOWS),
                "months": Int(1, 120),
                "long": SeriesId(),
                "short": SeriesId(),
                "max_age_days": Int(0, 366),
                "table_months": ListOf(Int(1, 120), 0, 20),
                "rise_above_bp": Number(),
                "not_tested": note,
            }
        ),
        **macro_param_specs(),  # the macro kinds declare their own (rotation.claims.measures.macro.param_specs)
    }
