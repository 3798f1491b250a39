"""Vector formats (SVG, PDF) of a run's figures: written by the kernels when wanted, kept when still true.

A run writes each figure's PNG and caption (the PNG is what the notebook shows). With
``rotation run --export`` (``make run``: the committed run has every format) the kernels also
write the SVG and PDF files directly, through the same ``plots.save_figure`` call, so they are
byte-identical to a save outside a run. Without ``--export`` the kernels write PNG only
(``ROTATION_DEFER_FORMATS`` names the formats they skip), and a run never deletes the SVG and
PDF files of a figure it did not change: when publishing, a figure whose new PNG is
byte-identical to the published PNG keeps its published SVG and PDF (``carry_vectors``); a
figure whose PNG changed loses them (they would show the old figure). ``rotation export RUN``
(``rotation.run.export_command``) re-executes a run (its own ``params.yaml`` and notebooks) with ``--export`` to write them.

Nothing is pickled or otherwise kept as code or live objects: nothing a run folder holds is
ever loaded as anything but bytes, text or plain YAML.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

DEFER_ENV = "ROTATION_DEFER_FORMATS"
PENDING = ".pending"  # where older versions kept pickled figures: never read, removed when publishing
VECTOR_FORMATS = ("svg", "pdf")  # what a run without --export skips: costly to write, not shown in the notebooks
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}  # no dates or versions inside the files: deterministic bytes


def deferred_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats among ``formats`` that this process defers (from ``ROTATION_DEFER_FORMATS``); PNG never is."""
    wanted = {f.strip().lower() for f in os.environ.get(DEFER_ENV, "").split(",") if f.strip()}
    return tuple(f for f in formats if f in wanted and f != "png")


def kernel_env(export: bool = False) -> dict[str, str]:
    """Environment entries for kernels of a run: without ``export`` they skip the vector formats."""
    return {} if export else {DEFER_ENV: ",".join(VECTOR_FORMATS)}


def defer(fig, folder: Path, slug: str, formats: Iterable[str], bbox) -> None:
    """A figure saved without its ``formats`` (a run without --export): remove older files of those formats
    beside it, which would no longer match its PNG (``carry_vectors`` puts them back when the PNG is unchanged)."""
    for ext in formats:
        (Path(folder) / f"{slug}.{ext}").unlink(missing_ok=True)


def carry_vectors(new: Path, published: Path) -> list[Path]:
    """Before publishing ``new`` (a staged figures folder) over ``published``: copy in the published SVG/PDF
    of every figure whose PNG is byte-identical in both and has no file of that format in ``new``;
    remove the stale ``.pending`` folder of older versions. Returns the files copied."""
    new, published = Path(new), Path(published)
    shutil.rmtree(new / PENDING, ignore_errors=True)
    copied: list[Path] = []
    if not published.is_dir() or published.is_symlink() or not new.is_dir():
        return copied
    for png in sorted(new.glob("*.png")):
        old_png = published / png.name
        missing = [ext for ext in VECTOR_FORMATS if not os.path.lexists(png.with_suffix(f".{ext}"))]
        if not missing or not _same_plain_file(png, old_png):
            continue
        for ext in missing:
            source = old_png.with_suffix(f".{ext}")
            if source.is_file() and not source.is_symlink():
                shutil.copy2(source, png.with_suffix(f".{ext}"))
                copied.append(png.with_suffix(f".{ext}"))
    return copied


def _same_plain_file(a: Path, b: Path) -> bool:
    """Both plain files (no links) with the same bytes."""
    if a.is_symlink() or b.is_symlink() or not a.is_file() or not b.is_file():
        return False
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()


def pending(folder: Path) -> list[Path]:
    """The PNG figures of a figures folder lacking an SVG or PDF file, sorted by name."""
    return [
        png
        for png in sorted(Path(folder).glob("*.png"))
        if any(not png.with_suffix(f".{ext}").is_file() for ext in VECTOR_FORMATS)
    ]


__all__ = ["DEFER_ENV", "VECTOR_FORMATS", "carry_vectors", "deferred_formats", "defer", "kernel_env", "pending"]
