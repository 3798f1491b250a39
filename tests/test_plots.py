"""Figures: house style, source line, deterministic files in figures/<run>/."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from conftest import prices_from_returns
from rotation import plots


def draw():
    plots.house_style()
    series = prices_from_returns([0.01, -0.02, 0.015])
    series.attrs["source"] = "Yahoo ^RUT, file RUT.csv"
    fig, ax = plt.subplots()
    ax.plot(series.index, series.values)
    plots.finish_figure(fig, ax, title="A title", xlabel="date", ylabel="index points",
                        source=plots.source_note(series, definition="price index, close to close"))
    return fig, ax


def test_save_figure_writes_all_formats_deterministically(project):
    digests = []
    for _ in range(2):
        fig, _ = draw()
        paths = plots.save_figure(fig, "01 Relative strength!", "r1")
        plt.close(fig)
        assert [p.name for p in paths] == ["01_relative_strength.png", "01_relative_strength.svg", "01_relative_strength.pdf"]
        assert all(p.parent == project / "figures" / "r1" for p in paths)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0][1:] == digests[1][1:]  # SVG and PDF byte-identical across saves
    caption = (project / "figures" / "r1" / "01_relative_strength.txt").read_text()
    assert caption.startswith("A title\nSource: Yahoo ^RUT")


def test_figure_carries_title_labels_and_source():
    fig, ax = draw()
    assert ax.get_title(loc="left") == "A title" and ax.get_ylabel() == "index points"
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Source: Yahoo ^RUT" in texts and "2020-01-01 to 2020-01-06" in texts and "close to close" in texts
    plt.close(fig)
