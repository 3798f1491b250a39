"""The macro claim kinds (rotation.claims.measures.macro) on a synthetic data folder with planted answers.

The planted world (claims dated around 2026-01-21):
* CPI and core CPI rise 0.2% every month, except December 2025 (-0.5%): year-over-year inflation is
  flat until November 2025 and falls in December 2025, which is published on 2026-01-15 (the declared rule);
* the unemployment rate is 4.0% until November 2025 and 5.5% in December 2025 (published 2026-01-09):
  the Sahm indicator reaches 0.50 pp; payrolls grow 100 thousand a month; no recession month (USREC 0);
* bank loans (BUSLOANS) fall 1% a month until June 2025, then grow 0.5% a month;
* WTI spot 80 USD until 2025-06-30, then 60; the 2-year yield 4.00% until 2026-01-01 (the streak's base close), then 3.80%;
* small caps (RUT) beat large caps (GSPC) every weekday from 2026-01-02 (a 14-session streak at 2026-01-21);
* the fed funds target lower bound is cut 25 bp on 2025-12-11 and then held through 2026-08-31.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import planted_readings
from rotation.claims import evaluate
from rotation.claims.measures.macro import inflation_trend, recession_check
from rotation.claims.measuring import Context
from rotation.core.verdicts import Verdict

MONTHS = pd.date_range("2022-01-01", "2026-07-01", freq="MS", name="date")
DAYS = pd.bdate_range("2024-06-03", "2026-08-31", name="date")


def write(folder: Path, file: str, series: pd.Series, column: str = "value") -> None:
    frame = pd.DataFrame({"date": series.index.strftime("%Y-%m-%d"), column: series.to_numpy()})
    frame.to_csv(folder / file, index=False)


def build(folder: Path) -> None:
    growth = pd.Series(1.002, index=MONTHS)
    growth[pd.Timestamp("2025-12-01")] = 0.995
    cpi = 300 * growth.cumprod()
    write(folder, "CPIAUCSL.csv", cpi)
    write(folder, "CPILFESL.csv", cpi * 1.01)
    unrate = pd.Series(4.0, index=MONTHS)
    unrate[MONTHS >= "2025-12-01"] = 5.5
    write(folder, "UNRATE.csv", unrate)
    write(folder, "PAYEMS.csv", pd.Series(150_000 + 100.0 * np.arange(len(MONTHS)), index=MONTHS))
    write(folder, "USREC.csv", pd.Series(0, index=MONTHS))
    loans = pd.Series(np.where(MONTHS < "2025-07-01", 0.99, 1.005), index=MONTHS)
    write(folder, "BUSLOANS.csv", 2000 * loans.cumprod())
    write(folder, "DCOILWTICO.csv", pd.Series(np.where(DAYS < "2025-07-01", 80.0, 60.0), index=DAYS))
    write(folder, "DGS2.csv", pd.Series(np.where(DAYS < "2026-01-02", 4.0, 3.8), index=DAYS))
    small = pd.Series(np.where(DAYS >= "2026-01-02", 0.01, -0.001), index=DAYS)
    write(folder, "RUT.csv", 100 * (1 + small).cumprod(), "close")
    write(folder, "GSPC.csv", pd.Series(1000.0 * 1.0005 ** np.arange(len(DAYS)), index=DAYS), "close")
    cal = pd.date_range("2024-06-01", "2026-08-31", name="date")
    lower = pd.Series(np.where(cal < "2025-12-11", 3.75, 3.50), index=cal)
    write(folder, "DFEDTARL.csv", lower)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("macro_data")
    build(folder)
    return folder


def context_for(tmp_path: Path, data_dir: Path, block: dict, as_of: str = "2026-01-21", **kw) -> Context:
    head = {
        "title": "planted macro",
        "published": as_of,
        "as_of": as_of,
        "small": "rut",
        "large": "spx",
        "streak_premise": 3,
    }
    path = tmp_path / "claims.yaml"
    block = planted_readings(block)
    path.write_text(yaml.safe_dump({"article": head, "claims": block}, sort_keys=False), encoding="utf-8")
    return Context(claims=str(path), data_dir=str(data_dir), **kw)


def claim(kind: str, params: dict, **extra) -> dict:
    return {
        "notebook": "07_macro",
        "kind": kind,
        "quote": "q",
        "compare": "criteria",
        "unit": "criteria",
        "claimed": "x",
        "params": params,
        **extra,
    }


def test_a_macro_claim_uses_only_what_was_published_by_its_date(tmp_path, data_dir):
    block = {"c": claim("inflation_trend", {"series": ["cpi", "core_cpi"], "months": 3})}
    before = context_for(tmp_path, data_dir, block, as_of="2026-01-14")  # December CPI not out yet (rule: the 15th)
    m = inflation_trend(before, before.registry["claims"]["c"])
    assert [r["latest month"] for r in m.rows["published"]] == [pd.Timestamp("2025-11-01")] * 2
    assert not any(m.value.values())  # flat year-over-year inflation: not cooling
    assert evaluate.evaluate(before, "c").verdict == Verdict.REFUTED
    after = context_for(tmp_path, data_dir, block, as_of="2026-01-15")
    m = inflation_trend(after, after.registry["claims"]["c"])
    assert all(m.value.values())
    change = m.rows["published"][0]["change (pp)"]
    assert change == pytest.approx(
        100 * (1.002**11 * 0.995 - 1.002**12), rel=1e-6
    )  # December's year-over-year rate minus September's
    assert evaluate.evaluate(after, "c").verdict == Verdict.CONFIRMED
    # the revised view counts every month ended by as_of, published or not
    assert [r["latest month"] for r in inflation_trend(before, before.registry["claims"]["c"]).rows["revised"]] == [
        pd.Timestamp("2025-12-01")
    ] * 2


def test_recession_check_sees_the_jump_only_once_published(tmp_path, data_dir):
    block = {"r": claim("recession_check", {"sahm_threshold": 0.5, "payroll_months": 3, "payroll_floor": -100})}
    early = context_for(tmp_path, data_dir, block, as_of="2026-01-08")
    m = recession_check(early, early.registry["claims"]["r"])
    assert m.states["published"]["sahm (pp)"] == pytest.approx(0.0)
    assert all(m.value.values())
    late = context_for(tmp_path, data_dir, block, as_of="2026-01-09")  # December's Employment Situation is out
    m = recession_check(late, late.registry["claims"]["r"])
    assert m.states["published"]["sahm (pp)"] == pytest.approx(0.5)
    assert list(m.value.values()) == [False, True]
    assert evaluate.evaluate(late, "r").verdict == Verdict.PARTLY_TRUE
    assert "USREC" in m.detail


def test_series_change_windows(tmp_path, data_dir):
    block = {
        "oil": claim("series_change", {"series": "wti", "direction": "fell", "window": "months", "months": 12}),
        "rates": claim(
            "series_change",
            {"series": "dgs2", "direction": "fell", "window": "streak"},
            alternatives=[{"choice": "window", "label": "3 months", "params": {"window": "months", "months": 3}}],
        ),
    }
    ctx = context_for(tmp_path, data_dir, block)
    oil = evaluate.evaluate(ctx, "oil")
    assert oil.verdict == Verdict.CONFIRMED
    row = next(r for r in oil.measurement.rows if r["key"] == "months:12")
    assert (row["from_value"], row["to_value"], row["pct_change"]) == (80.0, 60.0, pytest.approx(-0.25))
    rates = evaluate.evaluate(ctx, "rates")
    assert ctx.streak["sessions"] == 14  # 2026-01-02 to 2026-01-21 on the planted weekday calendar
    assert (
        rates.verdict == Verdict.CONFIRMED
    )  # 4.00 at the streak's base close (2026-01-01 is a weekday here), 3.80 at as_of
    assert rates.measurement.window[0] == pd.Timestamp("2026-01-01")
    assert rates.sensitivity.iloc[1]["verdict"] == "confirmed"  # 3 months: 4.00 on 2025-10-21


def test_loan_growth_planted(tmp_path, data_dir):
    block = {"l": claim("loan_growth", {"series": "busloans", "months": 3})}
    ctx = context_for(tmp_path, data_dir, block)
    j = evaluate.evaluate(ctx, "l")
    state = j.measurement.states["published"]
    assert state["latest month"] == pd.Timestamp("2025-12-01")  # published 2026-01-14 under the declared rule
    assert state["3-month growth, annualised (%)"] == pytest.approx(100 * (1.005**12 - 1))
    assert state["3 months before that (%)"] == pytest.approx(
        100 * (1.005**12 - 1)
    )  # June to September: growing already
    assert state["6 months before that (%)"] == pytest.approx(
        100 * (0.99**12 - 1)
    )  # December 2024 to June 2025: falling 1% a month
    assert j.verdict == Verdict.CONFIRMED


def test_policy_path_after_the_claim(tmp_path, data_dir):
    block = {"f": claim("policy_path", {"series": "fed_lower", "months_after": 6})}
    ctx = context_for(tmp_path, data_dir, block)
    m = evaluate.evaluate(ctx, "f").measurement
    assert list(m.value.values()) == [True, False, True]  # last move a cut; no cut after; no hike
    short = context_for(tmp_path, data_dir, block, data_end="2026-05-01")
    j = evaluate.evaluate(short, "f")
    assert j.verdict == Verdict.NOT_VERIFIABLE and "through 2026-07-21" in j.measurement.reason


def test_policy_path_judged_on_what_was_known_at_the_claim_date(tmp_path, data_dir):
    params = {"series": "fed_lower", "months_after": 6, "judged_on": "claim_date", "months_before": 6}
    short = context_for(tmp_path, data_dir, {"f": claim("policy_path", params)}, data_end="2026-05-01")
    j = evaluate.evaluate(short, "f")  # the months after the claim are not needed: the verdict rests on what was known
    assert list(j.measurement.value.values()) == [True, True, True] and j.verdict == Verdict.CONFIRMED
    assert j.measurement.start == pd.Timestamp("2025-07-21") and j.measurement.end == pd.Timestamp("2026-01-21")
    assert "hindsight" in j.measurement.detail
    one = context_for(tmp_path, data_dir, {"f": claim("policy_path", {**params, "months_before": 1})})
    assert list(evaluate.evaluate(one, "f").measurement.value.values()) == [True, False, True]  # the cut is 41 days old


def write_sensitivity_data(folder: Path, slope: float) -> None:
    """Month-end closes where the small index beats the large one each month by ``slope`` x the 2-year yield's change."""
    days = pd.bdate_range("2014-01-01", "2026-02-27", name="date")
    ends = days.to_series().groupby(days.to_period("M")).transform("max") == days
    rng = np.random.default_rng(3)
    change = rng.normal(0, 0.2, int(ends.sum()))
    rate_ends = 2.0 + np.cumsum(change)
    large_ret = np.full(len(change), 0.01)
    small_ret = large_ret + np.concatenate([[0.0], slope * np.diff(rate_ends) / 100])
    for file, values, column in (
        ("DGS2.csv", rate_ends, "value"),
        ("GSPC.csv", 100 * np.cumprod(1 + large_ret), "close"),
        ("RUT.csv", 100 * np.cumprod(1 + small_ret), "close"),
    ):
        series = pd.Series(np.nan, index=days)
        series[ends.to_numpy()] = values
        write(folder, file, series.ffill().bfill(), column)


@pytest.mark.parametrize(("slope", "verdict"), [(-2.0, Verdict.CONFIRMED), (2.0, Verdict.REFUTED)])
def test_rate_sensitivity_planted_slope_decides(tmp_path, slope, verdict):
    folder = tmp_path / "data"
    folder.mkdir()
    write_sensitivity_data(folder, slope)
    block = {"r": claim("rate_sensitivity", {"rate": "dgs2", "years": 10})}
    j = evaluate.evaluate(context_for(tmp_path, folder, block), "r")
    assert j.verdict == verdict
    assert j.measurement.fit["slope"] == pytest.approx(slope, abs=1e-6) and j.measurement.fit["months"] == 120
    assert j.measurement.window == (
        pd.Timestamp("2016-01-01"),
        pd.Timestamp("2025-12-01"),
    )  # months ended before as_of's
    longer = context_for(tmp_path, folder, {"r": claim("rate_sensitivity", {"years": 30})})
    fit = evaluate.evaluate(longer, "r").measurement.fit  # 30 years asked, 12 held: the months the data hold, stated
    assert fit["first"] == pd.Timestamp("2014-02-01") and fit["months"] == 143


def test_rate_sensitivity_without_rate_moves_is_not_verifiable(tmp_path, data_dir):
    # the planted 2-year yield is flat before 2026
    block = {"r": claim("rate_sensitivity", {"rate": "dgs2", "years": 2})}
    j = evaluate.evaluate(context_for(tmp_path, data_dir, block), "r")
    assert j.verdict == Verdict.NOT_VERIFIABLE and "no slope can be fitted" in j.measurement.reason
