"""One house style for every figure, and one way to save them.

Every figure carries a title, axis labels with units and a source line (data source, date
range and definition), added with ``finish_figure``; ``save_figure`` writes PNG, SVG and PDF
(plus a ``.txt`` caption) to ``figures/<run name>/<name>.<ext>`` atomically, with deterministic file names and no
timestamps inside the SVG/PDF files.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.collections
import matplotlib.colors
import matplotlib.container
import matplotlib.legend
import matplotlib.lines
import matplotlib.pyplot as plt
import matplotlib.text
import pandas as pd

from rotation.core.files import atomic_path, write_text_atomic
from rotation.core.paths import FIGURE_FORMATS as FORMATS
from rotation.core.paths import figures_dir
from rotation.outputs import figexport

# Colour-blind-safe palette: Okabe and Ito (2008), "Color Universal Design". Every pair stays at
# least MIN_DELTA_E apart (CIEDE2000) under simulated deuteranopia and protanopia (see rotation.outputs.colors
# and tests/test_palette.py); lines also differ by label, and verdict swatches always carry their text.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
SMALL_COLOR = OKABE_ITO["vermillion"]  # small caps
LARGE_COLOR = OKABE_ITO["blue"]  # large caps
SPREAD_COLOR = "#6b6b6b"  # the spread, null bands, individual episodes (neutral grey)
HIGHLIGHT = "#f9dcb4"  # shaded periods (a light orange, behind the data)
PALETTE = [
    SMALL_COLOR,
    LARGE_COLOR,
    OKABE_ITO["bluish green"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky blue"],
    SPREAD_COLOR,
]
MIN_DELTA_E = 10.0  # CIEDE2000 between any two PALETTE colours under deuteranopia and protanopia

# Verdict swatches (scorecard figure and report), keyed by the verdict text.
VERDICT_COLORS = {
    "confirmed": OKABE_ITO["blue"],
    "partly true": OKABE_ITO["yellow"],
    "refuted": OKABE_ITO["vermillion"],
    "not verifiable with the data at hand": "#777777",
    "not testable with price data": "#aaaaaa",
    "not applicable at this date": OKABE_ITO["sky blue"],
    "notebook failed": OKABE_ITO["black"],
    "not run": "#ffffff",
    "not recorded": "#332288",  # indigo (Paul Tol)
}
VERDICT_MIN_DELTA_E = 15.0  # CIEDE2000 between any two verdict swatches: normal vision, deuteranopia, protanopia

# Sizes for a report column: every figure is drawn at the width it is printed at (``save_figure``
# refuses any other width), so the text sizes below are the printed sizes.
REPORT_WIDTH_IN = 6.5  # width of a report/print column (inches): the width of every saved figure
FIGURE_HEIGHT_IN = 3.6
TICK_PT = 8.0  # tick labels (pt)
SOURCE_TO_TICK = 7 / 8  # source line size as a fraction of the tick-label size (never larger than the ticks)
SOURCE_PT = SOURCE_TO_TICK * TICK_PT  # the printed size of the source line (pt)
SOURCE_COLOR = "#444444"
EDGE_IN = 0.02  # nothing is drawn closer than this to the figure's left and right edges (inches)


class FigureLayoutError(ValueError):
    """A figure that cannot be saved at report size: too wide, or a legend that cannot be kept off the data."""


# seaborn's "paper" context and "whitegrid" style, as the rcParams ``sns.set_theme(context="paper",
# style="whitegrid")`` sets (its colour cycle and colormap aside: ``house_style`` sets ours). Written out so that a
# figure does not need seaborn imported (and through it scipy.stats: half a second for ``rotation scan``);
# tests/test_plots_style.py checks it against seaborn itself, so it cannot drift from the installed version.
SEABORN_PAPER_WHITEGRID = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 9.600000000000001,
    "axes.linewidth": 1.0,
    "axes.titlesize": 9.600000000000001,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 9.600000000000001,
    "grid.color": ".8",
    "legend.fontsize": 8.8,
    "legend.title_fontsize": 9.600000000000001,
    "lines.linewidth": 1.2000000000000002,
    "lines.markersize": 4.800000000000001,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "patch.linewidth": 0.8,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 8.8,
    "xtick.major.size": 4.800000000000001,
    "xtick.major.width": 1.0,
    "xtick.minor.size": 3.2,
    "xtick.minor.width": 0.8,
    "ytick.color": ".15",
    "ytick.labelsize": 8.8,
    "ytick.left": False,
    "ytick.major.size": 4.800000000000001,
    "ytick.major.width": 1.0,
    "ytick.minor.size": 3.2,
    "ytick.minor.width": 0.8,
}


def report_figsize(nrows: int = 1, panel_height: float = FIGURE_HEIGHT_IN) -> tuple[float, float]:
    """Figure size (inches) filling one report column: full width, ``nrows`` rows of panels."""
    return (REPORT_WIDTH_IN, panel_height * nrows)


def text_color_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (a ``#rrggbb`` swatch)."""
    from rotation.outputs.colors import to_lab

    return "#000000" if to_lab(background)[0] > 55 else "#ffffff"


def house_style() -> None:
    """Apply the project's style to figures (matplotlib/seaborn) and tables (pandas display); idempotent.

    Tables show every cell in full: pandas' default cuts text cells at 50 characters.
    """
    pd.set_option("display.max_colwidth", None)
    plt.rcParams.update(SEABORN_PAPER_WHITEGRID)
    plt.rcParams.update(
        {
            "figure.figsize": (REPORT_WIDTH_IN, FIGURE_HEIGHT_IN),
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "font.size": 8.5,
            "axes.titlesize": 10,
            "axes.labelsize": 8.5,
            "xtick.labelsize": TICK_PT,
            "ytick.labelsize": TICK_PT,
            "legend.fontsize": 7.5,
            "legend.title_fontsize": 8,
            "figure.titlesize": 10,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": plt.cycler(color=PALETTE),
            "image.cmap": "cividis",
            "svg.hashsalt": "rotation",  # deterministic SVG ids
            "svg.fonttype": "none",
            # glyph outlines as drawn, not fitted to the pixel grid: at 200 dpi fitting buys no sharpness and
            # costs about a fifth of drawing a figure (PNG only: SVG and PDF carry the text itself)
            "text.hinting": "no_hinting",
            "date.converter": "concise",
            # the layout keeps titles, tick labels, colour bars and legends outside the axes inside the figure's width
            "figure.constrained_layout.use": True,
        }
    )


def date_range_text(index: pd.Index) -> str:
    """``YYYY-MM-DD to YYYY-MM-DD`` for a DatetimeIndex."""
    return f"{pd.Timestamp(index[0]).date()} to {pd.Timestamp(index[-1]).date()}"


def source_note(*objects: pd.Series | pd.DataFrame, definition: str = "", extra: str = "") -> str:
    """Source line from loaded series' ``.attrs``: sources, date range and definition."""
    sources = []
    for obj in objects:
        attrs = obj.attrs
        for key in ("source", "small_source", "large_source"):
            if attrs.get(key) and attrs[key] not in sources:
                sources.append(attrs[key])
    parts = ["Source: " + "; ".join(sources)] if sources else []
    if objects and len(objects[0].index):
        parts.append(date_range_text(objects[0].index))
    if definition:
        parts.append(definition)
    if extra:
        parts.append(extra)
    return ". ".join(parts) + "."


def names_text(names) -> str:
    """Series names in words for a title: ``["rut", "spx", "xlk"]`` -> ``"RUT, SPX and XLK"``."""
    names = [str(n).upper() for n in names]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def finish_figure(
    fig: plt.Figure, ax: plt.Axes | None, *, title: str, xlabel: str | None, ylabel: str | None, source: str
) -> plt.Figure:
    """Title the figure, label the axes (with units) and add the source line under it.

    Titles and the source line are wrapped to the figure's width when it is saved (``settle``).
    """
    if ax is not None:
        ax.set_title(title)
        if xlabel is not None:
            ax.set_xlabel(xlabel)
        if ylabel is not None:
            ax.set_ylabel(ylabel)
    else:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    size = source_fontsize(fig)
    text = fig.text(0.01, -0.02, " ".join(source.split()), ha="left", va="top", fontsize=size, color=SOURCE_COLOR)
    fig._rotation_source = text
    fig._rotation_caption = f"{' '.join(title.split())}\n{' '.join(source.split())}"  # one title line, one source line, written beside the image by save_figure
    return fig


def source_fontsize(fig: plt.Figure | None = None) -> float:
    """Source-line size (pt): ``SOURCE_TO_TICK`` times the tick-label size in force (never larger than the ticks)."""
    from matplotlib.font_manager import FontProperties

    tick = FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()
    return round(SOURCE_TO_TICK * tick, 2)


def wrap_to_width(text: str, width_px: float, prop, renderer) -> str:
    """``text`` with line breaks so that no line is wider than ``width_px`` (display pixels) in font ``prop``.

    Explicit line breaks are kept; a single word wider than the limit stays on its own line.
    Each line takes as many words as fit (the greedy rule). A line's measured width never shrinks
    when a word is added (it is the box around every glyph drawn so far, and the glyphs before keep
    their places), so the number of words that fit is found by doubling it, then by bisection: about
    2 log2(words in the line) measurements a line instead of one a word, the same lines.
    """

    def fits(words: list[str]) -> bool:
        return renderer.get_text_width_height_descent(" ".join(words), prop, ismath=False)[0] <= width_px

    out = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        start = 0
        while start < len(words):
            left = len(words) - start
            lo = 1  # the first lo words fit (one word always stays, however wide)
            k = 2
            while k <= left and fits(words[start : start + k]):
                lo, k = k, 2 * k
            hi = min(k - 1, left)  # the first k words do not fit, or there are fewer
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits(words[start : start + mid]):
                    lo = mid
                else:
                    hi = mid - 1
            out.append(" ".join(words[start : start + lo]))
            start += lo
        if not words:
            out.append("")
    return "\n".join(out)


def figure_slug(name: str) -> str:
    """A deterministic, file-system-safe figure name."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_").lower()
    if not slug:
        raise ValueError(f"figure name {name!r} is empty after cleaning")
    return slug


def save_dpi(fig: plt.Figure) -> float:
    """The dpi ``fig`` is saved at: ``savefig.dpi``, or the figure's own when that is ``"figure"``."""
    dpi = plt.rcParams["savefig.dpi"]
    return fig.dpi if dpi == "figure" else float(dpi)


def save_figure(
    fig: plt.Figure,
    name: str,
    run_name: str,
    formats: Iterable[str] = FORMATS,
    show: bool = True,
    folder: Path | None = None,
) -> list[Path]:
    """Write ``fig`` to ``figures/<run_name>/<name>.{png,svg,pdf}`` atomically; returns the image paths.

    Inside a run, the formats named in ``ROTATION_DEFER_FORMATS`` (SVG and PDF) are written after
    the notebooks by ``figexport.export_pending``, byte-identical; the paths returned are the same.

    ``folder`` replaces ``figures/<run_name>/`` (for commands with an ``--out`` option).
    A figure titled through ``finish_figure`` also gets ``<name>.txt``: its title and source line.
    Every figure is ``REPORT_WIDTH_IN`` wide (another width is refused: redesign the figure) and
    is laid out first by ``settle`` (titles and source line wrapped to the width, legends off the
    data, the source line under everything). Every format is cropped to one box: the figure's full
    width, and vertically the drawn pixels plus ``savefig.pad_inches`` (``ink_crop``: one drawing serves as the PNG and as the measure of the box, where
    ``bbox_inches="tight"`` lays the figure out once more to measure it), so the box includes the
    source line below the axes and legends outside them. In a Jupyter kernel, ``show`` displays the
    saved PNG and closes the figure, so the notebook shows exactly the exported file and the figure
    is not drawn again.
    """
    folder = Path(folder) if folder is not None else figures_dir(run_name)
    slug = figure_slug(name)
    dpi = save_dpi(fig)
    shown_dpi = fig.dpi
    settle(fig, name, dpi)
    try:
        return _write_formats(fig, folder, slug, formats, dpi, show)
    finally:
        fig.set_dpi(shown_dpi)  # the layout is kept (figure fractions); the figure is shown at its own dpi again


def _write_formats(fig: plt.Figure, folder: Path, slug: str, formats: Iterable[str], dpi: float, show: bool):
    """``save_figure`` once ``fig`` is settled at ``dpi``: every format cropped to one box, the caption, the display."""
    pad = plt.rcParams["savefig.pad_inches"]
    cropped = ink_crop(fig, dpi, pad)
    if cropped is None:  # drawn beyond the margins, or no opaque background: measure the box the long way
        from matplotlib.transforms import Bbox

        fig.draw_without_rendering()
        tight = fig.get_tightbbox(fig.canvas.get_renderer()).padded(pad)
        bbox = Bbox.from_extents(0, tight.y0, fig.get_figwidth(), tight.y1)  # the figure's full width, as ink_crop
        image = None
    else:
        image, bbox = cropped
    later = figexport.deferred_formats(formats)  # in a run: written once, after the notebooks
    paths = []
    for ext in formats:
        target = folder / f"{slug}.{ext}"
        if ext not in later:
            with atomic_path(target) as tmp:
                if ext == "png" and image is not None:
                    write_png(tmp, image, dpi)
                else:
                    extra = {"pil_kwargs": dict(PNG_OPTIONS)} if ext == "png" else {}
                    fig.savefig(
                        tmp, format=ext, dpi=dpi, metadata=figexport.METADATA.get(ext), bbox_inches=bbox, **extra
                    )
        paths.append(target)
    if later:
        figexport.defer(fig, folder, slug, later, bbox)
    caption = getattr(fig, "_rotation_caption", None)
    if caption:
        write_text_atomic(folder / f"{slug}.txt", caption + "\n")
    png = folder / f"{slug}.png"
    if show and png in paths and _in_kernel():
        from IPython.display import Image, display

        display(Image(filename=str(png), width=round(bbox.width * plt.rcParams["figure.dpi"])))
        plt.close(fig)
    return paths


# zlib level of the PNG files: level 3 writes a run's figures in about 0.7 of the time of the default
# (6) for files about 5 % larger (measured on the article run's 26 figures).
PNG_OPTIONS = {"compress_level": 3}


def write_png(path, rgba, dpi: float) -> None:
    """Write an opaque RGBA image (uint8, rows from the top) as an RGB PNG of ``dpi``, without metadata text.

    The alpha channel of an opaque figure carries nothing: RGB is the same picture in about 0.85
    of the encoding time and 0.9 of the size of matplotlib's RGBA files.
    """
    import numpy as np
    from PIL import Image, PngImagePlugin

    if rgba.shape[-1] == 4 and not (rgba[..., 3] == 255).all():
        raise ValueError("write_png: the image is not opaque")
    image = Image.fromarray(np.ascontiguousarray(rgba)).convert("RGB")
    image.save(path, format="png", dpi=(dpi, dpi), pnginfo=PngImagePlugin.PngInfo(), **PNG_OPTIONS)


# How far beyond the figure (inches: left, bottom, right, top) ``ink_crop`` draws: the source line
# hangs below the axes (up to about 1.2 in), nothing may reach beyond the left and right edges
# (a thin strip shows that nothing does). A blank square inch costs about 0.05 ms to draw at 200 dpi.
INK_MARGIN_IN = (0.25, 2.0, 0.25, 1.0)


def ink_crop(fig: plt.Figure, dpi: float, pad_inches: float):
    """Draw ``fig`` once at ``dpi`` on a canvas reaching ``INK_MARGIN_IN`` beyond it, cropped to its ink.

    The crop box spans the figure's width (every figure the same width) and, vertically, every
    pixel that differs from the (opaque) background, widened by ``pad_inches``: what
    ``bbox_inches="tight"`` gives in height, measured on the drawing itself instead of by a layout
    pass over every artist. Returns ``(rgba, bbox)``: the cropped
    image (uint8, rows from the top) and its box in figure inches (for the vector formats, so
    every format shows the same region). None when something may be drawn beyond the canvas
    (ink within ``pad_inches`` of its border, or a text or legend anchored outside it) or the
    background is not opaque, or ink beyond the figure's left or right edge; the caller then
    measures the tight box the usual way.
    """
    import numpy as np
    from matplotlib.transforms import Bbox

    face = plt.rcParams["savefig.facecolor"]
    background = np.array(mpl.colors.to_rgba(fig.get_facecolor() if face == "auto" else face))
    if background[3] < 1 or plt.rcParams["savefig.transparent"]:
        return None
    width, height = fig.get_size_inches()
    left, bottom, right, top = INK_MARGIN_IN
    canvas = Bbox.from_extents(-left, -bottom, width + right, height + top)
    if not _anchored_within(fig, canvas):
        return None
    sink = _BufferSink()
    fig.savefig(sink, format="rgba", dpi=dpi, bbox_inches=canvas)
    if sink.data is None:
        return None
    pixels = np.frombuffer(sink.data, dtype=np.uint8)
    shape = next(
        (
            (int(h), int(w))
            for w, h in {
                (canvas.width * dpi, canvas.height * dpi),
                (round(canvas.width * dpi), round(canvas.height * dpi)),
            }
            if int(w) * int(h) * 4 == pixels.size
        ),
        None,
    )
    if shape is None:  # not the canvas size expected (another backend's rounding)
        return None
    rgba = pixels.reshape(*shape, 4)
    background_word = np.round(background * 255).astype(np.uint8).view(np.uint32)[0]
    ink = rgba.view(np.uint32)[..., 0] != background_word
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    pad = int(round(pad_inches * dpi))
    if not rows.size:
        return None
    r0, r1 = rows[0] - pad, rows[-1] + 1 + pad
    c0, c1 = int(round(left * dpi)), int(round((left + width) * dpi))  # the figure's own width, left edge to right edge
    if r0 <= 0 or r1 >= shape[0] or cols[0] < c0 or cols[-1] >= c1:
        return None
    bbox = Bbox.from_extents(canvas.x0 + c0 / dpi, canvas.y1 - r1 / dpi, canvas.x0 + c1 / dpi, canvas.y1 - r0 / dpi)
    return rgba[r0:r1, c0:c1], bbox


class _BufferSink(io.RawIOBase):
    """A binary file for ``savefig(format="rgba")`` that keeps the renderer's buffer it is handed, uncopied."""

    data = None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        self.data = (
            view if self.data is None else memoryview(bytes(self.data) + bytes(view))
        )  # pieces (not Agg's way): joined
        return view.nbytes


def _anchored_within(fig: plt.Figure, canvas) -> bool:
    """Whether every text and legend of ``fig`` is anchored inside ``canvas`` (figure inches).

    Lines and patches are clipped to their axes; texts and legends are not, and one drawn wholly
    beyond the canvas would leave no ink there to be found. A text's anchor lies on its box.
    """
    import numpy as np

    for ax in fig.axes:
        ax.viewLim  # noqa: B018 - autoscales now, as a draw would, so that data coordinates map where they will be drawn
    texts = [*fig.texts, *(text for ax in fig.axes for text in ax.texts)]
    points = []
    for text in texts:
        if not (text.get_visible() and text.get_text()):
            continue
        if isinstance(text, mpl.text.Annotation):  # placed at draw time: measure it
            box = text.get_window_extent(fig.canvas.get_renderer())
            points += [(box.x0, box.y0), (box.x1, box.y1)]
        else:
            points.append(text.get_transform().transform(text.get_unitless_position()))
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is not None and legend.get_visible():
            box = legend.get_bbox_to_anchor()
            points += [(box.x0, box.y0), (box.x1, box.y1)]
    if not points:
        return True
    inches = np.asarray(points, dtype=float) / fig.dpi
    return bool(
        np.isfinite(inches).all()
        and (inches[:, 0] > canvas.x0).all()
        and (inches[:, 0] < canvas.x1).all()
        and (inches[:, 1] > canvas.y0).all()
        and (inches[:, 1] < canvas.y1).all()
    )


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def shade_period(ax: plt.Axes, start: pd.Timestamp, end: pd.Timestamp, label: str | None = None) -> None:
    """Shade a date range (e.g. a streak) on a time axis."""
    ax.axvspan(start, end, color=HIGHLIGHT, alpha=0.6, lw=0, label=label, zorder=0)


def drawn_legend(ax: plt.Axes, **kwargs) -> mpl.legend.Legend | None:
    """``ax.legend`` listing only artists that draw something (a band or line with at least one finite point).

    A band filled only where enough data exist (``fill_between`` over NaN) or a line of NaN
    keeps its label but shows nothing; it is left out of the legend. None when nothing is left.
    """
    handles, labels = [], []
    for handle, label in zip(*ax.get_legend_handles_labels()):
        if _draws_something(handle):
            handles.append(handle)
            labels.append(label)
    if not handles:
        return None
    return ax.legend(handles, labels, **kwargs)


LEGEND_LOCATIONS = (
    "upper left",
    "upper right",
    "lower left",
    "lower right",
    "upper center",
    "lower center",
    "center left",
    "center right",
    "center",
)  # tried in this order (a ``loc`` given first)


def place_legend(
    ax: plt.Axes, handles=None, labels=None, *, loc: str | None = None, **kwargs
) -> mpl.legend.Legend | None:
    """A legend of ``ax`` where it covers no plotted point, line, bar or text; below the axes when no corner is free.

    Lists only artists that draw something (as ``drawn_legend``) unless ``handles`` are given.
    ``loc`` is tried first, then ``LEGEND_LOCATIONS``; coverage is measured in display coordinates
    (``legend_covers``) with the figure laid out as it will be drawn. ``save_figure`` places it
    again once the figure is complete (``settle``). None when there is nothing to list.
    """
    if handles is None:
        pairs = [(h, l) for h, l in zip(*ax.get_legend_handles_labels()) if _draws_something(h)]
        handles, labels = [h for h, _ in pairs], [l for _, l in pairs]
    if not handles:
        return None
    ax._rotation_legend = {"handles": list(handles), "labels": list(labels), "loc": loc, "kwargs": dict(kwargs)}
    return _place(ax, ax.figure.canvas.get_renderer())


def _place(ax: plt.Axes, renderer) -> mpl.legend.Legend:
    spec = ax._rotation_legend
    kwargs = dict(spec["kwargs"])
    kwargs.pop("bbox_to_anchor", None)
    plotted = None  # what a legend may cover: the same wherever the legend goes, so measured once
    legend = None
    for loc in dict.fromkeys(([spec["loc"]] if spec["loc"] else []) + list(LEGEND_LOCATIONS)):
        if legend is None:
            legend = ax.legend(spec["handles"], spec["labels"], loc=loc, **kwargs)
        else:
            legend.set_loc(loc)  # the same legend moved: its box keeps its size
        box = legend.get_window_extent(renderer)
        if plotted is None:
            plotted = _plotted(ax.figure, renderer)
        if not _covered(box, plotted):
            if getattr(ax, "_rotation_grown", 0.0):
                ax.figure.set_figheight(ax.figure.get_figheight() - ax._rotation_grown)
                ax._rotation_grown = 0.0
            return legend
    return _legend_below(ax, renderer, spec["handles"], spec["labels"], kwargs)


def legend_below(ax: plt.Axes, handles, labels, **kwargs) -> mpl.legend.Legend:
    """The legend under the axes, below its tick labels and x label, for a chart whose data fill every corner
    (bands across the whole plot). Call it once the axes' labels are set (after ``finish_figure``)."""
    return _legend_below(ax, ax.figure.canvas.get_renderer(), list(handles), list(labels), kwargs)


def _legend_below(ax: plt.Axes, renderer, handles, labels, kwargs) -> mpl.legend.Legend:
    """The legend under the axes (below its tick labels and x label), in as many columns as fit the figure's width."""
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    kwargs = {
        k: v
        for k, v in kwargs.items()
        if k not in ("ncols", "ncol", "loc", "bbox_to_anchor", "bbox_transform", "borderaxespad")
    }
    fig = ax.figure
    tight = ax.get_tightbbox(renderer)
    gap_px = max(0.0, ax.bbox.y0 - tight.y0) + 4 * fig.dpi / 72
    fontsize = mpl.font_manager.FontProperties(
        size=kwargs.get("fontsize", plt.rcParams["legend.fontsize"])
    ).get_size_in_points()
    pad = (
        gap_px * 72 / fig.dpi / fontsize
    )  # borderaxespad is in font sizes: the same distance whatever the axes' height
    centre = (ax.bbox.x0 + ax.bbox.x1) / 2
    room = 2 * min(centre, fig.bbox.width - centre) - 2 * EDGE_IN * fig.dpi
    ncols = len(handles)
    while True:
        legend = ax.legend(
            handles,
            labels,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            bbox_transform=ax.transAxes,
            borderaxespad=pad,
            ncols=ncols,
            **kwargs,
        )
        box = legend.get_window_extent(renderer)
        if ncols == 1 or box.width <= room:
            break
        ncols -= 1
    # the figure grows by the legend's height, so that the axes keep the height they were drawn with
    grown = (box.height + 4 * fig.dpi / 72) / fig.dpi
    fig.set_figheight(fig.get_figheight() + grown - getattr(ax, "_rotation_grown", 0.0))
    ax._rotation_grown = grown
    return legend


def legend_covers(legend: mpl.legend.Legend, renderer=None) -> int:
    """How many plotted things of ``legend``'s figure its box covers (0: none).

    Counted in display coordinates against every axes of the figure: line segments and markers
    (``Line2D``, ``LineCollection`` such as error bars and ``vlines``), scatter points, bars
    (rectangles of bar containers) and texts in the axes; each counts once. Shaded areas (bands,
    highlighted periods) and images are background and do not count. A line is only counted where
    it is drawn: inside its axes when it is clipped.
    """
    fig = legend.figure
    renderer = renderer or fig.canvas.get_renderer()
    return _covered(legend.get_window_extent(renderer), _plotted(fig, renderer))


def _plotted(fig: plt.Figure, renderer) -> list[tuple]:
    """What ``legend_covers`` counts, in display coordinates: ``("points", xy, clip, radius)``,
    ``("segments", xy, clip)`` and ``("box", bbox)`` for every plotted thing of ``fig``'s axes.

    ``clip`` is the axes' box for a clipped artist, else None. Valid until the figure is laid out
    again or resized; placing a legend changes none of it (``_place`` measures it once for every
    location it tries).
    """
    import numpy as np

    items: list[tuple] = []
    for ax in fig.axes:
        for line in ax.lines:
            if not line.get_visible():
                continue
            xy = line.get_transform().transform(np.asarray(line.get_path().vertices, dtype=float))
            clip = ax.bbox if line.get_clip_on() else None
            if line.get_linestyle() in ("None", "", " ", "none") or len(xy) == 1:
                r = (
                    line.get_markersize() * fig.dpi / 72 / 2
                    if line.get_marker() not in (None, "None", "", " ")
                    else 0.0
                )
                items.append(("points", xy, clip, r))
            else:
                items.append(("segments", xy, clip))
        for coll in ax.collections:
            if not coll.get_visible():
                continue
            clip = ax.bbox if coll.get_clip_on() else None
            if isinstance(coll, mpl.collections.PathCollection):
                offsets = coll.get_offset_transform().transform(np.asarray(coll.get_offsets(), dtype=float))
                items.append(("points", offsets, clip, 3 * fig.dpi / 72))
            elif isinstance(coll, mpl.collections.LineCollection):
                transform = coll.get_transform()
                for path in coll.get_paths():
                    xy = transform.transform(np.asarray(path.vertices, dtype=float))
                    items.append(("segments", xy, clip) if len(xy) > 1 else ("points", xy, clip, 0.0))
        for container in ax.containers:
            if isinstance(container, mpl.container.BarContainer):
                for patch in container.patches:
                    clipped = _clip_box(patch.get_window_extent(renderer), ax.bbox)
                    if clipped is not None and patch.get_visible():
                        items.append(("box", clipped))
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                items.append(("box", text.get_window_extent(renderer)))
    return items


def _covered(box, plotted: list[tuple]) -> int:
    """How many of ``plotted`` (``_plotted``) the display box ``box`` covers."""
    covered = 0
    for kind, *item in plotted:
        if kind == "box":
            covered += _clip_box(item[0], box) is not None
            continue
        seg_box = _clip_box(box, item[1])
        if seg_box is None:
            continue
        xy = item[0]
        covered += _points_in(xy, seg_box, item[2]) if kind == "points" else _segments_hit(xy[:-1], xy[1:], seg_box)
    return covered


def _clip_box(a, b):
    """The intersection of two display boxes with some area, or None; ``b`` None: ``a`` itself."""
    from matplotlib.transforms import Bbox

    if b is None:
        return a
    x0, y0, x1, y1 = max(a.x0, b.x0), max(a.y0, b.y0), min(a.x1, b.x1), min(a.y1, b.y1)
    return Bbox.from_extents(x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _points_in(xy, box, radius: float) -> int:
    import numpy as np

    xy = xy[np.isfinite(xy).all(axis=1)]
    inside = (
        (xy[:, 0] >= box.x0 - radius)
        & (xy[:, 0] <= box.x1 + radius)
        & (xy[:, 1] >= box.y0 - radius)
        & (xy[:, 1] <= box.y1 + radius)
    )
    return int(inside.sum())


def _segments_hit(p0, p1, box) -> int:
    """Number of segments ``p0[i]``-``p1[i]`` (display coordinates) that cross or touch ``box`` (Liang-Barsky clipping)."""
    import numpy as np

    ok = np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1)
    p0, p1 = p0[ok], p1[ok]
    d = p1 - p0
    t0, t1 = np.zeros(len(p0)), np.ones(len(p0))
    hit = np.ones(len(p0), dtype=bool)
    for p, q in (
        (-d[:, 0], p0[:, 0] - box.x0),
        (d[:, 0], box.x1 - p0[:, 0]),
        (-d[:, 1], p0[:, 1] - box.y0),
        (d[:, 1], box.y1 - p0[:, 1]),
    ):
        parallel = p == 0
        hit &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
    return int((hit & (t0 <= t1)).sum())


def settle(fig: plt.Figure, name: str = "figure", dpi: float | None = None) -> None:
    """Lay ``fig`` out at report size and ``dpi`` before it is saved, then keep that layout; raises
    ``FigureLayoutError`` when it cannot be laid out.

    The figure must be ``REPORT_WIDTH_IN`` wide. It is laid out at the resolution it is saved at
    (``dpi``, default ``savefig.dpi``; the figure's dpi is set to it). Titles and the source line
    are wrapped to the width; every legend inside an axes that covers plotted data is placed again
    by ``place_legend``'s rule (a free corner, else below the axes); the source line goes under
    everything else. The layout is laid out again only when a change can move it (a wrapped text,
    a legend below an axes). Then the layout is frozen (``freeze_layout``): every format draws
    the layout checked here, and ``figure_problems`` must find nothing in it.
    """
    width = fig.get_figwidth()
    if abs(width - REPORT_WIDTH_IN) > 0.005:
        raise FigureLayoutError(
            f"figure {name}: {width:.2f} in wide; every figure is {REPORT_WIDTH_IN} in wide (a report column): "
            "draw it at plots.report_figsize() and fit its content (fewer columns, wrapped labels, panels stacked)"
        )
    dpi = save_dpi(fig) if dpi is None else dpi
    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    _lay_out(fig)
    renderer = fig.canvas.get_renderer()
    if _wrap_texts(fig, renderer):
        _lay_out(fig)
    for attempt in range(3):  # a legend moved below its axes changes the layout: look again
        moved = False
        before = _legend_layout(fig, renderer)
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is None or not legend.get_visible():
                continue
            if not (attempt == 0 and hasattr(ax, "_rotation_legend")) and not legend_covers(legend, renderer):
                continue  # placed by place_legend: placed once more with the figure complete (labels, titles); others only if they cover data
            if not hasattr(ax, "_rotation_legend"):
                handles = dict(zip(*reversed(ax.get_legend_handles_labels())))
                labels = [t.get_text() for t in legend.get_texts()]
                ax._rotation_legend = {
                    "handles": [handles.get(l, h) for l, h in zip(labels, legend.legend_handles)],
                    "labels": labels,
                    "loc": None,
                    "kwargs": {"fontsize": legend.prop.get_size_in_points()},
                }
            _place(ax, renderer)
            moved = True
        if not moved or _legend_layout(fig, renderer) == before:  # legends inside their axes leave the layout as it is
            break
        _lay_out(fig)
    freeze_layout(fig)
    _place_source(fig, renderer)
    problems = _problems(fig, renderer)  # the frozen layout, as every format will draw it
    if problems:
        raise FigureLayoutError(f"figure {name}: " + "; ".join(problems))


def _legend_layout(fig: plt.Figure, renderer) -> tuple:
    """What of ``fig``'s legends the layout depends on: the figure's height and the box of every legend below its
    axes (``_legend_below``), which the layout makes room for. A legend moved between corners of its axes changes
    neither."""
    below = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and legend.get_visible() and getattr(ax, "_rotation_grown", 0.0):
            below.append((id(ax), tuple(legend.get_window_extent(renderer).bounds)))
    return (round(fig.get_figheight(), 9), tuple(below))


def _lay_out(fig: plt.Figure) -> None:
    """One pass of ``fig``'s layout engine (constrained layout), without the no-op draw of every artist that
    ``draw_without_rendering`` adds: what ``settle`` measures next (text, legend and axes extents) needs no draw.
    Saves about a sixth of a figure's cost; the files drawn are byte-identical (the article run's 34 PNGs)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)


def freeze_layout(fig: plt.Figure) -> None:
    """Keep ``fig``'s current layout: its layout engine is replaced by matplotlib's placeholder, which lays nothing
    out, so that no later draw (a PNG, an SVG or a PDF, at any dpi) lays it out again and every format shows the
    layout that was checked. (Removing the engine would not last: ``savefig`` puts back the engine that
    ``figure.constrained_layout.use`` names when it finishes.)"""
    fig.set_layout_engine("none")


def _wrap_texts(fig: plt.Figure, renderer) -> bool:
    """Wrap titles, super-labels and the source line that reach beyond the figure's edges; True when one that the
    layout makes room for changed (the source line is placed under everything by ``_place_source``, not by the layout)."""
    limit = fig.bbox.width - EDGE_IN * fig.dpi
    texts = [
        t
        for t in (fig._suptitle, fig._supxlabel, fig._supylabel, getattr(fig, "_rotation_source", None))
        if t is not None
    ]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label]
    changed = False
    for text in texts:
        if not (text.get_visible() and text.get_text().strip()):
            continue
        box = text.get_window_extent(renderer)
        if box.x0 >= EDGE_IN * fig.dpi and box.x1 <= limit:
            continue
        ha = text.get_horizontalalignment()
        if ha == "left":
            room = limit - max(box.x0, EDGE_IN * fig.dpi)
        elif ha == "right":
            room = min(box.x1, limit) - EDGE_IN * fig.dpi
        else:
            centre = (box.x0 + box.x1) / 2
            room = 2 * min(centre - EDGE_IN * fig.dpi, limit - centre)
        text.set_text(
            wrap_to_width(
                " ".join(text.get_text().split())
                if text is getattr(fig, "_rotation_source", None)
                else text.get_text(),
                max(room, 72.0),
                text.get_fontproperties(),
                renderer,
            )
        )
        changed = changed or text is not getattr(fig, "_rotation_source", None)
    return changed


def _place_source(fig: plt.Figure, renderer) -> None:
    """Put the source line under every other thing drawn (axes, their labels and legends, figure texts)."""
    source = getattr(fig, "_rotation_source", None)
    if source is None or source not in fig.texts:
        return
    others = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    others += [t.get_window_extent(renderer) for t in fig.texts if t is not source and t.get_visible() and t.get_text()]
    others += [legend.get_window_extent(renderer) for legend in fig.legends]
    others = [b for b in others if b is not None and b.width > 0]
    bottom = min([b.y0 for b in others] + [fig.bbox.y1])
    gap = 0.6 * source.get_fontsize() * fig.dpi / 72
    source.set_y((bottom - gap) / fig.bbox.height)
    source.set_x(EDGE_IN * 2 / fig.get_figwidth())


def figure_problems(fig: plt.Figure) -> list[str]:
    """What keeps ``fig`` from report size: a width other than ``REPORT_WIDTH_IN``, something drawn beyond its left
    or right edge, a legend covering plotted data, a source line larger than the tick labels. Empty: none."""
    fig.draw_without_rendering()
    return _problems(fig, fig.canvas.get_renderer())


def _problems(fig: plt.Figure, renderer) -> list[str]:
    """``figure_problems`` of ``fig`` as last laid out and drawn (``settle``: its frozen layout)."""
    problems = []
    if abs(fig.get_figwidth() - REPORT_WIDTH_IN) > 0.005:
        problems.append(f"{fig.get_figwidth():.2f} in wide, not {REPORT_WIDTH_IN}")
    box = fig.get_tightbbox(renderer)
    if box.x0 < -1e-6 or box.x1 > fig.get_figwidth() + 1e-6:
        problems.append(
            f"drawn from {box.x0:.2f} in to {box.x1:.2f} in, beyond the figure's width {fig.get_figwidth():.2f} in"
        )
    for i, ax in enumerate(fig.axes):
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            n = legend_covers(legend, renderer)
            if n:
                problems.append(
                    f"the legend of axes {i} ({ax.get_title() or ax.get_title(loc='left') or 'untitled'!r}) covers {n} plotted items"
                )
    source = getattr(fig, "_rotation_source", None)
    if source is not None:
        ticks = [
            label.get_fontsize()
            for ax in fig.axes
            for label in ax.get_xticklabels() + ax.get_yticklabels()
            if label.get_text()
        ]
        if ticks and source.get_fontsize() > max(ticks) + 1e-9:
            problems.append(
                f"source line at {source.get_fontsize():g} pt, larger than the tick labels ({max(ticks):g} pt)"
            )
    return problems


def _draws_something(artist) -> bool:
    import numpy as np

    if isinstance(artist, mpl.lines.Line2D):
        x, y = (np.asarray(v, dtype=float) for v in artist.get_data(orig=False))
        return bool(np.isfinite(x).any() and np.isfinite(y).any()) if len(x) and len(y) else False
    if isinstance(artist, mpl.collections.Collection):
        paths = artist.get_paths()
        if isinstance(artist, mpl.collections.PathCollection):  # scatter: the offsets are the points
            offsets = np.asarray(artist.get_offsets(), dtype=float)
            return bool(len(offsets) and np.isfinite(offsets).all(axis=1).any())
        return any(len(p.vertices) and np.isfinite(p.vertices).all(axis=1).any() for p in paths)
    if isinstance(artist, mpl.container.Container):
        return any(_draws_something(child) for child in artist.get_children())
    return True


def count_labels(
    ax: plt.Axes, x, counts, *, prefix: str = "n=", y: float = 0.02, fontsize: float = 6.5, color: str = SOURCE_COLOR
) -> list:
    """Write ``n=<count>`` under each ``x`` along the bottom of ``ax``, in as many rows as it takes not to overlap.

    ``y`` is the first row's height in axes fraction; a label that would touch its left neighbour
    in the same row moves up one row. Returns the text artists.
    """
    import numpy as np

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    row_right: list[float] = []  # right edge (display units) of the last label in each row
    texts = []
    for xi, n in sorted(zip(np.asarray(x, dtype=float), counts), key=lambda item: item[0]):
        text = ax.text(
            xi,
            y,
            f"{prefix}{int(n):,}",
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=fontsize,
            color=color,
        )
        box = text.get_window_extent(renderer)
        row = next((i for i, right in enumerate(row_right) if box.x0 > right + 2), len(row_right))
        if row == len(row_right):
            row_right.append(box.x1)
        else:
            row_right[row] = box.x1
        if row:
            text.set_y(y + row * 1.25 * fontsize / 72 / (ax.get_position().height * fig.get_figheight()))
        texts.append(text)
    return texts
