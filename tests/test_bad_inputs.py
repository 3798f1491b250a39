"""The bad-input matrix: every case the user can cause gives one exact line, a non-zero exit, and no damage.

Loader-level cases assert the ``DataError``/``ParameterError`` message; command-line cases go
through ``rotation.cli.main`` (exit code 2, one ``error: ...`` line on stderr). Each case also
checks that what was already on disk (another run's folder, a valid cache) is intact.
The network is never touched: downloads are replaced by functions that raise or return
what the case needs. The list of cases and messages is in docs/troubleshooting.md.
"""

from __future__ import annotations

import csv
import errno
import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import requests

from conftest import no_network, prices_from_returns, write_series_csv
from rotation import cli
from rotation.analytics import streaks
from rotation.core.errors import DataError, ParameterError
from rotation.data import catalogue, checks, loading

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
        "top_n = 15  # rows listed\n"
        "context_sessions = 60  # sessions shown around the streak\n"
        'other_pairs = [["iwm", "spy"]]  # other [small, large] pairs\n'
        'etf = "iwm"  # an ETF\n'
        'data_end = ""  # last date of data\n'
        "level = 0.95  # confidence level\n"
        'data_dir = ""  # CSV folder\n'
        'run_name = "scratch"  # set by the runner\n'
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("raise SystemExit('a probe notebook must never run in these tests')")]
    path = folder / "notebooks" / "01_probe.ipynb"
    nbformat.write(nb, path)
    return path


KNOWN = (
    "as_of, context_sessions, data_dir, data_end, etf, horizons, large, level, min_streak, other_pairs, small, top_n"
)


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
    assert sorted(p.name for p in (project / "runs").iterdir() if p.name != ".locks") == [
        "other_run"
    ]  # .locks: empty lock files


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
        loading.load("rut", data_dir=folder)
    message = str(info.value)
    assert "\n" not in message
    return message


GOOD = "date,close\n2020-01-02,100\n2020-01-03,101\n2020-01-06,102\n"


# ------------------------------------------------------------------------------ data folder and files


def test_missing_data_folder_parameter(project, tmp_path):
    folder = tmp_path / "nope"
    with pytest.raises(DataError, match=None) as info:
        loading.load("rut", data_dir=folder)
    assert (
        str(info.value)
        == f"data folder {folder} (from data_dir parameter) does not exist; point data_dir parameter at a folder of CSV files or leave it empty to download"
    )


def test_missing_data_folder_environment(project, tmp_path, monkeypatch):
    folder = tmp_path / "nope"
    monkeypatch.setenv("ROTATION_DATA_DIR", str(folder))
    with pytest.raises(DataError) as info:
        loading.load("rut")
    assert (
        str(info.value)
        == f"data folder {folder} (from ROTATION_DATA_DIR) does not exist; point ROTATION_DATA_DIR at a folder of CSV files or leave it empty to download"
    )


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


@pytest.mark.parametrize(
    "text, message",
    [
        ("date,open\n2020-01-02,100\n2020-01-03,101\n", "missing column 'close' for series 'rut' (found: date, open)"),
        ("Date,Close\n2020-01-02,100\n2020-01-03,101\n", "missing column 'date' for series 'rut' (found: Date, Close)"),
        ("date,close\n2020-01-02,100\n2020-01-03,abc\n", "non-numeric value 'abc' in column 'close' on 2020-01-03"),
        ("date,close\n2020-01-02,100\n2020-01-03,-5\n", "non-positive price -5 in column 'close' on 2020-01-03"),
        ("date,close\n2020-01-02,0\n2020-01-03,101\n", "non-positive price 0 in column 'close' on 2020-01-02"),
        *(
            (
                f"date,close\n2020-01-02,100\n2020-01-03,{cell}\n2020-01-06,102\n",
                "missing or non-finite value in column 'close' on 2020-01-03",
            )
            for cell in ("", "NaN", "inf")
        ),
        ("date,close\n2020-01-02,100\n2020-01-03,101\n2020-01-03,101\n", "duplicate date 2020-01-03"),
        (
            "date,close\n2020-01-02,100\n2020-01-06,101\n2020-01-03,102\n",
            "dates not sorted ascending (2020-01-03 follows 2020-01-06)",
        ),
        ("date,close\n", "has a header but no rows"),
        ("", "file is empty (expected a header 'date,close' and rows)"),
        (
            "date,close\n2020-01-02,100\n2020/01/03,101\n",
            "malformed date '2020/01/03' on data row 2 (expected YYYY-MM-DD)",
        ),
    ],
    ids=[
        "missing-column",
        "misnamed-column",
        "non-numeric",
        "negative",
        "zero",
        "empty-cell",
        "nan",
        "inf",
        "duplicate-dates",
        "unsorted-dates",
        "header-only",
        "empty-file",
        "malformed-date",
    ],
)
def test_a_bad_csv_file_is_one_line_naming_file_row_and_rule(project, tmp_path, text, message):
    path = rut_csv(tmp_path / "csv", text)
    assert load_error(path.parent) == f"{path}: {message}"


def test_unknown_series_name_in_the_loader(project):
    with pytest.raises(ParameterError) as info:
        loading.load("russell")
    assert (
        str(info.value)
        == f"unknown series 'russell': use one of {', '.join(catalogue.CATALOGUE)}, or an upper-case Yahoo ticker such as HBAN or ^RUT"
    )


# ------------------------------------------------------------------------------ as_of against the data


@pytest.fixture(scope="module")
def real_sessions(shared_data) -> pd.DatetimeIndex:
    returns = streaks.aligned_returns(
        loading.load("rut", data_dir=shared_data), loading.load("spx", data_dir=shared_data)
    )
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
    [
        ("2026-01-17", "Saturday"),
        ("2026-01-18", "Sunday"),
        ("2026-01-19", "Martin Luther King Jr. Day"),
        ("2025-12-25", "Christmas"),
    ],
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


MIN_STREAK_RANGE = "must be from 1 to 1,000 sessions (no streak comes near a thousand sessions)"
HORIZONS_RANGE = "must be from 1 to 2,520 sessions (about ten years of sessions at most)"


@pytest.mark.parametrize(
    "argv, line",
    [
        *(
            (["--as-of", value], f"error: parameter as_of: {value!r} is not a date (expected YYYY-MM-DD)")
            for value in ("2026-13-01", "21/01/2026", "20260121", "yesterday")
        ),
        (
            ["-p", "small", "russell"],
            f"error: parameter small: unknown series 'russell': use one of {', '.join(catalogue.CATALOGUE)}, or an upper-case Yahoo ticker such as HBAN or ^RUT",
        ),
        *(
            (["-p", "min_streak", value], f"error: parameter min_streak: {MIN_STREAK_RANGE}, got {value}")
            for value in ("0", "-3")
        ),
        (["-p", "min_streak", "ten"], "error: parameter min_streak: expected int, got 'ten'"),
        (["-p", "horizons", "[5, 0]"], f"error: parameter horizons: {HORIZONS_RANGE}, got 0"),
        (["-p", "horizons", "-20"], f"error: parameter horizons: {HORIZONS_RANGE}, got -20"),
        (
            ["-p", "min_streek", "8"],
            f"error: unknown parameter 'min_streek': no notebook declares it (known: {KNOWN})",
        ),
        (["-p", "run_name", "x"], "error: parameter run_name is set by the runner; use --run-name"),
        (
            ["--as-of", "2008-06-06", "--as-of", "2009-06-05", "--grid", "min_streak=8,0"],
            f"error: run 2 of 4 (as_of-2008-06-06_min_streak-0): parameter min_streak: {MIN_STREAK_RANGE}, got 0",
        ),
        (
            ["--as-of", "2008-06-06", "--as-of", "2009-06-05", "--jobs", "0"],
            "error: --jobs must be a positive integer, got 0",
        ),
        (["--grid", "min_streak"], "error: --grid expects NAME=V1,V2,..., got 'min_streak'"),
    ],
    ids=[
        "as_of-month-13",
        "as_of-day-first",
        "as_of-no-dashes",
        "as_of-word",
        "unknown-series",
        "min_streak-0",
        "min_streak-negative",
        "min_streak-word",
        "horizons-0",
        "horizons-negative",
        "unknown-parameter",
        "run_name-as-parameter",
        "grid-bad-value",
        "jobs-0",
        "grid-syntax",
    ],
)
def test_refused_on_the_command_line(cli_project, capsys, argv, line):
    assert refused(capsys, ["run", *argv]) == line
    untouched(cli_project)


def test_yaml_run_file_with_a_bad_value_in_run_7_of_12(cli_project, capsys, tmp_path):
    path = tmp_path / "runs.yaml"
    runs = [{"as_of": f"20{10 + i}-06-01"} for i in range(12)]
    runs[6]["min_streak"] = -2
    path.write_text(
        "".join(
            f"- as_of: {r['as_of']}\n" + (f"  min_streak: {r['min_streak']}\n" if "min_streak" in r else "")
            for r in runs
        )
    )
    line = refused(capsys, ["run", "--config", str(path), "--jobs", "2"])
    assert (
        line
        == f"error: {path}: run 7 of 12 (as_of-2016-06-01_min_streak--2): parameter min_streak: must be from 1 to 1,000 sessions (no streak comes near a thousand sessions), got -2"
    )
    untouched(cli_project)


def test_scan_with_a_non_positive_length(project, capsys):
    assert (
        refused(capsys, ["scan", "--min-length", "0"])
        == "error: --min-length must be a positive number of sessions, got 0"
    )


# ------------------------------------------------------------------------------ downloads (mocked) and the cache


def cached_files(project: Path) -> list[str]:
    folder = project / "data" / "cache"
    return (
        sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) if folder.exists() else []
    )  # lock files hold no data


@pytest.mark.parametrize(
    "error, shown",
    [
        (requests.exceptions.Timeout("read timed out after 30 s"), "Timeout: read timed out after 30 s"),
        (
            requests.HTTPError(f"404 Client Error: Not Found for url: {FRED_DFF}"),
            f"HTTPError: 404 Client Error: Not Found for url: {FRED_DFF}",
        ),
    ],
    ids=["timeout", "http-error"],
)
def test_download_that_fails(project, monkeypatch, error, shown):
    def fail(url):
        raise error

    monkeypatch.setattr(loading, "_http_get", fail)
    with pytest.raises(DataError) as info:
        loading.load("dff")
    assert str(info.value) == (
        f"series 'dff': download from {FRED_DFF} failed ({shown}); not cached; "
        "check the connection, or set ROTATION_DATA_DIR to a folder holding DFF.csv"
    )
    assert cached_files(project) == []


def test_download_that_returns_an_empty_frame(project, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda ticker, auto_adjust: pd.DataFrame())
    with pytest.raises(DataError) as info:
        loading.load("rut")
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
    monkeypatch.setattr(loading, "_yf_download", lambda ticker, auto_adjust: yahoo_frame(closes[ticker]))
    assert loading.load("rut").tolist() == closes["^RUT"]
    assert loading.load("spx").tolist() == closes["^GSPC"]
    monkeypatch.setattr(loading, "_yf_download", no_network)  # from now on only the cache can answer
    return closes["^RUT"]


def test_cache_file_truncated_on_disk(project, cached_rut_and_spx):
    manifest = json.loads((project / "data" / "cache" / "rut.json").read_text())
    parquet = project / "data" / "cache" / manifest["file"]
    parquet.write_bytes(parquet.read_bytes()[:100])
    with pytest.raises(DataError) as info:
        loading.load("rut")
    assert (
        str(info.value)
        == f"cache file {parquet} is damaged (checksum differs from rut.json); delete both to download 'rut' again"
    )
    assert (project / "data" / "cache" / "rut.json").is_file()  # the evidence is kept, not deleted
    assert loading.load("spx").tolist() == [3000.0, 3010.0, 3005.0, 3020.0]  # other series unaffected


def test_cache_manifest_truncated_on_disk(project, cached_rut_and_spx):
    path = project / "data" / "cache" / "rut.json"
    path.write_text(path.read_text()[:40])
    with pytest.raises(DataError) as info:
        loading.load("rut")
    assert str(info.value).startswith(f"cache manifest {path} is unreadable (JSONDecodeError: ")
    assert str(info.value).endswith("); delete it to download 'rut' again")


def half_then_interrupt(real_writer):
    """A writer that gets half-way through the real atomic write, then is interrupted."""
    from rotation.core.files import atomic_path

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
    monkeypatch.setattr(loading, "write_bytes_atomic", half_then_interrupt(loading.write_bytes_atomic))
    with pytest.raises(KeyboardInterrupt):
        loading.write_cache(catalogue.series_spec("rut"), new_frame(), YAHOO_RUT)
    assert cached_files(project) == before  # no half-written file, no temp file
    assert loading.load("rut").tolist() == cached_rut_and_spx


def test_run_interrupted_while_writing_the_cache_manifest(project, cached_rut_and_spx, monkeypatch):
    monkeypatch.setattr(loading, "write_text_atomic", half_then_interrupt(loading.write_text_atomic))
    with pytest.raises(KeyboardInterrupt):
        loading.write_cache(catalogue.series_spec("rut"), new_frame(), YAHOO_RUT)
    assert not [name for name in cached_files(project) if name.endswith(".tmp")]
    assert loading.load("rut").tolist() == cached_rut_and_spx  # the manifest still names the old file
    assert np.isfinite(loading.load("spx").to_numpy()).all()


# ------------------------------------------------------------------------------ issue 14: names, YAML, values, data, files


def config(tmp_path: Path, text: str, name: str = "params.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "is empty"),
        (" article", "starts or ends with white space"),
        ("a\nb", "holds a control character"),
        ("a\tb", "holds a control character"),
        ("a\u202eb", "holds a control character"),  # right-to-left override
        ("../article", "holds a slash"),
        ("a\\b", "holds a slash"),
        (".hidden", "starts with a dot"),
        ("x" * 256, "is 256 bytes long (at most 200)"),
        ("é" * 101, "is 202 bytes long (at most 200)"),
    ],
)
def test_run_name_that_is_not_a_plain_folder_name(cli_project, capsys, name, problem):
    shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:60] + "..." + repr(name)[-10:]
    assert (
        refused(capsys, ["run", "--run-name", name])
        == f"error: run name {shown} is not a plain folder name: it {problem}"
    )
    untouched(cli_project)


@pytest.mark.parametrize(
    "name, what",
    [
        ("scan", "the output of `rotation scan`"),
        ("scratch", "the run name notebooks use when executed outside `rotation run`"),
        ("Scan", "the output of `rotation scan`"),
    ],
)
def test_reserved_run_name(cli_project, capsys, name, what):
    assert (
        refused(capsys, ["run", "--run-name", name])
        == f"error: run name {name!r} is reserved ({what}); choose another --run-name"
    )
    untouched(cli_project)


def test_run_name_with_a_newline_in_a_parameter_file(cli_project, capsys, tmp_path):
    path = config(tmp_path, 'run_name: "a\\nb"\n')
    assert (
        refused(capsys, ["run", "--config", str(path)])
        == "error: run name 'a\\nb' is not a plain folder name: it holds a control character"
    )
    untouched(cli_project)


@pytest.mark.parametrize(
    "text, where",
    [
        (
            "- as_of: 2008-06-06\n- as_of: 2026-01-21\n  min_streek: 8\n- as_of: 2009-01-02\n",
            f"run 2 of 3: unknown key 'min_streek' (known: run_name, {KNOWN})",
        ),
        (
            "- as_of: 2008-06-06\n- 2009-06-05\n",
            "run 2 of 2: expected a mapping of parameter names to values, got '2009-06-05'",
        ),
        (
            "- {run_name: a, as_of: 2008-06-06}\n- {run_name: a, as_of: 2009-06-05}\n",
            "run 2 of 2: run name 'a' is used by run 1 too; give the runs distinct run_name values",
        ),
        ("as_of: 2008-06-06\nmin_streek: 8\n", f"unknown key 'min_streek' (known: run_name, {KNOWN})"),
        (
            "- {run_name: scan, as_of: 2008-06-06}\n",
            "run 1 of 1 (scan): run name 'scan' is reserved (the output of `rotation scan`); choose another --run-name",
        ),
        ("as_of: [2008\n", "not valid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>'"),
        (
            "as_of: 2008-06-06\n\tmin_streak: 8\n",
            "not valid YAML at line 2, column 1: found character '\\t' that cannot start any token",
        ),
        (
            "as_of: 2008-06-06\n  min_streak: 8\n",
            "not valid YAML at line 2, column 13: mapping values are not allowed here",
        ),
        (
            "as_of: !foo 2008-06-06\n",
            "YAML tag '!foo' at line 1, column 8 is not allowed (values are plain numbers, text and lists)",
        ),
        (
            "horizons: !!set {5: null}\n",
            "YAML tag '!!set' at line 1, column 11 is not allowed (values are plain numbers, text and lists)",
        ),
        (
            "min_streak: !!python/object/apply:os.getpid []\n",
            "YAML tag '!!python/object/apply:os.getpid' at line 1, column 13 is not allowed (values are plain numbers, text and lists)",
        ),
        ("as_of: 2008-06-06\nas_of: 2009-06-05\n", "duplicate key 'as_of' at line 2 (first at line 1)"),
        ("h: &five [5]\nhorizons: *five\n", "YAML alias '*five' at line 2 is not allowed (write the value out)"),
        (
            "- as_of: 2008-06-06\n  min_streak: 8\n  min_streak: 9\n",
            "duplicate key 'min_streak' at line 3 (first at line 2)",
        ),
        ("hello\n", "expected a mapping of parameters or a non-empty list of runs (mappings)"),
        (
            "- as_of: 2008-06-06\n- other_pairs: [[iwm, spy], [rut]]\n",
            "run 2 of 2 (other_pairs-['iwm','spy'],['rut']): parameter other_pairs[1]: expected a [small, large] pair of series ids, got ['rut']",
        ),
    ],
    ids=[
        "run-file-typo",
        "run-file-not-mappings",
        "run-file-duplicate-names",
        "mapping-typo",
        "run-file-reserved-name",
        "unclosed-list",
        "tab",
        "bad-indent",
        "custom-tag",
        "set-tag",
        "python-tag",
        "duplicate-key",
        "alias",
        "run-file-duplicate-key",
        "single-value",
        "run-file-bad-value-deep",
    ],
)
def test_parameter_or_run_file_refused_naming_file_run_and_line(cli_project, capsys, tmp_path, text, where):
    path = config(tmp_path, text)
    assert refused(capsys, ["run", "--config", str(path)]) == f"error: {path}: {where}"
    untouched(cli_project)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: tmp / "nope.yaml", "config file {path} not found"),
        (lambda tmp: tmp, "config file {path} is a folder, not a YAML file"),
        (
            lambda tmp: (tmp / "params.yaml", (tmp / "params.yaml").write_bytes(b"\xff\xfe\x00as_of"))[0],
            "config file {path} is not UTF-8 text",
        ),
    ],
    ids=["missing", "a-folder", "not-text"],
)
def test_config_file_that_cannot_be_read_as_yaml(cli_project, capsys, tmp_path, make, message):
    path = make(tmp_path)
    assert refused(capsys, ["run", "--config", str(path)]) == "error: " + message.format(path=path)
    untouched(cli_project)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("top_n", "-1", "parameter top_n: must be from 1 to 1,000 rows, got -1"),
        ("top_n", "0", "parameter top_n: must be from 1 to 1,000 rows, got 0"),
        (
            "context_sessions",
            "-60",
            "parameter context_sessions: must be from 1 to 2,520 sessions (about ten years of sessions at most), got -60",
        ),
        ("min_streak", "10.5", "parameter min_streak: expected int, got '10.5'"),
        ("horizons", "[5, 10.5]", "parameter horizons[1]: expected a whole number, got 10.5"),
        ("horizons", "[5, 'a']", "parameter horizons[1]: expected a whole number, got 'a'"),
        ("horizons", "[[5]]", "parameter horizons[0]: expected a whole number, got [5]"),
        ("horizons", "[.inf]", "parameter horizons[0]: must be a finite number, got inf"),
        ("horizons", "{a: 1}", "parameter horizons: expected list, got '{a: 1}'"),
        (
            "other_pairs",
            "[[iwm, russell]]",
            f"parameter other_pairs[0][1]: unknown series 'russell': use one of {', '.join(catalogue.CATALOGUE)}, or an upper-case Yahoo ticker such as HBAN or ^RUT",
        ),
        ("other_pairs", "[iwm, spy]", "parameter other_pairs[0]: expected a list, got 'iwm'"),
        (
            "other_pairs",
            "[[iwm, spy, rut]]",
            "parameter other_pairs[0]: expected a [small, large] pair of series ids, got ['iwm', 'spy', 'rut']",
        ),
        ("other_pairs", "[[iwm, 5]]", "parameter other_pairs[0][1]: expected text, got 5"),
        (
            "etf",
            "Hban",
            f"parameter etf: unknown series 'Hban': use one of {', '.join(catalogue.CATALOGUE)}, or an upper-case Yahoo ticker such as HBAN or ^RUT",
        ),
        ("data_end", "2026-01-32", "parameter data_end: '2026-01-32' is not a date (expected YYYY-MM-DD)"),
        (
            "other_pairs",
            "[[iwm, iwm]]",
            "parameter other_pairs[0]: small and large are both 'iwm'; a pair needs two different series",
        ),
        (
            "other_pairs",
            "[[iwm, spy], [iwm, spy]]",
            "parameter other_pairs[1]: the pair [iwm, spy] is given twice (also [0])",
        ),
        ("horizons", "[5, 5]", "parameter horizons: the value 5 is given twice"),
        ("horizons", "[]", "parameter horizons: the list is empty (give at least one value)"),
        (
            "horizons",
            "[1000000000]",
            "parameter horizons: must be from 1 to 2,520 sessions (about ten years of sessions at most), got 1000000000",
        ),
        (
            "top_n",
            "1" + "0" * 4999,
            "parameter top_n: expected int, got '100000000000000000000000000000000000000...000000000'",
        ),
        ("level", "1.5", "parameter level: must be strictly between 0 and 1 (a confidence level), got 1.5"),
        ("level", "nan", "parameter level: must be a finite number, got nan"),
        ("as_of", "2008-06-06\x07", "parameter as_of: text holds a control character ('\\x07')"),
        ("as_of", "2008-06-06\n", "parameter as_of: text holds a control character ('\\n')"),
        ("small", "x" * 1001, "parameter small: text is 1001 characters long (at most 1000)"),
        ("small", "spx", "parameters small and large are both 'spx'; the comparison needs two different series"),
        (
            "small",
            "dgs2",
            "parameter small: series 'dgs2' is a rate series (percent per year); a pair compares the daily returns of "
            "two price series (indexes, funds, stocks); to check a claim about it, write a claims-file query (a rate "
            "moves in change_bp)",
        ),
        (
            "large",
            "unrate",
            "parameter large: series 'unrate' is a level series (percent of the labour force); a pair compares the "
            "daily returns of two "
            "price series (indexes, funds, stocks)",
        ),
        (
            "horizons",
            "[!!binary SGVsbG8=]",
            "parameter horizons: YAML tag '!!binary' at line 1, column 2 is not allowed (values are plain numbers, text and lists)",
        ),
    ],
)
def test_bad_value_on_the_command_line(cli_project, capsys, name, value, message):
    assert refused(capsys, ["run", "-p", name, value]) == f"error: {message}"
    untouched(cli_project)


def test_min_streak_that_is_optional_in_one_notebook_and_int_in_another(cli_project, capsys):
    nb = nbformat.read(cli_project / "notebooks" / "01_probe.ipynb", as_version=4)
    nb.cells[0].source = "min_streak = None  # None: the window's length\nrun_name = 'scratch'\n"
    nbformat.write(nb, cli_project / "notebooks" / "02_probe.ipynb")
    assert (
        refused(capsys, ["run", "-p", "min_streak", "10.5"]) == "error: parameter min_streak: expected int, got '10.5'"
    )
    assert (
        refused(capsys, ["run", "--config", str(config(cli_project, "min_streak: 10.5\n"))])
        == "error: parameter min_streak: expected int, got 10.5"
    )
    untouched(cli_project)


# ------------------------------------------------------------------------------ data checked before any kernel starts


def write_pair(folder: Path, small: list[float], large: list[float], dates: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    days = dates or [str(d.date()) for d in pd.bdate_range("2020-01-02", periods=len(small))]
    for file, closes in (("RUT.csv", small), ("GSPC.csv", large)):
        (folder / file).write_text("date,close\n" + "".join(f"{d},{c!r}\n" for d, c in zip(days, closes)))
    return folder


def test_bad_file_stops_the_run_before_any_kernel(cli_project, capsys, tmp_path):
    import time

    folder = write_pair(tmp_path / "csv", [100.0, 101.0, 1e300, 102.0], [3000.0, 3010.0, 3005.0, 3020.0])
    started = time.perf_counter()
    line = refused(capsys, ["run", "--data-dir", str(folder)])
    seconds = time.perf_counter() - started
    assert (
        line
        == f"error: {folder.resolve() / 'RUT.csv'}: implausible daily move in column 'close' on 2020-01-06: 101 to 1e+300 (more than 3 times up or down in one session)"
    )
    assert seconds < 1.0, seconds  # no kernel was started (the probe notebook would refuse to run anyway)
    untouched(cli_project)


def test_rows_dated_in_the_future(cli_project, capsys, tmp_path):
    folder = write_pair(
        tmp_path / "csv", [100.0, 101.0, 102.0], [3000.0, 3010.0, 3005.0], ["2020-01-02", "2020-01-03", "2099-01-02"]
    )
    today = checks.latest_today()
    line = refused(capsys, ["run", "--data-dir", str(folder)])
    assert (
        line
        == f"error: {folder.resolve() / 'RUT.csv'}: date 2099-01-02 is after today ({today}); a file cannot hold future sessions"
    )
    untouched(cli_project)


def test_small_and_large_files_with_identical_values(cli_project, capsys, tmp_path):
    folder = write_pair(tmp_path / "csv", [100.0, 101.0, 102.0], [100.0, 101.0, 102.0])
    line = refused(capsys, ["run", "--data-dir", str(folder)])
    assert line == (
        "error: small series 'rut' (Yahoo ^RUT, file RUT.csv of the local data folder) and large series 'spx' (Yahoo ^GSPC, file GSPC.csv of the local data folder) "
        "hold identical values on all 3 common dates (2020-01-02 to 2020-01-06); small and large must be different series"
    )
    untouched(cli_project)


def test_bad_optional_series_file_is_found_before_any_kernel(cli_project, capsys, tmp_path):
    folder = write_pair(tmp_path / "csv", [100.0, 101.0, 102.0], [3000.0, 3010.0, 3005.0])
    (folder / "IWM.csv").write_text("date,adj_close\n2020-01-02,10\n2020-01-03,abc\n")
    line = refused(capsys, ["run", "--data-dir", str(folder)])
    assert line == f"error: {folder.resolve() / 'IWM.csv'}: non-numeric value 'abc' in column 'adj_close' on 2020-01-03"
    untouched(cli_project)


def test_missing_series_file_without_network_stops_before_any_kernel(cli_project, capsys, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    line = refused(capsys, ["run", "--data-dir", str(folder)])
    assert line == (
        f"error: series 'rut': download from {YAHOO_RUT} failed (ConnectionError: no network in tests); no RUT.csv in {folder.resolve()}; not cached; "
        "check the connection, or set ROTATION_DATA_DIR to a folder holding RUT.csv"
    )
    untouched(cli_project)


def test_data_folder_from_the_environment_missing_before_any_kernel(cli_project, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ROTATION_DATA_DIR", str(tmp_path / "gone"))
    line = refused(capsys, ["run"])
    assert (
        line
        == f"error: data folder {tmp_path / 'gone'} (from ROTATION_DATA_DIR) does not exist; point ROTATION_DATA_DIR at a folder of CSV files or leave it empty to download"
    )
    untouched(cli_project)


@pytest.mark.parametrize(
    "file, header, rows, message",
    [
        (
            "FF_daily.csv",
            "date,mkt_rf,smb,hml,rf",
            ["2020-01-02,0.1,0.2,0.1,0.01", "2020-01-03,75.0,0.2,0.1,0.01"],
            "implausible daily factor return 75 % in column 'mkt_rf' on 2020-01-03 (bound: +-50 % per day)",
        ),
        (
            "DFF.csv",
            "date,value",
            ["2020-01-02,1.5", "2020-01-03,155"],
            "implausible rate 155 in column 'value' on 2020-01-03 (expected -10 to 100 percent per year)",
        ),
        (
            "RUT.csv",
            "date,close",
            ["2020-01-02,100", "2020-01-03,30"],
            "implausible daily move in column 'close' on 2020-01-03: 100 to 30 (more than 3 times up or down in one session)",
        ),
    ],
)
def test_implausible_values_in_a_file(project, tmp_path, file, header, rows, message):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / file).write_text(header + "\n" + "\n".join(rows) + "\n")
    name = {"FF_daily.csv": "ff_factors", "DFF.csv": "dff", "RUT.csv": "rut"}[file]
    with pytest.raises(DataError) as info:
        loading.load(name, data_dir=folder)
    assert str(info.value) == f"{folder / file}: {message}"


# ------------------------------------------------------------------------------ downloads: the real cause, fresh caches


def test_download_that_fails_on_name_resolution(project, monkeypatch):
    import socket

    import urllib3

    def unresolved(url):
        cause = urllib3.exceptions.NameResolutionError(
            "fred.stlouisfed.org", None, socket.gaierror(-3, "Temporary failure in name resolution")
        )
        raise requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, url, cause))

    monkeypatch.setattr(loading, "_http_get", unresolved)
    with pytest.raises(DataError) as info:
        loading.load("dff")
    assert str(info.value) == (
        f"series 'dff': download from {FRED_DFF} failed (cannot resolve host fred.stlouisfed.org: name resolution failed); not cached; "
        "check the connection, or set ROTATION_DATA_DIR to a folder holding DFF.csv"
    )


def test_yahoo_download_that_is_empty_because_the_host_does_not_resolve(project, monkeypatch):
    monkeypatch.setattr(loading, "_yf_download", lambda ticker, auto_adjust: pd.DataFrame())
    monkeypatch.setattr(
        loading,
        "_resolve_host",
        lambda host: f"cannot resolve host {host}: name resolution failed (Temporary failure in name resolution)",
    )
    with pytest.raises(DataError) as info:
        loading.load("rut")
    assert str(info.value) == (
        f"series 'rut': download from {YAHOO_RUT} failed (cannot resolve host query1.finance.yahoo.com: name resolution failed (Temporary failure in name resolution)); "
        "not cached; check the connection, or set ROTATION_DATA_DIR to a folder holding RUT.csv"
    )
    assert cached_files(project) == []


def age_cache(project: Path, days: float) -> None:
    import datetime as dt

    path = project / "data" / "cache" / "rut.json"
    manifest = json.loads(path.read_text())
    manifest["fetched_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    path.write_text(json.dumps(manifest))


def test_stale_cache_is_fetched_again(project, cached_rut_and_spx, monkeypatch):
    age_cache(project, 3)
    monkeypatch.setattr(loading, "_yf_download", lambda ticker, auto_adjust: yahoo_frame([1.0, 2.0, 3.0, 4.0]))
    assert loading.load("rut").tolist() == [1.0, 2.0, 3.0, 4.0]
    assert loading.load("rut").attrs["source"].startswith("Yahoo ^RUT, cached rut-")


def test_stale_cache_is_used_with_a_warning_when_the_download_fails(project, cached_rut_and_spx):
    age_cache(project, 3)
    with pytest.warns(
        UserWarning, match=r"series 'rut': using the cache fetched \d{4}-\d{2}-\d{2} \(older than 1 days\)"
    ):
        assert loading.load("rut").tolist() == cached_rut_and_spx


def test_refresh_that_fails_keeps_the_cache(project, cached_rut_and_spx):
    before = cached_files(project)
    with pytest.raises(DataError) as info:
        loading.load("rut", refresh=True)
    assert "failed (ConnectionError: no network in tests); cache fetched " in str(
        info.value
    ) and "is being refreshed" in str(info.value)
    assert cached_files(project) == before
    assert loading.load("rut").tolist() == cached_rut_and_spx


def test_bad_cache_age_setting(project, cached_rut_and_spx, monkeypatch):
    monkeypatch.setenv("ROTATION_CACHE_MAX_AGE_DAYS", "soon")
    with pytest.raises(ParameterError) as info:
        loading.load("rut")
    assert str(info.value) == "ROTATION_CACHE_MAX_AGE_DAYS must be a non-negative number of days, got 'soon'"


@pytest.mark.parametrize(
    "now, kept",
    [
        ("2020-01-07T15:59:00-05:00", 3),
        ("2020-01-07T16:30:00-05:00", 4),
        ("2020-01-07T09:00:00+08:00", 3),
        ("2020-01-08T09:00:00+08:00", 4),
    ],
)
def test_todays_bar_before_the_close_is_never_stored(now, kept):
    import datetime as dt

    frame = yahoo_frame([1.0, 2.0, 3.0, 4.0])  # 2020-01-02 .. 2020-01-07
    assert len(loading.drop_unfinished_session(frame, dt.datetime.fromisoformat(now))) == kept


# ------------------------------------------------------------------------------ files and folders that cannot be used


def test_runs_folder_that_is_a_file(cli_project, capsys, tmp_path, monkeypatch):
    root = tmp_path / "other"
    (root / "notebooks").mkdir(parents=True)
    probe_notebook(root)
    (root / "runs").write_text("not a folder")
    folder = write_pair(tmp_path / "csv", [100.0, 101.0, 102.0], [3000.0, 3010.0, 3005.0])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    assert (
        refused(capsys, ["run", "--data-dir", str(folder)])
        == f"error: cannot write in {root / 'runs'} (Not a directory)"
    )
    assert (root / "runs").read_text() == "not a folder"


def test_project_folder_without_notebooks(project, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(tmp_path / "nowhere"))
    assert refused(capsys, ["run"]) == f"error: no notebooks found in {tmp_path / 'nowhere' / 'notebooks'}"


def test_scan_out_that_is_a_file(project, capsys, tmp_path, monkeypatch, shared_data):
    target = tmp_path / "taken.txt"
    target.write_text("keep")
    monkeypatch.setenv("ROTATION_DATA_DIR", str(shared_data))
    line = refused(capsys, ["scan", "--out", str(target), "--no-figure"])
    assert line.startswith("error: ") and str(target) in line and "Traceback" not in line
    assert target.read_text() == "keep"


def test_report_out_that_is_a_file(project, capsys, tmp_path):
    (project / "runs" / "r").mkdir(parents=True)
    (project / "runs" / "r" / "status.json").write_text('{"run": "r", "ok": true, "notebooks": []}')
    target = tmp_path / "taken.txt"
    target.write_text("keep")
    line = refused(capsys, ["report", "r", "--out", str(target)])
    assert line == f"error: {target}: a file stands where a folder is needed"
    assert target.read_text() == "keep"


def test_a_second_run_of_the_same_name_is_refused(cli_project, capsys):
    from rotation.run import staging

    with staging.run_lock("busy"):
        line = refused(
            capsys, ["run", "--run-name", "busy", "-p", "small", "russell"]
        )  # bad values are still found first
        assert line.startswith("error: parameter small: unknown series 'russell'")
        folder = write_pair(cli_project / "csv", [100.0, 101.0, 102.0], [3000.0, 3010.0, 3005.0])
        line = refused(capsys, ["run", "--run-name", "busy", "--data-dir", str(folder)])
    assert (
        line
        == f"error: run busy is being written by another rotation process (pid {__import__('os').getpid()}); wait for it to finish or choose another --run-name"
    )
    untouched(cli_project)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_follow_the_umask(tmp_path, umask, mode):
    import os

    from rotation.core.files import write_text_atomic

    old = os.umask(umask)
    try:
        path = write_text_atomic(tmp_path / "status.json", "{}\n")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_unreadable_data_file(project, tmp_path, monkeypatch):
    path = rut_csv(tmp_path / "csv", GOOD)

    read_bytes = Path.read_bytes

    def denied(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", denied)  # root may read any file: the refusal is simulated
    assert load_error(path.parent) == f"{path}: cannot be read (Permission denied)"


def test_unwritable_cache_folder(project, monkeypatch):
    (project / "data" / "cache").write_text("a file where the cache folder belongs")
    monkeypatch.setattr(loading, "_yf_download", lambda ticker, auto_adjust: yahoo_frame([1.0, 2.0, 3.0]))
    with pytest.raises(DataError) as info:
        loading.load("rut")
    assert (
        str(info.value)
        == f"cache folder {project / 'data' / 'cache'} is not writable; set ROTATION_DATA_DIR to a folder holding RUT.csv"
    )


def test_every_notebook_default_passes_validation():
    """The checks refuse bad values only: each declared default, given explicitly, is accepted unchanged."""
    from rotation.run import notebooks, parameters, runner

    declared = notebooks.collection_parameters(notebooks.notebook_paths())
    for name, info in declared.items():
        value = parameters.default_value(info["default"])
        if name in runner.RUNNER_PARAMETERS or value in (None, ""):
            continue
        assert runner.validate_parameters({name: value}, declared) == {name: value}, name


# ---------------------------------------------------------------------------------------------
# One declaration per parameter (validation.PARAMETERS), checked against the notebooks themselves


def test_every_notebook_parameter_is_declared_once_and_every_declaration_is_used():
    """Fails when a notebook declares a parameter PARAMETERS does not know, or PARAMETERS keeps one no notebook declares."""
    from rotation.run import notebooks as notebooks_module
    from rotation.run import parameters as validation

    declared = notebooks_module.collection_parameters(notebooks_module.notebook_paths())
    assert sorted(set(declared) - set(validation.PARAMETERS)) == [], (
        "declare these in rotation.run.parameters.PARAMETERS"
    )
    assert sorted(set(validation.PARAMETERS) - set(declared)) == [], (
        "no notebook declares these: drop them from PARAMETERS"
    )
    for name, spec in validation.PARAMETERS.items():  # the declared kind fits the notebook's type
        kind = declared[name]["type"]
        expected = {"count": ("int", "list"), "number": ("float",), "pairs": ("list",)}.get(spec.kind, ("str",))
        assert kind in expected, (name, kind, spec.kind)
        default = validation.default_value(declared[name]["default"])  # and the notebooks' defaults lie in range
        validation.check_declared(name, default)


def test_the_declaration_test_catches_an_undeclared_parameter(project):
    """The check above is not vacuous: a notebook with a new parameter shows up in the difference."""
    from rotation.run import notebooks as notebooks_module
    from rotation.run import parameters as validation

    path = probe_notebook(project)
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "brand_new = 3  # not declared anywhere\n"
    nbformat.write(nb, path)
    declared = notebooks_module.collection_parameters([path])
    assert set(declared) - set(validation.PARAMETERS) == {"brand_new"}


def _hostile_values(name: str, spec) -> list[str]:
    values = ["nan", "-5", "1" + "0" * 12]
    if spec.kind in ("count", "number", "choice", "pairs"):
        values.append("word")
    return values


@pytest.mark.parametrize(
    "name", sorted(n for n in __import__("rotation.run.parameters", fromlist=["x"]).PARAMETERS if n != "run_name")
)
def test_every_parameter_refuses_a_string_a_negative_a_huge_a_null_and_a_nan(name):
    """Each parameter of ``rotation params`` with hostile values: refused with one line naming it, before any kernel."""
    from rotation.run import notebooks as notebooks_module
    from rotation.run import parameters as validation
    from rotation.run import runner

    declared = notebooks_module.collection_parameters(notebooks_module.notebook_paths())
    spec = validation.PARAMETERS[name]
    for value in _hostile_values(name, spec):
        if spec.kind == "count" and spec.low <= -5 <= spec.high and value == "-5":
            continue
        with pytest.raises(ParameterError) as info:
            runner.validate_parameters({name: value}, declared)
        message = str(info.value)
        assert "\n" not in message and name in message, (value, message)
    if all(
        validation.default_value(d) is not None for d in declared[name].get("defaults", {}).values()
    ) and spec.kind in ("count", "number", "pairs"):
        with pytest.raises(ParameterError, match=name):
            runner.validate_parameters({name: "null"}, declared)


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["-p", "rsi_window", "1000000000"],
            "parameter rsi_window: must be from 2 to 250 sessions (a year of sessions at most), got 1000000000",
        ),
        (["-p", "rate_years", "1000000"], "parameter rate_years: must be from 1 to 50 years, got 1000000"),
        (
            ["-p", "correction", "1.5"],
            "parameter correction: must be strictly between 0 and 1 (a fraction below the running peak), got 1.5",
        ),
        (
            ["-p", "level_band", "-0.1"],
            "parameter level_band: must be strictly between 0 and 1 (a fraction of the level), got -0.1",
        ),
        (
            ["-p", "anchor", "streak_start"],
            "parameter anchor: must be one of streak_end, first_loss, as_of, got 'streak_start'",
        ),
        (
            ["-p", "months_shown", "0"],
            "parameter months_shown: must be from 1 to 1,200 months (a century of month-ends at most), got 0",
        ),
        (
            ["-p", "min_streak", "null"],
            "parameter min_streak: null is not accepted by 06_aftermath (default 8); give a value",
        ),
        (
            ["-p", "hac_lags", "-7"],
            "parameter hac_lags: must be from -1 to 1,000 lags (-1 picks the Newey-West rule), got -7",
        ),
        (
            ["-p", "other_pairs", "[[iwm,iwm]]"],
            "parameter other_pairs[0]: small and large are both 'iwm'; a pair needs two different series",
        ),
        (
            ["-p", "n_sims", "100000000"],
            "parameter n_sims: must be from 100 to 100,000 replications (a simulation budget that finishes in minutes), got 100000000",
        ),
        (
            ["-p", "n_boot", "10000000"],
            "parameter n_boot: must be from 100 to 100,000 resamples (a simulation budget that finishes in minutes), got 10000000",
        ),
        (
            ["-p", "horizons", "[5, 100000]"],
            "parameter horizons: must be from 1 to 2,520 sessions (about ten years of sessions at most), got 100000",
        ),
        (
            ["-p", "ma_short", "300"],
            "parameters ma_short and ma_long: ma_short (300) must be smaller than ma_long (200)",
        ),
        (
            ["--notebooks", ""],
            "--notebooks is empty: name notebooks such as 01_streak,02_spread, or omit the flag to run all",
        ),
        (["--notebooks", "01_streak,01_streak"], "--notebooks: 01_streak is named twice"),
        (["--notebooks", "01_streak,,02_spread"], "--notebooks '01_streak,,02_spread': an empty name between commas"),
        (["--run-name", "a\udcff"], "run name 'a\\udcff' is not a plain folder name: it is not valid UTF-8 text"),
        (["--run-name", "a\ud800"], "run name 'a\\ud800' is not a plain folder name: it is not valid UTF-8 text"),
        (
            [
                "--grid",
                "top_n=" + ",".join(map(str, range(1, 1001))),
                "--grid",
                "context_sessions=" + ",".join(map(str, range(1, 1001))),
            ],
            "1,000,000 runs asked (at most 500 in one sweep); use fewer values or split the sweep",
        ),
    ],
)
def test_refused_on_the_real_collection_before_any_kernel(project_real_notebooks, capsys, argv, message):
    """The real notebooks' parameters: refused in one line, exit 2, no kernel, within 2 s."""
    import time

    t0 = time.perf_counter()
    assert refused(capsys, ["run", *argv]) == f"error: {message}"
    assert time.perf_counter() - t0 < 2.0


@pytest.fixture
def project_real_notebooks(project, monkeypatch):
    """The isolated project holding a copy of the real notebooks (never executed here)."""
    import shutil

    from rotation.core.paths import _CHECKOUT

    for path in (_CHECKOUT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        shutil.copy(path, project / "notebooks" / path.name)
    monkeypatch.setattr(
        "rotation.run.runner.ensure_kernel", lambda: (_ for _ in ()).throw(AssertionError("a kernel was asked for"))
    )
    return project


def test_config_file_over_the_cap_is_refused_before_parsing(cli_project, capsys, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * 120_000)
    assert (
        refused(capsys, ["run", "--config", str(path)])
        == f"error: config file {path} is {path.stat().st_size:,} bytes (at most 1,000,000); a parameter file is a few lines"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "x: " + "[" * 5000 + "]" * 5000 + "\n",
            "YAML nested more than 50 levels deep at line 1 (a parameter file needs three)",
        ),
        ("top_n: " + "9" * 5000 + "\n", "number at line 1 has 5000 digits (at most 30)"),
    ],
)
def test_hostile_yaml_is_one_line(cli_project, capsys, tmp_path, text, message):
    path = config(tmp_path, text)
    assert refused(capsys, ["run", "--config", str(path)]) == f"error: {path}: {message}"


def test_as_of_outside_the_data_is_refused_before_any_kernel(cli_project, capsys, tmp_path):
    folder = write_pair(tmp_path / "csv", [100.0, 101.0, 102.0], [3000.0, 3010.0, 3005.0])
    line = refused(capsys, ["run", "--data-dir", str(folder), "--as-of", "2030-01-01"])
    assert line.startswith("error: parameter as_of: 2030-01-01 is after the data (rut and spx share ")


def test_a_claims_files_as_of_outside_the_data_is_refused_before_any_kernel(cli_project, capsys, tmp_path):
    """No --as-of: the claims file's article.as_of is the date checked, and the refusal names the file and field."""
    folder = write_pair(tmp_path / "csv", [100.0, 101.0, 102.0], [3000.0, 3010.0, 3005.0])
    probe = nbformat.read(cli_project / "notebooks" / "01_probe.ipynb", as_version=4)
    probe.cells[0].source += 'claims = ""  # claims file\n'  # a notebook that reads a claims file
    nbformat.write(probe, cli_project / "notebooks" / "01_probe.ipynb")
    late = tmp_path / "late.yaml"
    late.write_text(
        "article: {title: t, as_of: '2030-01-01', small: rut, large: spx}\n"
        "claims:\n"
        "  c1: {notebook: 01_probe, kind: query, quote: q, query: {series: rut, measure: level}, claimed: 1,"
        " compare: at_least}\n",
        encoding="utf-8",
    )
    line = refused(capsys, ["run", "--data-dir", str(folder), "--claims", str(late)])
    assert line.startswith(
        f"error: claims file {late}: field 'article.as_of': 2030-01-01 is after the data (rut and spx"
    )
    untouched(cli_project)


def test_dask_without_loopback_fails_fast(monkeypatch):
    import socket

    from rotation.run import sweep

    def no_network(*args, **kwargs):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: object())
    with pytest.raises(
        ParameterError,
        match=r"^--executor dask: a local dask cluster needs the loopback network \(127.0.0.1\): cannot connect \(Network is unreachable\); use --executor process$",
    ):
        sweep.check_executor("dask")


def test_scan_inputs_refused(project):
    from rotation.run import preflight

    with pytest.raises(ParameterError, match=r"^--small: series 'ff_factors' is a factor series"):
        preflight.check_scan_inputs("ff_factors", "spx", None)
    with pytest.raises(ParameterError, match=r"^--small and --large are both 'rut'"):
        preflight.check_scan_inputs("rut", "rut", None)
    with pytest.raises(ParameterError, match=r"^--out .*: inside .*runs, where the runner publishes runs"):
        preflight.check_scan_inputs("rut", "spx", str(project / "runs" / "article"))
    with pytest.raises(ParameterError, match=r"^--small: series name 'rut\\n' holds a control"):
        preflight.check_scan_inputs("rut\n", "spx", None)


def test_partial_rerun_with_other_parameters_is_refused():
    from rotation.run import runner

    runner.check_same_parameters("a", {"as_of": "2008-06-06"}, {"as_of": "2008-06-06"})
    with pytest.raises(
        ParameterError, match=r"^run a was made with other parameters \(as_of: '2008-06-06' there, '2009-06-05' here\)"
    ):
        runner.check_same_parameters("a", {"as_of": "2008-06-06"}, {"as_of": "2009-06-05"})


def test_staging_variables_in_the_environment_are_ignored(cli_project, capsys, monkeypatch):
    monkeypatch.setenv("ROTATION_STAGING_RUN", "article")
    monkeypatch.setenv("ROTATION_STAGING_DIR", "/nonexistent")
    assert refused(capsys, ["run", "-p", "top_n", "0"]) == "error: parameter top_n: must be from 1 to 1,000 rows, got 0"


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda text: re.sub(r"title: .*", 'title: "' + "x" * 200_000 + '"', text, count=1),
            "field 'article.title': text longer than 300 characters",
        ),
        (
            lambda text: re.sub(r"(\n\s+notebook:) *\S+", r"\1 [01_streak]", text, count=1),
            "field 'notebook': expected text, got ['01_streak']",
        ),
    ],
    ids=["200000-character-title", "notebook-as-a-list"],
)
def test_claims_file_typed_by_a_careless_user_is_refused_before_any_kernel(
    project_real_notebooks, capsys, tmp_path, edit, message
):
    """issue 22: a 200,000-character title hung the scorecard; ``notebook: [01_streak]`` was an internal error."""
    import time

    from rotation.core.paths import _CHECKOUT

    path = tmp_path / "claims.yaml"
    path.write_text(edit((_CHECKOUT / "docs" / "example_claims.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    started = time.perf_counter()
    line = refused(capsys, ["run", "--claims", str(path)])
    assert time.perf_counter() - started < 2.0
    assert line.startswith(f"error: {path}: ") and message in line, line


@pytest.mark.parametrize(
    "failure, line",
    [
        (OSError(errno.ENOSPC, "No space left on device", "/full/index.html"), "error: disk full at /full/index.html"),
        (
            shutil.Error([("/a/f.png", "/full/f.png", "[Errno 28] No space left on device")]),
            "error: [Errno 28] No space left on device (copying /a/f.png)",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", "/ro/index.html"),
            "error: read-only file system at /ro/index.html",
        ),
    ],
    ids=["disk-full", "copy-failed-part-way", "read-only"],
)
def test_a_full_disk_is_named_in_words(project, capsys, tmp_path, monkeypatch, failure, line):
    """issue 22: a full disk was reported as ``error: Error`` (the class name of shutil.Error)."""
    from rotation.outputs import report

    (project / "runs" / "r").mkdir(parents=True)
    (project / "runs" / "r" / "status.json").write_text('{"run": "r", "ok": true, "notebooks": []}')

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(report, "index_html", fail)
    assert refused(capsys, ["report", "r", "--out", str(tmp_path / "out")]) == line
    assert not (tmp_path / "out").exists()
