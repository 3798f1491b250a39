"""Wall time of the article run against a floor measured in the same process, and of two runs with --jobs 2.

The *floor* is what papermill costs before any of our work: the same number of papermill
executions (one fresh kernel each, the project's ``rotation`` kernel) of a notebook that only
imports pandas, matplotlib, seaborn and statsmodels. Everything runs in a throw-away copy of
the project (notebooks and registry), so the committed ``runs/article`` is never touched.

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_run.py [--notebooks 01_streak,02_spread]

Targets (issue 7): sequential article run <= 1.3 x its floor; two runs with --jobs 2 faster than
the sequential floor of those two runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
FLOOR_SOURCE = "import pandas\nimport matplotlib\nimport matplotlib.pyplot\nimport seaborn\nimport statsmodels.api\n"


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


def time_floor(notebook: Path, executions: int, cwd: Path) -> float:
    """Seconds for ``executions`` sequential papermill executions of the floor notebook."""
    import papermill

    from rotation.runner import ensure_kernel

    kernel = ensure_kernel()
    started = time.perf_counter()
    for i in range(executions):
        papermill.execute_notebook(str(notebook), str(notebook.with_name(f"floor_out_{i}.ipynb")), parameters={"run_name": "floor"}, kernel_name=kernel, cwd=str(cwd), progress_bar=False)
    return time.perf_counter() - started


def breakdown(folder: Path, paths: list[Path]) -> str:
    """Where each rendered notebook's time went, from papermill's per-cell durations (seconds)."""
    lines = ["per notebook (s): total = outside cells (kernel start, papermill) + import cell + figure cells + other cells"]
    sums = [0.0] * 5
    for path in paths:
        nb = nbformat.read(folder / path.name, as_version=4)
        total = float(nb.metadata.get("papermill", {}).get("duration") or 0.0)
        code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []) and "injected-parameters" not in c.metadata.get("tags", [])]
        seconds = [float(c.metadata.get("papermill", {}).get("duration") or 0.0) for c in code]
        imports = seconds[0] if seconds else 0.0
        figures = sum(t for c, t in zip(code[1:], seconds[1:]) if "save_figure" in c.source)
        other = sum(seconds[1:]) - figures
        outside = total - sum(seconds)
        for i, v in enumerate((total, outside, imports, figures, other)):
            sums[i] += v
        lines.append(f"  {path.stem:<22} {total:5.1f} = {outside:4.1f} + {imports:4.1f} + {figures:4.1f} + {other:4.1f}")
    lines.append(f"  {'all':<22} {sums[0]:5.1f} = {sums[1]:4.1f} + {sums[2]:4.1f} + {sums[3]:4.1f} + {sums[4]:4.1f}")
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", help="comma-separated notebook stems (default: all in notebooks/)")
    parser.add_argument("--second-as-of", default="2008-06-06", help="as_of of the second run in the --jobs 2 measurement")
    parser.add_argument("--skip-jobs", action="store_true", help="only the sequential measurement")
    args = parser.parse_args()
    if not os.environ.get("ROTATION_DATA_DIR"):
        default = REPO.parent / "shared" / "data"
        if not default.is_dir():
            print("set ROTATION_DATA_DIR to the data folder", file=sys.stderr)
            return 2
        os.environ["ROTATION_DATA_DIR"] = str(default)
    stems = args.notebooks.split(",") if args.notebooks else None
    with tempfile.TemporaryDirectory(prefix="rotation-bench-") as tmp:
        root = make_project(Path(tmp) / "project", stems)
        os.environ["ROTATION_PROJECT_DIR"] = str(root)
        from rotation import runner, sweep

        paths = runner.notebook_paths()
        n = len(paths)
        floor_nb = floor_notebook(Path(tmp))
        print(f"machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
        print(f"notebooks ({n}): {', '.join(p.stem for p in paths)}")
        time_floor(floor_nb, 1, root)  # warm-up: disk caches, kernel spec, bytecode

        floor = time_floor(floor_nb, n, root)
        started = time.perf_counter()
        status = runner.execute_run({}, "article", notebooks=paths, log=lambda line: None)
        article = time.perf_counter() - started
        per_nb = ", ".join(f"{e['notebook']} {e['seconds']:.1f} s" + ("" if e["status"] == "ok" else " FAILED") for e in status["notebooks"])
        print(f"floor: {n} papermill executions of an imports-only notebook: {floor:.1f} s ({floor / n:.2f} s each)")
        print(f"article run, sequential: {article:.1f} s ({per_nb})")
        print(f"ratio article / floor: {article / floor:.2f} (target <= 1.30){'' if status['ok'] else '  [run had failures]'}")
        print(breakdown(root / "runs" / "article", paths))

        if not args.skip_jobs:
            runs = sweep.plan([(None, {}), (None, {"as_of": args.second_as_of})], runner.collection_parameters(paths))
            floor2 = time_floor(floor_nb, 2 * n, root)
            started = time.perf_counter()
            statuses = sweep.execute(runs, paths, jobs=2)
            two = time.perf_counter() - started
            ok = all(s["ok"] for s in statuses)
            print(f"sequential floor of two runs: {2 * n} executions: {floor2:.1f} s")
            print(f"two runs (article, as_of {args.second_as_of}) with --jobs 2: {two:.1f} s")
            print(f"ratio jobs-2 / sequential floor: {two / floor2:.2f} (target < 1.00){'' if ok else '  [a run had failures]'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
