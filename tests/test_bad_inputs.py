"""The bad-input matrix: every case the user can cause gives one exact line, a non-zero exit, and no damage.

Loader-level cases assert the ``DataError``/``ParameterError`` message; command-line cases go
through ``rotation.cli.main`` (exit code 2, one ``error: ...`` line on stderr). Each case also
checks that what was already on disk (another run's folder, a valid cache) is intact.
The network is never touched: downloads are replaced by functions that raise or return
what the case needs. The list of cases and messages is in docs/troubleshooting.md.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import requests

from conftest import no_network, prices_from_returns, write_series_csv
from rotation import cli, data, streaks
from rotation.errors import DataError, ParameterError

YAHOO_RUT = "https://finance.yahoo.com/quote/^RUT/history"
FRED_DFF = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFF"


def probe_notebook(folder: Path) -> Path:
    """A notebook declaring the standard parameters (never executed: validation refuses first)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    cell = nbformat.v4.new_code_cell(
        'as_of = ""  # date (YYYY-MM-DD)\n'
        'small = "rut"  # small-cap series\n'
        'large = "spx"  # large-cap series\n'
        "min_streak = 10  # sessions\n"
        "horizons = [5, 20]  # sessions ahead\n"
        'data_dir = ""  # CSV folder\n'
        'run_name = "scratch"  # set by the runner\n'
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("raise SystemExit('a probe notebook must never run in these tests')")]
    path = folder / "notebooks" / "01_probe.ipynb"
    nbformat.write(nb, path)
    return path


KNOWN = "as_of, data_dir, horizons, large, min_streak, small"


@pytest.fixture
def cli_project(project):
    """The isolated project with the probe notebook and another run's folder that must survive."""
    probe_notebook(project)
    for root in ("runs", "figures"):
        other = project / root / "other_run"
        other.mkdir(parents=True)
        (other / "keep.txt").write_text("previous run\n")
    return project


def untouched(project: Path) -> None:
    for root in ("runs", "figures"):
        assert (project / root / "other_run" / "keep.txt").read_text() == "previous run\n"
    assert sorted(p.name for p in (project / "runs").iterdir()) == ["other_run"]


def refused(capsys, argv: list[str]) -> str:
    """Run the CLI, assert exit code 2 and exactly one stderr line; return that line."""
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    return err[0]


def rut_csv(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "RUT.csv"
    path.write_text(text)
    return path


def load_error(folder: Path) -> str:
    with pytest.raises(DataError) as info:
        data.load("rut", data_dir=folder)
    message = str(info.value)
    assert "\n" not in message
    return message


GOOD = "date,close\n2020-01-02,100\n2020-01-03,101\n2020-01-06,102\n"


# ------------------------------------------------------------------------------ data folder and files


def test_missing_data_folder_parameter(project, tmp_path):
    folder = tmp_path / "nope"
    with pytest.raises(DataError, match=None) as info:
        data.load("rut", data_dir=folder)
    assert str(info.value) == f"data folder {folder} (from data_dir parameter) does not exist; point data_dir parameter at a folder of CSV files or leave it empty to download"


def test_missing_data_folder_environment(project, tmp_path, monkeypatch):
    folder = tmp_path / "nope"
    monkeypatch.setenv("ROTATION_DATA_DIR", str(folder))
    with pytest.raises(DataError) as info:
        data.load("rut")
    assert str(info.value) == f"data folder {folder} (from ROTATION_DATA_DIR) does not exist; point ROTATION_DATA_DIR at a folder of CSV files or leave it empty to download"


def test_missing_data_folder_on_the_command_line(cli_project, capsys, tmp_path):
    line = refused(capsys, ["run", "--data-dir", str(tmp_path / "nope")])
    assert line == f"error: parameter data_dir: folder {tmp_path / 'nope'} does not exist"
    untouched(cli_project)


def test_missing_file_for_a_series(project, tmp_path):
    folder = tmp_path / "csv"
    write_series_csv(folder, "GSPC.csv", prices_from_returns([0.01, 0.02]))
    message = load_error(folder)
    assert message == (
        f"series 'rut': download from {YAHOO_RUT} failed (ConnectionError: no network in tests); "
        f"no RUT.csv in {folder.resolve()}; not cached; check the connection, or set ROTATION_DATA_DIR to a folder holding RUT.csv"
    )
    assert cached_files(project) == []  # nothing cached on failure


def test_missing_column(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,open\n2020-01-02,100\n2020-01-03,101\n")
    assert load_error(path.parent) == f"{path}: missing column 'close' for series 'rut' (found: date, open)"


def test_misnamed_column(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "Date,Close\n2020-01-02,100\n2020-01-03,101\n")
    assert load_error(path.parent) == f"{path}: missing column 'date' for series 'rut' (found: Date, Close)"


def test_non_numeric_price(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n2020-01-02,100\n2020-01-03,abc\n")
    assert load_error(path.parent) == f"{path}: non-numeric value 'abc' in column 'close' on 2020-01-03"


def test_negative_price(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n2020-01-02,100\n2020-01-03,-5\n")
    assert load_error(path.parent) == f"{path}: non-positive price -5 in column 'close' on 2020-01-03"


def test_zero_price(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n2020-01-02,0\n2020-01-03,101\n")
    assert load_error(path.parent) == f"{path}: non-positive price 0 in column 'close' on 2020-01-02"


@pytest.mark.parametrize("cell", ["", "NaN", "inf"])
def test_nan_or_missing_price(project, tmp_path, cell):
    path = rut_csv(tmp_path / "csv", f"date,close\n2020-01-02,100\n2020-01-03,{cell}\n2020-01-06,102\n")
    assert load_error(path.parent) == f"{path}: missing or non-finite value in column 'close' on 2020-01-03"


def test_duplicate_dates(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n2020-01-02,100\n2020-01-03,101\n2020-01-03,101\n")
    assert load_error(path.parent) == f"{path}: duplicate date 2020-01-03"


def test_unsorted_dates(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n2020-01-02,100\n2020-01-06,101\n2020-01-03,102\n")
    assert load_error(path.parent) == f"{path}: dates not sorted ascending (2020-01-03 follows 2020-01-06)"


def test_header_only_file(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n")
    assert load_error(path.parent) == f"{path}: has a header but no rows"


def test_empty_file(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "")
    assert load_error(path.parent) == f"{path}: file is empty (expected a header 'date,close' and rows)"


def test_malformed_date_in_a_file(project, tmp_path):
    path = rut_csv(tmp_path / "csv", "date,close\n2020-01-02,100\n2020/01/03,101\n")
    assert load_error(path.parent) == f"{path}: malformed date '2020/01/03' on data row 2 (expected YYYY-MM-DD)"


def test_unknown_series_name_in_the_loader(project):
    with pytest.raises(ParameterError) as info:
        data.load("russell")
    assert str(info.value) == f"unknown series 'russell': use one of {', '.join(data.CATALOGUE)}, or an upper-case Yahoo ticker such as HBAN or ^RUT"


# ------------------------------------------------------------------------------ as_of against the data


@pytest.fixture(scope="module")
def real_sessions(shared_data) -> pd.DatetimeIndex:
    returns = streaks.aligned_returns(data.load("rut", data_dir=shared_data), data.load("spx", data_dir=shared_data))
    return returns.index


def first_and_last_dates(path: Path) -> tuple[str, str]:
    with open(path, newline="") as handle:
        rows = [row["date"] for row in csv.DictReader(handle)]
    return rows[1], rows[-1]  # the first return ends on the second date


def test_as_of_before_the_data_start(real_sessions, shared_data):
    first, _ = first_and_last_dates(shared_data / "RUT.csv")  # RUT starts after GSPC
    with pytest.raises(ParameterError) as info:
        streaks.resolve_as_of(real_sessions, "1980-01-02")
    assert str(info.value) == f"as_of 1980-01-02 is before the data start {first}"


def test_as_of_after_the_data_end(real_sessions, shared_data):
    _, last = first_and_last_dates(shared_data / "RUT.csv")  # RUT ends before GSPC
    with pytest.raises(ParameterError) as info:
        streaks.resolve_as_of(real_sessions, "2030-01-02")
    assert str(info.value) == f"as_of 2030-01-02 is after the data end {last}"


@pytest.mark.parametrize(
    "as_of, kind",
    [("2026-01-17", "Saturday"), ("2026-01-18", "Sunday"), ("2026-01-19", "Martin Luther King Jr. Day"), ("2025-12-25", "Christmas")],
)
def test_as_of_on_a_weekend_or_holiday_is_resolved_and_said(real_sessions, shared_data, as_of, kind):
    with open(shared_data / "RUT.csv", newline="") as handle:
        dates = [row["date"] for row in csv.DictReader(handle)]
    assert as_of not in dates, kind
    previous = max(d for d in dates if d < as_of)
    session, note = streaks.resolve_as_of(real_sessions, as_of)
    assert str(session.date()) == previous
    assert note == f"as_of {as_of} is not a trading session; using the previous session, {previous}"


def test_malformed_as_of_in_the_resolver(real_sessions):
    with pytest.raises(ParameterError) as info:
        streaks.resolve_as_of(real_sessions, "2026-13-01")
    assert str(info.value) == "as_of '2026-13-01' is not a date (expected YYYY-MM-DD)"


# ------------------------------------------------------------------------------ command-line parameters


@pytest.mark.parametrize("value", ["2026-13-01", "21/01/2026", "20260121", "yesterday"])
def test_malformed_as_of_on_the_command_line(cli_project, capsys, value):
    assert refused(capsys, ["run", "--as-of", value]) == f"error: parameter as_of: {value!r} is not a date (expected YYYY-MM-DD)"
    untouched(cli_project)


def test_unknown_series_on_the_command_line(cli_project, capsys):
    line = refused(capsys, ["run", "-p", "small", "russell"])
    assert line == f"error: parameter small: unknown series 'russell': use one of {', '.join(data.CATALOGUE)}, or an upper-case Yahoo ticker such as HBAN or ^RUT"
    untouched(cli_project)


@pytest.mark.parametrize("value", ["0", "-3"])
def test_non_positive_min_streak(cli_project, capsys, value):
    assert refused(capsys, ["run", "-p", "min_streak", value]) == f"error: parameter min_streak: must be positive, got {value}"
    untouched(cli_project)


def test_non_integer_min_streak(cli_project, capsys):
    assert refused(capsys, ["run", "-p", "min_streak", "ten"]) == "error: parameter min_streak: expected int, got 'ten'"
    untouched(cli_project)


@pytest.mark.parametrize("value, shown", [("[5, 0]", "[5, 0]"), ("-20", "[-20]")])
def test_non_positive_horizons(cli_project, capsys, value, shown):
    assert refused(capsys, ["run", "-p", "horizons", value]) == f"error: parameter horizons: must be positive, got {shown}"
    untouched(cli_project)


def test_unknown_papermill_parameter(cli_project, capsys):
    line = refused(capsys, ["run", "-p", "min_streek", "8"])
    assert line == f"error: unknown parameter 'min_streek': no notebook declares it (known: {KNOWN})"
    untouched(cli_project)


def test_run_name_given_as_a_parameter(cli_project, capsys):
    assert refused(capsys, ["run", "-p", "run_name", "x"]) == "error: parameter run_name is set by the runner; use --run-name"
    untouched(cli_project)


def test_yaml_run_file_with_a_typo(cli_project, capsys, tmp_path):
    path = tmp_path / "runs.yaml"
    path.write_text("- as_of: 2008-06-06\n- as_of: 2026-01-21\n  min_streek: 8\n- as_of: 2009-01-02\n")
    line = refused(capsys, ["run", "--config", str(path)])
    assert line == f"error: {path}: run 2 of 3: unknown key 'min_streek' (known: run_name, {KNOWN})"
    untouched(cli_project)


def test_yaml_run_file_with_a_bad_value_in_run_7_of_12(cli_project, capsys, tmp_path):
    path = tmp_path / "runs.yaml"
    runs = [{"as_of": f"20{10 + i}-06-01"} for i in range(12)]
    runs[6]["min_streak"] = -2
    path.write_text("".join(f"- as_of: {r['as_of']}\n" + (f"  min_streak: {r['min_streak']}\n" if "min_streak" in r else "") for r in runs))
    line = refused(capsys, ["run", "--config", str(path), "--jobs", "2"])
    assert line == f"error: {path}: run 7 of 12 (as_of-2016-06-01_min_streak--2): parameter min_streak: must be positive, got -2"
    untouched(cli_project)


def test_grid_with_a_bad_value_refuses_the_whole_sweep(cli_project, capsys):
    line = refused(capsys, ["run", "--as-of", "2008-06-06", "--as-of", "2009-06-05", "--grid", "min_streak=8,0"])
    assert line == "error: run 2 of 4 (as_of-2008-06-06_min_streak-0): parameter min_streak: must be positive, got 0"
    untouched(cli_project)


def test_yaml_run_file_that_is_not_a_list_of_mappings(cli_project, capsys, tmp_path):
    path = tmp_path / "runs.yaml"
    path.write_text("- as_of: 2008-06-06\n- 2009-06-05\n")
    assert refused(capsys, ["run", "--config", str(path)]) == f"error: {path}: run 2 of 2: expected a mapping of parameter names to values, got '2009-06-05'"
    untouched(cli_project)


def test_missing_config_file(cli_project, capsys, tmp_path):
    assert refused(capsys, ["run", "--config", str(tmp_path / "nope.yaml")]) == f"error: config file {tmp_path / 'nope.yaml'} not found"
    untouched(cli_project)


def test_duplicate_run_names_in_a_run_file(cli_project, capsys, tmp_path):
    path = tmp_path / "runs.yaml"
    path.write_text("- {run_name: a, as_of: 2008-06-06}\n- {run_name: a, as_of: 2009-06-05}\n")
    assert refused(capsys, ["run", "--config", str(path)]) == f"error: {path}: run 2 of 2: run name 'a' is used by run 1 too; give the runs distinct run_name values"
    untouched(cli_project)


def test_non_positive_jobs(cli_project, capsys):
    assert refused(capsys, ["run", "--as-of", "2008-06-06", "--as-of", "2009-06-05", "--jobs", "0"]) == "error: --jobs must be a positive integer, got 0"
    untouched(cli_project)


def test_bad_grid_syntax(cli_project, capsys):
    assert refused(capsys, ["run", "--grid", "min_streak"]) == "error: --grid expects NAME=V1,V2,..., got 'min_streak'"
    untouched(cli_project)


def test_scan_with_a_non_positive_length(project, capsys):
    assert refused(capsys, ["scan", "--min-length", "0"]) == "error: --min-length must be a positive number of sessions, got 0"


# ------------------------------------------------------------------------------ downloads (mocked) and the cache


def cached_files(project: Path) -> list[str]:
    folder = project / "data" / "cache"
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) if folder.exists() else []  # lock files hold no data


def test_download_that_times_out(project, monkeypatch):
    def timeout(url):
        raise requests.exceptions.Timeout("read timed out after 30 s")

    monkeypatch.setattr(data, "_http_get", timeout)
    with pytest.raises(DataError) as info:
        data.load("dff")
    assert str(info.value) == (
        f"series 'dff': download from {FRED_DFF} failed (Timeout: read timed out after 30 s); not cached; "
        "check the connection, or set ROTATION_DATA_DIR to a folder holding DFF.csv"
    )
    assert cached_files(project) == []


def test_download_that_returns_an_http_error(project, monkeypatch):
    def http_error(url):
        raise requests.HTTPError(f"404 Client Error: Not Found for url: {url}")

    monkeypatch.setattr(data, "_http_get", http_error)
    with pytest.raises(DataError) as info:
        data.load("dff")
    assert str(info.value) == (
        f"series 'dff': download from {FRED_DFF} failed (HTTPError: 404 Client Error: Not Found for url: {FRED_DFF}); not cached; "
        "check the connection, or set ROTATION_DATA_DIR to a folder holding DFF.csv"
    )
    assert cached_files(project) == []


def test_download_that_returns_an_empty_frame(project, monkeypatch):
    monkeypatch.setattr(data, "_yf_download", lambda ticker, auto_adjust: pd.DataFrame())
    with pytest.raises(DataError) as info:
        data.load("rut")
    assert str(info.value) == (
        f"series 'rut': download from {YAHOO_RUT} failed (empty response); not cached; "
        "check the connection, or set ROTATION_DATA_DIR to a folder holding RUT.csv"
    )
    assert cached_files(project) == []


def yahoo_frame(closes) -> pd.DataFrame:
    index = pd.bdate_range("2020-01-02", periods=len(closes), name="Date")
    return pd.DataFrame({"Close": closes, "Open": closes, "Volume": 0}, index=index)


@pytest.fixture
def cached_rut_and_spx(project, monkeypatch):
    """A valid cache for rut and spx, filled through a mocked download; returns the rut values."""
    closes = {"^RUT": [100.0, 101.0, 99.5, 102.25], "^GSPC": [3000.0, 3010.0, 3005.0, 3020.0]}
    monkeypatch.setattr(data, "_yf_download", lambda ticker, auto_adjust: yahoo_frame(closes[ticker]))
    assert data.load("rut").tolist() == closes["^RUT"]
    assert data.load("spx").tolist() == closes["^GSPC"]
    monkeypatch.setattr(data, "_yf_download", no_network)  # from now on only the cache can answer
    return closes["^RUT"]


def test_cache_file_truncated_on_disk(project, cached_rut_and_spx):
    manifest = json.loads((project / "data" / "cache" / "rut.json").read_text())
    parquet = project / "data" / "cache" / manifest["file"]
    parquet.write_bytes(parquet.read_bytes()[:100])
    with pytest.raises(DataError) as info:
        data.load("rut")
    assert str(info.value) == f"cache file {parquet} is damaged (checksum differs from rut.json); delete both to download 'rut' again"
    assert (project / "data" / "cache" / "rut.json").is_file()  # the evidence is kept, not deleted
    assert data.load("spx").tolist() == [3000.0, 3010.0, 3005.0, 3020.0]  # other series unaffected


def test_cache_manifest_truncated_on_disk(project, cached_rut_and_spx):
    path = project / "data" / "cache" / "rut.json"
    path.write_text(path.read_text()[:40])
    with pytest.raises(DataError) as info:
        data.load("rut")
    assert str(info.value).startswith(f"cache manifest {path} is unreadable (JSONDecodeError: ")
    assert str(info.value).endswith("); delete it to download 'rut' again")


def half_then_interrupt(real_writer):
    """A writer that gets half-way through the real atomic write, then is interrupted."""
    from rotation.io import atomic_path

    def writer(path, payload):
        with atomic_path(path) as tmp:
            blob = payload if isinstance(payload, bytes) else payload.encode()
            tmp.write_bytes(blob[: len(blob) // 2])
            raise KeyboardInterrupt  # Ctrl-C in the middle of the write

    return writer


def new_frame() -> pd.DataFrame:
    index = pd.bdate_range("2020-01-02", periods=5, name="date")
    return pd.DataFrame({"close": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=index)


def test_run_interrupted_while_writing_the_cache_data_file(project, cached_rut_and_spx, monkeypatch):
    before = cached_files(project)
    monkeypatch.setattr(data, "write_bytes_atomic", half_then_interrupt(data.write_bytes_atomic))
    with pytest.raises(KeyboardInterrupt):
        data.write_cache(data.series_spec("rut"), new_frame(), YAHOO_RUT)
    assert cached_files(project) == before  # no half-written file, no temp file
    assert data.load("rut").tolist() == cached_rut_and_spx


def test_run_interrupted_while_writing_the_cache_manifest(project, cached_rut_and_spx, monkeypatch):
    monkeypatch.setattr(data, "write_text_atomic", half_then_interrupt(data.write_text_atomic))
    with pytest.raises(KeyboardInterrupt):
        data.write_cache(data.series_spec("rut"), new_frame(), YAHOO_RUT)
    assert not [name for name in cached_files(project) if name.endswith(".tmp")]
    assert data.load("rut").tolist() == cached_rut_and_spx  # the manifest still names the old file
    assert np.isfinite(data.load("spx").to_numpy()).all()


def test_yaml_parameter_mapping_with_a_typo(cli_project, capsys, tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("as_of: 2008-06-06\nmin_streek: 8\n")
    assert refused(capsys, ["run", "--config", str(path)]) == f"error: {path}: unknown key 'min_streek' (known: run_name, {KNOWN})"
    untouched(cli_project)
