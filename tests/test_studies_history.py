"""rotation.studies.history and the grid rule of episode_resemblance, on planted episodes (tests/test_measures_history.py).

The planted history: A and the current streak share their daily returns (distance 0 on returns), B and the
current streak both start at a peak (distance 0 on drawdown). So A is nearer than B, and the nearest of
all episodes, in exactly the 12 of 18 variants that use returns; B in the 6 drawdown-only variants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rotation.claims import evaluate
from rotation.claims.measures import history
from rotation.core.verdicts import Verdict
from rotation.studies import history as study
from rotation.studies.page import setup
from test_measures_history import resemblance_claim, resemblance_history, write_case

DRAWDOWN_ONLY = {
    "choice": "feature set",
    "label": "drawdown only",
    "params": {"subset": {"feature_sets": ["drawdown only"]}},
}


def planted_page(tmp_path, **params):
    small, large, spans, _ = resemblance_history()
    claim = resemblance_claim(large.index, spans, decide="grid", **params)
    claim.update(claimed="nearer and nearest", unit="criteria", compare="criteria", alternatives=[DRAWDOWN_ONLY])
    path, data_dir = write_case(tmp_path, small, large, {"res": claim})
    return setup("03_history", claims=str(path), data_dir=str(data_dir), run_name="scratch"), large, spans


def test_the_grid_rule_counts_the_planted_variants_and_a_subset_flips_it(tmp_path):
    page, large, spans = planted_page(tmp_path)
    j = evaluate.evaluate(page.ctx, "res")
    key_a = str(large.index[spans["A"][0]].date())
    assert j.measurement.value == {
        "A nearer than B in a majority of the 18 comparable variants (12)": True,
        "A the nearest of all episodes in a majority of the 18 variants (12)": True,
    }
    assert j.verdict == Verdict.CONFIRMED
    row = j.sensitivity.iloc[1]
    assert row["alternative"] == "drawdown only" and row["verdict"] == "refuted"  # 0 of 6 on drawdown alone
    assert j.robustness.startswith("depends on feature set")
    r = study.resemblance(page)
    assert r.decision == history.GridDecision("A", "B", 18, 18, 12, 12)
    shares = r.shares
    assert shares.loc[("every variant", "all"), "A nearer (%)"] == pytest.approx(100 * 12 / 18)
    assert shares.loc[("feature set", "returns only"), "A nearest (%)"] == 100
    assert shares.loc[("feature set", "drawdown only"), "A nearest (%)"] == 0
    assert (r.grid["nearest"] == key_a).sum() == 12


def test_grid_decision_on_a_hand_made_grid():
    grid = pd.DataFrame(
        {
            "feature_set": ["f", "f", "g", "g", "g"],
            "standardisation": ["zscore"] * 5,
            "min_streak": [7, 8, 7, 8, 8],
            "nearer": ["A", "B", "A", None, "tie"],
            "nearest": ["k", "x", "k", "k", "y"],
        }
    )
    d = history.grid_decision(grid, "A", "B", "k")
    assert (d.variants, d.comparable, d.nearer, d.nearest) == (5, 4, 2, 3)
    assert list(d.criteria.values()) == [False, True]  # 2 of 4 is no majority; 3 of 5 is
    only_f = history.grid_decision(grid, "A", "B", "k", {"feature_sets": ["f"], "min_streaks": [7]})
    assert (only_f.variants, only_f.nearer, only_f.nearest) == (1, 1, 1)
    assert list(only_f.criteria.values()) == [True, True]
    assert history.grid_decision(grid.iloc[0:0], "A", "B", "k").criteria == {
        "A nearer than B in a majority of the 0 comparable variants (0)": False,
        "A the nearest of all episodes in a majority of the 0 variants (0)": False,
    }


def test_the_sections_show_the_rule_the_counts_and_the_shares(tmp_path):
    page, _, _ = planted_page(tmp_path)
    shown = study.grid_tables(page)
    rule = next(p for p in shown.parts if isinstance(p, str) and p.startswith("**Rule"))
    assert "nearer in **12 of 18**" in rule and "nearest in **12 of 18**" in rule
    tables = [p for p in shown.parts if isinstance(p, pd.DataFrame)]
    assert any("A nearest (%)" in t.columns for t in tables)
    h = study.open_history(page, min_streak=8, horizons=[5])
    assert h.min_streak == 8 and set(h.named) == {"current", "A episode", "B episode"}
    assert "**A episode**" in study.named_episodes(h).parts[0]
    text, table = study.episode_table(h).parts
    assert f"**{len(table)} episodes**" in text
    followed = study.followed(h)
    assert list(followed.columns) == ["rut +5 (%)", "spx +5 (%)", "small−large +5 (pp)"]
    # the claims file has no fear_episode claim: the section says so instead of failing
    assert study.judgement(page, "fear_episode").parts == (
        "The claims file gives this notebook no `fear_episode` claim.",
    )
    # no VIX or Fama-French file in the planted folder: the SMB section says why, with no table
    assert study.smb_streaks(h) is None and study.smb_proxy(h).parts[0].startswith("SMB proxy not available")


def test_the_registered_rule_keeps_the_boolean_verdict(tmp_path):
    small, large, spans, _ = resemblance_history()
    path, data_dir = write_case(tmp_path, small, large, {"res": resemblance_claim(large.index, spans)})
    page = setup("03_history", claims=str(path), data_dir=str(data_dir))
    j = evaluate.evaluate(page.ctx, "res")
    assert j.measurement.value is True and j.verdict == Verdict.CONFIRMED
    assert study.grid_rule(page.claim("episode_resemblance"), study.resemblance(page)).startswith(
        "The verdict reads the registered"
    )


def test_heat_labels_are_units_of_each_feature():
    assert study._heat_label(0.1234, "small_return") == "12.3%"
    assert study._heat_label(4.25, "rate") == "4.25"
    assert study._heat_label(87.4, "vix_pct") == "87"
    assert study._heat_label(np.nan, "drawdown") == ""


def test_the_caveats_name_each_episode_its_kind_and_the_features_it_lacks(tmp_path):
    page, large, spans = planted_page(tmp_path)
    r = study.resemblance(page)
    text = study.resemblance_caveats(page, r)
    for name in ("A", "B"):
        ep = r.found[name].row
        assert f"the {name} episode: {history.episode_text(ep)}" in text
    assert "broad rally" in text  # A: both indexes rose over it
    assert "judged below" not in text  # no lead_after_event claim in the planted file


def test_scores_all_at_the_centre_get_a_symmetric_colour_range():
    """One episode (every z-score 0, or NaN where a feature is missing): seaborn alone would paint 0 in the colour
    map's low end; the limits put it in the centre colour. Differing scores keep seaborn's own limits."""
    one = pd.DataFrame({"small_return": [0.0], "vix_pct": [np.nan]})
    assert study.flat_score_limits(one, "zscore") == {"vmin": -1.0, "vmax": 1.0}
    assert study.flat_score_limits(one + 0.5, "rank") == {"vmin": 0.0, "vmax": 1.0}
    assert study.flat_score_limits(pd.DataFrame({"x": [-0.7, 0.7]}), "zscore") == {}
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.heatmap(one, cmap="RdBu_r", center=0, ax=ax, **study.flat_score_limits(one, "zscore"))
    cell = ax.collections[0]
    centre_colour = plt.get_cmap("RdBu_r")(0.5)
    assert np.allclose(cell.get_facecolors()[0], centre_colour, atol=0.01)
    plt.close(fig)
