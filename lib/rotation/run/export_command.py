"""``rotation export RUN``: write the SVG and PDF files of a run's figures by running its notebooks again.

A run keeps no figure objects (no pickles: nothing in a run folder is loaded as code), so the
run is executed again with its own parameters (``params.yaml``) and notebooks and with
``--export``, and published anew; which figures lack a vector file is
``rotation.outputs.figexport.pending`` (none: nothing is run).
"""

from __future__ import annotations

from pathlib import Path

from rotation.outputs.figexport import VECTOR_FORMATS, pending


def export_run(run_name: str) -> list[Path]:
    """Re-execute run ``run_name`` with its own parameters (``params.yaml``, read as plain YAML and checked
    like the command line's) and notebooks, writing every figure's SVG and PDF; returns the vector files."""
    from rotation.core.errors import ParameterError
    from rotation.core.paths import published_figures_dir, published_run_dir
    from rotation.core.strict_yaml import read_yaml_file
    from rotation.outputs import runs
    from rotation.run import notebooks, runner, staging

    name = staging.check_run_name(run_name)
    folder = published_run_dir(name)
    if not folder.is_dir():
        raise ParameterError(f"run folder {folder} does not exist (execute it first: rotation run --run-name {name})")
    figures = published_figures_dir(name)
    if not pending(figures):
        return []
    params_file = folder / "params.yaml"
    raw = dict(read_yaml_file(params_file)) if params_file.is_file() else {}
    raw.pop("run_name", None)
    status = runs.previous_status(name) or {}
    every = notebooks.notebook_paths()
    ran = [n.get("notebook") for n in status.get("notebooks", []) if isinstance(n, dict)]
    paths = [p for p in every if p.stem in ran] or every
    params = runner.validate_parameters(raw, notebooks.collection_parameters(paths))
    result = runner.execute_run(params, name, notebooks=paths, partial=len(paths) < len(every), export=True)
    if not result["ok"]:
        raise ParameterError(
            f"run {name}: re-executing it to write the SVG and PDF files failed; see runs/{name}/status.json"
        )
    return [p for p in sorted(figures.glob("*")) if p.suffix[1:] in VECTOR_FORMATS]


def cmd_export(args) -> int:
    """``rotation export RUN``: write the SVG and PDF files of a run's figures."""
    written = export_run(args.run)
    if written:
        print(
            f"figures/{args.run}: {len(written)} files written ({', '.join(sorted({p.suffix[1:].upper() for p in written}))})"
        )
    else:
        print(
            f"figures/{args.run}: nothing to write, every figure already has its {' and '.join(f.upper() for f in VECTOR_FORMATS)} files"
        )
    return 0


def add_parser(subparsers) -> None:
    """Register ``rotation export RUN``."""
    parser = subparsers.add_parser(
        "export",
        help="write the SVG and PDF files of a run's figures by running its notebooks again (as long as the run itself)",
        description="Write the SVG and PDF files of a run's figures. A run keeps no figure objects to redraw from (nothing "
        "in a run folder is ever loaded as code), so this runs the run's notebooks again, with its own parameters "
        "(params.yaml) and --export: it takes as long as the run, needs its data, and publishes the run anew "
        "(runs/RUN/ and figures/RUN/, all or nothing): its verdicts are those of the data as it is now (the same "
        "when the data did not change). When every figure already has both files, nothing is run. rotation run "
        "writes the PNG files (the "
        "notebooks show them) and keeps the SVG and PDF of every figure whose PNG did not change; rotation run "
        "--export writes them all in the same pass.",
    )
    parser.add_argument("run", help="run name (folder under runs/ and figures/)")
    parser.set_defaults(func=cmd_export)


__all__ = ["add_parser", "cmd_export", "export_run"]
