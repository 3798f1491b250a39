"""The three corpus articles' claims files (docs/examples/*.yaml), each verdict recomputed here.

The recomputation is independent of the package: plain pandas on the CSV files of the real data
folder, with its own definitions, written out here:

- closes: the ``close`` column of the index files (price indexes, no dividends); a pair is read on
  the dates both files have (inner join on the date);
- a session return is close / previous close - 1 (fractions, close to close); a return over a
  window runs from the close of the session before its first session (its base) to the close of
  its last session; a pair's return is small's return minus large's (a difference of fractions);
- "beats": small's session return is strictly above large's; a streak is the number of
  consecutive sessions, ending at the claim's date, on which the condition held;
- a rank is 1 + the number of earlier comparable values strictly larger; a record is a value no
  earlier one exceeds; "since" holds when the last earlier value at least as large ends inside the
  named dates; earlier streaks are the completed ones that ended before the current one started;
- forward outcomes after a streak of at least L sessions are measured from the close of the first
  session the condition failed (the "first loss") over h sessions, counting only events whose h
  sessions have closed by the claim's date; the any-time rate uses every session whose h-session
  window has closed by then.

Each test runs one claim through ``rotation.claims.evaluate`` and asserts that the tool's measured
value equals the value computed here (within ``VALUE_TOL``, or exactly for counts, ranks and
booleans), and that its verdict and robustness label are those the value computed here implies
under the claim's own decision rule (``implied_verdict``, written here, not the package's).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "docs" / "examples"
FILES = {"rut": "RUT.csv", "spx": "GSPC.csv"}  # catalogue id -> file of the data folder (data/README.md)
VALUE_TOL = 1e-9  # fractions: the tool and this module read the same closes with the same definition

# =============================================================================================
# Independent recomputation (plain pandas on the CSV files)


def closes(folder: Path, series_id: str) -> pd.Series:
    """Daily closes of one index file, indexed by date."""
    frame = pd.read_csv(folder / FILES[series_id], parse_dates=["date"], index_col="date")
    return frame["close"].astype(float).dropna().sort_index()


def pair_closes(folder: Path, small: str, large: str) -> pd.DataFrame:
    """Closes of two indexes on the dates both files have: columns ``small``, ``large``."""
    return pd.concat({"small": closes(folder, small), "large": closes(folder, large)}, axis=1, join="inner").dropna()


def last_on_or_before(index: pd.DatetimeIndex, when: str) -> pd.Timestamp:
    """The last date of ``index`` on or before ``when``."""
    return index[index <= pd.Timestamp(when)][-1]


def change(close: pd.Series | pd.DataFrame, base: pd.Timestamp, end: pd.Timestamp):
    """Simple return from the close of ``base`` to the close of ``end``."""
    return close.loc[end] / close.loc[base] - 1.0


def spread_of(r) -> float:
    """A pair's return: small minus large."""
    return float(r["small"] - r["large"])


def window_return(
    close, at: str, *, sessions: int | None = None, ytd: bool = False, base: str | None = None, end: str | None = None
):
    """Return over a window ending at ``at`` (or at ``end``): N sessions, year to date, or from a base date."""
    idx = close.index
    stop = last_on_or_before(idx, end or at)
    pos = idx.get_loc(stop)
    if sessions is not None:
        start = idx[pos - sessions]
    elif ytd:
        start = idx[idx < pd.Timestamp(year=stop.year, month=1, day=1)][-1]
    else:
        start = last_on_or_before(idx, base)
    return change(close, start, stop)


def session_return(close, at: str):
    return window_return(close, at, sessions=1)


def beats(pair: pd.DataFrame) -> pd.Series:
    """Small's session return strictly above large's (False on the first date)."""
    r = pair.pct_change()
    return (r["small"] > r["large"]).iloc[1:]


def rises_by(close: pd.Series, x: float) -> pd.Series:
    """Session return at least ``x`` (False on the first date)."""
    return (close.pct_change() >= x - 1e-12).iloc[1:]


def runs_of(flags: pd.Series) -> pd.DataFrame:
    """Every run of True: ``start``, ``end``, ``length`` (sessions), in time order."""
    f = flags.astype(bool)
    group = (f != f.shift()).cumsum()
    dates = f.index.to_series()
    table = pd.DataFrame(
        {
            "value": f.groupby(group).first(),
            "start": dates.groupby(group).first(),
            "end": dates.groupby(group).last(),
            "length": f.groupby(group).size(),
        }
    )
    return table[table["value"]].drop(columns="value").reset_index(drop=True)


def streak_at(flags: pd.Series, at: str) -> int:
    """Sessions in the run of True ending at ``at`` (0 when the flag is False there)."""
    f = flags.loc[:at]
    if not f.iloc[-1]:
        return 0
    false_before = f.index[~f.to_numpy()]
    return len(f.loc[false_before[-1] :]) - 1 if len(false_before) else len(f)


def earlier_runs(flags: pd.Series, at: str) -> pd.DataFrame:
    """Completed runs that ended before the run in force at ``at`` started."""
    f = flags.loc[:at]
    runs = runs_of(f)
    current = streak_at(f, at)
    cut = f.index[-current] if current else f.index[-1] + pd.Timedelta(days=1)
    return runs[runs["end"] < cut]


def streak_rank(flags: pd.Series, at: str) -> int:
    return int(1 + (earlier_runs(flags, at)["length"] > streak_at(flags, at)).sum())


def streak_since(flags: pd.Series, at: str, first: str, last: str) -> bool:
    """The last earlier run at least as long as the current one ended within first..last."""
    runs = earlier_runs(flags, at)
    longer = runs[runs["length"] >= streak_at(flags, at)]
    return bool(len(longer)) and pd.Timestamp(first) <= longer["end"].iloc[-1] <= pd.Timestamp(last)


def count_runs_reaching(flags: pd.Series, min_length: int, at: str, since: str) -> int:
    """Runs that reached ``min_length`` sessions on a date from ``since`` to ``at``."""
    runs = runs_of(flags.loc[:at])
    runs = runs[runs["length"] >= min_length]
    reach = [flags.index[flags.index.get_loc(s) + min_length - 1] for s in runs["start"]]
    return int(sum(pd.Timestamp(since) <= d <= pd.Timestamp(at) for d in reach))


def rolling_pair_returns(pair: pd.DataFrame, sessions: int, how: str = "simple") -> pd.Series:
    """At each date: small minus large over the ``sessions`` ending there (simple or log returns, or the ratio's change)."""
    if how == "simple":
        r = pair / pair.shift(sessions) - 1.0
        return (r["small"] - r["large"]).dropna()
    if how == "log":
        r = np.log(pair / pair.shift(sessions))
        return (r["small"] - r["large"]).dropna()
    ratio = pair["small"] / pair["large"]
    return (ratio / ratio.shift(sessions) - 1.0).dropna()


def rolling_record(values: pd.Series, at: str) -> bool:
    v = values.loc[:at]
    return bool((v.iloc[:-1] <= v.iloc[-1] + 1e-12).all())


def rolling_rank(values: pd.Series, at: str) -> int:
    v = values.loc[:at]
    return int(1 + (v.iloc[:-1] > v.iloc[-1] + 1e-12).sum())


def rolling_since(values: pd.Series, at: str, first: str, last: str) -> bool:
    v = values.loc[:at]
    at_least = v.iloc[:-1][v.iloc[:-1] >= v.iloc[-1] - 1e-12]
    return bool(len(at_least)) and pd.Timestamp(first) <= at_least.index[-1] <= pd.Timestamp(last)


def forward_after_streaks(
    pair: pd.DataFrame, min_length: int, horizon: int, at: str, start: str | None = None
) -> pd.DataFrame:
    """Per event (a ``beats`` run of at least ``min_length`` that has broken): small and large returns
    over ``horizon`` sessions from the close of the first losing session; complete windows by ``at`` only,
    first losing sessions from ``start`` on."""
    known = pair.loc[:at]
    flags = beats(known)
    idx = known.index
    rows = []
    for end in runs_of(flags).query("length >= @min_length")["end"]:
        anchor = idx.get_loc(end) + 1
        if anchor + horizon < len(idx) and (start is None or idx[anchor] >= pd.Timestamp(start)):
            r = known.iloc[anchor + horizon] / known.iloc[anchor] - 1.0
            rows.append({"anchor": idx[anchor], "small": r["small"], "large": r["large"]})
    return pd.DataFrame(rows)


def any_time_mean(pair: pd.DataFrame, column: str, horizon: int, at: str, start: str | None = None) -> float:
    """Mean ``horizon``-session return of ``column`` from every session (from ``start`` on) whose window closed by ``at``."""
    known = pair.loc[start:at, column]
    return float((known.shift(-horizon) / known - 1.0).dropna().mean())


def year_window(pair: pd.DataFrame, year: int, *, first: str | None = None, last: str | None = None, sessions=None):
    """``(base, end)`` dates of a window of calendar year ``year``: from the last close before ``first``
    (MM-DD) to the last close on or before ``last`` (MM-DD), or the first ``sessions`` sessions of the
    year (base: the previous year's last close). None where the data do not hold it."""
    idx = pair.index
    if sessions is not None:
        inside = idx[idx.year == year]
        before = idx[idx.year < year]
        if len(inside) < sessions or not len(before):
            return None
        return before[-1], inside[sessions - 1]
    before = idx[idx < pd.Timestamp(f"{year}-{first}")]
    upto = idx[idx <= pd.Timestamp(f"{year}-{last}")]
    if not len(before) or upto[-1] <= before[-1]:
        return None
    return before[-1], upto[-1]


def year_spreads(pair: pd.DataFrame, years, **window) -> pd.Series:
    """Small minus large return over the calendar window of each year (years the data hold)."""
    out = {}
    for y in years:
        w = year_window(pair, y, **window)
        if w is not None:
            out[y] = spread_of(change(pair, *w))
    return pd.Series(out, dtype=float)


def after_calendar_events(pair: pd.DataFrame, at: str, event: dict, then: str, test) -> pd.DataFrame:
    """Years from 1979 whose event window's small-minus-large return passes ``test``, and the returns over
    ``then`` after it ("next_year", "january", "feb_dec" of the next year, or "rest": the tenth session's
    close to the year's last close), only where the outcome window is over by ``at``."""
    at = pd.Timestamp(at)
    rows = []
    for y in range(1979, at.year):
        w = year_window(pair, y, **event)
        if w is None or not test(spread_of(change(pair, *w))):
            continue
        if then == "rest":
            base, end, over = w[1], pair.index[pair.index.year == y][-1], pd.Timestamp(f"{y}-12-31")
        else:
            first, last = {
                "next_year": ("01-01", "12-31"),
                "january": ("01-01", "01-31"),
                "feb_dec": ("02-01", "12-31"),
            }[then]
            base, end = year_window(pair, y + 1, first=first, last=last)
            over = pd.Timestamp(f"{y + 1}-{last}")
        if (over.day_of_week < 5 and end < over) or over > at:
            continue  # the outcome window's last weekday has not closed by the claim date
        r = change(pair, base, end)
        rows.append({"year": y, "small": r["small"], "large": r["large"]})
    return pd.DataFrame(rows)


# =============================================================================================
# The decision rule, written here from the claims files' fields (docs/check_another_article.md)


def implied_verdict(value: object, claim: dict) -> str:
    """The verdict a value implies under a claim's ``compare``, ``claimed``, ``tolerance``, ``partly_tolerance``."""
    compare = claim["compare"]
    if compare == "boolean":
        return "confirmed" if bool(value) is bool(claim["claimed"]) else "refuted"
    target, tol = float(claim["claimed"]), float(claim.get("tolerance", 0))
    partly = claim.get("partly_tolerance")
    v = float(value)
    gap = {"equal": abs(v - target), "at_least": target - v, "at_most": v - target}[compare]
    if gap <= tol + 1e-12:
        return "confirmed"
    if partly is not None and gap <= float(partly) + 1e-12:
        return "partly true"
    return "refuted"


# =============================================================================================
# Reference values, claim by claim: f(folder) -> value, and for each listed alternative its value


def _pair(folder: Path) -> pd.DataFrame:
    return pair_closes(folder, "rut", "spx")


ARTICLE_DATA = "1988-01-01"  # Schaeffer's: "We have RUT data going back to 1988"


def _fwd(folder: Path, horizon: int, what: str) -> float:
    rows = forward_after_streaks(_pair(folder), 8, horizon, "2026-01-27", ARTICLE_DATA)
    if what == "share_positive":
        return float((rows["small"] > 0).mean())
    if what == "share_beating":
        return float((rows["small"] > rows["large"]).mean())
    return float(rows[what].mean())


def _year_spread(year: int):
    return lambda f: spread_of(window_return(_pair(f), f"{year}-12-31", base=f"{year - 1}-12-31"))


def _dw_after(folder: Path, at: str, event: str, then: str, test: str, what: str = "relative") -> float:
    """Dorsey Wright's year-by-year outcomes: mean small, large or relative return, or the share beating."""
    window = {"h2": {"first": "07-01", "last": "12-31"}, "start": {"sessions": 10}}[event]
    passes = {"win": lambda v: v > 0, "loss": lambda v: v < 0, "strong": lambda v: v > 0.025}[test]
    rows = after_calendar_events(_pair(folder), at, window, then, passes)
    rel = rows["small"] - rows["large"]
    return float(
        {
            "small": rows["small"].mean(),
            "large": rows["large"].mean(),
            "relative": rel.mean(),
            "beating": (rel > 0).mean(),
        }[what]
    )


def _years_led_by_large(folder: Path, last_year: int) -> int:
    """Calendar years in a row, back from ``last_year``, in which small's return minus large's was below zero."""
    run = 0
    while _year_spread(last_year - run)(folder) < 0:
        run += 1
    return run


SCHAEFFERS = {
    "spx_led_five_years": (lambda f: _years_led_by_large(f, 2025), {}),
    **{f"spx_led_{y}": (_year_spread(y), {}) for y in range(2021, 2026)},
    "rut_ytd_over_7pct": (lambda f: float(window_return(closes(f, "rut"), "2026-01-27", ytd=True)), {}),
    "spx_ytd_just_over_2pct": (lambda f: float(window_return(closes(f, "spx"), "2026-01-27", ytd=True)), {}),
    "first_14_sessions": (lambda f: int(beats(_pair(f)).loc["2026-01-01":].iloc[:14].sum()), {}),
    "spx_won_jan_23": (lambda f: spread_of(session_return(_pair(f), "2026-01-23")), {}),
    "second_longest": (
        lambda f: streak_rank(beats(_pair(f)), "2026-01-22"),
        {
            "streaks from 1988-01-01, as the article's data": lambda f: streak_rank(
                beats(_pair(f).loc["1987-12-31":]), "2026-01-22"
            )
        },
    ),
    "longest_16_sessions": (lambda f: streak_at(beats(_pair(f)), "1996-05-07"), {}),
    "longest_ended_may_1996": (lambda f: streak_since(beats(_pair(f)), "2026-01-22", "1996-05-01", "1996-05-31"), {}),
    "rut_1m_mean": (
        lambda f: _fwd(f, 21, "small"),
        {"20 sessions (four weeks)": lambda f: _fwd(f, 20, "small"), "22 sessions": lambda f: _fwd(f, 22, "small")},
    ),
    "rut_1m_share_positive": (
        lambda f: _fwd(f, 21, "share_positive"),
        {
            "20 sessions (four weeks)": lambda f: _fwd(f, 20, "share_positive"),
            "22 sessions": lambda f: _fwd(f, 22, "share_positive"),
        },
    ),
    "rut_1m_share_beating": (
        lambda f: _fwd(f, 21, "share_beating"),
        {
            "20 sessions (four weeks)": lambda f: _fwd(f, 20, "share_beating"),
            "22 sessions": lambda f: _fwd(f, 22, "share_beating"),
        },
    ),
    "outperformance_tends_to_continue": (
        lambda f: _fwd(f, 21, "share_beating"),
        {
            "one week (5 sessions)": lambda f: _fwd(f, 5, "share_beating"),
            "three months (63 sessions)": lambda f: _fwd(f, 63, "share_beating"),
        },
    ),
    "rut_6m_flat": (lambda f: _fwd(f, 126, "small"), {}),
    "rut_6m_beating_under_half": (lambda f: _fwd(f, 126, "share_beating"), {}),
    "spx_1m_mean": (
        lambda f: _fwd(f, 21, "large"),
        {"20 sessions (four weeks)": lambda f: _fwd(f, 20, "large"), "22 sessions": lambda f: _fwd(f, 22, "large")},
    ),
    "spx_1m_any_time_mean": (lambda f: any_time_mean(_pair(f), "large", 21, "2026-01-27", ARTICLE_DATA), {}),
    "spx_beat_typical_1m": (
        lambda f: _fwd(f, 21, "large") - any_time_mean(_pair(f), "large", 21, "2026-01-27", ARTICLE_DATA),
        {
            "one week (5 sessions)": lambda f: (
                _fwd(f, 5, "large") - any_time_mean(_pair(f), "large", 5, "2026-01-27", ARTICLE_DATA)
            )
        },
    ),
    "rut_beat_typical_1m": (
        lambda f: _fwd(f, 21, "small") - any_time_mean(_pair(f), "small", 21, "2026-01-27", ARTICLE_DATA),
        {
            "one week (5 sessions)": lambda f: (
                _fwd(f, 5, "small") - any_time_mean(_pair(f), "small", 5, "2026-01-27", ARTICLE_DATA)
            )
        },
    ),
}

BESPOKE = {
    "gain_over_2pct_today": (lambda f: float(session_return(closes(f, "rut"), "2024-07-16")), {}),
    "fifth_straight_1pct_day": (lambda f: streak_at(rises_by(closes(f, "rut"), 0.01), "2024-07-16"), {}),
    "four_other_streaks": (
        lambda f: count_runs_reaching(rises_by(closes(f, "rut"), 0.01), 5, "2024-07-15", "1979-01-01"),
        {},
    ),
    "rut_rallied_last_week": (lambda f: float(window_return(closes(f, "rut"), "2024-07-16", sessions=5)), {}),
    "spx_did_very_little": (lambda f: float(window_return(closes(f, "spx"), "2024-07-16", sessions=5)), {}),
    "biggest_five_day_outperformance": (
        lambda f: rolling_record(rolling_pair_returns(_pair(f), 5), "2024-07-16"),
        {
            "difference of 5-session log returns": lambda f: rolling_record(
                rolling_pair_returns(_pair(f), 5, "log"), "2024-07-16"
            ),
            "5-session change of the ratio Russell 2000 / S&P 500": lambda f: rolling_record(
                rolling_pair_returns(_pair(f), 5, "ratio"), "2024-07-16"
            ),
        },
    ),
    "eclipsed_2020_stretch": (lambda f: rolling_rank(rolling_pair_returns(_pair(f), 5), "2020-03-25"), {}),
    "eclipsed_1987_stretch": (
        lambda f: rolling_since(rolling_pair_returns(_pair(f), 5), "2020-03-25", "1987-10-19", "1987-10-19"),
        {},
    ),
}

DORSEYWRIGHT = {
    "ten_sessions": (lambda f: streak_at(beats(_pair(f)), "2026-01-15"), {}),
    "ytd_lead_over_5pct": (
        lambda f: spread_of(window_return(_pair(f), "2026-01-15", ytd=True)),
        {
            "to the 2026-01-14 close (before the tenth session)": lambda f: spread_of(
                window_return(_pair(f), "2026-01-15", base="2025-12-31", end="2026-01-14")
            )
        },
    ),
    "rut_ytd_over_6pct": (
        lambda f: float(window_return(closes(f, "rut"), "2026-01-15", ytd=True)),
        {
            "to the 2026-01-14 close (before the tenth session)": lambda f: float(
                window_return(closes(f, "rut"), "2026-01-15", base="2025-12-31", end="2026-01-14")
            )
        },
    ),
    "longest_since_2008": (lambda f: streak_since(beats(_pair(f)), "2026-01-15", "2008-01-01", "2008-12-31"), {}),
    "second_half_2025": (lambda f: spread_of(window_return(_pair(f), "2025-12-31", base="2025-06-30")), {}),
    "prior_second_half_wins": (
        lambda f: int((year_spreads(_pair(f), range(1979, 2025), first="07-01", last="12-31") > 0).sum()),
        {},
    ),
    "following_year_after_second_half_win": (lambda f: _dw_after(f, "2025-12-31", "h2", "next_year", "win"), {}),
    "first_month_after_second_half_win": (lambda f: _dw_after(f, "2025-12-31", "h2", "january", "win"), {}),
    "rest_of_following_year_after_second_half_win": (lambda f: _dw_after(f, "2025-12-31", "h2", "feb_dec", "win"), {}),
    "following_year_after_second_half_loss": (lambda f: _dw_after(f, "2025-12-31", "h2", "next_year", "loss"), {}),
    "eight_other_strong_starts": (
        lambda f: int((year_spreads(_pair(f), range(1979, 2026), sessions=10) > 0.025).sum()),
        {},
    ),
    "rut_rest_of_year_after_strong_start": (
        lambda f: _dw_after(f, "2026-01-15", "start", "rest", "strong", "small"),
        {},
    ),
    "spx_rest_of_year_after_strong_start": (
        lambda f: _dw_after(f, "2026-01-15", "start", "rest", "strong", "large"),
        {},
    ),
    "large_caps_regain_ground": (lambda f: _dw_after(f, "2026-01-15", "start", "rest", "strong", "beating"), {}),
}

REFERENCES = {
    "schaeffers_2026-01-28": SCHAEFFERS,
    "bespoke_2024-07-16": BESPOKE,
    "dorseywright_2026-01-15": DORSEYWRIGHT,
}
UNJUDGED = {"untestable": "not testable with price data", "no_data": "not verifiable with the data at hand"}


def claims_of(stem: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{stem}.yaml").read_text(encoding="utf-8"))["claims"]


CASES = [(stem, cid) for stem, refs in REFERENCES.items() for cid in refs]


# =============================================================================================
# Tests


@pytest.mark.parametrize("stem", sorted(REFERENCES))
def test_every_claim_is_recomputed_here_or_registered_as_unjudged(stem: str) -> None:
    """No claim of a corpus file escapes the independent check: it has a reference here, or it says why the data cannot settle it."""
    for cid, entry in claims_of(stem).items():
        if entry["compare"] in UNJUDGED:
            assert entry.get("reason"), f"{stem}: {cid} needs a reason"
            assert cid not in REFERENCES[stem]
        else:
            assert cid in REFERENCES[stem], f"{stem}: claim {cid} has no independent recomputation in this file"


@pytest.mark.parametrize("stem", sorted(REFERENCES))
def test_claims_file_loads(stem: str) -> None:
    from rotation.claims import registry as claims

    registry = claims.load_registry(EXAMPLES / f"{stem}.yaml")
    assert set(registry["claims"]) == set(claims_of(stem))


@pytest.fixture(scope="module")
def contexts(shared_data: Path) -> dict:
    from rotation.claims.measuring import Context

    return {stem: Context(claims=str(EXAMPLES / f"{stem}.yaml"), data_dir=str(shared_data)) for stem in REFERENCES}


@pytest.mark.parametrize("stem,claim_id", CASES)
def test_tool_matches_independent_recomputation(stem: str, claim_id: str, contexts: dict, shared_data: Path) -> None:
    from rotation.claims.evaluate import evaluate

    claim = claims_of(stem)[claim_id]
    reference, alternatives = REFERENCES[stem][claim_id]
    expected = reference(shared_data)
    judgement = evaluate(contexts[stem], claim_id)
    measured = judgement.measurement.value
    assert judgement.measurement.status is None, f"{claim_id}: {judgement.measurement.reason}"
    if isinstance(expected, (bool, np.bool_, int, np.integer)):
        assert measured == expected, f"{claim_id}: tool {measured!r}, recomputed {expected!r}"
    else:
        assert abs(float(measured) - expected) <= VALUE_TOL, f"{claim_id}: tool {measured!r}, recomputed {expected!r}"
    verdict = implied_verdict(expected, claim)
    assert judgement.verdict.value == verdict, (
        f"{claim_id}: tool {judgement.verdict.value}, implied {verdict} by {expected!r}"
    )
    # robustness: each listed alternative's verdict from its own recomputed value
    by_label = {alt["label"]: alt for alt in claim.get("alternatives", [])}
    assert set(alternatives) == set(by_label), f"{claim_id}: every alternative needs a recomputation here"
    flipping = []
    for label, alt_reference in alternatives.items():
        alt = by_label[label]
        rule = {**claim, **{k: alt[k] for k in ("claimed", "tolerance", "partly_tolerance") if k in alt}}
        name = f'{alt["choice"]} ("{alt["rests_on"]}")' if alt["reading"] == "allowed" else None  # docs/readings.md
        if name and implied_verdict(alt_reference(shared_data), rule) != verdict and name not in flipping:
            flipping.append(name)
    if any(alt["reading"] == "allowed" for alt in by_label.values()):
        assert judgement.robustness == ("depends on " + ", ".join(flipping) if flipping else "robust"), claim_id


@pytest.mark.parametrize("stem", sorted(REFERENCES))
def test_unjudged_claims_say_so(stem: str, contexts: dict) -> None:
    from rotation.claims.evaluate import evaluate

    for cid, entry in claims_of(stem).items():
        if entry["compare"] in UNJUDGED:
            assert evaluate(contexts[stem], cid).verdict.value == UNJUDGED[entry["compare"]]


# ---- the recomputation itself, on planted answers


def test_reference_functions_on_a_planted_series() -> None:
    idx = pd.bdate_range("2020-01-01", periods=12)
    small = pd.Series([100, 101, 102, 103, 102, 103, 104, 105, 106, 107, 106, 107], index=idx, dtype=float)
    large = pd.Series(100.0, index=idx)
    pair = pd.concat({"small": small, "large": large}, axis=1)
    flags = beats(pair)  # T T T F T T T T T F T
    assert streak_at(flags, str(idx[3].date())) == 3
    assert streak_at(flags, str(idx[9].date())) == 5
    assert streak_at(flags, str(idx[10].date())) == 0
    assert streak_rank(flags, str(idx[9].date())) == 1
    assert streak_rank(flags, str(idx[11].date())) == 3
    assert streak_since(flags, str(idx[11].date()), str(idx[9].date()), str(idx[9].date()))
    assert count_runs_reaching(flags, 3, str(idx[11].date()), "2019-01-01") == 2
    assert (
        count_runs_reaching(flags, 3, str(idx[7].date()), "2019-01-01") == 2
    )  # the second run reaches 3 sessions on idx[7]
    assert count_runs_reaching(flags, 3, str(idx[6].date()), "2019-01-01") == 1
    assert window_return(small, str(idx[5].date()), sessions=2) == pytest.approx(103 / 103 - 1)
    assert window_return(small, str(idx[5].date()), base=str(idx[0].date())) == pytest.approx(0.03)
    rows = forward_after_streaks(pair, 3, 2, str(idx[11].date()))
    assert list(rows["anchor"]) == [idx[4]]  # the second run breaks at idx[10]: its 2-session window is not complete
    assert rows["small"].iloc[0] == pytest.approx(104 / 102 - 1)
    assert (
        implied_verdict(
            0.0194, {"compare": "equal", "claimed": 0.0225, "tolerance": 0.0025, "partly_tolerance": 0.0075}
        )
        == "partly true"
    )
    assert implied_verdict(4, {"compare": "equal", "claimed": 4, "tolerance": 0}) == "confirmed"
    assert implied_verdict(False, {"compare": "boolean", "claimed": True}) == "refuted"
