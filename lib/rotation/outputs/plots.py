"""One house style for every figure, and one way to save them.

Every figure carries a title, axis labels with units and a source line (data source, date
range and definition), added with ``finish_figure``; ``save_figure`` writes PNG, SVG and PDF
(plus a ``.txt`` caption) to ``figures/<run name>/<name>.<ext>`` atomically, with deterministic file names and no
timestamps inside the SVG/PDF files.
"""

from __future__ import annotations

import io
import math
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

# Sizes for a report column: figures are drawn at the width they are printed at, so the text
# sizes below are the printed sizes. A wider figure gets a proportionally larger source line.
REPORT_WIDTH_IN = 6.5  # width of a report/print column (inches)
FIGURE_HEIGHT_IN = 3.6
SOURCE_PT = 7.0  # smallest size of the source line once the figure is scaled to REPORT_WIDTH_IN
SOURCE_COLOR = "#444444"


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
            "xtick.labelsize": 8,
            "ytick.labelsize": 8,
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


def finish_figure(
    fig: plt.Figure, ax: plt.Axes | None, *, title: str, xlabel: str | None, ylabel: str | None, source: str
) -> plt.Figure:
    """Title the figure, label the axes (with units) and add the source line under it."""
    if ax is not None:
        ax.set_title(title)
        if xlabel is not None:
            ax.set_xlabel(xlabel)
        if ylabel is not None:
            ax.set_ylabel(ylabel)
    else:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    size = source_fontsize(fig)
    fig.text(
        0.01, -0.02, _wrap(source, source_wrap_width(fig, size)), ha="left", va="top", fontsize=size, color=SOURCE_COLOR
    )
    fig._rotation_caption = f"{' '.join(title.split())}\n{' '.join(source.split())}"  # one title line, one source line, written beside the image by save_figure
    return fig


def source_fontsize(fig: plt.Figure) -> float:
    """Source-line size (pt) that prints at ``SOURCE_PT`` or more once ``fig`` is scaled to the report column."""
    return math.ceil(10 * SOURCE_PT * max(1.0, fig.get_figwidth() / REPORT_WIDTH_IN)) / 10


def source_wrap_width(fig: plt.Figure, fontsize: float) -> int:
    """Characters per source line that fit the figure's width (average glyph about 0.56 em)."""
    return max(40, int(fig.get_figwidth() * 72 * 0.96 / (0.56 * fontsize)))


def _wrap(text: str, width: int = 150) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def figure_slug(name: str) -> str:
    """A deterministic, file-system-safe figure name."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_").lower()
    if not slug:
        raise ValueError(f"figure name {name!r} is empty after cleaning")
    return slug


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
    Every format is cropped to one box: the drawn pixels plus ``savefig.pad_inches``
    (``ink_crop``: one drawing serves as the PNG and as the measure of the box, where
    ``bbox_inches="tight"`` lays the figure out once more to measure it), so the box includes the
    source line below the axes and legends outside them. In a Jupyter kernel, ``show`` displays the
    saved PNG and closes the figure, so the notebook shows exactly the exported file and the figure
    is not drawn again.
    """
    folder = Path(folder) if folder is not None else figures_dir(run_name)
    slug = figure_slug(name)
    dpi = plt.rcParams["savefig.dpi"]
    dpi = fig.dpi if dpi == "figure" else float(dpi)
    pad = plt.rcParams["savefig.pad_inches"]
    cropped = ink_crop(fig, dpi, pad)
    if cropped is None:  # drawn beyond the margins, or no opaque background: measure the box the long way
        fig.draw_without_rendering()
        bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(pad)
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
# hangs below the axes (up to about 1.2 in today), legends placed outside them reach up to about
# 5.5 in to the right. A blank square inch costs about 0.05 ms to draw at 200 dpi.
INK_MARGIN_IN = (2.0, 2.0, 8.0, 1.0)


def ink_crop(fig: plt.Figure, dpi: float, pad_inches: float):
    """Draw ``fig`` once at ``dpi`` on a canvas reaching ``INK_MARGIN_IN`` beyond it, cropped to its ink.

    The crop box holds every pixel that differs from the (opaque) background, widened by
    ``pad_inches`` on each side: what ``bbox_inches="tight"`` gives, measured on the drawing
    itself instead of by a layout pass over every artist. Returns ``(rgba, bbox)``: the cropped
    image (uint8, rows from the top) and its box in figure inches (for the vector formats, so
    every format shows the same region). None when something may be drawn beyond the canvas
    (ink within ``pad_inches`` of its border, or a text or legend anchored outside it) or the
    background is not opaque; the caller then measures the tight box the usual way.
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
    r0, r1, c0, c1 = rows[0] - pad, rows[-1] + 1 + pad, cols[0] - pad, cols[-1] + 1 + pad
    if r0 <= 0 or c0 <= 0 or r1 >= shape[0] or c1 >= shape[1]:
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
