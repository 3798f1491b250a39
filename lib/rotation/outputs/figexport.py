"""Vector formats of a run's figures, written in one pass when they are wanted.

During a run (``rotation run``) the kernels write each figure's PNG and caption at once (the
PNG is what the notebook shows), and keep the figure itself (a pickle of the matplotlib
figure, its tight bounding box and the rcParams in force) in ``figures/<run>/.pending/``.
``export_pending`` writes the other formats of every kept figure in one pass, with the same
bounding box, metadata and rcParams, so the files are byte-identical to those
``plots.save_figure`` writes directly; each pickle is removed once its files are written.
That pass runs at the end of ``rotation run --export`` (``make run``: the committed run has
every format), on ``rotation export <run>`` and before ``rotation report``. Outside a run
(JupyterLab, a script) nothing is deferred: ``save_figure`` writes every format itself.

Which formats are deferred comes from the environment variable ``ROTATION_DEFER_FORMATS``
(comma-separated, e.g. ``svg,pdf``), which the runner sets in the kernels it starts.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Iterable
from pathlib import Path

DEFER_ENV = "ROTATION_DEFER_FORMATS"
PENDING = ".pending"  # sub-folder of figures/<run>/ holding the kept figures
VECTOR_FORMATS = ("svg", "pdf")  # what a run defers: costly to write, not shown in the notebooks
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}  # no dates or versions inside the files: deterministic bytes


def deferred_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats among ``formats`` that this process defers (from ``ROTATION_DEFER_FORMATS``); PNG never is."""
    wanted = {f.strip().lower() for f in os.environ.get(DEFER_ENV, "").split(",") if f.strip()}
    return tuple(f for f in formats if f in wanted and f != "png")


def kernel_env() -> dict[str, str]:
    """Environment entries for kernels of a run: defer the vector formats to ``export_pending``."""
    return {DEFER_ENV: ",".join(VECTOR_FORMATS)}


def defer(fig, folder: Path, slug: str, formats: Iterable[str], bbox) -> Path:
    """Keep ``fig`` (with its bounding box and the rcParams in force) for ``export_pending``; returns the pickle."""
    import matplotlib.pyplot as plt

    from rotation.core.files import write_bytes_atomic

    spec = {"figure": fig, "bbox": bbox, "formats": list(formats), "rc": dict(plt.rcParams)}
    for ext in formats:  # an older file of this figure (a partial re-run) would no longer match its PNG
        (Path(folder) / f"{slug}.{ext}").unlink(missing_ok=True)
    return write_bytes_atomic(Path(folder) / PENDING / f"{slug}.pickle", pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL))


def export_run(run_name: str) -> list[Path]:
    """``export_pending`` for the published figures of ``run_name``, holding the run's lock (no run may publish meanwhile)."""
    from rotation.outputs import runs
    from rotation.core.errors import ParameterError
    from rotation.core.paths import published_figures_dir, published_run_dir

    folder = published_figures_dir(run_name)
    if not folder.is_dir():
        raise ParameterError(f"figures folder {folder} does not exist (execute the run first: rotation run --run-name {run_name})")
    with runs.run_lock(run_name):
        if not published_run_dir(run_name).is_dir():
            raise ParameterError(f"run folder {published_run_dir(run_name)} does not exist (execute it first: rotation run --run-name {run_name})")
        return export_pending(folder)


def cmd_export(args) -> int:
    """``rotation export RUN``: write the SVG and PDF files of a run's figures."""
    written = export_run(args.run)
    if written:
        print(f"figures/{args.run}: {len(written)} files written ({', '.join(sorted({p.suffix[1:].upper() for p in written}))})")
    else:
        print(f"figures/{args.run}: nothing to write, every figure already has its {' and '.join(f.upper() for f in VECTOR_FORMATS)} files")
    return 0


def add_parser(subparsers) -> None:
    """Register ``rotation export RUN``."""
    parser = subparsers.add_parser(
        "export", help="write the SVG and PDF files of a run's figures (a run writes PNG only, unless run with --export)",
        description="Write the vector formats (SVG, PDF) of every figure a run kept, in one pass, byte-identical to a direct save. "
                    "rotation run writes the PNG files (the notebooks show them); rotation run --export and rotation report do this too.")
    parser.add_argument("run", help="run name (folder under runs/ and figures/)")
    parser.set_defaults(func=cmd_export)


def pending(folder: Path) -> list[Path]:
    """The kept figures of a figures folder, sorted by name."""
    return sorted((Path(folder) / PENDING).glob("*.pickle"))


def export_pending(folder: Path, tidy: bool = True) -> list[Path]:
    """Write the deferred formats of every kept figure in ``folder`` (one pass); returns the files written.

    Each file is written atomically and a pickle is removed only after all its formats are
    written, so an interrupted export can simply be repeated. The ``.pending`` folder is
    removed when empty. A folder without kept figures is left alone (returns ``[]``).
    """
    kept = pending(folder)
    if not kept:
        if tidy:
            _remove_empty(Path(folder) / PENDING)
        return []
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from rotation.core.files import atomic_path

    written = []
    for path in kept:
        spec = pickle.loads(path.read_bytes())  # noqa: S301 - written by save_figure of this project's own run
        fig, slug = spec["figure"], path.stem
        with plt.rc_context(spec["rc"]):
            for ext in spec["formats"]:
                target = Path(folder) / f"{slug}.{ext}"
                with atomic_path(target) as tmp:
                    fig.savefig(tmp, format=ext, metadata=METADATA.get(ext), bbox_inches=spec["bbox"])
                written.append(target)
        plt.close(fig)
        path.unlink()
    if tidy:  # not while a kernel may still be adding figures
        _remove_empty(Path(folder) / PENDING)
    return written


class BackgroundExport:
    """``export_pending`` in a background thread while the next notebooks run (the run's other core is idle).

    ``kick()`` after each notebook starts a pass over the figures kept so far (if none is
    running); ``finish()`` waits for it and makes the final, tidying pass; ``close()`` waits.
    """

    def __init__(self, folder: Path) -> None:
        import concurrent.futures as cf

        self.folder = Path(folder)
        self.executor = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rotation-export")
        self.future = None

    def kick(self) -> None:
        if self.future is None or self.future.done():
            if self.future is not None:
                self.future.result()  # an error surfaces here, not silently
            self.future = self.executor.submit(export_pending, self.folder, False)

    def finish(self) -> list[Path]:
        if self.future is not None:
            self.future.result()
            self.future = None
        return export_pending(self.folder)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def _remove_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["BackgroundExport", "DEFER_ENV", "add_parser", "deferred_formats", "defer", "export_pending", "export_run", "kernel_env", "pending"]
