"""Figures: house style, source line, deterministic files in figures/<run>/."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from conftest import prices_from_returns
from rotation.outputs import plots


def draw():
    plots.house_style()
    series = prices_from_returns([0.01, -0.02, 0.015])
    series.attrs["source"] = "Yahoo ^RUT, file RUT.csv"
    fig, ax = plt.subplots()
    ax.plot(series.index, series.values)
    plots.finish_figure(
        fig,
        ax,
        title="A title",
        xlabel="date",
        ylabel="index points",
        source=plots.source_note(series, definition="price index, close to close"),
    )
    return fig, ax


def test_save_figure_writes_all_formats_deterministically(project):
    digests = []
    for _ in range(2):
        fig, _ = draw()
        paths = plots.save_figure(fig, "01 Relative strength!", "r1")
        plt.close(fig)
        assert [p.name for p in paths] == [
            "01_relative_strength.png",
            "01_relative_strength.svg",
            "01_relative_strength.pdf",
        ]
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


def tight_box(fig):
    fig.draw_without_rendering()
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])


def test_ink_crop_box_is_the_figure_width_and_the_tight_height_and_the_png_is_that_box(project):
    fig, ax = draw()
    ax.legend(["index"], loc="upper left")
    plots.settle(fig)
    image, box = plots.ink_crop(fig, 200, plt.rcParams["savefig.pad_inches"])
    tight = tight_box(fig)
    assert tight.y0 < 0  # the source line lies below the figure
    assert (box.x0, box.x1) == (0, plots.REPORT_WIDTH_IN)  # every figure the same width: the report column
    for ours, theirs in zip((box.y0, box.y1), (tight.y0, tight.y1)):
        assert abs(ours - theirs) < 0.06, (box, tight)  # the ink sits inside the artists' boxes by a few pixels at most
    assert image.shape[:2] == (round(box.height * 200), round(box.width * 200))
    path = plots.save_figure(fig, "inked", "r1", formats=("png",), show=False)[0]
    plt.close(fig)
    from PIL import Image

    assert (
        Image.open(path).size
        == (image.shape[1], image.shape[0])
        == (round(plots.REPORT_WIDTH_IN * 200), image.shape[0])
    )


def test_ink_beyond_the_figure_width_is_refused(project):
    fig, ax = draw()
    fig.set_layout_engine("none")  # no layout making room for it
    ax.legend(
        ["index"], loc="upper left", bbox_to_anchor=(1.01, 1.0)
    )  # outside the axes, beyond the figure's right edge
    assert plots.ink_crop(fig, 100, 0.1) is None  # ink beyond the right edge: not the report column
    assert any("beyond the figure's width" in p for p in plots.figure_problems(fig))
    far = fig.get_figwidth() + plots.INK_MARGIN_IN[2] + 1.0  # inches right of the figure's left edge
    fig.text(far / fig.get_figwidth(), 0.5, "far away", transform=fig.transFigure)
    assert plots.ink_crop(fig, 100, 0.1) is None
    with pytest.raises(plots.FigureLayoutError, match="beyond the figure's width"):
        plots.save_figure(fig, "far", "r1", formats=("png",), show=False)
    assert not (project / "figures" / "r1" / "far.png").exists()
    plt.close(fig)


@pytest.mark.parametrize("width", [9.0, 15.3])
def test_a_figure_wider_than_the_report_column_is_refused(project, width):
    plots.house_style()
    fig, ax = plt.subplots(figsize=(width, 4))
    ax.plot([0, 1], [0, 1])
    with pytest.raises(plots.FigureLayoutError, match=f"{width:.2f} in wide"):
        plots.save_figure(fig, "wide", "r1", formats=("png",), show=False)
    plt.close(fig)


def test_ink_crop_needs_an_opaque_background():
    fig, _ = draw()
    fig.patch.set_alpha(0.0)
    assert plots.ink_crop(fig, 100, 0.1) is None
    plt.close(fig)


def test_texts_in_data_coordinates_are_placed_with_the_limits_a_draw_will_use():
    fig, ax = plt.subplots()
    ax.plot([0, 5000], [0, 300])  # autoscaled limits are only computed at draw time
    ax.text(4000, 200, "inside once autoscaled")
    plots.finish_figure(fig, ax, title="t", xlabel="x", ylabel="y", source="Source: test.")
    assert plots.ink_crop(fig, 100, 0.1) is not None  # not a false "drawn beyond the canvas"
    plt.close(fig)


def test_png_is_rgb_of_the_drawn_pixels(project):
    from PIL import Image

    fig, _ = draw()
    plots.settle(fig)  # as save_figure does first
    image, _ = plots.ink_crop(fig, 200, plt.rcParams["savefig.pad_inches"])
    path = plots.save_figure(fig, "rgb", "r1", formats=("png",), show=False)[0]
    plt.close(fig)
    import numpy as np

    written = Image.open(path)
    assert written.mode == "RGB" and np.array_equal(np.asarray(written), image[..., :3])
    assert round(written.info["dpi"][0]) == 200


def greedy_wrap(text, width_px, prop, renderer):
    """The greedy rule measured word by word: each line takes words while the line stays within the width."""
    out = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and renderer.get_text_width_height_descent(candidate, prop, ismath=False)[0] > width_px:
                out.append(line)
                line = word
            else:
                line = candidate
        out.append(line)
    return "\n".join(out)


def test_wrap_to_width_by_bisection_breaks_lines_where_the_greedy_rule_does():
    plots.house_style()
    fig = plt.figure()
    renderer = fig.canvas.get_renderer()
    prop = matplotlib.font_manager.FontProperties(size=plots.source_fontsize())
    words = "Source: Yahoo ^RUT, FRED DGS10; 1988-01-04 to 2026-08-21. Daily close-to-close spread, Russell 2000 minus S&P 500 (pp), WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW i i i"
    texts = [words, f"{words}\n\n  {words[::-1]}  \n", "", "one", "  \n  "]
    for text in texts:
        for width_px in (1.0, 40.0, 72.0, 150.0, 333.3, 600.0, 5000.0):
            wrapped = plots.wrap_to_width(text, width_px, prop, renderer)
            assert wrapped == greedy_wrap(text, width_px, prop, renderer), (text, width_px)
    plt.close(fig)


def axes_positions(fig):
    return [ax.get_position().bounds for ax in fig.axes]


def test_settle_lays_out_at_the_saved_dpi_and_every_format_draws_the_checked_layout(project):
    """The layout ``settle`` checks is the one drawn: no format lays the figure out again at its own dpi."""
    fig, ax = draw()
    ax.set_title("A title long enough to be wrapped, " * 4)  # a wrapped title changes the layout: laid out again
    plots.place_legend(ax, [ax.lines[0]], ["index"])
    plots.settle(fig, "checked")
    assert fig.dpi == plt.rcParams["savefig.dpi"]  # laid out at the resolution the PNG is drawn at
    assert type(fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"  # frozen: lays nothing out
    checked = axes_positions(fig)
    assert plots.figure_problems(fig) == []
    for ext in ("png", "svg", "pdf"):
        fig.savefig(project / f"checked.{ext}", format=ext)
        assert axes_positions(fig) == checked, (ext, axes_positions(fig), checked)
    plt.close(fig)


def test_save_figure_keeps_the_layout_and_gives_the_figure_its_dpi_back(project):
    fig, ax = draw()
    shown_dpi = fig.dpi
    plots.save_figure(fig, "kept", "r1", formats=("png",), show=False)
    assert fig.dpi == shown_dpi
    kept = axes_positions(fig)
    fig.draw_without_rendering()
    assert axes_positions(fig) == kept
    plt.close(fig)
