"""Every page of two reports, and rendered notebooks in JupyterLab, opened in headless Chromium.

What a person sees: headings are heading elements, every table has its header and index cells, no
visible text holds markup tags, every image loads, every local link resolves, and the title and claims
are the run's own: the committed article run, and a fresh ``rotation run --claims docs/example_claims.yaml``.
A claims file whose title and quotes hold markup shows that markup as text, in the report and in the
notebook (its ``.ipynb`` outputs, nbconvert without sanitizing, JupyterLab).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from pages import (
    REPO,
    SCREENSHOTS,
    broken_local_links,
    copy_committed_run,
    launch_chromium,
    markup_in_text,
    open_page,
    run_cli,
    scratch_project,
)

from conftest import real_data_dir

pytestmark = pytest.mark.browser

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "<script>alert('claims')</script>"
STATUS_NOTE = "not in the run's status"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """Headless system Chromium (fresh profile); a missing browser fails the tests (``pages.launch_chromium``)."""
    yield from launch_chromium(tmp_path_factory)


def load_claims(path: Path) -> dict:
    from rotation.claims import registry as claims

    return claims.load_registry(path)


def data_dir() -> Path:
    path = real_data_dir()
    if not (path / "RUT.csv").is_file():
        pytest.fail(f"real data folder {path} not found: set ROTATION_DATA_DIR", pytrace=False)
    return path


# ---------------------------------------------------------------------------------------------
# Reports to open


@pytest.fixture(scope="module")
def article_report(tmp_path_factory) -> tuple[Path, dict]:
    """The report of the committed article run, built in a scratch copy (nothing written into the repository)."""
    project = scratch_project(tmp_path_factory.mktemp("article") / "project")
    copy_committed_run(project, "article")
    out = project / "report"
    done = run_cli(["report", "article", "--out", str(out)], project, data_dir())
    assert done.returncode == 0, done.stderr
    copy = (
        project / "runs" / "article" / "claims.yaml"
    )  # the claims file the run used (a run older than that record: data/claims.yaml)
    return out, load_claims(copy if copy.is_file() else REPO / "data" / "claims.yaml")


@pytest.fixture(scope="module")
def claims_run(tmp_path_factory) -> dict:
    """A first ``rotation run --claims example_claims.yaml`` in a scratch project, its report, and a run of
    the same file with markup in its title and quotes (``hostile``: the scorecard notebook alone)."""
    project = scratch_project(tmp_path_factory.mktemp("claims") / "project")
    claims_file = project / "example_claims.yaml"
    shutil.copy(REPO / "docs" / "example_claims.yaml", claims_file)
    done = run_cli(["run", "--claims", str(claims_file)], project, data_dir())
    assert done.returncode == 0, done.stderr[-3000:]
    out = project / "report_example"
    done = run_cli(["report", "example_claims", "--out", str(out)], project, data_dir())
    assert done.returncode == 0, done.stderr

    doc = yaml.safe_load(claims_file.read_text(encoding="utf-8"))
    doc["article"]["title"] = f"Title {HOSTILE_IMG} & {HOSTILE_SCRIPT}"
    for claim in doc["claims"].values():
        claim["quote"] = f"{claim['quote']} {HOSTILE_IMG} {HOSTILE_SCRIPT} [link](javascript:alert(2)) *not emphasis*"
    hostile_file = project / "hostile_claims.yaml"
    hostile_file.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    done = run_cli(
        ["run", "--claims", str(hostile_file), "--notebooks", "99_scorecard", "--run-name", "hostile"],
        project,
        data_dir(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    hostile_out = project / "report_hostile"
    done = run_cli(["report", "hostile", "--out", str(hostile_out)], project, data_dir())
    assert done.returncode == 0, done.stderr
    return {
        "project": project,
        "report": out,
        "registry": load_claims(claims_file),
        "hostile_report": hostile_out,
        "hostile_registry": load_claims(hostile_file),
    }


# ---------------------------------------------------------------------------------------------
# What every page must show


def expected_headings(notebook: Path) -> list[tuple[str, str]]:
    """``(h1|h2, text)`` of every Markdown heading of a rendered notebook's Markdown cells (formatting marks removed)."""
    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"(#{1,2})\s+(.*\S)\s*$", line)
            if match:
                found.append((f"h{len(match.group(1))}", plain(match.group(2))))
    return found


def plain(text: str) -> str:
    return " ".join(re.sub(r"[`*]", "", text).replace("¶", "").split())


def check_page(opened, *, planted: tuple[str, ...] = ()) -> list[str]:
    """Everything wrong with one opened page, as lines (empty: the page renders as it should)."""
    problems = []
    if opened.dialogs:
        problems.append(f"dialogs raised: {opened.dialogs}")
    shown = markup_in_text(opened["text"], planted)
    if shown:
        problems.append(f"markup shown as text: {shown[:5]}")
    if not [h for h in opened["headings"] if h["tag"] == "h1"]:
        problems.append("no h1 heading")
    for i, table in enumerate(opened["tables"]):
        if not table["head"]:
            problems.append(f"table {i} has no header cells (thead th)")
        if (
            table["rows"] and table["rowsWithIndex"] != table["rows"] and not table["markdownCell"]
        ):  # a Markdown table has no index column
            problems.append(
                f"table {i} (columns {table['columns'][:4]}): {table['rows'] - table['rowsWithIndex']} of {table['rows']} rows lack an index cell"
            )
    broken = [img["src"] for img in opened["images"] if not img["width"]]
    if broken:
        problems.append(f"images not loaded: {broken[:5]}")
    links = broken_local_links(opened)
    if links:
        problems.append(f"links that do not resolve: {links[:5]}")
    return problems


def check_report(
    context, out: Path, registry: dict, run_folder_notebooks: dict[str, Path], label: str, planted: tuple[str, ...] = ()
) -> dict:
    """Open every page of report ``out``; returns the opened pages by name; asserts nothing is wrong on any."""
    pages = sorted(out.glob("*.html"))
    assert (out / "index.html") in pages and len(pages) > 1, f"{label}: report pages {[p.name for p in pages]}"
    opened, problems = {}, {}
    for path in pages:
        page = open_page(context, path.as_uri(), screenshot=f"{label}_{path.stem}")
        opened[path.stem] = page
        found = check_page(page, planted=planted)
        notebook = run_folder_notebooks.get(path.stem)
        if notebook is not None:
            shown = {(h["tag"], plain(h["text"])) for h in page["headings"]}
            missing = [h for h in expected_headings(notebook) if h not in shown]
            if missing:
                found.append(f"headings not shown as heading elements: {missing[:4]}")
        if found:
            problems[path.name] = found
    assert not problems, f"{label}: " + json.dumps(problems, indent=1, ensure_ascii=False)[:6000]
    index = opened["index"]
    title = str(registry["article"]["title"])
    h1 = [h["text"] for h in index["headings"] if h["tag"] == "h1"]
    assert h1 == [plain(f"Scorecard: {title}")], f"{label}: index heading {h1}, the run's claims file says {title!r}"
    claims_table = next(t for t in index["tables"] if t["columns"] and t["columns"][0] == "claim")
    shown_ids = [cell.split()[0] if cell else cell for cell in claims_table["index"]]
    assert shown_ids == list(registry["claims"]), (
        f"{label}: index lists {shown_ids}, the run's claims file has {list(registry['claims'])}"
    )
    return opened


@pytest.mark.slow
def test_every_page_of_the_article_report_renders(chromium, article_report):
    out, registry = article_report
    notebooks = {p.stem: p for p in (REPO / "runs" / "article").glob("*.ipynb")}
    opened = check_report(chromium, out, registry, notebooks, "article")
    assert opened["index"]["title"] == "Scorecard: article"
    scorecard = next(t for t in opened["99_scorecard"]["tables"] if "article says" in t["columns"])
    assert scorecard["index"] == list(registry["claims"]), (
        "the scorecard notebook's table lists other claims than the run's claims file (a run older than it?)"
    )


@pytest.mark.notebooks
def test_every_page_of_a_claims_file_report_is_that_files_own(chromium, claims_run):
    out, registry = claims_run["report"], claims_run["registry"]
    run = claims_run["project"] / "runs" / "example_claims"
    assert (run / "claims.yaml").is_file(), "the run folder does not record the claims file it used"
    notebooks = {p.stem: p for p in run.glob("*.ipynb")}
    opened = check_report(chromium, out, registry, notebooks, "example_claims")
    index_text = opened["index"]["text"]
    assert "not in the registry" not in index_text, "claims of the run shown as unknown to the claims file"
    assert STATUS_NOTE not in index_text, "first run: notes say the notebooks are not in the run's status"
    scorecard_page = opened["99_scorecard"]
    table = next(t for t in scorecard_page["tables"] if "article says" in t["columns"])
    assert table["index"] == list(registry["claims"])
    assert STATUS_NOTE not in scorecard_page["text"], "the scorecard notebook read another run's status (first run)"


# ---------------------------------------------------------------------------------------------
# Markup in a claims file stays text


class Elements(HTMLParser):
    """Elements and attributes that would run code or fetch a planted source, and all text."""

    def __init__(self) -> None:
        super().__init__()
        self.live: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "iframe", "object", "embed") or (tag == "img" and attrs.get("src") == "x"):
            self.live.append(f"<{tag}>")
        self.live += [f"<{tag} {k}>" for k in attrs if k.lower().startswith("on")]
        self.live += [
            f"<{tag} {k}={v}>"
            for k, v in attrs.items()
            if k in ("href", "src") and (v or "").strip().lower().startswith("javascript:")
        ]

    def handle_data(self, data):
        self.text.append(data)


def live_markup(markup: str) -> tuple[list[str], str]:
    parser = Elements()
    parser.feed(markup)
    return parser.live, html.unescape(" ".join(parser.text))


@pytest.mark.notebooks
def test_markup_in_a_claims_file_is_text_in_the_notebook_outputs(claims_run):
    """The rendered .ipynb itself: HTML outputs, and Markdown outputs as converted without sanitizing."""
    from nbconvert.filters.markdown import markdown2html_mistune

    notebook = nbformat.read(claims_run["project"] / "runs" / "hostile" / "99_scorecard.ipynb", as_version=4)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for markup in ([data["text/html"]] if "text/html" in data else []) + (
                [markdown2html_mistune(data["text/markdown"])] if "text/markdown" in data else []
            ):
                live, text = live_markup(markup)
                assert live == [], f"live markup in an output of 99_scorecard: {live[:5]}"
                texts.append(text)
    shown = " ".join(texts)
    assert HOSTILE_IMG in shown and HOSTILE_SCRIPT in shown, "the planted markup is not shown as text"
    assert "*not emphasis*" in shown and "[link](javascript:alert(2))" in shown


@pytest.mark.notebooks
def test_markup_in_a_claims_file_is_text_in_browsers(chromium, claims_run, tmp_path):
    """The report of that run, and the notebook through plain nbconvert (no sanitizing), in Chromium."""
    registry = claims_run["hostile_registry"]
    planted = (HOSTILE_IMG, HOSTILE_SCRIPT)
    run = claims_run["project"] / "runs" / "hostile"
    opened = check_report(
        chromium, claims_run["hostile_report"], registry, {p.stem: p for p in run.glob("*.ipynb")}, "hostile", planted
    )
    for name in ("index", "99_scorecard"):
        assert HOSTILE_IMG in opened[name]["text"] and HOSTILE_SCRIPT in opened[name]["text"], (
            f"{name}: the planted text is not shown"
        )
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(run / "99_scorecard.ipynb"))
    page = tmp_path / "plain_nbconvert.html"
    page.write_text(body, encoding="utf-8")
    plain_page = open_page(chromium, page.as_uri(), screenshot="hostile_plain_nbconvert")
    assert plain_page.dialogs == [], "markup from the claims file ran in a plainly converted notebook"
    assert not [img for img in plain_page["images"] if img["src"] == "x"]
    assert HOSTILE_IMG in plain_page["text"]


# ---------------------------------------------------------------------------------------------
# JupyterLab


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(claims_run, tmp_path_factory):
    """JupyterLab serving the scratch project (fresh config, token, a free port); stopped afterwards."""
    project, token, port = claims_run["project"], secrets.token_hex(16), free_port()
    home = tmp_path_factory.mktemp("lab")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )  # every cell in the page
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "ROTATION_PROJECT_DIR": str(project),
        "ROTATION_DATA_DIR": str(data_dir()),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.token={token}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={project}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=project)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {(home / 'lab.log').read_text()[-2000:]}", pytrace=False)
            time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


LAB_INSPECT = """() => {
  const nb = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook");
  const text = (el) => (el.innerText || "").replace(/\\s+/g, " ").trim();
  return {
    text: nb ? [...nb.querySelectorAll(".jp-OutputArea-output, .jp-RenderedMarkdown")].map((el) => el.innerText).join(" ") : "",  // outputs and Markdown, not the code
    headings: nb ? [...nb.querySelectorAll(".jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2")].map((h) => ({tag: h.tagName.toLowerCase(), text: text(h)})) : [],
    tables: nb ? [...nb.querySelectorAll(".jp-OutputArea-output table")].map((t) => ({
      head: t.querySelectorAll("thead th").length, rows: t.querySelectorAll("tbody tr").length,
      index: [...t.querySelectorAll("tbody tr")].map((r) => { const th = r.querySelector("th"); return th ? text(th) : null; }),
      columns: [...t.querySelectorAll("thead th")].map(text)})) : [],
    images: nb ? [...nb.querySelectorAll(".jp-OutputArea-output img")].map((i) => ({src: (i.getAttribute("src") || "").slice(0, 60), width: i.naturalWidth})) : [],
    planted: nb ? nb.querySelectorAll("img[src='x'], .jp-OutputArea-output script").length : -1,
  };
}"""


def open_in_lab(context, base: str, token: str, path: str, screenshot: str) -> tuple[dict, list[str]]:
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        # a workspace of its own, reset: a notebook opened before (another run's file of the same name) is not
        # restored beside it, so the waits below cannot be met by the earlier notebook's panel (seen under load)
        url = f"{base}/lab/workspaces/{screenshot}/tree/{path}?reset&token={token}"
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        shown = ".jp-NotebookPanel:not(.lm-mod-hidden)"
        for rendered in (".jp-OutputArea-output table", ".jp-MarkdownCell .jp-RenderedMarkdown h1"):
            page.wait_for_selector(f"{shown} {rendered}", state="visible", timeout=90_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output.jp-RenderedMarkdown')]"
            ".some((el) => el.innerText.includes('Claims file'))",
            timeout=60_000,
        )  # the Markdown outputs too
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-OutputArea-output img')].every((i) => i.complete)", timeout=60_000
        )
        seen = page.evaluate(LAB_INSPECT)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"))
        return seen, dialogs
    finally:
        page.close()


@pytest.mark.notebooks
def test_rendered_notebooks_in_jupyterlab(chromium, claims_run, lab):
    base, token = lab
    for run, registry, planted in (
        ("example_claims", claims_run["registry"], ()),
        ("hostile", claims_run["hostile_registry"], (HOSTILE_IMG, HOSTILE_SCRIPT)),
    ):
        seen, dialogs = open_in_lab(chromium, base, token, f"runs/{run}/99_scorecard.ipynb", f"lab_{run}_99_scorecard")
        assert dialogs == [], f"{run}: dialogs raised in JupyterLab: {dialogs}"
        assert seen["planted"] == 0, f"{run}: planted markup became elements in JupyterLab"
        assert markup_in_text(seen["text"], planted) == [], (
            f"{run}: markup shown as text in JupyterLab: {markup_in_text(seen['text'], planted)[:5]}"
        )
        assert (
            "h1",
            plain(
                nbformat.read(claims_run["project"] / "runs" / run / "99_scorecard.ipynb", as_version=4)
                .cells[0]
                .source.splitlines()[0][2:]
            ),
        ) in {(h["tag"], plain(h["text"])) for h in seen["headings"]}
        table = next(t for t in seen["tables"] if "article says" in t["columns"])
        assert table["head"] and table["index"] == list(registry["claims"]), (
            f"{run}: JupyterLab shows index cells {table['index']}"
        )
        assert all(img["width"] for img in seen["images"]) and seen["images"], f"{run}: images not shown in JupyterLab"
        if planted:
            assert HOSTILE_IMG in seen["text"], "the planted markup is not shown as text in JupyterLab"
        else:
            assert STATUS_NOTE not in seen["text"]
