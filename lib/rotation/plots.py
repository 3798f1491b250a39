"""One house style for every figure, and one way to save them.

Every figure carries a title, axis labels with units and a source line (data source, date
range and definition), added with ``finish_figure``; ``save_figure`` writes PNG, SVG and PDF
(plus a ``.txt`` caption) to ``figures/<run name>/<name>.<ext>`` atomically, with deterministic file names and no
timestamps inside the SVG/PDF files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from rotation import figexport
from rotation.io import atomic_path, write_text_atomic
from rotation.paths import FIGURE_FORMATS as FORMATS, figures_dir

SMALL_COLOR = "#c0392b"  # small caps
LARGE_COLOR = "#1f4e79"  # large caps
SPREAD_COLOR = "#7f8c8d"
HIGHLIGHT = "#f5cba7"
PALETTE = [SMALL_COLOR, LARGE_COLOR, "#27ae60", "#8e44ad", "#d68910", SPREAD_COLOR]


def house_style() -> None:
    """Apply the project's matplotlib/seaborn style (idempotent)."""
    pd.set_option("display.max_colwidth", None)  # tables show every cell in full (verdict rules and details are long)
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update(
        {
            "figure.figsize": (10, 5),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "rotation",  # deterministic SVG ids
            "svg.fonttype": "none",
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


def finish_figure(fig: plt.Figure, ax: plt.Axes | None, *, title: str, xlabel: str | None, ylabel: str | None, source: str) -> plt.Figure:
    """Title the figure, label the axes (with units) and add the source line under it."""
    if ax is not None:
        ax.set_title(title)
        if xlabel is not None:
            ax.set_xlabel(xlabel)
        if ylabel is not None:
            ax.set_ylabel(ylabel)
    else:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.text(0.01, -0.02, _wrap(source), ha="left", va="top", fontsize=8, color="#555555")
    fig._rotation_caption = f"{title}\n{source}"  # written beside the image by save_figure
    return fig


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
    fig: plt.Figure, name: str, run_name: str, formats: Iterable[str] = FORMATS, show: bool = True, folder: Path | None = None
) -> list[Path]:
    """Write ``fig`` to ``figures/<run_name>/<name>.{png,svg,pdf}`` atomically; returns the image paths.

    Inside a run, the formats named in ``ROTATION_DEFER_FORMATS`` (SVG and PDF) are written after
    the notebooks by ``figexport.export_pending``, byte-identical; the paths returned are the same.

    ``folder`` replaces ``figures/<run_name>/`` (for commands with an ``--out`` option).
    A figure titled through ``finish_figure`` also gets ``<name>.txt``: its title and source line.
    The tight bounding box (which includes the source line below the axes) is computed once and
    reused for every format. In a Jupyter kernel, ``show`` displays the saved PNG and closes the
    figure, so the notebook shows exactly the exported file and the figure is not drawn again.
    """
    folder = Path(folder) if folder is not None else figures_dir(run_name)
    slug = figure_slug(name)
    fig.draw_without_rendering()
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    later = figexport.deferred_formats(formats)  # in a run: written once, after the notebooks
    paths = []
    for ext in formats:
        target = folder / f"{slug}.{ext}"
        if ext not in later:
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format=ext, metadata=figexport.METADATA.get(ext), bbox_inches=bbox)
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
