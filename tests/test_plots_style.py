"""House style: report-column sizes, a legible source line, legends and count labels that tell the truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rotation.outputs import plots


def test_source_line_is_smaller_than_the_tick_labels_and_wraps_within_the_width():
    plots.house_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    plots.finish_figure(fig, ax, title="t " * 60, xlabel="x", ylabel="y", source="Source: a file. " + "words " * 80)
    source = fig.texts[-1]
    assert source.get_fontsize() == pytest.approx(plots.SOURCE_TO_TICK * plt.rcParams["xtick.labelsize"])
    assert plots.SOURCE_PT - 1e-9 <= source.get_fontsize() <= plt.rcParams["xtick.labelsize"]
    plots.settle(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for text in (source, ax._left_title):
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.get_figwidth() * fig.dpi * 1.001  # wrapped within the figure's width
    assert source.get_text().count("\n") >= 2 and ax._left_title.get_text().count("\n") >= 1
    below = min(ax.get_tightbbox(renderer).y0, ax.xaxis.label.get_window_extent(renderer).y0)
    assert source.get_window_extent(renderer).y1 < below  # the source line under the axes and their labels
    assert plots.figure_problems(fig) == []
    plt.close(fig)


def test_a_source_line_larger_than_the_tick_labels_is_a_problem():
    plots.house_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    plots.finish_figure(fig, ax, title="t", xlabel="x", ylabel="y", source="Source: a file.")
    fig._rotation_source.set_fontsize(plt.rcParams["xtick.labelsize"] + 2)
    assert any("larger than the tick labels" in p for p in plots.figure_problems(fig))
    plt.close(fig)


def test_default_figure_is_a_report_column_wide():
    plots.house_style()
    assert plt.rcParams["figure.figsize"][0] == plots.REPORT_WIDTH_IN
    assert plots.report_figsize(nrows=2) == (plots.REPORT_WIDTH_IN, 2 * plots.FIGURE_HEIGHT_IN)


def test_legend_lists_only_what_is_drawn():
    fig, ax = plt.subplots()
    x = np.arange(10.0)
    ax.fill_between(x, np.full(10, np.nan), np.full(10, np.nan), label="band never drawn")
    ax.fill_between(x, x - 1, x + 1, label="band drawn")
    ax.plot(x, np.full(10, np.nan), label="empty line")
    ax.plot(x, x, label="median")
    legend = plots.drawn_legend(ax)
    assert [t.get_text() for t in legend.get_texts()] == ["band drawn", "median"]
    plt.close(fig)
    fig, ax = plt.subplots()
    ax.plot([1, 2], [np.nan, np.nan], label="nothing")
    assert plots.drawn_legend(ax) is None
    plt.close(fig)


def test_count_labels_never_overlap():
    plots.house_style()
    fig, ax = plt.subplots(figsize=(3.2, 3), layout="none")  # a narrow panel, measured as drawn
    x = np.arange(1, 13)
    texts = plots.count_labels(ax, x, [9000 - 700 * i for i in range(12)])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert [t.get_text() for t in texts][:2] == ["n=9,000", "n=8,300"]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two n= labels overlap"
    plt.close(fig)


def test_the_written_out_seaborn_theme_is_what_seaborn_sets():
    import matplotlib as mpl
    import seaborn as sns

    def applied(apply) -> dict:
        with mpl.rc_context():
            mpl.rcdefaults()
            apply()
            return {
                k: v for k, v in mpl.rcParams.items() if k not in ("axes.prop_cycle", "image.cmap")
            }  # house_style sets its own

    theirs = applied(lambda: sns.set_theme(context="paper", style="whitegrid"))
    ours = applied(lambda: mpl.rcParams.update(plots.SEABORN_PAPER_WHITEGRID))
    assert {k: v for k, v in ours.items() if theirs[k] != v} == {}


def test_a_figure_needs_no_seaborn():
    import subprocess
    import sys

    code = "import sys; from rotation.outputs import plots; plots.house_style(); print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
