"""The ``rotation`` command: ``run``, ``params`` (and ``scan``, ``report`` when those modules exist).

Errors the user can fix are printed as one line, ``error: ...``, with exit code 2; a run
whose notebooks failed exits with 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from rotation.errors import ParameterError, RotationError

# Modules that add their own sub-command through ``add_parser(subparsers)``.
EXTENSIONS = ("rotation.scan", "rotation.report")


def _parse_run_args(args: argparse.Namespace) -> tuple[dict[str, object], str | None]:
    """Raw parameters from ``--config``, ``-p`` and the shortcut flags (later wins)."""
    from rotation.runner import yaml_load

    raw: dict[str, object] = {}
    run_name = None
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ParameterError(f"config file {path} not found")
        doc = yaml_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            raise ParameterError(f"{path}: expected a mapping of parameter names to values")
        doc = dict(doc)
        run_name = doc.pop("run_name", None)
        raw.update(doc)
    for name, value in args.param or []:
        raw[name] = value
    if args.as_of:
        raw["as_of"] = args.as_of
    if args.data_dir:
        raw["data_dir"] = args.data_dir
    return raw, args.run_name or run_name


def cmd_run(args: argparse.Namespace) -> int:
    from rotation import runner

    paths = runner.notebook_paths(only=args.notebooks.split(",") if args.notebooks else None)
    declared = runner.collection_parameters(paths)
    raw, run_name = _parse_run_args(args)
    params = runner.validate_parameters(raw, declared)
    name = run_name or runner.default_run_name(params)
    status = runner.execute_run(params, name, notebooks=paths)
    for line in runner.failure_lines(status):
        print(f"error: {line}", file=sys.stderr)
    print(f"run {name}: {'ok' if status['ok'] else 'FAILED'} in {status.get('seconds', 0):.1f} s -> runs/{name}/, figures/{name}/")
    return 0 if status["ok"] else 1


def cmd_params(args: argparse.Namespace) -> int:
    from rotation import runner

    paths = runner.notebook_paths()
    for path in paths:
        print(path.stem)
        for name, info in runner.notebook_parameters(path).items():
            help_text = f"  # {info['help']}" if info["help"] else ""
            print(f"  {name}: {info['type']} = {info['default']}{help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rotation", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute every notebook with one set of parameters")
    run.add_argument("--as-of", dest="as_of", help="date the claims are checked at (YYYY-MM-DD)")
    run.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"), help="any notebook parameter")
    run.add_argument("--config", help="YAML file of parameters (a mapping; may hold run_name)")
    run.add_argument("--run-name", dest="run_name", help="folder name under runs/ and figures/ (default: article, or built from the parameters)")
    run.add_argument("--data-dir", dest="data_dir", help="folder of CSV files (default: ROTATION_DATA_DIR, then cache, then download)")
    run.add_argument("--notebooks", help="comma-separated notebook names to run (default: all)")
    run.set_defaults(func=cmd_run)

    params = sub.add_parser("params", help="list every notebook's parameters with defaults and help")
    params.set_defaults(func=cmd_params)

    for module_name in EXTENSIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RotationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
