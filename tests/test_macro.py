"""Macro analytics (rotation.analytics.macro) on synthetic monthly series with planted answers, and the publication-lag rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rotation.analytics import macro
from rotation.core.errors import DataError, ParameterError


def months(values, start: str = "2020-01-01", name: str = "x") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float),
        index=pd.date_range(start, periods=len(values), freq="MS", name="date"),
        name=name,
    )


def test_yoy_inflation_is_twelve_calendar_months_apart_and_a_blank_month_stays_missing():
    # an index growing 0.5% a month: every year-over-year rate is 1.005**12 - 1
    index = months(100 * 1.005 ** np.arange(36))
    yoy = macro.yoy_inflation(index)
    assert yoy.iloc[:12].isna().all()
    assert np.allclose(yoy.iloc[12:], 100 * (1.005**12 - 1))
    # drop a month: its rate and the rate 12 months later are missing, the others unchanged (no shift by position)
    gap = index.drop(index.index[20])
    yoy_gap = macro.yoy_inflation(gap)
    assert np.isnan(yoy_gap.loc["2021-09-01"]) and np.isnan(yoy_gap.loc["2022-09-01"])
    assert yoy_gap.loc["2021-10-01"] == pytest.approx(100 * (1.005**12 - 1))


def test_change_over_months_and_unemployment_window():
    unrate = months([4.0, 4.1, 4.3, 4.6, 5.0, 5.5])
    assert macro.change_over_months(unrate, 3).loc["2020-06-01"] == pytest.approx(1.2)  # 5.5 - 4.3
    assert macro.change_over_months(unrate, 1).loc["2020-02-01"] == pytest.approx(0.1)
    with pytest.raises(ParameterError):
        macro.change_over_months(unrate, 0)


def test_payroll_change_is_an_average_per_month_in_thousands():
    payems = months([150000, 150200, 150100, 149800])
    assert macro.payroll_change(payems, 1).loc["2020-04-01"] == pytest.approx(-300)
    assert macro.payroll_change(payems, 3).loc["2020-04-01"] == pytest.approx(-200 / 3)


def test_annualised_growth_of_loans():
    loans = months(1000 * 1.01 ** np.arange(10))  # 1% a month
    assert macro.annualised_growth(loans, 3).iloc[-1] == pytest.approx(100 * (1.01**12 - 1))
    assert macro.annualised_growth(loans, 6).iloc[-1] == pytest.approx(100 * (1.01**12 - 1))
    falling = months([100, 99, 98, 97])
    assert macro.annualised_growth(falling, 3).iloc[-1] == pytest.approx(100 * ((97 / 100) ** 4 - 1))


def test_sahm_indicator_planted():
    # flat at 4.0 for 14 months, then 4.3, 4.6, 4.9: 3-month average 4.6 against a low of 4.0 -> 0.6 pp
    rate = months([4.0] * 14 + [4.3, 4.6, 4.9])
    sahm = macro.sahm_indicator(rate)
    assert sahm.iloc[-1] == pytest.approx(0.6)
    assert sahm.iloc[13] == pytest.approx(0.0)


def test_recession_window_and_recession_ahead():
    usrec = months([0, 0, 1, 1, 0, 0, 0, 0])
    assert macro.recession_months(usrec, "2020-01-01", "2020-12-01") == 2
    assert macro.in_recession(usrec, "2020-03-01", "2020-03-01")
    assert not macro.in_recession(usrec, "2020-05-01", "2020-08-01")
    ahead = macro.recession_ahead(usrec, 2)
    assert list(ahead.iloc[:6]) == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert ahead.iloc[6:].isna().all()  # the data end before M + 2


def test_conditional_recession_rates_planted():
    signal = months([0.1, 0.2, -0.1, -0.2, 0.3, -0.3])
    ahead = months([0, 0, 1, 1, 1, 0])
    table = macro.conditional_recession_rates(signal, ahead)
    assert table.loc["small caps lead", "months"] == 3 and table.loc["small caps lead", "share (%)"] == pytest.approx(
        100 / 3
    )
    assert table.loc["small caps lag", "followed by a recession"] == 2 and table.loc[
        "small caps lag", "share (%)"
    ] == pytest.approx(200 / 3)


def test_month_end_relative_return():
    days = pd.bdate_range("2021-01-01", "2021-04-30")
    small = pd.Series(100 * 1.001 ** np.arange(len(days)), index=days)
    large = pd.Series(100.0, index=days)
    rel = macro.month_end_relative(small, large, 1)
    ends = small.groupby(small.index.to_period("M")).tail(1)
    assert rel.loc["2021-03-01"] == pytest.approx(ends.iloc[2] / ends.iloc[1] - 1)


def test_oil_change_between_dates_uses_last_value_on_or_before():
    oil = pd.Series([80.0, np.nan, 60.0], index=pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"]), name="wti")
    ch = macro.change_between(oil.dropna(), "2025-01-03", "2025-01-06")
    assert ch["from_value"] == 80.0 and ch["pct_change"] == pytest.approx(-0.25) and ch["direction"] == "fell"
    with pytest.raises(DataError):
        macro.change_between(oil.dropna(), "2024-01-01", "2025-01-06")


def test_monthly_refuses_mid_month_dates():
    with pytest.raises(DataError, match="first of the month"):
        macro.monthly(pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01", "2020-02-15"]), name="x"))


# ---- publication lags


def test_release_dates_follow_the_declared_rules():
    dec = pd.DatetimeIndex(["2025-12-01"])
    assert macro.release_dates(dec, "cpi")[0] == pd.Timestamp("2026-01-15")
    assert macro.release_dates(dec, "indpro")[0] == pd.Timestamp("2026-01-17")
    assert macro.release_dates(dec, "busloans")[0] == pd.Timestamp("2026-01-14")
    # employment: the first Friday of M+1 on or after its 3rd (2026-01-02 is a Friday: the next one)
    assert macro.release_dates(dec, "payems")[0] == pd.Timestamp("2026-01-09")
    assert macro.release_dates(pd.DatetimeIndex(["2026-01-01"]), "unrate")[0] == pd.Timestamp("2026-02-06")
    assert macro.release_dates(dec, "usrec")[0] == pd.Timestamp("2027-01-01")
    day = pd.DatetimeIndex(["2026-01-21"])
    assert macro.release_dates(day, "wti")[0] == day[0] and macro.release_dates(day, "dff")[0] == pd.Timestamp(
        "2026-01-22"
    )
    with pytest.raises(ParameterError, match="no publication lag declared"):
        macro.release_dates(dec, "rut")


def test_known_by_keeps_only_observations_published_by_the_date():
    cpi = months(np.arange(1.0, 25.0), start="2024-01-01", name="cpi")
    cpi.attrs = {"name": "cpi", "source": "synthetic"}
    # December 2025 CPI comes out on 2026-01-15: not known on the 14th, known on the 15th
    assert macro.known_by(cpi, "2026-01-14").index[-1] == pd.Timestamp("2025-11-01")
    assert macro.known_by(cpi, "2026-01-15").index[-1] == pd.Timestamp("2025-12-01")
    assert macro.known_by(cpi, "2026-01-15").attrs["known_by"] == "2026-01-15"
    usrec = months([0.0] * 36, start="2023-01-01", name="usrec")
    assert macro.known_by(usrec, "2026-01-21", name="usrec").index[-1] == pd.Timestamp("2024-12-01")
    assert macro.known_by(usrec, "2023-06-01", name="usrec").empty
