"""``rotation export RUN``: write the SVG and PDF files of a run's figures by re-executing the run.

The run is executed again with its own parameters (``params.yaml``) and notebooks and with
``--export``; which figures lack a vector file is ``rotation.outputs.figexport.pending``.
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
        help="write the SVG and PDF files of a run's figures (re-executes the run with --export)",
        description="Write the vector formats (SVG, PDF) of a run's figures by re-executing the run with its own parameters and "
        "--export. rotation run writes the PNG files (the notebooks show them) and keeps the SVG and PDF of every "
        "figure whose PNG did not change; rotation run --export writes them all.",
    )
    parser.add_argument("run", help="run name (folder under runs/ and figures/)")
    parser.set_defaults(func=cmd_export)


__all__ = ["add_parser", "cmd_export", "export_run"]
