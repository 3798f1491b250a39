"""``rotation scan``: planted streaks, agreement with streak_at/rank_streak and with notebook 01, the command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import prices_from_returns, write_series_csv
from rotation import cli
from rotation.analytics import scan, streaks
from rotation.data import loading
from rotation.outputs import results


def returns_from_spreads(spreads, large=0.001) -> pd.DataFrame:
    """Returns whose spread (small - large) is exactly ``spreads`` (large return constant)."""
    spreads = np.asarray(spreads, dtype=float)
    index = pd.bdate_range("2020-01-02", periods=len(spreads), name="date")
    return pd.DataFrame({"small": large + spreads, "large": np.full(len(spreads), large)}, index=index)


def test_planted_streaks():
    # streaks: [0:2) length 2, [3:6) length 3, [7:9) length 2, [10:14) length 4 (ongoing); a tie at 6 breaks
    s = [0.01, 0.02, -0.01, 0.01, 0.01, 0.03, 0.0, 0.02, 0.02, -0.01, 0.01, 0.01, 0.01, 0.01]
    table = scan.scan_streaks(returns_from_spreads(s))
    assert table["streak"].tolist() == [1, 2, 0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 4]
    # a streak counts as completed from the session after its last one
    assert table["completed_streaks"].tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]
    assert table["record_before"].tolist() == [0, 0, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]
    # rank at position 8 (length 2): earlier streaks 2 and 3 -> one strictly longer -> rank 2, one tie
    assert table["rank"].iloc[8] == 2 and table["ties"].iloc[8] == 1
    assert table["rank"].iloc[13] == 1 and bool(table["is_record"].iloc[13])
    assert bool(table["is_record"].iloc[12])  # 3 matches the record of 3
    assert not bool(table["is_record"].iloc[8])
    assert pd.isna(table["rank"].iloc[2]) and table["ties"].iloc[2] == 0
    dates = table.index
    assert table["streak_start"].iloc[5] == dates[3]
    assert pd.isna(table["streak_start"].iloc[6])
    # most recent completed streak at least as long: at 8 (length 2, the current streak is [7:9)) it is [3:6)
    assert table["last_at_least_end"].iloc[8] == dates[5]
    assert table["last_at_least_end"].iloc[12] == dates[5]
    assert pd.isna(table["last_at_least_end"].iloc[13])
    assert table["streak_mean_spread"].iloc[5] == pytest.approx((0.01 + 0.01 + 0.03) / 3)
    assert np.isnan(table["streak_mean_spread"].iloc[6])
    assert table["streak_small_return"].iloc[1] == pytest.approx(1.011 * 1.021 - 1)
    assert table["streak_large_return"].iloc[1] == pytest.approx(1.001**2 - 1)


def test_qualifying_dates_at_least_and_exactly():
    table = scan.scan_streaks(returns_from_spreads([0.01, 0.01, 0.01, -0.01, 0.01, 0.01]))
    assert scan.qualifying_dates(table, 2).index.tolist() == [table.index[1], table.index[2], table.index[5]]
    assert scan.qualifying_dates(table, 3, exact=True).index.tolist() == [table.index[2]]


def compare_with_streak_at(returns: pd.DataFrame, table: pd.DataFrame, when: pd.Timestamp) -> None:
    """The scan's row at ``when`` against streaks.streak_at and streaks.rank_streak on data up to ``when``."""
    row = table.loc[when]
    current = streaks.streak_at(returns, when)
    assert row["streak"] == current["sessions"], when
    if not current["sessions"]:
        assert pd.isna(row["streak_start"]) and np.isnan(row["streak_mean_spread"])
        return
    rank = streaks.rank_streak(streaks.outperformance_streaks(returns.loc[:when]), current)
    assert row["streak_start"] == current["start"]
    assert row["streak_mean_spread"] == pytest.approx(current["mean_spread"], rel=1e-9, abs=1e-15)
    assert row["streak_small_return"] == pytest.approx(current["small_return"], rel=1e-9, abs=1e-15)
    assert row["streak_large_return"] == pytest.approx(current["large_return"], rel=1e-9, abs=1e-15)
    assert (row["rank"], row["ties"], row["completed_streaks"], row["record_before"], bool(row["is_record"])) == (
        rank["rank"],
        rank["ties"],
        rank["n_streaks"],
        rank["record_sessions"],
        rank["is_record"],
    )
    last = rank["last_at_least"]
    assert pd.isna(row["last_at_least_end"]) if last is None else row["last_at_least_end"] == last["end"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([-0.01, 0.0, 0.005, 0.01]), min_size=2, max_size=60))
def test_every_date_matches_streak_at_on_random_spreads(spreads):
    returns = returns_from_spreads(spreads)
    table = scan.scan_streaks(returns)
    for when in returns.index:
        compare_with_streak_at(returns, table, when)


@pytest.fixture(scope="module")
def real(shared_data):
    returns = streaks.aligned_returns(
        loading.load("rut", data_dir=shared_data), loading.load("spx", data_dir=shared_data)
    )
    return returns, scan.scan_streaks(returns)


def test_real_data_agrees_with_streak_at_on_a_sample_of_dates(real):
    returns, table = real
    rng = np.random.default_rng(7)
    streak_days = table.index[table["streak"].to_numpy() >= 3]
    sample = [*rng.choice(table.index, 12, replace=False), *rng.choice(streak_days, 8, replace=False), table.index[-1]]
    for when in sample:
        compare_with_streak_at(returns, table, pd.Timestamp(when))


def test_scan_agrees_with_notebook_01_in_the_article_run(article_run, real):
    _, table = real
    record = {r["claim_id"]: r for r in results.read_records(article_run / "runs" / "article" / "results.jsonl")}[
        "streak_length"
    ]
    session = pd.Timestamp(record["data_window"][1])
    assert table.loc[session, "streak"] == record["measured"]


def test_scan_command_writes_tables_and_figure_and_prints_dates(project, tmp_path, capsys):
    # planted: streaks of 3 (days 1-3), 5 (days 5-9) and 3 (days 11-13) sessions
    spread = [0.0, 0.01, 0.01, 0.01, -0.01, 0.01, 0.01, 0.01, 0.01, 0.01, -0.01, 0.01, 0.01, 0.01]
    large = prices_from_returns(np.full(len(spread), 0.001), name="spx")
    small = prices_from_returns(0.001 + np.asarray(spread), name="rut")
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", small)
    write_series_csv(folder, "GSPC.csv", large)
    out_dir = tmp_path / "out"
    assert (
        cli.main(["scan", "--data-dir", str(folder), "--out", str(out_dir), "--min-length", "3", "--all-formats"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    dates = small.index[1:]
    expected = [d for d, n in zip(dates, [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3]) if n >= 3]
    listed = [line.split()[0] for line in out if line.startswith("  ")]
    assert listed == [str(d.date()) for d in expected]
    assert f"held (at least 3): {len(expected)}" in " ".join(out)
    csv_table = pd.read_csv(
        out_dir / "scan_rut_spx.csv", index_col="date", parse_dates=["date", "streak_start", "last_at_least_end"]
    )
    parquet = pd.read_parquet(out_dir / "scan_rut_spx.parquet")
    assert csv_table["streak"].tolist() == parquet["streak"].tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert parquet["rank"].isna().tolist() == (parquet["streak"] == 0).tolist()
    meta = json.loads((out_dir / "scan_rut_spx.json").read_text())
    assert meta["first"] == str(dates[0].date()) and "fractions" in meta["units"]
    for ext in ("png", "svg", "pdf"):
        assert (out_dir / f"scan_rut_spx.{ext}").is_file()
    assert not list(out_dir.glob(".*.tmp"))


def test_scan_command_default_folders(project, tmp_path, capsys):
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.02, 0.01, -0.01], name="rut"))
    write_series_csv(folder, "GSPC.csv", prices_from_returns([0.01, 0.0, 0.0], name="spx"))
    assert cli.main(["scan", "--data-dir", str(folder), "--min-length", "2", "--exact"]) == 0
    assert (project / "runs" / "scan" / "scan_rut_spx.parquet").is_file()
    assert (project / "figures" / "scan" / "scan_rut_spx.png").is_file()
    assert not (project / "figures" / "scan" / "scan_rut_spx.svg").exists()  # PNG only unless --all-formats
    out = capsys.readouterr().out
    assert "held (exactly 2): 1" in out
