"""Data layer: CSV folder, cache with manifest, live downloads (mocked: tests never touch the network)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from conftest import no_network, prices_from_returns, write_series_csv
from rotation.core.errors import DataError, ParameterError
from rotation.core.files import write_text_atomic
from rotation.data import catalogue, checks, loading


def test_local_csv_is_read_validated_and_labelled(project, tmp_path):
    folder = tmp_path / "csv"
    prices = prices_from_returns([0.01, -0.02, 0.03], name="rut")
    write_series_csv(folder, "RUT.csv", prices)
    series = loading.load("rut", data_dir=folder)
    pd.testing.assert_series_equal(
        series, prices.rename("rut"), check_freq=False, check_index_type=False, check_names=False
    )
    assert series.index.name == "date" and series.dtype == "float64"
    assert "Yahoo ^RUT" in series.attrs["source"] and "RUT.csv" in series.attrs["source"]
    assert series.attrs["definition"].startswith("price index")


def test_env_variable_names_the_data_folder(project, tmp_path, monkeypatch):
    folder = tmp_path / "csv"
    write_series_csv(folder, "GSPC.csv", prices_from_returns([0.01, 0.02]))
    monkeypatch.setenv("ROTATION_DATA_DIR", str(folder))
    assert len(loading.load("spx")) == 3


def test_start_end_trim(project, tmp_path):
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.01] * 9, start="2026-01-05"))
    series = loading.load("rut", start="2026-01-07", end="2026-01-09", data_dir=folder)
    assert [d.day for d in series.index] == [7, 8, 9]


def test_factor_file_is_converted_from_percent_to_fractions(project, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "FF_daily.csv").write_text(
        "date,mkt_rf,smb,hml,rf\n2026-01-02,1.5,-0.25,0.1,0.01\n2026-01-05,-0.5,0.75,0.0,0.01\n"
    )
    factors = loading.load("ff_factors", data_dir=folder)
    assert list(factors.columns) == ["mkt_rf", "smb", "hml", "rf"]
    assert factors.loc["2026-01-05", "smb"] == pytest.approx(0.0075)
    assert factors.attrs["unit"] == "fraction per day"


def test_upper_case_ticker_maps_to_adjusted_close(project, tmp_path):
    folder = tmp_path / "csv"
    write_series_csv(folder, "HBAN.csv", prices_from_returns([0.01, 0.02]), column="adj_close")
    assert catalogue.series_spec("HBAN").columns == ("adj_close",)
    assert catalogue.series_spec("^RUT").file == "RUT.csv"
    assert len(loading.load("HBAN", data_dir=folder)) == 3


def test_unknown_lower_case_name_is_refused():
    with pytest.raises(ParameterError, match="unknown series 'rutt'"):
        catalogue.series_spec("rutt")


def test_missing_data_folder_is_one_line(project, tmp_path):
    with pytest.raises(DataError) as err:
        loading.load("rut", data_dir=tmp_path / "nowhere")
    assert str(err.value).startswith(f"data folder {tmp_path / 'nowhere'} (from data_dir parameter) does not exist")


# ----------------------------------------------------------------------------- cache


def yahoo_frame(n=5, start="2026-01-02", close_name="Close"):
    index = pd.bdate_range(start, periods=n, name="Date")
    values = 100 + np.arange(n, dtype=float)
    return pd.DataFrame(
        {"Open": values, "High": values + 1, "Low": values - 1, close_name: values, "Volume": 1000}, index=index
    )


def test_download_goes_to_cache_with_manifest_then_cache_is_used(project, monkeypatch):
    calls = []

    def fake_download(ticker, auto_adjust):
        calls.append((ticker, auto_adjust))
        return yahoo_frame()

    monkeypatch.setattr(loading, "_yf_download", fake_download)
    first = loading.load("iwm")
    assert calls == [("IWM", True)]  # auto_adjust set explicitly for ETFs
    manifest = json.loads((project / "data" / "cache" / "iwm.json").read_text())
    assert manifest["rows"] == 5 and manifest["first"] == "2026-01-02" and manifest["last"] == "2026-01-08"
    assert manifest["source"] == "Yahoo IWM" and manifest["fetched_at"] and len(manifest["sha256"]) == 64
    assert (project / "data" / "cache" / manifest["file"]).is_file()
    monkeypatch.setattr(loading, "_yf_download", no_network)
    second = loading.load("iwm")
    pd.testing.assert_series_equal(first, second)
    assert "cached" in second.attrs["source"]


def test_index_download_is_not_adjusted(project, monkeypatch):
    seen = {}
    monkeypatch.setattr(loading, "_yf_download", lambda t, a: seen.setdefault("args", (t, a)) and yahoo_frame())
    loading.load("rut")
    assert seen["args"] == ("^RUT", False)


def test_data_folder_wins_over_cache(project, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda t, a: yahoo_frame())
    loading.load("rut")  # now cached
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.5, 0.5]))
    assert len(loading.load("rut", data_dir=folder)) == 3


def test_missing_file_in_data_folder_falls_back_to_cache(project, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda t, a: yahoo_frame())
    loading.load("spy")
    (tmp_path / "csv").mkdir()
    assert len(loading.load("spy", data_dir=tmp_path / "csv")) == 5


def test_damaged_cache_is_reported_not_used(project, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda t, a: yahoo_frame())
    loading.load("vix")
    manifest = json.loads((project / "data" / "cache" / "vix.json").read_text())
    path = project / "data" / "cache" / manifest["file"]
    path.write_bytes(path.read_bytes()[:40])  # truncated on disk
    with pytest.raises(DataError, match="is damaged \\(checksum differs from vix.json\\); delete both"):
        loading.load("vix")


def test_failed_refresh_leaves_previous_cache_loadable(project, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda t, a: yahoo_frame(n=5))
    before = loading.load("spy")
    spec = catalogue.series_spec("spy")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    raw = yahoo_frame(n=7)
    monkeypatch.setattr(loading, "write_text_atomic", crash)  # the manifest write is the commit point
    with pytest.raises(OSError):
        loading.write_cache(spec, loading.parse_yahoo(raw, spec), "url")
    pd.testing.assert_series_equal(loading.load("spy"), before)
    assert len(list((project / "data" / "cache").glob("spy-*.parquet"))) == 2  # the orphan of the failed write
    monkeypatch.setattr(loading, "write_text_atomic", write_text_atomic)
    loading.write_cache(spec, loading.parse_yahoo(raw, spec), "url")  # the next successful write cleans up
    assert len(list((project / "data" / "cache").glob("spy-*.parquet"))) == 1
    assert len(loading.load("spy")) == 7


# ----------------------------------------------------------------------------- live sources (recorded, made here)


def test_fred_csv_download(project, monkeypatch):
    body = b"observation_date,DFF\n2025-12-10,3.89\n2025-12-11,3.64\n2025-12-12,.\n2025-12-13,3.64\n"
    urls = []
    monkeypatch.setattr(loading, "_http_get", lambda url: urls.append(url) or body)
    dff = loading.load("dff")
    assert urls == ["https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFF"]
    assert list(dff.round(2)) == [3.89, 3.64, 3.64]  # '.' (missing) rows dropped
    assert dff.attrs["unit"] == "percent per year"


def french_zip(
    header=",Mkt-RF,SMB,HML,RF", rows=("20260102,  1.50, -0.25,  0.10,  0.01", "20260105, -0.50,  0.75,  0.00,  0.01")
):
    text = "\n".join(
        [
            "This file was created using the 202604 CRSP database.",
            "",
            header,
            *rows,
            "",
            " Annual Factors: January-December ",
            header,
            "2025,  10.0,  -2.0,  1.0,  4.0",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("F-F_Research_Data_Factors_daily.csv", text)
    return buffer.getvalue()


def test_french_zip_download(project, monkeypatch):
    monkeypatch.setattr(loading, "_http_get", lambda url: french_zip())
    factors = loading.load("ff_factors")
    assert list(factors.index.strftime("%Y-%m-%d")) == ["2026-01-02", "2026-01-05"]  # annual table not read
    assert factors.loc["2026-01-02", "mkt_rf"] == pytest.approx(0.015)


@pytest.mark.parametrize(
    "failure, fragment",
    [
        (TimeoutError("timed out"), "TimeoutError: timed out"),
        (ConnectionError("HTTP 503"), "ConnectionError: HTTP 503"),
    ],
)
def test_network_failure_is_one_line_and_leaves_cache_alone(project, monkeypatch, failure, fragment):
    def fail(url):
        raise failure

    monkeypatch.setattr(loading, "_http_get", fail)
    with pytest.raises(DataError) as err:
        loading.load("fed_upper")
    text = str(err.value)
    assert text.startswith(
        "series 'fed_upper': download from https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFEDTARU failed ("
    )
    assert fragment in text and "not cached" in text and "\n" not in text
    assert not (project / "data" / "cache").exists() or not [
        p for p in (project / "data" / "cache").iterdir() if not p.name.endswith(".lock")
    ]


def test_empty_yahoo_response(project, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda t, a: pd.DataFrame())
    with pytest.raises(DataError, match=r"series 'IWM'|series 'iwm': download from .* failed \(empty response\)"):
        loading.load("iwm")


def count_parses(monkeypatch) -> list:
    """A list that grows by one each time pandas parses a CSV file."""
    parsed: list = []
    read_csv = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: parsed.append(1) or read_csv(*a, **k))
    return parsed


def test_a_file_read_again_is_not_parsed_again_and_a_changed_one_is(project, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "_VALIDATED", {})  # nothing read before this test
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.01, -0.02, 0.03], name="rut"))
    parsed = count_parses(monkeypatch)
    first = loading.load("rut", data_dir=folder)
    first.iloc[0] = -1.0  # a caller changing its copy changes nothing kept
    second = loading.load("rut", data_dir=folder)
    assert len(parsed) == 1 and second.iloc[0] > 0 and second.attrs == first.attrs
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.01, -0.02, 0.04], name="rut"))  # same size, new bytes
    third = loading.load("rut", data_dir=folder)
    assert len(parsed) == 2 and third.iloc[-1] != second.iloc[-1]


def test_preload_reads_every_catalogue_file_present_and_skips_a_bad_one(project, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "_VALIDATED", {})
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.01, 0.02], name="rut"))
    (folder / "GSPC.csv").write_text("date,close\n2026-01-02,abc\n")
    assert loading.preload(folder) == ["RUT.csv"]
    parsed = count_parses(monkeypatch)
    assert len(loading.load("rut", data_dir=folder)) == 3 and not parsed
    with pytest.raises(DataError, match="GSPC.csv"):
        loading.load("spx", data_dir=folder)  # the bad file is reported by whoever reads it


def test_the_memory_of_validated_files_is_bounded(project, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "_VALIDATED", {})
    monkeypatch.setattr(loading, "VALIDATED_KEPT", 3)
    folder = tmp_path / "csv"
    for i in range(5):
        write_series_csv(folder, "RUT.csv", prices_from_returns([0.01, 0.001 * (i + 1)], name="rut"))
        loading.load("rut", data_dir=folder)
    assert len(loading._VALIDATED) == 3


def test_validated_frames_handed_to_another_process_are_used_for_the_same_bytes_only(project, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "_VALIDATED", {})
    folder = tmp_path / "csv"
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.01, 0.02], name="rut"))
    first = loading.load("rut", data_dir=folder)
    handed = loading.save_validated(tmp_path / "frames.pickle")
    monkeypatch.setattr(loading, "_VALIDATED", {})  # "another process"
    assert loading.load_validated(handed) == 1
    parsed = count_parses(monkeypatch)
    pd.testing.assert_series_equal(loading.load("rut", data_dir=folder), first)
    assert not parsed
    write_series_csv(folder, "RUT.csv", prices_from_returns([0.01, 0.03], name="rut"))  # other bytes: parsed
    loading.load("rut", data_dir=folder)
    assert parsed == [1]
    monkeypatch.setattr(loading, "_VALIDATED", {})
    assert loading.save_validated(tmp_path / "none.pickle") is None and not (tmp_path / "none.pickle").exists()


def test_the_cache_is_parsed_from_its_file_not_from_a_python_buffer(project, monkeypatch):
    # pyarrow's worker threads release a Python file object they read from; one doing so while the
    # interpreter exits aborts the process, so the cache hands pyarrow the file path only
    monkeypatch.setattr(loading, "_yf_download", lambda ticker, auto_adjust: yahoo_frame())
    loading.load("iwm")
    given = []
    read_parquet = pd.read_parquet
    monkeypatch.setattr(
        pd, "read_parquet", lambda source, *a, **k: given.append(source) or read_parquet(source, *a, **k)
    )
    monkeypatch.setattr(loading, "_yf_download", no_network)
    assert len(loading.load("iwm")) == 5
    assert len(given) == 1 and isinstance(given[0], str) and given[0].endswith(".parquet")


# ---------------------------------------------------------------------------------------------
# Calendar and plausibility rules: planted answers on synthetic files, one line each (file, rows, rule)


def _rut_file(folder, dates, values, header="date,close"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "RUT.csv"
    path.write_text(header + "\n" + "".join(f"{d},{v}\n" for d, v in zip(dates, values)))
    return path


def _weekdays(n, start="2020-01-01"):
    return [d.strftime("%Y-%m-%d") for d in pd.bdate_range(start, periods=n)]


def test_a_weekend_row_is_refused(tmp_path):
    dates = _weekdays(5) + ["2020-01-11"]  # a Saturday after 1952
    _rut_file(tmp_path / "d", sorted(dates), [100, 101, 102, 103, 104, 105])
    with pytest.raises(DataError, match=r"RUT.csv: 1 row\(s\) on a weekend \(first: 2020-01-11, a Saturday\)"):
        loading.load("rut", data_dir=tmp_path / "d")


def test_saturdays_before_1952_are_sessions(tmp_path):
    spec = catalogue.series_spec("ff_factors")
    checks.check_calendar_rules(
        pd.DatetimeIndex(["1930-01-03", "1930-01-04"]), spec, "x"
    )  # a Friday and a Saturday: accepted


def test_a_row_before_the_series_can_exist_is_refused(tmp_path):
    _rut_file(tmp_path / "d", ["1800-01-02"] + _weekdays(3), [100, 101, 102, 103])
    with pytest.raises(
        DataError,
        match=r"RUT.csv: 1 row\(s\) dated before 1978-12-29 \(first: 1800-01-02\); series 'rut' cannot start before 1978-12-29",
    ):
        loading.load("rut", data_dir=tmp_path / "d")


def test_an_unknown_ticker_cannot_start_before_the_first_daily_average(tmp_path):
    with pytest.raises(DataError, match=r"dated before 1885-02-16"):
        checks.check_calendar_rules(pd.DatetimeIndex(["1800-01-02"]), catalogue.series_spec("ABCD"), "x")


def test_a_one_day_spike_that_reverts_is_refused(tmp_path):
    values = [100, 101, 290, 100.5, 102, 103]  # 2.9 times up, then back: a bad print
    _rut_file(tmp_path / "d", _weekdays(6), values)
    with pytest.raises(
        DataError, match=r"implausible spike in column 'close' on 2020-01-03: 101 to 290 and back to 100.5"
    ):
        loading.load("rut", data_dir=tmp_path / "d")


def test_prices_alternating_100_and_290_are_refused(tmp_path):
    values = [100, 290] * 20
    _rut_file(tmp_path / "d", _weekdays(40), values)
    with pytest.raises(DataError, match=r"implausible spike .*\(38 such row\(s\)"):
        loading.load("rut", data_dir=tmp_path / "d")


def test_a_real_jump_that_stays_is_accepted(tmp_path):
    _rut_file(tmp_path / "d", _weekdays(5), [100, 101, 190, 191, 192])  # 1.9 times, no reversal
    assert len(loading.load("rut", data_dir=tmp_path / "d")) == 5


def test_a_calendar_hole_against_the_pair_is_refused():
    days = pd.bdate_range("2009-01-01", "2013-12-31", name="date")
    large = pd.Series(np.linspace(100, 200, len(days)), index=days, name="spx")
    hole = (days >= "2010-01-01") & (days <= "2012-12-31")
    small = pd.Series(np.linspace(50, 80, len(days)), index=days, name="rut")[~hole]
    small.attrs["source"] = "RUT.csv"
    with pytest.raises(
        DataError,
        match=r"series 'rut' \(RUT.csv\): no rows from 2009-12-31 to 2013-01-01, where series 'spx' has 782 sessions",
    ):
        checks.check_calendar(small, large)
    checks.check_calendar(small.iloc[:-1].reindex(days).ffill(), large)  # aligned calendars pass
    assert (
        checks.calendar_holes(small.reindex(days).drop(days[10:15]).ffill(), large) is None
    )  # 5 missing: within the rule


def test_real_pairs_pass_the_calendar_rule(shared_data):
    for small, large in (("rut", "spx"), ("iwm", "spy")):
        checks.check_calendar(loading.load(small, data_dir=shared_data), loading.load(large, data_dir=shared_data))


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_or_fifo_named_like_the_file_is_named_as_such(tmp_path, kind):
    import os

    folder = tmp_path / "d"
    folder.mkdir()
    target = folder / "RUT.csv"
    target.mkdir() if kind == "folder" else os.mkfifo(target)
    shown = "a folder" if kind == "folder" else "a named pipe (FIFO)"
    with pytest.raises(DataError, match=rf"RUT.csv: is {re.escape(shown)}, not a CSV file"):
        loading.load("rut", data_dir=folder)


def test_a_header_with_surrounding_spaces_is_named(tmp_path):
    _rut_file(tmp_path / "d", _weekdays(3), [1, 2, 3], header="date, close")
    with pytest.raises(DataError, match=r"header ' close' has surrounding spaces \(expected 'close'\)"):
        loading.load("rut", data_dir=tmp_path / "d")


def test_data_source_rule(tmp_path, monkeypatch):
    project = tmp_path / "repo"
    project.mkdir()
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(project))
    monkeypatch.delenv("ROTATION_DATA_DIR", raising=False)
    assert loading.data_source() == (None, "no data folder")
    assert loading.data_line().startswith(f"data: download into cache {project / 'data' / 'cache'}")
    sibling = tmp_path / "shared" / "data"
    sibling.mkdir(parents=True)
    assert loading.data_source() == (sibling.resolve(), "the data folder beside the project")
    monkeypatch.setenv("ROTATION_DATA_DIR", "")
    assert loading.data_source()[0] is None
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("ROTATION_DATA_DIR", str(other))
    assert loading.data_line() == f"data: folder {other.resolve()} (from ROTATION_DATA_DIR)"
    assert loading.data_source(str(sibling))[0] == sibling.resolve()
