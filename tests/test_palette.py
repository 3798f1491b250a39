"""The house palette is colour-blind safe: colours stay apart under simulated dichromacy.

Simulation: Machado, Oliveira and Fernandes (2009), severity 1, on linear sRGB. Distance: CIEDE2000,
checked first against the published test pairs of Sharma, Wu and Dalal (2005).
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from rotation.outputs import colors, plots, scorecard

# (L1, a1, b1), (L2, a2, b2), CIEDE2000: rows 1, 2, 7, 17 and 25 of Sharma et al. (2005), table 1
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]
OLD_VERDICTS = {"confirmed": "#27ae60", "partly true": "#f0b429", "refuted": "#c0392b"}  # the red/green pair replaced


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA_PAIRS)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert colors.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert colors.ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_simulation_keeps_greys_and_collapses_red_against_green():
    for grey in ("#000000", "#777777", "#ffffff"):
        assert colors.to_hex(colors.simulate_cvd(grey, "deuteranopia")) == grey
    assert colors.to_lab("#ffffff")[0] == pytest.approx(100, abs=0.01)
    red, green = "#ff0000", "#00ff00"
    assert colors.delta_e2000(red, green) > 80
    assert colors.delta_e2000(colors.simulate_cvd(red), colors.simulate_cvd(green)) < 0.3 * colors.delta_e2000(
        red, green
    )


def test_the_check_fails_on_the_former_red_green_verdict_colours():
    worst = min(colors.pairwise_delta_e(OLD_VERDICTS, "deuteranopia").values())
    assert worst < plots.VERDICT_MIN_DELTA_E


@pytest.mark.parametrize("kind", [None, "deuteranopia", "protanopia"])
def test_verdict_colours_are_pairwise_distinct(kind):
    distances = colors.pairwise_delta_e(plots.VERDICT_COLORS, kind)
    close = {pair: round(d, 1) for pair, d in distances.items() if d < plots.VERDICT_MIN_DELTA_E}
    assert not close, f"verdict colours too close ({kind or 'normal vision'}): {close}"


@pytest.mark.parametrize("kind", ["deuteranopia", "protanopia"])
def test_series_palette_is_pairwise_distinct(kind):
    named = {f"{i}:{c}": c for i, c in enumerate(plots.PALETTE)}
    distances = colors.pairwise_delta_e(named, kind)
    close = {pair: round(d, 1) for pair, d in distances.items() if d < plots.MIN_DELTA_E}
    assert not close, f"palette colours too close under {kind}: {close}"


def test_every_verdict_of_the_scorecard_has_a_house_colour():
    assert set(scorecard.VERDICT_ORDER) <= set(plots.VERDICT_COLORS)


def test_verdict_figure_pixels_stay_distinct_under_deuteranopia():
    """Image check: draw the scorecard figure with one claim per verdict, read each tile's pixel, simulate."""
    plots.house_style()
    card = pd.DataFrame(
        {
            "claim": [f"c{i}" for i in range(len(scorecard.VERDICT_ORDER))],
            "notebook": "01_x",
            "verdict": scorecard.VERDICT_ORDER,
            "robustness": "",
        }
    )
    fig = scorecard.summary_figure(card)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    ax = fig.axes[0]
    n = len(card)
    seen = {}
    for i, verdict in enumerate(card["verdict"]):
        x, y = ax.transData.transform((0.04, n - 1 - i + 0.5))
        row, col = int(round(image.shape[0] - y)), int(round(x))
        seen[verdict] = image[row, col]
    plt.close(fig)
    for verdict, rgb in seen.items():
        assert colors.delta_e2000(rgb, plots.VERDICT_COLORS[verdict]) < 2, (
            f"tile of {verdict!r} not drawn in its colour"
        )
    simulated = {v: colors.simulate_cvd(rgb, "deuteranopia") for v, rgb in seen.items()}
    for a, b in itertools.combinations(simulated, 2):
        assert colors.delta_e2000(simulated[a], simulated[b]) >= plots.VERDICT_MIN_DELTA_E, (a, b)


def test_text_on_a_swatch_reads():
    assert plots.text_color_on(plots.VERDICT_COLORS["confirmed"]) == "#ffffff"
    assert plots.text_color_on(plots.VERDICT_COLORS["partly true"]) == "#000000"
