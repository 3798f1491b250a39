"""Warm kernels: forked from a pre-imported server, yet indistinguishable from a fresh kernel to a notebook."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import nbformat
import pytest

from rotation.run import kernels, runner

PROBE = r"""
import sys, os, json
import numpy as np
import pandas as pd
import matplotlib
print(json.dumps({
    "names": sorted(k for k in globals() if not k.startswith("_")),
    "cwd": os.getcwd(),
    "x": x,
    "backend": matplotlib.get_backend(),
    "max_columns": pd.get_option("display.max_columns"),
    "max_columns_default": (pd.reset_option("display.max_columns"), pd.get_option("display.max_columns"))[1],
    "env": os.environ.get("ROTATION_PROBE", ""),
    "pid": os.getpid(),
    "xoptions": sys._xoptions,
}))
pd.DataFrame(np.arange(60).reshape(2, 30), columns=[f"a rather long column name {i}" for i in range(30)])
"""


def probe_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rotation", "display_name": "Python (rotation)", "language": "python"}
    params = nbformat.v4.new_code_cell("x = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell("y = x + 1\ny")]
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def execute(path: Path, out: Path, km, x: int) -> nbformat.NotebookNode:
    import papermill

    papermill.execute_notebook(
        str(path),
        str(out),
        parameters={"x": x},
        kernel_name=runner.ensure_kernel(),
        progress_bar=False,
        **({"km": km} if km is not None else {}),
    )
    return nbformat.read(out, as_version=4)


def outputs(nb: nbformat.NotebookNode) -> list:
    """Every code cell's execution count and outputs, with the process id left out."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for o in cell.outputs:
            if o.output_type == "stream":
                data = json.loads(o.text)
                data.pop("pid")
                shown.append(data)
            else:
                shown.append(o.get("data"))
        cells.append((cell.execution_count, shown))
    return cells


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernels")
    with kernels.KernelPool(runner.ensure_kernel(), folder, env={"ROTATION_PROBE": "yes"}) as p:
        yield p, folder


@pytest.mark.notebooks
def test_forked_kernels_are_used_once_and_look_like_fresh_kernels(pool, capfd):
    p, folder = pool
    path = probe_notebook(folder)
    km1 = p.take(more=True)
    assert kernels.is_forked(km1), "the server did not start: no forked kernel"
    try:
        first = execute(path, folder / "out1.ipynb", km1, 1)
    finally:
        kernels.stop_kernel(km1)
    km2 = p.take()
    try:
        second = execute(path, folder / "out2.ipynb", km2, 2)
    finally:
        kernels.stop_kernel(km2)
    # a fresh, ordinary kernel (what papermill starts itself) is the reference
    cold_km = kernels.start_kernel(
        runner.ensure_kernel(), folder, p.runtime, server=None, env={"ROTATION_PROBE": "yes"}
    )
    try:
        cold = execute(path, folder / "cold.ipynb", cold_km, 1)
    finally:
        kernels.stop_kernel(cold_km)
    assert outputs(first) == outputs(cold)
    assert outputs(second)[2][1][0]["x"] == 2 and outputs(second)[2][1][0]["names"] == outputs(first)[2][1][0]["names"]
    probe = outputs(first)[2][1][0]
    assert probe["env"] == "yes" and probe["cwd"] == str(folder) and probe["max_columns"] == 20
    assert probe["xoptions"] == dict(
        o[2:].split("=", 1) for o in kernels.interpreter_options(runner.ensure_kernel()) if o.startswith("-X")
    )
    assert [c.execution_count for c in first.cells if c.cell_type == "code"] == [1, 2, 3, 4]  # the injected cell counts
    captured = capfd.readouterr()
    assert "without encryption" not in captured.err + captured.out  # IPC transport: no TCP ports at all
    assert "Ctrl-C will not work" not in captured.err + captured.out


@pytest.mark.notebooks
def test_a_killed_manager_takes_its_forked_kernel_with_it(pool):
    p, folder = pool
    km = p.take()
    assert kernels.is_forked(km)
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        msg = kc.execute_interactive("import os; print(os.getpid())", timeout=60, output_hook=lambda m: pids.append(m))
    finally:
        kc.stop_channels()
    assert msg["content"]["status"] == "ok"
    kernel_pid = int(next(m["content"]["text"] for m in pids if m["msg_type"] == "stream"))
    kernels.stop_kernel(km)  # SIGKILL to the attach process
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(kernel_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(kernel_pid, signal.SIGKILL)
        pytest.fail("the forked kernel outlived its manager")


pids: list = []


def test_the_uri_syntax_package_is_deferred_until_used():
    import subprocess
    import sys

    code = (
        "import sys, rotation.run.runner, papermill, nbformat; "
        "print(type(sys.modules.get('rfc3987_syntax')).__name__ if 'rfc3987_syntax' in sys.modules else 'absent')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out in ("_Deferred", "absent")
    if out == "_Deferred":  # still works when used
        check = (
            "import rotation.core.lazy as l; l.defer_uri_syntax(); import jsonschema; "
            "v = jsonschema.Draft7Validator({'format': 'iri'}, format_checker=jsonschema.FormatChecker()); "
            "print(len(list(v.iter_errors('http://a b'))), len(list(v.iter_errors('http://example.com/x'))))"
        )
        assert subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, check=True
        ).stdout.split() == ["1", "0"]


SERVER_MODULES = r"""
import importlib, json, os, sys
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
from rotation.core.lazy import defer_uri_syntax
defer_uri_syntax()
from rotation.run.kernels import WARM_MODULES
for name in WARM_MODULES:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.notebooks
def test_a_forked_kernel_starts_without_importing_what_the_server_could_have(pool):
    import subprocess
    import sys

    p, folder = pool
    server = set(
        json.loads(
            subprocess.run(
                [sys.executable, *kernels.interpreter_options(runner.ensure_kernel()), "-c", SERVER_MODULES],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
    )
    km = p.take()
    kc = km.blocking_client()
    kc.start_channels()
    shown: list = []
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive(
            "import sys, json; print(json.dumps(sorted(sys.modules)))", timeout=60, output_hook=shown.append
        )
    finally:
        kc.stop_channels()
        kernels.stop_kernel(km)
    kernel = set(json.loads(next(m["content"]["text"] for m in shown if m["msg_type"] == "stream")))
    started = sorted(kernel - server)  # imported while the kernel started
    heavy = [
        m
        for m in started
        if m.split(".")[0]
        in {"debugpy", "_pydevd_bundle", "IPython", "ipykernel", "tornado", "zmq", "jupyter_client", "sqlite3"}
    ]
    assert heavy == [], (
        f"kernels import at start what the server could have (kernels.WARM_MODULES): {sorted({m.split('.')[0] for m in heavy})}"
    )
