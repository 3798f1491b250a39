"""rotation.analytics.technicals: RSI with Wilder smoothing, moving-average distance, percentile rank.

RSI is checked against a worked example computed by hand and against a plain Python loop
implementation of Wilder's recursion written here, independently of the vectorised code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation.analytics import returns, technicals
from rotation.core.errors import DataError, ParameterError


def series(values, start="2021-01-04"):
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.bdate_range(start, periods=len(values), name="date"), name="x"
    )


def rsi_loop(prices: list[float], n: int) -> list[float]:
    """Wilder's RSI, one step at a time: seed = simple mean of the first n gains/losses, then
    avg = (avg * (n - 1) + current) / n."""
    out = [math.nan] * len(prices)
    gains = [max(prices[i] - prices[i - 1], 0.0) for i in range(1, len(prices))]
    losses = [max(prices[i - 1] - prices[i], 0.0) for i in range(1, len(prices))]
    if len(gains) < n:
        return out
    avg_gain = sum(gains[:n]) / n
    avg_loss = sum(losses[:n]) / n
    for k in range(n - 1, len(gains)):
        if k >= n:
            avg_gain = (avg_gain * (n - 1) + gains[k]) / n
            avg_loss = (avg_loss * (n - 1) + losses[k]) / n
        if avg_loss == 0:
            value = 50.0 if avg_gain == 0 else 100.0
        else:
            value = 100 - 100 / (1 + avg_gain / avg_loss)
        out[k + 1] = value
    return out


def test_rsi_worked_example_by_hand():
    # closes 10, 11, 10.5, 11.5, 11 -> changes +1, -0.5, +1, -0.5; window 2
    # seed (after 2 changes): gain (1 + 0)/2 = 0.5, loss (0 + 0.5)/2 = 0.25 -> RS 2 -> RSI 66.667
    # next: gain (0.5*1 + 1)/2 = 0.75, loss (0.25*1 + 0)/2 = 0.125 -> RS 6 -> RSI 85.714
    # next: gain (0.75*1 + 0)/2 = 0.375, loss (0.125*1 + 0.5)/2 = 0.3125 -> RS 1.2 -> RSI 54.545
    rsi = technicals.rsi_wilder(series([10, 11, 10.5, 11.5, 11]), 2)
    assert rsi.iloc[:2].isna().all()
    assert rsi.iloc[2] == pytest.approx(100 - 100 / 3)
    assert rsi.iloc[3] == pytest.approx(100 - 100 / 7)
    assert rsi.iloc[4] == pytest.approx(100 - 100 / 2.2)


@pytest.mark.parametrize("n", [2, 5, 14])
def test_rsi_matches_a_plain_loop(n):
    rng = np.random.default_rng(n)
    prices = list(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300))))
    got = technicals.rsi_wilder(series(prices), n)
    expected = rsi_loop(prices, n)
    assert got.isna().sum() == n
    np.testing.assert_allclose(got.to_numpy()[n:], expected[n:], rtol=1e-10)


def test_rsi_limits_and_errors():
    assert technicals.rsi_wilder(series(range(1, 30)), 14).iloc[-1] == 100.0  # only gains
    assert technicals.rsi_wilder(series(range(30, 1, -1)), 14).iloc[-1] == pytest.approx(0.0)  # only losses
    assert technicals.rsi_wilder(series([5.0] * 20), 14).iloc[-1] == 50.0  # no change at all
    assert technicals.rsi_wilder(series([1.0, 2.0, 3.0]), 14).isna().all()  # too short
    with pytest.raises(ParameterError, match="rsi_window"):
        technicals.rsi_wilder(series([1.0, 2.0]), 0)
    with pytest.raises(DataError):
        technicals.rsi_wilder(series([1.0, np.nan, 2.0]), 1)


def test_wilder_average_against_loop():
    x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    got = technicals.wilder_average(np.array(x), 3)
    a = (3 + 1 + 4) / 3
    expected = [math.nan, math.nan, a]
    for v in x[3:]:
        a = (a * 2 + v) / 3
        expected.append(a)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_moving_average_distance_planted():
    px = series([1.0, 2.0, 3.0, 4.0])
    dist = technicals.ma_distance(px, 2)
    assert math.isnan(dist.iloc[0])
    assert list(dist.iloc[1:]) == pytest.approx([2 / 1.5 - 1, 3 / 2.5 - 1, 4 / 3.5 - 1])
    assert technicals.ma_distance(series([7.0] * 5), 3).iloc[-1] == 0.0
    with pytest.raises(ParameterError):
        technicals.moving_average(px, 0)


def test_percentile_rank():
    history = [1.0, 2.0, 3.0, 4.0, np.nan]
    assert returns.percentile_rank(3.0, history) == 62.5  # 2 below + half of 1 tie, of 4
    assert returns.percentile_rank(10.0, history) == 100.0
    assert returns.percentile_rank(0.0, history) == 0.0
    assert returns.percentile_rank(2.5, pd.Series(history)) == 50.0
    assert math.isnan(returns.percentile_rank(1.0, []))
    assert math.isnan(returns.percentile_rank(float("nan"), history))
