"""Notebook 05 on the real data: the article run checked against naive recomputations from the CSV files, and a run at another date."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest

from conftest import REPO, execute_collection, make_project
from rotation.outputs import results

STEM = "05_context"


def closes(folder, file: str) -> pd.Series:
    frame = pd.read_csv(folder / file, index_col="date", parse_dates=True)
    return frame["close" if "close" in frame else "adj_close"] if "value" not in frame else frame["value"]


def streak_base(folder, as_of: str) -> pd.Timestamp:
    """The close before the first session of the RUT > S&P 500 streak in force at ``as_of``, counted day by day."""
    both = pd.concat([closes(folder, "RUT.csv"), closes(folder, "GSPC.csv")], axis=1, join="inner").loc[:as_of]
    values, dates = both.to_numpy(), both.index
    i = len(values) - 1
    while i > 0 and values[i, 0] / values[i - 1, 0] > values[i, 1] / values[i - 1, 1]:
        i -= 1
    return dates[i]


def ret(series: pd.Series, base, end) -> float:
    return float(series.loc[end] / series.loc[base] - 1)


def last_on_or_before(series: pd.Series, when) -> float:
    return float(series.dropna().loc[:when].iloc[-1])


def test_template_has_no_outputs_one_parameters_cell_and_no_row_facts():
    nb = nbformat.read(REPO / "notebooks" / f"{STEM}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = [line.split("=")[0].strip() for line in tagged[0].source.splitlines() if line.strip()]
    assert {"as_of", "data_end", "small", "large", "claims", "data_dir", "run_name"} <= set(names)
    text = "\n".join(c.source for c in nb.cells)
    assert "suspect_dates" not in text and "window_sessions" not in text and "2026-01-20" not in text
    assert sum("context.record(page" in c.source for c in nb.cells if c.cell_type == "code") == 1  # recorded once
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.notebooks
def test_article_run_matches_naive_recomputation(article_run, shared_data):
    as_of = pd.Timestamp("2026-01-21")
    recs = {r["claim_id"]: r for r in results.read_records(article_run / "runs" / "article" / "results.jsonl")}
    base = streak_base(shared_data, "2026-01-21")
    spx = closes(shared_data, "GSPC.csv")

    banks = {t: ret(closes(shared_data, f"{t}.csv"), base, as_of) for t in ("HBAN", "RF")}
    r = recs["regional_banks_double_digit"]
    assert r["measured"] == pytest.approx(min(banks.values()))
    assert r["verdict"] == ("confirmed" if min(banks.values()) >= 0.10 else "refuted")
    assert r["data_window"] == [str(base.date()), "2026-01-21"]

    sectors = {
        f"{t.lower()} return above spx's": ret(closes(shared_data, f"{t}.csv"), base, as_of) > ret(spx, base, as_of)
        for t in ("XLI", "XLY")  # the sectors the sentence names; XLF (the sentence before) is shown only
    }
    assert recs["sectors_thrived"]["measured"] == sectors
    assert "energy" in recs["sectors_thrived"]["detail"]

    mega = {
        f"{t.lower()} return below spx's": ret(closes(shared_data, f"{t}.csv"), base, as_of) < ret(spx, base, as_of)
        for t in ("NVDA", "MSFT")
    }
    assert recs["megacap_relative_sag"]["measured"] == mega

    rut = closes(shared_data, "RUT.csv")
    y0, y1 = rut.loc[:"2024-12-31"].index[-1], rut.loc[:"2025-12-31"].index[-1]
    rut25, spx25 = ret(rut, y0, y1), ret(spx, y0, y1)
    assert recs["rangebound_2025"]["measured"] == {
        "rut return within +/-10.0%": abs(rut25) <= 0.10,
        "rut return below spx's": rut25 < spx25,
    }

    p0, p1 = rut.loc[:"2022-12-31"].index[-1], rut.loc[:"2024-12-31"].index[-1]
    ff = pd.read_csv(shared_data / "FF_daily.csv", index_col="date", parse_dates=True).loc["2023-01-01":"2024-12-31"]
    smb = float(np.prod(1 + ff["smb"] / 100) - 1)
    rsp, spy = closes(shared_data, "RSP.csv"), closes(shared_data, "SPY.csv")
    assert recs["ai_mania_narrow_breadth"]["measured"] == {
        "rut return below spx's": ret(rut, p0, p1) < ret(spx, p0, p1),
        "Fama-French SMB compounded return negative": smb < 0,
        "rsp (equal weight) return below spy's (cap weight)": ret(rsp, p0, p1) < ret(spy, p0, p1),
    }

    spread = (closes(shared_data, "DGS10.csv") - closes(shared_data, "DGS2.csv")).dropna()
    starts = [base] + [as_of - pd.DateOffset(months=m) for m in (3, 6, 12)]  # every window ending at as_of
    changes = [last_on_or_before(spread, as_of) - last_on_or_before(spread, d) for d in starts]
    measured = recs["yield_curve_steepens"]["measured"]  # criteria by name (the results file sorts keys)
    names = ["over the streak window"] + [f"over the {m} months to as_of" for m in (3, 6, 12)]
    assert [v for name in names for k, v in measured.items() if name in k] == [c > 0 for c in changes]
    assert all(f"{100 * c:+.0f} bp" in recs["yield_curve_steepens"]["detail"] for c in changes)

    # floating-rate debt, read through prices: month-end RUT minus S&P 500 return on the 2-year yield's monthly change
    dgs2 = closes(shared_data, "DGS2.csv").dropna()
    ends = pd.concat([rut, spx], axis=1, join="inner").loc[:as_of].resample("MS").last()
    rel = 100 * (ends.iloc[:, 0].pct_change() - ends.iloc[:, 1].pct_change())
    dy = dgs2.resample("MS").last().diff()
    both = pd.concat([rel, dy], axis=1).dropna().loc["2016-01-01":"2025-12-01"]
    slope = np.polyfit(both.iloc[:, 1], both.iloc[:, 0], 1)[0]
    assert recs["floating_rate_debt"]["measured"]["rut gains on spx when dgs2 falls (slope below 0)"] == (slope < 0)
    assert f"slope {slope:+.2f} pp" in recs["floating_rate_debt"]["detail"]

    assert recs["fed_funds_350"]["measured"] == pytest.approx(
        last_on_or_before(closes(shared_data, "DFEDTARL.csv"), as_of)
    )
    figures = article_run / "figures" / "article"
    for cid in (
        "fed_funds_350",
        "regional_banks_double_digit",
        "sectors_thrived",
        "megacap_relative_sag",
        "rangebound_2025",
        "ai_mania_narrow_breadth",
        "yield_curve_steepens",
        "floating_rate_debt",
    ):
        assert recs[cid]["evidence"]["figures"] == [f"05_{cid}"] and (figures / f"05_{cid}.png").is_file(), cid
        assert recs[cid]["sensitivity"], cid  # every judged claim lists its alternatives


@pytest.mark.notebooks
def test_other_as_of_explains_what_it_cannot_judge(tmp_path, shared_data):
    project = make_project(tmp_path / "project", [STEM])
    status = execute_collection(project, shared_data, "alt", {"as_of": "2008-06-06"}, [STEM])
    assert status["ok"], status
    recs = {r["claim_id"]: r for r in results.read_records(project / "runs" / "alt" / "results.jsonl")}
    hban = closes(shared_data, "HBAN.csv")
    assert recs["regional_banks_double_digit"]["verdict"] == "not verifiable with the data at hand"
    assert (
        f"the data hold {hban.index[0].date()} to {hban.index[-1].date()}"
        in recs["regional_banks_double_digit"]["detail"]
    )
    for cid in ("rangebound_2025", "ai_mania_narrow_breadth"):
        assert (
            recs[cid]["verdict"] == "not applicable at this date"
            and "never judged on another period" in recs[cid]["detail"]
        )
    base = streak_base(shared_data, "2008-06-06")
    spread = (closes(shared_data, "DGS10.csv") - closes(shared_data, "DGS2.csv")).dropna()
    change = last_on_or_before(spread, "2008-06-06") - last_on_or_before(spread, base)
    criteria = recs["yield_curve_steepens"]["measured"]  # by name: the results file sorts keys
    assert len(criteria) == 4 and [v for k, v in criteria.items() if "streak window" in k] == [change > 0]
