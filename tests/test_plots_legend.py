"""Legends stay off the data: the coverage check catches a legend over plotted points, and the placement avoids it.

Planted figures: data drawn where a legend at 'upper left' must sit, a line that crosses a legend
without a vertex inside it, bars, scatter points; then a figure with no free corner (the legend
goes below the axes). The notebook tier checks every figure of the article run: ``save_figure``
refuses a figure whose legend still covers data, so a run with every notebook ok has none.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rotation.outputs import plots


def figure():
    plots.house_style()
    return plt.subplots(figsize=plots.report_figsize())


def test_the_check_catches_a_legend_over_points_in_the_upper_left():
    fig, ax = figure()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 1 - x, label="falling line")  # starts in the upper left corner
    ax.plot(x, 0.5 * x, label="low line")
    legend = ax.legend(loc="upper left")
    assert plots.legend_covers(legend) > 0
    assert any("covers" in problem for problem in plots.figure_problems(fig))
    placed = plots.place_legend(ax, loc="upper left")
    assert plots.legend_covers(placed) == 0
    assert placed._loc != 2  # not the upper left ('upper left' is location code 2)
    assert plots.figure_problems(fig) == []
    plt.close(fig)


def test_a_line_crossing_the_legend_counts_though_no_vertex_lies_inside():
    fig, ax = figure()
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.axhline(0.93, color="black", label="reference level")  # two vertices, at the axes' left and right edges
    legend = ax.legend(loc="upper center")
    fig.canvas.draw()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    y = ax.transData.transform((0, 0.93))[1]
    assert box.y0 < y < box.y1  # the reference line runs through the legend's box
    assert plots.legend_covers(legend) >= 1
    plt.close(fig)


def test_bars_and_scatter_points_count():
    fig, ax = figure()
    ax.bar(np.arange(10), np.full(10, 10.0), label="tall bars")
    assert plots.legend_covers(ax.legend(loc="upper right")) > 0
    plt.close(fig)
    fig, ax = figure()
    ax.scatter([0.05, 0.95], [0.95, 0.05], label="two points")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    assert plots.legend_covers(ax.legend(loc="upper left")) == 1
    assert plots.legend_covers(ax.legend(loc="upper right")) == 0
    plt.close(fig)


def test_with_no_free_corner_the_legend_goes_below_the_axes_and_its_labels():
    fig, ax = figure()
    rng = np.random.default_rng(0)
    ax.scatter(rng.uniform(0, 1, 4000), rng.uniform(0, 1, 4000), s=2, label="points everywhere")
    ax.plot([0, 1], [0.5, 0.5], label="a level")
    height = fig.get_figheight()
    plots.finish_figure(fig, ax, title="Dense", xlabel="x (units)", ylabel="y (units)", source="Source: planted.")
    legend = plots.place_legend(ax)
    plots.settle(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert plots.legend_covers(legend, renderer) == 0
    assert box.y1 < ax.xaxis.label.get_window_extent(renderer).y0  # under the x label, not over it
    assert box.y1 < min(t.get_window_extent(renderer).y0 for t in ax.get_xticklabels() if t.get_text())
    assert fig._rotation_source.get_window_extent(renderer).y1 < box.y0  # the source line under the legend
    assert fig.get_figheight() > height  # the figure grew by the legend, the axes kept their height
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    plt.close(fig)


def test_save_figure_moves_a_legend_that_covers_data(project):
    fig, ax = figure()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 1 - x, label="falling line")
    ax.legend(loc="upper left")  # not through place_legend: save_figure moves it all the same
    plots.finish_figure(fig, ax, title="t", xlabel="x", ylabel="y", source="Source: planted.")
    path = plots.save_figure(fig, "moved", "r1", formats=("png",), show=False)[0]
    assert plots.legend_covers(ax.get_legend()) == 0
    from PIL import Image

    assert Image.open(path).size[0] == round(plots.REPORT_WIDTH_IN * plt.rcParams["savefig.dpi"])
    plt.close(fig)


@pytest.mark.notebooks
def test_every_figure_of_the_article_run_is_a_report_column_wide_with_its_legends_off_the_data(article_run):
    """``save_figure`` refuses a figure wider than the column or with a legend on its data: every notebook ok
    means every figure passed; each PNG is the column's width."""
    from PIL import Image

    status = json.loads((article_run / "runs" / "article" / "status.json").read_text())
    assert status["notebooks"] and all(nb["status"] == "ok" for nb in status["notebooks"]), status["notebooks"]
    pngs = sorted((article_run / "figures" / "article").glob("*.png"))
    assert len(pngs) >= 20
    width = round(plots.REPORT_WIDTH_IN * plt.rcParams["savefig.dpi"])
    assert {p.name: Image.open(p).size[0] for p in pngs if Image.open(p).size[0] != width} == {}


def test_what_a_legend_may_cover_is_the_same_wherever_the_legend_goes():
    """``_place`` measures the plotted things once and tries every location against them: each count equals
    ``legend_covers`` measured afresh with the legend at that location."""
    fig, ax = figure()
    x = np.linspace(0, 10, 200)
    ax.plot(x, np.sin(x) + 5, label="line")
    ax.plot([2, 8], [3, 7], ls="none", marker="o", label="markers")
    ax.bar([1, 4, 9], [6, 2, 4], width=0.8, label="bars")
    ax.scatter([0.5, 5, 9.5], [7, 1, 6.5], label="points")
    ax.vlines([3, 7], 0, 7, label="vlines")
    ax.errorbar([6], [5], yerr=[1], label="error bar")
    ax.text(9, 1, "a note")
    ax.axhline(6.8, clip_on=False, label="unclipped")
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    plotted = None
    counts = []
    for loc in plots.LEGEND_LOCATIONS:
        legend = ax.legend(loc=loc)
        box = legend.get_window_extent(renderer)
        if plotted is None:
            plotted = plots._plotted(fig, renderer)
        counts.append(plots._covered(box, plotted))
        assert counts[-1] == plots.legend_covers(legend, renderer), loc
    assert len(set(counts)) > 2  # the locations cover different things
    plt.close(fig)
