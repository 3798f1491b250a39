"""Do the records of a results file come from one parameter set?

Every notebook executed by papermill (``rotation run`` or a direct ``papermill -p ...`` call)
stores the parameters it was given in its rendered copy (``metadata.papermill.parameters``); a
parameter it was not given took the default of its own ``parameters`` cell (defaults may differ
between notebooks by design, e.g. ``horizons``). ``parameter_mismatches`` compares, parameter by
parameter, what each notebook of a run folder was given (a value, or "its default"), among the
notebooks that declare that parameter and recorded claims in the results file. Notebooks run at
different dates into the same folder (``runs/scratch`` of interactive or papermill calls without
``-p run_name``) are flagged, as are records whose notebook has no rendered copy to tell.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

IGNORED = frozenset({"run_name"})  # the folder itself, the same for every notebook by construction
DEFAULT = "(its default)"


def declared_defaults(nb: Mapping) -> dict[str, object]:
    """Name -> default value of the notebook's ``parameters`` cell (source text when not a literal)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            found: dict[str, object] = {}
            for node in ast.parse(source).body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign) and node.value
                    else []
                )
                for target in targets:
                    if isinstance(target, ast.Name):
                        try:
                            found[target.id] = ast.literal_eval(node.value)
                        except ValueError:
                            found[target.id] = ast.get_source_segment(source, node.value)
            return found
    return {}


def parameters_given(path: str | Path) -> dict[str, object] | None:
    """Declared parameter -> value a rendered notebook was given, or ``DEFAULT``; None if papermill did not run it."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    run = nb.get("metadata", {}).get("papermill")
    if not isinstance(run, Mapping):
        return None
    given = run.get("parameters") or {}
    names = set(declared_defaults(nb)) | set(given)
    return {name: given.get(name, DEFAULT) for name in sorted(names) if name not in IGNORED}


def parameter_mismatches(folder: str | Path, records: Iterable[Mapping] | None = None) -> list[str]:
    """One line per parameter on which the notebooks behind ``records`` disagree (empty: one parameter set).

    ``records`` defaults to the folder's ``results.jsonl``. Only notebooks that recorded claims count.
    """
    from rotation.outputs.results import RESULTS_FILE, read_records

    folder = Path(folder)
    records = list(records) if records is not None else read_records(folder / RESULTS_FILE)
    notebooks = sorted({str(r.get("notebook")) for r in records if r.get("notebook")})
    lines: list[str] = []
    used: dict[str, dict[str, object]] = {}
    for stem in notebooks:
        path = folder / f"{stem}.ipynb"
        values = parameters_given(path) if path.is_file() else None
        if values is None:
            lines.append(
                f"{stem}: no rendered notebook executed by papermill in {folder}, so the parameters of its records are unknown"
            )
        else:
            used[stem] = values
    names = sorted({name for values in used.values() for name in values})
    for name in names:
        by_value: dict[str, list[str]] = {}
        for stem, values in used.items():
            if name in values:
                value = values[name]
                by_value.setdefault(
                    value if value == DEFAULT else json.dumps(value, sort_keys=True, default=str), []
                ).append(stem)
        if len(by_value) > 1:
            lines.append(f"{name}: " + "; ".join(f"{value} in {', '.join(stems)}" for value, stems in by_value.items()))
    return lines


__all__ = ["DEFAULT", "declared_defaults", "parameter_mismatches", "parameters_given"]
