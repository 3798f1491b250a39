"""Notebooks state, set parameters, call the package and show (issue 23).

Two rules over the notebook templates' code cells, read as Python:

* no cell decides anything: no ``if``/``else`` statement, no conditional expression, no ``match``,
  no ``while`` and no comprehension or loop with a condition; decisions live in tested package
  functions (``rotation.studies``, ``rotation.claims``), where a test can plant the answer;
* the collection's code cells total at most ``MAX_CODE_LINES`` lines (half of the 1,642 lines the
  notebooks held when the rule was set), so logic does not creep back into cells.

The tests are planted-answer tested themselves: a planted cell with a branch is caught.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_CODE_LINES = 821

DECIDING = (ast.If, ast.IfExp, ast.While, ast.Match)


def code_cells(path: Path) -> list[str]:
    """The source of each code cell of a notebook, IPython magics (``%...``, ``!...``) left out."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        out.append("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return out


def code_lines(source: str) -> int:
    """Lines of a cell, every line counted (blank and comment lines too: the measure the budget was set with)."""
    return len(source.splitlines())


def branches(source: str) -> list[str]:
    """Each decision a cell makes, as ``line N: <kind>`` (empty when it makes none)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, DECIDING):
            found.append((node.lineno, type(node).__name__))
        elif isinstance(node, ast.comprehension) and node.ifs:
            found.append((node.ifs[0].lineno, "filtered comprehension"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_the_rules_catch_planted_decisions():
    planted = "x = 1\nif x > 0:\n    y = 2\nz = [v for v in range(3) if v]\nw = 1 if x else 2\n"
    assert branches(planted) == ["line 2: If", "line 4: filtered comprehension", "line 5: IfExp"]
    assert branches("table = study.table(ctx)\ndisplay(table)\n") == []
    assert code_lines("# a comment\n\nx = 1\n") == 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_cell_decides(path):
    found = {i: b for i, cell in enumerate(code_cells(path)) if (b := branches(cell))}
    assert not found, f"{path.name}: code cells that decide (move the decision into the package): {found}"


def test_code_cells_stay_within_budget():
    per_notebook = {p.stem: sum(code_lines(c) for c in code_cells(p)) for p in NOTEBOOKS}
    total = sum(per_notebook.values())
    assert total <= MAX_CODE_LINES, f"notebook code lines {total} > {MAX_CODE_LINES}: {per_notebook}"
