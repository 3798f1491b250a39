"""Notebook 05's study functions (rotation.studies.context) on the planted data of test_measures_context: a
6-session streak, two banks (+12% and +8%), mega-caps, a planted year, breadth and a flattening curve."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from IPython.display import Image, Markdown

from conftest import planted_readings
from rotation.studies import context as study
from rotation.studies.page import setup
from test_measures_context import BANKS, CURVE, MEGA, build_data, claim

UNJUDGED = {
    "notebook": "05_context",
    "quote": "a forecast",
    "measure": "none",
    "compare": "untestable",
    "reason": "needs analyst estimates",
}


def page_for(tmp_path: Path, data_dir: Path, block: dict, run_name: str = "planted"):
    head = {
        "title": "planted",
        "published": "2026-01-21",
        "as_of": "2026-01-21",
        "small": "rut",
        "large": "spx",
        "streak_premise": 3,
    }
    path = tmp_path / "claims.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump({"article": head, "claims": planted_readings(block)}, sort_keys=False), encoding="utf-8"
    )
    return setup("05_context", claims=str(path), data_dir=str(data_dir), run_name=run_name)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("context_data")
    build_data(folder)
    return folder


@pytest.fixture
def project_dir(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    return root


def test_a_section_shows_words_table_and_figure_per_claim_and_names_the_figure(tmp_path, data_dir, project_dir):
    page = page_for(tmp_path, data_dir, {"b": BANKS, "m": MEGA, "f": UNJUDGED})
    stocks = study.stocks(page)
    assert [s.claim_id for s in stocks.shown] == ["b", "m"]  # file order; the unjudged entry is no stock claim
    kinds = [type(item) for item in stocks.shown[0].items]
    assert kinds == [Markdown, pd.DataFrame, Image, Markdown]  # words, evidence, figure, readings
    assert stocks.figures == {"b": ["05_b"], "m": ["05_m"]}
    assert (project_dir / "figures" / "planted" / "05_b.png").is_file()
    assert stocks.shown[0].measurement.rows["hban"]["return"] == pytest.approx(0.12)  # typed fields, no extras
    assert "hban:" in stocks.shown[0].items[0].data and "*Sources:*" in stocks.shown[0].items[0].data


def test_a_section_without_claims_says_so_and_draws_nothing(tmp_path, data_dir, project_dir):
    page = page_for(tmp_path, data_dir, {"b": BANKS})
    rates = study.rates(page, years=2)
    assert rates.shown == [] and rates.figures == {}
    (only,) = rates.items
    assert "no claim of kind `policy_rate`" in only.data
    assert not (project_dir / "figures" / "planted").exists()


def test_a_claim_that_cannot_be_judged_shows_why_and_no_figure(tmp_path, data_dir, project_dir):
    page = page_for(
        tmp_path, data_dir, {"c": {**CURVE, "premise": None, "params": {"window": "to_as_of", "months": 3}}}
    )
    late = setup(  # the planted yields start in 2024: a claim dated 2023 cannot be judged
        "05_context", as_of="2023-06-01", claims=page.ctx.claims, data_dir=str(data_dir), run_name="planted"
    )
    curve = study.curve(late, years=1)
    (shown,) = curve.shown
    assert shown.figures == [] and shown.measurement.status is not None
    assert "not verifiable" in shown.items[0].data


def test_the_curve_rule_over_every_window_ending_at_as_of_is_drawn_as_verdict_windows(tmp_path, data_dir, project_dir):
    allowed = {**CURVE, "params": {"window": "all_to_as_of", "table_months": [3, 12]}, "alternatives": []}
    page = page_for(tmp_path, data_dir, {"c": allowed})
    (shown,) = study.curve(page, years=1).shown
    m = shown.measurement
    assert m.keys == ("streak", "to_as_of:3", "to_as_of:12")
    table = shown.items[1]
    assert int(table["verdict window"].sum()) == 3 and (table["change (bp)"] == table["change (bp)"].round(2)).all()
    assert shown.figures == ["05_c"]


def test_record_points_each_claim_at_its_section_and_its_own_figures(tmp_path, data_dir, project_dir):
    page = page_for(tmp_path, data_dir, {"b": BANKS, "m": MEGA, "f": UNJUDGED})
    stocks = study.stocks(page)
    table = study.record(page, [stocks])
    records = {r["claim_id"]: r for r in page.records}
    assert records["b"]["evidence"]["figures"] == ["05_b"] and records["m"]["evidence"]["figures"] == ["05_m"]
    assert records["b"]["evidence"]["section"].endswith("#stocks")
    assert records["f"]["evidence"]["section"].endswith("#untestable")
    assert len(table) == 3


def test_the_unjudged_table(tmp_path, data_dir):
    page = page_for(tmp_path, data_dir, {"b": BANKS, "f": UNJUDGED})
    table = study.unjudged_table(page)
    assert list(table.index) == ["f"] and table.loc["f", "verdict"] == "not testable with price data"
    assert table.loc["f", "why"] == "needs analyst estimates"


def test_claim_markdown_names_the_part_judged(tmp_path, data_dir, project_dir):
    quoted = {**BANKS, "quote": "banks have seen double-digit gains", "part": "double-digit gains"}
    page = page_for(tmp_path, data_dir, {"b": quoted})
    (shown,) = study.stocks(page).shown
    assert '*Judged here:* "double-digit gains"' in shown.items[0].data
    plain = page_for(tmp_path / "plain", data_dir, {"b": BANKS})
    assert "Judged here" not in study.stocks(plain).shown[0].items[0].data


def test_relative_line_and_cumulative_factor_planted():
    days = pd.bdate_range("2024-12-27", periods=6)
    a = pd.Series([90.0, 95.0, 100.0, 110.0, 110.0, 121.0], index=days)
    b = pd.Series(100.0, index=days)
    line, base, end = study.relative_line(a, b, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-03"))
    assert base == pd.Timestamp("2024-12-31") and end == pd.Timestamp("2025-01-03")
    assert (
        line.loc[end] == pytest.approx(121.0) and line.loc[base] == 100.0
    )  # rebased at the last close before the period
    factor = study.cumulative_factor(
        pd.Series(0.01, index=days), pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-03")
    )
    assert factor.iloc[0] == 100.0 and factor.index[0] == pd.Timestamp("2024-12-31")
    assert factor.iloc[-1] == pytest.approx(100 * 1.01**3)


def test_claimed_gain_only_for_a_number_in_fractions():
    assert study.claimed_gain({"unit": "fraction", "claimed": 0.1}) == [0.1]
    assert study.claimed_gain({"unit": "criteria", "claimed": "x"}) == []
    assert claim("window_gain")["notebook"] == "05_context"


def test_readings_are_listed_under_the_rule_and_only_allowed_ones_count(tmp_path, data_dir, project_dir):
    quoted = {
        **BANKS,
        "quote": "both banks gained ten percent",
        "alternatives": [
            {
                "choice": "series",
                "label": "either bank",
                "reading": "context",
                "contradicts": "both banks",
                "params": {"combine": "max"},
            },
            {
                "choice": "gain",
                "label": "to the peak",
                "reading": "allowed",
                "rests_on": "gained",
                "params": {"at": "peak"},
            },
            {"choice": "threshold", "label": "8 percent", "reading": "sensitivity", "claimed": 0.08},
        ],
    }
    page = page_for(tmp_path, data_dir, {"b": quoted})
    (shown,) = study.stocks(page).shown
    text = shown.items[-1].data
    # RF +8% refutes; to the peak both reach 10% (RF 11%): the allowed reading flips it, the context one does not count
    assert text.endswith(
        '**Verdict by the rule: refuted, but depends on gain ("gained")** (robustness: depends on gain ("gained")).'
    )
    assert (
        '- Context, not counted (the reading contradicts the words):\n  - either bank (contradicts "both banks"): '
        in text
    )
    assert '- Readings the words allow (counted):\n  - to the peak (rests on "gained"): ' in text
    assert "- Sensitivity, not counted (a changed decision rule, not a reading of the words):\n  - 8 percent: " in text
    for line in text.splitlines()[2:]:  # each alternative's own verdict is shown
        assert not line.startswith("  - ") or line.endswith("→ confirmed")


def test_target_changes_are_labelled_only_where_a_label_has_room():
    """Planted changes: on an axis of 1,000 days a label needs 30 days after the previous label."""
    first, last = pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-01") + pd.Timedelta(days=1000)
    dates = pd.Series(pd.to_datetime(["2000-01-10", "2000-01-20", "2000-02-15", "2000-02-20", "2000-03-20"]))
    keep = study.labelled_changes(dates, first, last)
    # 01-20 is 10 days after 01-10; 02-15 is 36 days after it; 02-20 is 5 days after 02-15; 03-20 is 34 days after
    assert keep.tolist() == [True, False, True, False, True]
    assert study.labelled_changes(dates.iloc[:0], first, last).empty


def test_dense_target_changes_say_in_the_source_line_how_many_are_labelled():
    import matplotlib.pyplot as plt

    days = pd.date_range("1985-01-01", periods=300, freq="D")
    lower = pd.Series([5.0 + 0.125 * (i // 5) for i in range(300)], index=days)  # a change every 5 days from day 5
    band = pd.DataFrame({"lower": lower, "upper": lower + 0.25})
    changes = study.markets.rate_changes(band, start=days[0])
    fig, ax = plt.subplots()
    note = study.target_band(ax, band, changes, alpha=0.3, lw=1.0)
    labels = [t for t in ax.texts if t.get_text().endswith(" bp")]
    # 299 days shown: a label needs 8.97 days after the previous one, so every other change (days 5, 15, ..., 295)
    assert len(changes) == 59 and len(labels) == 30
    assert note.startswith("30 of 59 target changes labelled")
    plt.close(fig)
