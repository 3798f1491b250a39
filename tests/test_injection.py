"""Parameter values never reach a notebook in a form that can execute.

The payloads are those that executed code before: a YAML tag inside a list parameter
(``-p other_pairs '[!!binary ...]'``) and ``!!omap`` in a ``--config`` file. Each payload is
first shown to be live (papermill's translation of what a plain safe YAML loader returns is
not a Python literal), then refused by ``rotation run`` with one line before any kernel
starts, with the marker file the payload would create never appearing. Text that merely
looks like code is passed as text: a notebook receives exactly the characters given.
"""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import make_project
from rotation import cli
from rotation.core.errors import ParameterError
from rotation.run import parameters, runner


def marker_code(marker: Path) -> str:
    return f"__import__('pathlib').Path({str(marker)!r}).write_text('pwned')"


def binary_payload(marker: Path) -> str:
    """``-p other_pairs`` value whose bytes close papermill's quotes and call Python."""
    code = f'" + {marker_code(marker)} + "'
    return f"[!!binary {base64.b64encode(code.encode()).decode()}]"


def omap_config(marker: Path) -> str:
    code = f'" + {marker_code(marker)} + "'
    return f"other_pairs: !!omap [{{x: {json.dumps(code)}}}]\n"


def injection_notebook(root: Path) -> Path:
    """Declares list and text parameters and writes what it received to runs/<run>/received.json."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rotation", "display_name": "Python (rotation)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(
        'other_pairs = [["iwm", "spy"]]  # [small, large] pairs\nlabels = ["a"]  # any text\nnote = ""  # any text\nrun_name = "scratch"  # set by the runner\n'
    )
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json\nfrom rotation.core import paths\nfolder = paths.run_dir(run_name)\nfolder.mkdir(parents=True, exist_ok=True)\n"
        '(folder / "received.json").write_text(json.dumps({"other_pairs": other_pairs, "labels": labels, "note": note}))\n'
    )
    nb.cells = [params, body]
    path = root / "notebooks" / "01_inject.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def inject_project(tmp_path, monkeypatch) -> Path:
    root = make_project(tmp_path / "project", notebooks=[])
    injection_notebook(root)
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    monkeypatch.delenv("ROTATION_DATA_DIR", raising=False)
    return root


def test_the_payloads_were_live_with_a_plain_safe_loader(tmp_path):
    """What the old loader produced for each payload does not translate into a Python literal."""
    from papermill.translators import PythonTranslator

    marker = tmp_path / "marker"
    for value in (yaml.safe_load(binary_payload(marker)), yaml.safe_load(omap_config(marker))["other_pairs"]):
        source = PythonTranslator.translate(value)
        assert "__import__" in source
        with pytest.raises((ValueError, SyntaxError)):
            ast.literal_eval(source)  # code, not data


def refused_line(capsys, argv) -> str:
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    return err[0]


def test_binary_tag_in_a_list_parameter_is_refused(inject_project, capsys, tmp_path):
    marker = tmp_path / "marker"
    line = refused_line(capsys, ["run", "-p", "other_pairs", binary_payload(marker)])
    assert (
        line
        == "error: parameter other_pairs: YAML tag '!!binary' at line 1, column 2 is not allowed (values are plain numbers, text and lists)"
    )
    assert not marker.exists() and not (inject_project / "runs").exists()


def test_omap_tag_in_a_config_file_is_refused(inject_project, capsys, tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "run.yaml"
    path.write_text(omap_config(marker))
    line = refused_line(capsys, ["run", "--config", str(path)])
    assert (
        line
        == f"error: {path}: YAML tag '!!omap' at line 1, column 14 is not allowed (values are plain numbers, text and lists)"
    )
    assert not marker.exists() and not (inject_project / "runs").exists()


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system", "!!python/name:os.system", "!!set", "!!binary", "!!timestamp", "!custom"]
)
def test_every_tag_is_refused_in_a_run_file(inject_project, capsys, tmp_path, tag):
    path = tmp_path / "runs.yaml"
    path.write_text(f"- labels: [{tag} x]\n")
    line = refused_line(capsys, ["run", "--config", str(path)])
    assert (
        line
        == f"error: {path}: YAML tag {tag!r} at line 1, column 12 is not allowed (values are plain numbers, text and lists)"
    )
    assert not (inject_project / "runs").exists()


@pytest.mark.parametrize(
    "value", [b"\" + __import__('os').getpid() + \"", ("a", "b"), {"a"}, {"k": "v"}, float("nan"), object()]
)
def test_values_that_are_not_plain_are_refused_before_any_kernel(inject_project, value):
    """Callers of the Python API (a sweep, a script) cannot pass such values either."""
    with pytest.raises(ParameterError):
        runner.execute_run(
            {"labels": [value]},
            "api",
            notebooks=[inject_project / "notebooks" / "01_inject.ipynb"],
            log=lambda line: None,
        )
    assert not (inject_project / "runs" / "api").exists()


CODE_LIKE_TEXT = [
    "\" + __import__('os').getpid() + \"",
    "'; import os; os.getpid(); '",
    '\\" + str(1) + \\"',
    "]; labels = ['x",
    "{{run_name}} ${HOME} $(id) `id`",
    "\u00e9\u4e2d\U0001f600",
]


def test_every_literal_check_passes_for_code_like_text():
    for text in CODE_LIKE_TEXT:
        parameters.check_literal("note", text)
        assert ast.literal_eval(parameters.injected_source(text)) == text


@pytest.mark.notebooks
def test_code_like_text_reaches_the_notebook_as_the_same_text(inject_project, capsys, tmp_path):
    marker = tmp_path / "marker"
    note = f'" + {marker_code(marker)} + "'
    argv = [
        "run",
        "--run-name",
        "inject",
        "-p",
        "note",
        note,
        "-p",
        "labels",
        json.dumps(CODE_LIKE_TEXT, ensure_ascii=False),
    ]
    code = cli.main(argv)
    _, err = capsys.readouterr()
    assert code == 0, err
    received = json.loads((inject_project / "runs" / "inject" / "received.json").read_text())
    assert received == {"other_pairs": [["iwm", "spy"]], "labels": CODE_LIKE_TEXT, "note": note}
    assert not marker.exists()
