"""Notebook 07 (macro claims): the template, and the article run on the real data against naive recomputations from the CSV files."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from conftest import REPO, execute_collection, make_project
from rotation.outputs import results

STEM = "07_macro"
AS_OF = "2026-01-21"  # the article's date, as the claims file states it


def test_template_has_no_outputs_one_parameters_cell_and_no_row_facts():
    nb = nbformat.read(REPO / "notebooks" / f"{STEM}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = [line.split("=")[0].strip() for line in tagged[0].source.splitlines() if line.strip()]
    assert {"as_of", "data_end", "small", "large", "claims", "data_dir", "run_name"} <= set(names)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "2025-" not in text and "2026-" not in text  # no date of the data typed into the code
    assert sum("page.record(" in c.source for c in nb.cells if c.cell_type == "code") == 1  # every claim recorded once
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def monthly(folder, file: str) -> pd.Series:
    frame = pd.read_csv(folder / file, index_col="date", parse_dates=True)
    return frame["value"].dropna()


def cpi_published(series: pd.Series, when: pd.Timestamp) -> pd.Series:
    """Months whose CPI was out by ``when``: released on the 15th of the next month (the declared rule), counted naively."""
    release = [pd.Timestamp(d.year + (d.month == 12), d.month % 12 + 1, 15) for d in series.index]
    return series[[r <= when for r in release]]


def last_on_or_before(series: pd.Series, when) -> float:
    return float(series.dropna().loc[:when].iloc[-1])


@pytest.mark.notebooks
def test_macro_notebook_on_the_real_data(shared_data, tmp_path):
    root = make_project(tmp_path / "project", notebooks=[STEM])
    status = execute_collection(root, shared_data, "scratch_07", notebooks=[STEM])
    assert [n["status"] for n in status["notebooks"]] == ["ok"]
    recs = {r["claim_id"]: r for r in results.read_records(root / "runs" / "scratch_07" / "results.jsonl")}
    assert set(recs) == {
        "goldilocks_data",
        "no_recessionary_collapse",
        "healthier_expansion",
        "lower_energy_costs",
        "loan_demand_stabilizes",
        "falling_interest_rates",
        "fed_easing_bias",
    }
    when = pd.Timestamp(AS_OF)

    # cooling inflation: year over year in the latest month published by as_of against three months before
    cooled = []
    for file in ("CPIAUCSL.csv", "CPILFESL.csv"):
        index = monthly(shared_data, file)
        known = cpi_published(index, when)
        last = known.index[-1]
        yoy = lambda m: index.loc[m] / index.loc[m - pd.DateOffset(years=1)] - 1  # noqa: E731
        cooled.append(yoy(last) < yoy(last - pd.DateOffset(months=3)))
    assert recs["goldilocks_data"]["verdict"] == (
        "confirmed" if all(cooled) else "partly true" if any(cooled) else "refuted"
    )
    assert "revised" in recs["goldilocks_data"]["definition"]

    # oil over the 12 months to as_of
    wti = monthly(shared_data, "DCOILWTICO.csv")
    fell = last_on_or_before(wti, when) < last_on_or_before(wti, when - pd.DateOffset(months=12))
    assert list(recs["lower_energy_costs"]["measured"].values()) == [fell]

    # the 2-year yield over the streak window (base close found day by day, as notebook 05's test does)
    rut = pd.read_csv(shared_data / "RUT.csv", index_col="date", parse_dates=True)["close"]
    spx = pd.read_csv(shared_data / "GSPC.csv", index_col="date", parse_dates=True)["close"]
    both = pd.concat([rut, spx], axis=1, join="inner").loc[:AS_OF].to_numpy()
    dates = pd.concat([rut, spx], axis=1, join="inner").loc[:AS_OF].index
    i = len(both) - 1
    while i > 0 and both[i, 0] / both[i - 1, 0] > both[i, 1] / both[i - 1, 1]:
        i -= 1
    dgs2 = monthly(shared_data, "DGS2.csv")
    assert list(recs["falling_interest_rates"]["measured"].values()) == [
        last_on_or_before(dgs2, when) < last_on_or_before(dgs2, dates[i])
    ]
    assert recs["falling_interest_rates"]["data_window"][0] == str(dates[i].date())

    # the target as known on the claim's date: the changes in the six months up to as_of (public on their day)
    lower = monthly(shared_data, "DFEDTARL.csv").loc[when - pd.DateOffset(months=6) : when]
    moves = lower.diff().dropna()
    measured = recs["fed_easing_bias"]["measured"]  # criteria by name (the results file sorts keys)
    assert [v for k, v in measured.items() if k.startswith("at least one cut")] == [bool((moves < 0).any())]
    assert [v for k, v in measured.items() if k.startswith("no hike")] == [not (moves > 0).any()]

    for r in recs.values():
        assert r["evidence"]["figures"], r["claim_id"]
        for name in r["evidence"]["figures"]:
            assert (root / "figures" / "scratch_07" / f"{name}.png").is_file()
