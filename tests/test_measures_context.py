"""The 05 claim kinds (rotation.claims.measures.context) on a synthetic data folder with planted answers.

The planted world (weekdays from 2022-12-01 to 2026-01-30; as_of 2026-01-21):
* small caps (RUT.csv) lose to large caps (GSPC.csv) every session except the last 6 up to
  as_of (2026-01-14..21, +1.0% against +0.1% a day): the streak window runs from the close of
  2026-01-13 to the close of 2026-01-21;
* 2023-2024: RUT +10% a year, S&P +20% a year, RSP +8% a year, SPY +20% a year, SMB -0.02% a day;
* 2025: RUT +11.3% (with a -20% dip and recovery in April), S&P +16%;
* HBAN +12% over the streak window, RF +8% (its highest close +11%, rows of 2026-01-15 and 2026-01-19 absent),
  NVDA -5%, MSFT +1%, KRE +9%;
* fed funds target lower bound 3.50% from 2025-12-11 (three 25 bp cuts in 2025), DFF 3.64%;
* 10y-2y spread 0.30 pp on 2025-01-13, rising linearly to 0.70 on 2026-01-13, then 0.65 on as_of.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import planted_readings
from rotation.analytics.macro import change_between
from rotation.claims import evaluate
from rotation.claims import registry as claims_file
from rotation.claims.measures.context import window_changes
from rotation.claims.measuring import Context
from rotation.core.errors import ParameterError
from rotation.core.verdicts import Verdict

AS_OF = pd.Timestamp("2026-01-21")
BASE = pd.Timestamp("2026-01-13")
DAYS = pd.bdate_range("2022-12-01", "2026-01-30", name="date")
STREAK = DAYS[(DAYS > BASE) & (DAYS <= AS_OF)]


def path_from_daily(daily: pd.Series, start: float = 100.0) -> pd.Series:
    """Closes whose close-to-close returns are ``daily`` (first close = ``start``)."""
    return start * (1 + daily).cumprod()


def yearly(rate: float, days: pd.DatetimeIndex) -> float:
    """Constant daily return giving ``rate`` over the sessions ``days``."""
    return (1 + rate) ** (1 / len(days)) - 1


def index_paths() -> tuple[pd.Series, pd.Series]:
    small = pd.Series(0.0, index=DAYS)
    large = pd.Series(0.0, index=DAYS)
    y2324 = DAYS[(DAYS >= "2023-01-01") & (DAYS <= "2024-12-31")]
    small[y2324] = yearly(0.21, y2324)  # (1.10)^2 - 1 over two years
    large[y2324] = yearly(0.44, y2324)
    y25 = DAYS[(DAYS >= "2025-01-01") & (DAYS <= "2025-12-31")]
    large[y25] = yearly(0.16, y25)
    dip, rebound = (
        y25[(y25 >= "2025-04-01") & (y25 <= "2025-04-10")],
        y25[(y25 >= "2025-04-11") & (y25 <= "2025-04-24")],
    )
    rest = y25.difference(dip).difference(rebound)
    small[dip] = (0.80) ** (1 / len(dip)) - 1
    small[rebound] = (1 / 0.80) ** (1 / len(rebound)) - 1
    small[rest] = yearly(0.113, rest)
    jan = DAYS[(DAYS >= "2026-01-01") & (DAYS <= BASE)]
    small[jan] = -0.001
    small[STREAK] = 0.010
    large[STREAK] = 0.001
    after = DAYS[DAYS > AS_OF]
    small[after] = -0.005
    small.iloc[0] = large.iloc[0] = 0.0
    return path_from_daily(small).rename("rut"), path_from_daily(large).rename("spx")


def window_stock(total: float, peak: float | None = None, name: str = "x") -> pd.Series:
    """Flat at 20 before the streak window, then ``total`` over it (through ``peak`` mid-window when given); flat after."""
    px = pd.Series(20.0, index=DAYS, name=name)
    if peak is None:
        px[STREAK] = 20.0 * (1 + total) ** (np.arange(1, len(STREAK) + 1) / len(STREAK))
    else:
        half = len(STREAK) // 2
        up = 20.0 * (1 + peak) ** (np.arange(1, half + 1) / half)
        down = np.linspace(20.0 * (1 + peak), 20.0 * (1 + total), len(STREAK) - half + 1)[1:]
        px[STREAK] = np.concatenate([up, down])
    px[DAYS > AS_OF] = px[AS_OF]
    return px


def weekday_yields() -> tuple[pd.Series, pd.Series]:
    days = pd.bdate_range("2024-01-01", "2026-01-30", name="date")
    short = pd.Series(3.60, index=days)
    spread = pd.Series(np.nan, index=days)
    spread[days <= "2025-01-13"] = 0.30
    rise = days[(days >= "2025-01-13") & (days <= BASE)]
    spread[rise] = np.linspace(0.30, 0.70, len(rise))
    fall = days[(days >= BASE) & (days <= AS_OF)]
    spread[fall] = np.linspace(0.70, 0.65, len(fall))
    spread[days > AS_OF] = 0.65
    long = (short + spread).round(6)
    return long, short


def write(folder: Path, file: str, frame: pd.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    out.insert(0, "date", out.index.strftime("%Y-%m-%d"))
    out.to_csv(folder / file, index=False)


def one(series: pd.Series, column: str) -> pd.DataFrame:
    return series.rename(column).to_frame()


def build_data(folder: Path) -> None:
    rut, spx = index_paths()
    write(folder, "RUT.csv", one(rut, "close"))
    write(folder, "GSPC.csv", one(spx, "close"))
    y2324 = DAYS[(DAYS >= "2023-01-01") & (DAYS <= "2024-12-31")]
    rsp = pd.Series(0.0, index=DAYS)
    spy = pd.Series(0.0, index=DAYS)
    rsp[y2324], spy[y2324] = yearly(0.1664, y2324), yearly(0.44, y2324)
    write(folder, "RSP.csv", one(path_from_daily(rsp, 50.0), "adj_close"))
    write(folder, "SPY.csv", one(path_from_daily(spy, 400.0), "adj_close"))
    write(folder, "HBAN.csv", one(window_stock(0.12), "adj_close"))
    rf = window_stock(0.08, peak=0.11)
    write(folder, "RF.csv", one(rf.drop(pd.DatetimeIndex(["2026-01-15", "2026-01-19"])), "adj_close"))
    write(folder, "KRE.csv", one(window_stock(0.09), "adj_close"))
    write(folder, "NVDA.csv", one(window_stock(-0.05), "adj_close"))
    write(folder, "MSFT.csv", one(window_stock(0.01), "adj_close"))
    cal = pd.date_range("2022-12-01", "2026-01-30", name="date")
    lower = pd.Series(4.25, index=cal)
    for when, level in (("2025-09-18", 4.00), ("2025-10-30", 3.75), ("2025-12-11", 3.50)):
        lower[cal >= when] = level
    write(folder, "DFEDTARL.csv", one(lower, "value"))
    write(folder, "DFEDTARU.csv", one(lower + 0.25, "value"))
    write(folder, "DFF.csv", one(lower + 0.14, "value"))
    long, short = weekday_yields()
    long_frame = one(long, "value").astype(object)
    long_frame.loc["2025-11-11", "value"] = ""  # a bond-market holiday: FRED leaves it blank
    write(folder, "DGS10.csv", long_frame)
    write(folder, "DGS2.csv", one(short, "value"))
    ff = pd.DataFrame({"mkt_rf": 0.05, "smb": -0.02, "hml": 0.0, "rf": 0.01}, index=DAYS)
    write(folder, "FF_daily.csv", ff)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("context_data")
    build_data(folder)
    return folder


def context_for(tmp_path: Path, data_dir: Path, block: dict, **kw) -> Context:
    head = {
        "title": "planted context",
        "published": str(AS_OF.date()),
        "as_of": str(AS_OF.date()),
        "small": "rut",
        "large": "spx",
        "streak_premise": 3,
    }
    path = tmp_path / "claims.yaml"
    block = planted_readings(block)
    path.write_text(yaml.safe_dump({"article": head, "claims": block}, sort_keys=False), encoding="utf-8")
    return Context(claims=str(path), data_dir=str(data_dir), **kw)


def claim(kind: str, compare: str = "criteria", **extra) -> dict:
    return {
        "notebook": "05_context",
        "kind": kind,
        "quote": "q",
        "compare": compare,
        "unit": extra.pop("unit", "criteria"),
        "claimed": extra.pop("claimed", "x"),
        **extra,
    }


BANKS = claim(
    "window_gain",
    compare="at_least",
    unit="fraction",
    claimed=0.10,
    tolerance=0,
    premise="streak",
    params={"series": ["hban", "rf"], "combine": "min", "also_shown": ["kre"]},
    alternatives=[
        {"choice": "series measured", "label": "either bank", "params": {"combine": "max"}},
        {"choice": "gain measured", "label": "to the highest close", "params": {"at": "peak"}},
    ],
)


def test_the_planted_streak_window(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"b": BANKS})
    assert ctx.streak["sessions"] == len(STREAK) == 6
    assert ctx.streak["base"] == BASE


def test_window_gain_is_the_smaller_bank_and_flips_under_either_bank(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"b": BANKS})
    j = evaluate.evaluate(ctx, "b")
    m = j.measurement
    assert m.value == pytest.approx(0.08)  # RF, the smaller; its missing mid-window rows do not matter
    assert m.window == (BASE, AS_OF)
    assert m.rows["hban"]["return"] == pytest.approx(0.12)
    assert m.rows["kre"]["return"] == pytest.approx(0.09)  # shown, not counted
    assert m.rows["rf"]["peak_gain"] == pytest.approx(0.11)
    assert m.evidence.loc["rf", "base close"] == 20.0 and m.evidence.loc["rf", "end close"] == pytest.approx(21.6)
    assert j.verdict == Verdict.REFUTED
    table = j.sensitivity.set_index("choice")
    assert table.loc["series measured", "verdict"] == "confirmed"  # HBAN +12%
    assert table.loc["gain measured", "verdict"] == "confirmed"  # min(12%, 11%) = 11%
    assert j.robustness == 'depends on series measured ("q"), gain measured ("q")'
    assert j.label == 'refuted, but depends on series measured ("q"), gain measured ("q")'


def test_window_gain_bases(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"b": {**BANKS, "params": {"series": ["hban"], "base": "first_session"}}})
    first = STREAK[0]
    hban = window_stock(0.12)
    assert evaluate.measure(ctx, ctx.registry["claims"]["b"]).value == pytest.approx(hban[AS_OF] / hban[first] - 1)
    ctx = context_for(tmp_path, data_dir, {"b": {**BANKS, "params": {"series": ["hban"], "base": "year_end"}}})
    m = evaluate.measure(ctx, ctx.registry["claims"]["b"])
    assert m.window[0] == pd.Timestamp("2025-12-31") and m.value == pytest.approx(0.12)
    ctx = context_for(
        tmp_path, data_dir, {"b": {**BANKS, "params": {"series": ["hban"], "base": "months", "months": 3}}}
    )
    assert evaluate.measure(ctx, ctx.registry["claims"]["b"]).window[0] == pd.Timestamp("2025-10-21")
    with pytest.raises(ParameterError, match="params.base"):  # refused by the schema when the claims file is loaded
        context_for(tmp_path, data_dir, {"b": {**BANKS, "params": {"series": ["hban"], "base": "week"}}})


def test_window_gain_not_verifiable_names_series_and_dates(tmp_path, data_dir):
    short = tmp_path / "short"
    short.mkdir()
    for f in data_dir.iterdir():
        (short / f.name).write_bytes(f.read_bytes())
    hban = window_stock(0.12).loc[:"2026-01-20"]
    write(short, "HBAN.csv", one(hban, "adj_close"))
    ctx = context_for(tmp_path, short, {"b": BANKS})
    j = evaluate.evaluate(ctx, "b")
    assert j.verdict == Verdict.NOT_VERIFIABLE
    assert (
        "hban has no close on 2026-01-21" in j.measurement.reason and "2022-12-01 to 2026-01-20" in j.measurement.reason
    )


def test_claims_about_the_streak_do_not_apply_without_one(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"b": BANKS}, as_of="2026-01-27")  # small caps lose after as_of
    j = evaluate.evaluate(ctx, "b")
    assert j.verdict == Verdict.NOT_APPLICABLE and "0 session(s)" in j.measurement.reason


MEGA = claim(
    "relative_return",
    premise="streak",
    params={"series": ["nvda", "msft"], "benchmarks": ["large"], "direction": "below"},
    alternatives=[{"choice": "benchmark", "label": "against the small caps", "params": {"benchmarks": ["small"]}}],
)


def test_relative_return_criteria_and_a_benchmark_flip(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"m": MEGA})
    j = evaluate.evaluate(ctx, "m")
    large_ret = 1.001**6 - 1
    assert j.measurement.rows["spx"]["return"] == pytest.approx(large_ret)
    assert j.measurement.value == {
        "nvda return below spx's": True,
        "msft return below spx's": False,
    }  # -5% and +1% against +0.6%
    assert j.verdict == Verdict.PARTLY_TRUE
    assert j.sensitivity.set_index("choice").loc["benchmark", "verdict"] == "confirmed"  # RUT +6.2%: both below
    assert j.robustness == 'depends on benchmark ("q")'


def test_relative_return_above_reports_what_it_does_not_test(tmp_path, data_dir):
    sectors = claim(
        "relative_return",
        premise="streak",
        params={
            "series": ["kre", "hban"],
            "benchmarks": ["large"],
            "direction": "above",
            "not_tested": "energy: no series",
        },
        alternatives=[{"choice": "base close", "label": "first session", "params": {"base": "first_session"}}],
    )
    ctx = context_for(tmp_path, data_dir, {"s": sectors})
    j = evaluate.evaluate(ctx, "s")
    assert j.verdict == Verdict.CONFIRMED and j.robustness == "robust"
    assert "not tested here: energy: no series" in j.measurement.detail


RANGE = claim(
    "period_range",
    about={"period": "2025-01-01 to 2025-12-31", "looks": "back"},
    params={"band": 0.10},
    alternatives=[
        {"choice": "band", "label": "+/-12.5%", "params": {"band": 0.125}},
        {"choice": "rangebound test", "label": "high/low", "params": {"test": "high_low", "band": 0.125}},
    ],
)


def test_period_range_planted_year_flips_with_the_band(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"r": RANGE})
    j = evaluate.evaluate(ctx, "r")
    stats = j.measurement.stats
    assert stats["rut"]["return"] == pytest.approx(0.113) and stats["spx"]["return"] == pytest.approx(0.16)
    assert stats["rut"]["low_date"] == pd.Timestamp("2025-04-10")
    assert j.measurement.value == {"rut return within +/-10.0%": False, "rut return below spx's": True}
    assert j.verdict == Verdict.PARTLY_TRUE
    table = j.sensitivity.set_index("choice")
    assert table.loc["band", "verdict"] == "confirmed"
    assert (
        table.loc["rangebound test", "verdict"] == "partly true"
    )  # the April dip makes the range wider than +/-12.5% allows
    assert j.robustness == 'depends on band ("q")'


def test_fixed_period_claims_wait_for_their_period(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"r": RANGE}, as_of="2025-06-30")
    j = evaluate.evaluate(ctx, "r")
    assert j.verdict == Verdict.NOT_APPLICABLE and "never judged on another period" in j.measurement.reason


BREADTH = claim(
    "breadth",
    about={"period": "2023-01-01 to 2024-12-31", "looks": "back"},
    params={"measures": ["small_vs_large", "smb", "equal_weight"], "equal_weight": "rsp", "cap_weight": "spy"},
    alternatives=[
        {"choice": "breadth measure", "label": "RSP vs SPY", "params": {"measures": ["equal_weight"]}},
        {"choice": "years", "label": "2024 only", "params": {"period": "2024-01-01 to 2024-12-31"}},
    ],
)


def test_breadth_all_criteria_and_robust(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"a": BREADTH})
    j = evaluate.evaluate(ctx, "a")
    rows = j.measurement.rows
    assert rows["whole period"]["rut"] == pytest.approx(0.21) and rows["whole period"]["spx"] == pytest.approx(0.44)
    assert rows["whole period"]["rsp"] == pytest.approx(0.1664) and rows["whole period"]["spy"] == pytest.approx(0.44)
    n = len(DAYS[(DAYS >= "2023-01-01") & (DAYS <= "2024-12-31")])
    assert rows["whole period"]["smb"] == pytest.approx(0.9998**n - 1)
    assert set(rows) == {"2023", "2024", "whole period"}
    assert all(j.measurement.value.values()) and j.verdict == Verdict.CONFIRMED
    assert j.robustness == "robust"


def test_policy_rate_at_as_of_and_the_cuts_of_the_year_before(tmp_path, data_dir):
    fed = claim(
        "policy_rate",
        compare="equal",
        unit="percent",
        claimed=3.50,
        tolerance=0,
        partly_tolerance=0.25,
        alternatives=[
            {
                "choice": "rate read",
                "label": "effective",
                "params": {"rate": "effective"},
                "claimed": 3.625,
                "tolerance": 0.125,
            }
        ],
    )
    ctx = context_for(tmp_path, data_dir, {"f": fed})
    j = evaluate.evaluate(ctx, "f")
    assert j.measurement.value == pytest.approx(3.50) and j.verdict == Verdict.CONFIRMED
    assert j.robustness == "robust"  # DFF 3.64 is within 3.50-3.75
    assert list(j.measurement.evidence["change (bp)"]) == [-25, -25, -25]
    assert "target changes in 2025: 3" in j.measurement.detail and "-75 bp in total" in j.measurement.detail
    early = context_for(tmp_path, data_dir, {"f": fed}, as_of="2023-06-01")
    assert evaluate.evaluate(early, "f").verdict == Verdict.REFUTED  # 4.25: the claim moves with as_of


CURVE = claim(
    "curve_change",
    premise="streak",
    params={"window": "streak"},
    alternatives=[
        {"choice": "window", "label": "3 months before", "params": {"window": "before_streak", "months": 3}},
        {"choice": "window", "label": "12 months to as_of", "params": {"window": "to_as_of", "months": 12}},
    ],
)


def test_curve_change_planted_flattening_and_the_window_flip(tmp_path, data_dir):
    ctx = context_for(tmp_path, data_dir, {"c": CURVE})
    j = evaluate.evaluate(ctx, "c")
    m = j.measurement
    rows = {r["key"]: r for r in m.rows}
    assert rows["streak"]["change_bp"] == pytest.approx(-5.0) and rows["streak"]["direction"] == "fell"
    assert rows["streak"]["from_date"] == BASE and rows["streak"]["to_date"] == AS_OF
    assert list(m.value.values()) == [False] and j.verdict == Verdict.REFUTED
    long, short = weekday_yields()
    planted = long - short
    assert rows["before_streak:3"]["direction"] == "rose"
    assert rows["to_as_of:12"]["change_bp"] == pytest.approx(
        100 * (planted[AS_OF] - planted[pd.Timestamp("2025-01-21")])
    )
    assert set(j.sensitivity["verdict"].iloc[1:]) == {"confirmed"}
    assert j.robustness == 'depends on window ("q")'
    assert set(m.evidence.columns) >= {"change (bp)", "direction"}


def test_curve_change_over_every_window_ending_at_as_of_is_one_criterion_each(tmp_path, data_dir):
    allowed = {**CURVE, "params": {"window": "all_to_as_of", "table_months": [3, 12]}, "alternatives": []}
    ctx = context_for(tmp_path, data_dir, {"c": allowed})
    m = evaluate.evaluate(ctx, "c").measurement
    assert m.keys == ("streak", "to_as_of:3", "to_as_of:12")
    rows = {r["key"]: r for r in m.rows}
    assert [v for v in m.value.values()] == [rows[k]["change_bp"] > 0 for k in m.keys]
    assert list(m.value.values())[0] is False  # the planted flattening over the streak window
    assert set(m.evidence.loc[m.evidence["verdict window"]].index) == {rows[k]["window"] for k in m.keys}
    assert not any(k.startswith("before_streak") for k in m.keys)  # windows ending before the run: context only


def test_one_change_table_serves_the_curve_and_the_macro_windows():
    series = pd.Series([1.0, 2.0, 4.0], index=pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]))
    windows = [
        ("a", "A", pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-01")),
        ("b", "B", pd.Timestamp("2020-01-01"), pd.Timestamp("2025-02-01")),
    ]
    rows = window_changes(series, windows, change=change_between, extra=("pct_change",))
    assert rows[0]["change"] == 3.0 and rows[0]["pct_change"] == 3.0 and rows[0]["key"] == "a"
    assert rows[1]["direction"] == "n/a" and np.isnan(rows[1]["pct_change"]) and rows[1]["why"]  # no value near 2020


def test_curve_change_threshold_in_bp(tmp_path, data_dir):
    twelve = {
        **CURVE,
        "params": {"window": "before_streak", "months": 12},
        "alternatives": [{"choice": "threshold", "label": "more than 50 bp", "params": {"rise_above_bp": 50}}],
    }
    ctx = context_for(tmp_path, data_dir, {"c": twelve})
    j = evaluate.evaluate(ctx, "c")
    assert j.verdict == Verdict.CONFIRMED  # +40 bp over the 12 months before the streak (0.30 -> 0.70)
    assert j.sensitivity.set_index("choice").loc["threshold", "verdict"] == "refuted"
    assert j.robustness == 'depends on threshold ("q")'


def test_curve_change_needs_the_yields(tmp_path, data_dir):
    trailing = {**CURVE, "premise": None, "params": {"window": "to_as_of", "months": 3}, "alternatives": []}
    ctx = context_for(tmp_path, data_dir, {"c": trailing}, as_of="2023-06-01")  # the yields start in 2024
    j = evaluate.evaluate(ctx, "c")
    assert j.verdict == Verdict.NOT_VERIFIABLE
    assert "needs dgs10 and dgs2" in j.measurement.reason and "dgs10 2024-01-01 to 2026-01-30" in j.measurement.reason


def test_every_05_claim_of_the_article_file_has_a_known_kind_or_a_reason():
    registry = claims_file.load_registry()
    for cid, c in registry["claims"].items():
        if c["notebook"] != "05_context":
            continue
        if c["compare"] in claims_file.UNJUDGED:
            assert c["reason"]
        else:
            assert c["kind"] != "notebook", cid
            assert all(alt["choice"] and alt["label"] for alt in c.get("alternatives", []))
