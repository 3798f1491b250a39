"""The package's import graph: no cycles, and imports only go down the layers.

Layers, bottom to top (docs/architecture.md): core, data, analytics, language, claims, outputs, studies, run,
cli. A module may import from its own layer and the layers below it, never from a layer above.
The graph is built from the source with ``ast``: every ``import`` statement, including those inside
functions, so a deferred import counts like any other. Only imports under ``if TYPE_CHECKING:`` are
left out: they never run (type annotations only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
LAYERS = ("core", "data", "analytics", "language", "claims", "outputs", "studies", "run", "cli")


def module_files(lib: Path, package: str = "rotation") -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``lib`` (a package by its __init__)."""
    out = {}
    for path in sorted((lib / package).rglob("*.py")):
        parts = path.relative_to(lib).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def import_graph(lib: Path, package: str = "rotation") -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (``from P import name`` counts P.name when that is a module)."""
    files = module_files(lib, package)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from the module's own package
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join([*base, node.module] if node.module else base)
                else:
                    module = node.module or ""
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    targets.add(sub if sub in files else module)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def layer_of(module: str) -> int:
    """Index in ``LAYERS`` of a module's layer; the package's own ``__init__`` is at the bottom."""
    parts = module.split(".")
    if len(parts) == 1:
        return 0
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module} lies outside the layer packages ({', '.join(LAYERS)}): move it into one")
    return LAYERS.index(parts[1])


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{m} ({LAYERS[layer_of(m)]}) imports {t} ({LAYERS[layer_of(t)]})"
        for m, targets in graph.items()
        for t in targets
        if layer_of(t) > layer_of(m)
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_lies_in_a_layer_package():
    for module in module_files(LIB):
        layer_of(module)  # raises naming the module


def test_imports_only_go_down_the_layers():
    assert upward_imports(import_graph(LIB)) == []


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph(LIB)) == []


def test_the_graph_sees_every_layer_and_deferred_imports():
    graph = import_graph(LIB)
    assert {LAYERS[layer_of(m)] for m in graph} >= set(LAYERS) - {"language"}
    assert "rotation.cli" in graph and graph["rotation.cli"], "the CLI imports the package"


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "rotation" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "from rotation.run import runner\n",
        "def f():\n    from rotation.run.runner import go\n",
        "from ..run import runner\n",
        "import rotation.run.runner\n",
    ],
)
def test_a_planted_upward_import_is_reported_in_any_form(tmp_path, source):
    lib = plant(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/paths.py": source,
            "run/__init__.py": "",
            "run/runner.py": "from rotation.core import paths\n",
        },
    )
    graph = import_graph(lib)
    assert upward_imports(graph) == ["rotation.core.paths (core) imports rotation.run.runner (run)"]
    assert cycles(graph) == [["rotation.core.paths", "rotation.run.runner"]]


def test_imports_for_type_checking_only_are_left_out(tmp_path):
    lib = plant(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "run/__init__.py": "",
            "run/runner.py": "",
            "core/paths.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rotation.run import runner\nelse:\n    import os\n",
        },
    )
    assert upward_imports(import_graph(lib)) == []


def test_a_planted_cycle_within_one_layer_is_reported(tmp_path):
    lib = plant(
        tmp_path,
        {
            "__init__.py": "",
            "claims/__init__.py": "",
            "claims/a.py": "from rotation.claims.b import x\n",
            "claims/b.py": "def g():\n    from rotation.claims import a\n",
        },
    )
    graph = import_graph(lib)
    assert upward_imports(graph) == []
    assert cycles(graph) == [["rotation.claims.a", "rotation.claims.b"]]
