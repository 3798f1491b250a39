"""The series added to the data folder on 2026-12-05: each catalogue entry loads from a synthetic folder and from the real one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rotation.core.errors import DataError
from rotation.data import catalogue, loading

ADDED = {  # id -> (file, live source)
    "dji": ("DJI.csv", "^DJI"),
    "ixic": ("IXIC.csv", "^IXIC"),
    "ndx": ("NDX.csv", "^NDX"),
    "qqq": ("QQQ.csv", "QQQ"),
    "dia": ("DIA.csv", "DIA"),
    "ijr": ("IJR.csv", "IJR"),
    "mdy": ("MDY.csv", "MDY"),
    "cpi": ("CPIAUCSL.csv", "CPIAUCSL"),
    "core_cpi": ("CPILFESL.csv", "CPILFESL"),
    "unrate": ("UNRATE.csv", "UNRATE"),
    "payems": ("PAYEMS.csv", "PAYEMS"),
    "indpro": ("INDPRO.csv", "INDPRO"),
    "usrec": ("USREC.csv", "USREC"),
    "wti": ("DCOILWTICO.csv", "DCOILWTICO"),
    "busloans": ("BUSLOANS.csv", "BUSLOANS"),
    "t10y2y": ("T10Y2Y.csv", "T10Y2Y"),
}


def synthetic_file(folder, spec: catalogue.SeriesSpec) -> pd.Series:
    """Write a small file in the data-folder schema for ``spec``; returns the values a load must give back."""
    if spec.frequency == "monthly":
        dates = pd.date_range("2020-01-01", periods=6, freq="MS")
    else:
        dates = pd.bdate_range("2024-01-01", periods=6)
    values = np.array([100.0, 101.5, 99.25, 102.0, 250000.0 if spec.kind == "level" else 103.0, 104.0])
    if spec.source == "fred" and spec.kind == "rate":
        values = np.array([0.5, -0.25, 0.1, 1.2, 0.8, 0.35])
    cells = [f"{v:g}" for v in values]
    if spec.source == "fred":
        cells[2] = ""  # FRED leaves a value blank: missing, not an error
    extra = (
        ",adj_open,adj_high,adj_low,volume"
        if spec.auto_adjust
        else ",open,high,low,volume"
        if spec.source == "yahoo"
        else ""
    )
    lines = [f"date,{spec.columns[0]}{extra}"] + [
        f"{d.date()},{c}" + (",1,1,1,0" if extra else "") for d, c in zip(dates, cells)
    ]
    (folder / spec.file).write_text("\n".join(lines) + "\n")
    keep = [i for i, c in enumerate(cells) if c]
    return pd.Series(values[keep], index=dates[keep])


@pytest.mark.parametrize("name", sorted(ADDED))
def test_added_entry_loads_from_a_synthetic_folder(tmp_path, name):
    spec = catalogue.series_spec(name)
    assert (spec.file, spec.remote) == ADDED[name]
    assert spec.definition and spec.unit and spec.description
    expected = synthetic_file(tmp_path, spec)
    got = loading.load(name, data_dir=tmp_path)
    assert list(got.index) == list(expected.index)
    assert np.allclose(got.to_numpy(), expected.to_numpy())
    assert spec.file in got.attrs["source"] and got.attrs["unit"] == spec.unit
    assert got.attrs["blank_rows"] == (1 if spec.source == "fred" else 0)


def test_level_series_accept_a_negative_value_and_refuse_text(tmp_path):
    (tmp_path / "DCOILWTICO.csv").write_text("date,value\n2020-04-17,18.27\n2020-04-20,-36.98\n2020-04-21,8.91\n")
    assert loading.load("wti", data_dir=tmp_path).loc["2020-04-20"] == -36.98
    (tmp_path / "CPIAUCSL.csv").write_text("date,value\n2020-01-01,258.7\n2020-02-01,n/a\n")
    with pytest.raises(DataError, match="non-numeric value 'n/a' in column 'value' on 2020-02-01"):
        loading.load("cpi", data_dir=tmp_path)


@pytest.mark.parametrize("name", sorted(ADDED))
def test_added_entry_loads_from_the_real_folder(shared_data, name):
    spec = catalogue.series_spec(name)
    raw = pd.read_csv(shared_data / spec.file, dtype=str, keep_default_na=False)
    got = loading.load(name, data_dir=shared_data)
    valued = raw[spec.columns[0]].str.strip() != ""
    assert len(got) == int(valued.sum())
    assert got.index[-1] == pd.Timestamp(raw["date"][valued].iloc[-1])
    if spec.frequency == "monthly":
        assert (got.index.day == 1).all()


def test_returns_words_say_price_or_total_returns_as_the_series_are():
    """An index pair has price returns, a fund pair total returns (auto-adjusted), a mixed pair names each."""
    assert catalogue.returns_words("rut", "spx") == catalogue.PRICE_RETURNS
    assert catalogue.returns_words("ijr", "qqq") == catalogue.TOTAL_RETURNS
    assert catalogue.returns_words("HBAN", "SPY") == catalogue.TOTAL_RETURNS  # tickers outside the catalogue
    mixed = catalogue.returns_words("rut", "qqq")
    assert mixed.startswith("price returns of rut (no dividends), total returns of qqq (Yahoo auto-adjusted")
    assert catalogue.returns_words("rut", "spx", short=True) == "price returns"
    assert catalogue.returns_words("ijr", "^RUT", short=True) == "returns (total for ijr, price for ^RUT)"
    three = catalogue.returns_words("rut", "spx", "xlk")
    assert three.startswith("price returns of rut and spx (no dividends), total returns of xlk (")
    assert catalogue.returns_words("rut", "spx", closes=True) == "price-index closes (no dividends)"
    assert catalogue.returns_words("rut", "xlk", closes=True) == (
        "price-index closes of rut (no dividends), Yahoo auto-adjusted closes of xlk (dividends reinvested)"
    )
