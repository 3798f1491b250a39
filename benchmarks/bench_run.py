"""The article run against its floor (CPU and wall), and a sweep of as_of dates with --jobs 2 against one run.

The *floor* is what papermill costs before any of our work: the same number of papermill
executions (papermill starts a fresh kernel of the project's ``rotation`` kernel for each) of
a notebook that only imports the libraries the notebooks use. It is measured in the same
process, just before the run, so the ratio compares both on the same machine at the same
moment. Everything runs in a throw-away copy of the project (notebooks and registry), so the
committed ``runs/article`` is never touched.

CPU seconds are this process's plus its children's (``resource.getrusage``): kernels, the
kernel server and the sweep's workers are all waited-for descendants.

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_run.py [--quick]

``--quick`` (used by the test suite so this script cannot rot): one notebook, one floor
execution, a sweep of two dates.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
FLOOR_SOURCE = "import numpy\nimport pandas\nimport scipy.stats\nimport matplotlib.pyplot\nimport seaborn\nimport statsmodels.api\n"
TARGET_ARTICLE = 0.8  # article run / floor, CPU and wall
TARGET_SWEEP = 4.0  # 12-date sweep with --jobs 2 / one run, wall
SWEEP_DATES = [
    "2025-09-30",
    "2025-10-31",
    "2025-11-28",
    "2025-12-31",
    "2026-01-30",
    "2026-02-27",
    "2026-03-31",
    "2026-04-30",
    "2026-05-29",
    "2026-06-30",
    "2026-07-31",
    "2026-08-21",
]  # month-ends inside the data


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for descendants."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(func: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result) of ``func()``."""
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    result = func()
    return time.perf_counter() - t0, cpu_seconds() - cpu0, result


def make_project(root: Path, stems: list[str] | None) -> Path:
    (root / "data").mkdir(parents=True)
    shutil.copy(REPO / "data" / "claims.yaml", root / "data" / "claims.yaml")
    (root / "notebooks").mkdir()
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if not stems or path.stem in stems:
            shutil.copy(path, root / "notebooks" / path.name)
    return root


def floor_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rotation", "display_name": "Python (rotation)", "language": "python"}
    params = nbformat.v4.new_code_cell('run_name = "scratch"  # set by the runner')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


def run_floor(notebook: Path, executions: int, cwd: Path) -> None:
    """``executions`` sequential papermill executions of the floor notebook, each in a kernel papermill starts."""
    import papermill

    from rotation.run.runner import ensure_kernel

    kernel = ensure_kernel()
    for i in range(executions):
        papermill.execute_notebook(
            str(notebook),
            str(notebook.with_name(f"floor_out_{i}.ipynb")),
            parameters={"run_name": "floor"},
            kernel_name=kernel,
            cwd=str(cwd),
            progress_bar=False,
        )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    return (
        f"machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def ensure_data_dir() -> bool:
    if not os.environ.get("ROTATION_DATA_DIR"):
        default = REPO.parent / "shared" / "data"
        if not default.is_dir():
            print("set ROTATION_DATA_DIR to the data folder", file=sys.stderr)
            return False
        os.environ["ROTATION_DATA_DIR"] = str(default)
    return True


def verdict(ratio: float, target: float) -> str:
    return f"(target <= {target:.2f}: {'met' if ratio <= target else 'MISSED'})"


def bench(
    quick: bool = False, stems: list[str] | None = None, dates: int | None = None, skip_sweep: bool = False
) -> list[dict]:
    """Measure and print; returns rows ``{"what", "ratio", "target"}`` for the summary."""
    if quick and not stems:
        stems = ["01_streak"]  # declares as_of, so the sweep has an axis
    n_dates = dates or (2 if quick else 12)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rotation-bench-") as tmp:
        root = make_project(Path(tmp) / "project", stems)
        os.environ["ROTATION_PROJECT_DIR"] = str(root)
        from rotation.run import notebooks, runner, sweep

        paths = notebooks.notebook_paths()
        n = len(paths)
        floor_nb = floor_notebook(Path(tmp))
        print(f"notebooks ({n}): {', '.join(p.stem for p in paths)}")
        if not quick:
            run_floor(floor_nb, 1, root)  # warm-up: disk caches, kernel spec, bytecode
        floor_wall, floor_cpu, _ = measure(lambda: run_floor(floor_nb, n, root))
        wall, cpu, status = measure(lambda: runner.execute_run({}, "article", notebooks=paths, log=lambda line: None))
        per_nb = ", ".join(
            f"{e['notebook']} {e['seconds']:.1f} s" + ("" if e["status"] == "ok" else " FAILED")
            for e in status["notebooks"]
        )
        print(
            f"floor: {n} papermill executions of an imports-only notebook: {floor_wall:.1f} s wall, {floor_cpu:.1f} s CPU"
        )
        print(
            f"article run: {wall:.1f} s wall, {cpu:.1f} s CPU ({per_nb}){'' if status['ok'] else '  [run had failures]'}"
        )
        print(f"  ratio article / floor, wall: {wall / floor_wall:.2f} {verdict(wall / floor_wall, TARGET_ARTICLE)}")
        print(f"  ratio article / floor, CPU:  {cpu / floor_cpu:.2f} {verdict(cpu / floor_cpu, TARGET_ARTICLE)}")
        rows += [
            {"what": "article run / floor, wall", "ratio": wall / floor_wall, "target": TARGET_ARTICLE},
            {"what": "article run / floor, CPU", "ratio": cpu / floor_cpu, "target": TARGET_ARTICLE},
        ]
        if not skip_sweep:
            runs = sweep.plan(
                [(None, {"as_of": d}) for d in SWEEP_DATES[:n_dates]], notebooks.collection_parameters(paths)
            )
            sweep_wall, sweep_cpu, statuses = measure(lambda: sweep.execute(runs, paths, jobs=2))
            ok = all(s["ok"] for s in statuses)
            print(
                f"sweep of {n_dates} as_of dates, --jobs 2: {sweep_wall:.1f} s wall, {sweep_cpu:.1f} s CPU{'' if ok else '  [a run had failures]'}"
            )
            print(
                f"  ratio sweep / one run, wall: {sweep_wall / wall:.2f} {verdict(sweep_wall / wall, TARGET_SWEEP)}"
                f"  (each date after the first: {(sweep_wall / wall - 1) / max(n_dates - 1, 1):.2f} of a run)"
            )
            rows.append(
                {
                    "what": f"sweep of {n_dates} dates (--jobs 2) / one run, wall",
                    "ratio": sweep_wall / wall,
                    "target": TARGET_SWEEP,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one notebook, one floor execution, two dates (a smoke test)"
    )
    parser.add_argument("--notebooks", help="comma-separated notebook stems (default: all in notebooks/)")
    parser.add_argument("--dates", type=int, help="number of as_of dates in the sweep (default 12; quick: 2)")
    parser.add_argument("--skip-sweep", action="store_true", help="only the article run and its floor")
    args = parser.parse_args(argv)
    if not ensure_data_dir():
        return 2
    print(machine())
    bench(args.quick, args.notebooks.split(",") if args.notebooks else None, args.dates, args.skip_sweep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
