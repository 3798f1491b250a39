"""The report never lets run text become live HTML, and shows table cells and captions in full."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from conftest import REPO
from rotation import cli
from rotation.claims import registry as claims
from rotation.outputs import plots, report, results

HOSTILE = "`<img src=x onerror=alert(1)>`"
SCRIPT = "<script>alert('x')</script>"
LONG_CELL = "needs Treasury yields (e.g. FRED DGS2 and DGS10) and a term-premium model, from 1988 to 2026, daily"


class Page(HTMLParser):
    """Every element of a page, its attributes, and the text of its table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def live_content(page: Page) -> list[str]:
    """Elements or attributes that could run code when the page is opened."""
    found = []
    for tag, attrs in page.elements:
        if tag in ("script", "iframe", "object", "embed"):
            found.append(f"<{tag}>")
        for key, value in attrs.items():
            if key.lower().startswith("on"):
                found.append(f"<{tag} {key}=...>")
            if key in ("href", "src") and value and value.strip().lower().startswith(("javascript:", "data:text/html")):
                found.append(f"<{tag} {key}={value}>")
        if tag == "img" and attrs.get("src") == "x":
            found.append("<img src=x>")
    return found


def hostile_run(project: Path, name: str) -> dict:
    """A run folder whose every text field carries markup: status, parameters, records, a notebook, a figure."""
    folder = project / "runs" / name
    folder.mkdir(parents=True)
    (folder / "status.json").write_text(
        json.dumps(
            {
                "run": name,
                "ok": False,
                "parameters": {"as_of": HOSTILE},
                "notebooks": [
                    {
                        "notebook": "01_streak",
                        "status": "failed",
                        "cell": 3,
                        "error": f"ValueError: {HOSTILE} {SCRIPT}",
                        "seconds": 1.0,
                    }
                ],
            }
        )
    )
    (folder / "params.yaml").write_text(f"as_of: '{HOSTILE}'\nsmall: '{SCRIPT}'\n")
    records = results.read_records(REPO / "runs" / "article" / "results.jsonl")[:3]
    for record in records:
        record.update(
            detail=f"detail {HOSTILE}",
            definition=f"definition {SCRIPT}",
            quote=f"quote {HOSTILE}",
            notebook="01_streak",
        )
        record["evidence"] = {"section": f"javascript:alert(1)#{HOSTILE}", "figures": [HOSTILE, "01_x"]}
    results.write_records(folder / "results.jsonl", records)
    plots.house_style()
    table = pd.DataFrame({"claim": [HOSTILE], "needs": [LONG_CELL]})
    nb = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "rotation", "display_name": "Python (rotation)", "language": "python"},
            "papermill": {"parameters": {"as_of": HOSTILE}},
        }
    )
    code = nbformat.v4.new_code_cell(
        "x",
        id="c01",
        outputs=[
            nbformat.v4.new_output("display_data", data={"text/markdown": f"**as_of** {HOSTILE} {SCRIPT}"}),
            nbformat.v4.new_output(
                "display_data", data={"text/html": f'{SCRIPT}<a href="javascript:alert(1)">x</a>' + table._repr_html_()}
            ),
            nbformat.v4.new_output("stream", name="stdout", text=f"{HOSTILE}\n"),
        ],
    )
    nb.cells = [nbformat.v4.new_markdown_cell(f"# title {HOSTILE}\n\n{SCRIPT}", id="c00"), code]
    nbformat.write(nb, folder / "01_streak.ipynb")
    figures = project / "figures" / name
    figures.mkdir(parents=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    plots.finish_figure(fig, ax, title=f"Title {HOSTILE}", xlabel="x", ylabel="y", source=f"Source: {SCRIPT} file.")
    plots.save_figure(fig, "01_x", name, show=False, folder=figures)
    plt.close(fig)
    registry = copy.deepcopy(claims.load_registry())
    registry["article"]["title"] = f"Article {HOSTILE}"
    for claim in registry["claims"].values():
        claim["quote"] = f"{claim['quote']} {SCRIPT}"
    return registry


def test_hostile_run_names_parameters_and_claim_texts_stay_text(project, tmp_path, monkeypatch, capsys):
    registry = hostile_run(project, HOSTILE)
    monkeypatch.setattr(claims, "load_registry", lambda *a, **k: registry)
    out = tmp_path / "report"
    assert cli.main(["report", HOSTILE, "--out", str(out)]) == 0
    pages = sorted(out.glob("*.html"))
    assert {p.name for p in pages} == {"index.html", "01_streak.html"}
    for path in pages:
        assert live_content(parse(path)) == [], f"{path.name} carries live markup"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in index  # the text is there, escaped
    assert "&lt;script&gt;" in index
    notebook_page = (out / "01_streak.html").read_text(encoding="utf-8")
    assert "onerror=alert(1)&gt;" in notebook_page or "onerror=alert(1)&gt;".replace("=", "&#61;") in notebook_page


def test_table_cells_and_captions_are_complete(project, tmp_path, monkeypatch):
    registry = hostile_run(project, "full")
    monkeypatch.setattr(claims, "load_registry", lambda *a, **k: registry)
    out = report.build_report("full", tmp_path / "report")
    cells = parse(out / "01_streak.html").cells
    assert LONG_CELL in cells, "the long table cell is cut"
    assert not [c for c in cells if c.endswith(("...", "…"))]
    index = Page()
    index.feed((out / "index.html").read_text(encoding="utf-8"))
    captions = [(tag, attrs) for tag, attrs in index.elements if tag in ("figure", "figcaption")]
    assert ("figure", {"id": "fig-01_x"}) in captions
    text = (out / "index.html").read_text(encoding="utf-8")
    assert '<span class="title">Title `&lt;img' in text and '<span class="source">Source: &lt;script&gt;' in text


def test_house_style_tables_show_long_cells_in_full():
    plots.house_style()
    frame = pd.DataFrame({"text": [LONG_CELL * 3]})
    assert LONG_CELL * 3 in frame._repr_html_() and LONG_CELL * 3 in frame.to_string()


def test_mixed_parameter_sets_are_flagged_in_the_report(project, tmp_path, monkeypatch):
    registry = hostile_run(project, "mixed")
    folder = project / "runs" / "mixed"
    other = nbformat.read(folder / "01_streak.ipynb", as_version=4)
    other.metadata["papermill"]["parameters"] = {"as_of": "2008-06-06"}
    nbformat.write(other, folder / "02_spread.ipynb")
    records = results.read_records(folder / "results.jsonl")
    records[0]["notebook"] = "02_spread"
    results.write_records(folder / "results.jsonl", records)
    monkeypatch.setattr(claims, "load_registry", lambda *a, **k: registry)
    out = report.build_report("mixed", tmp_path / "report")
    text = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="mixed-parameters"' in text and "2008-06-06" in text


# ---------------------------------------------------------------------------------------------
# Notebook pages render (an allow-list fit for notebooks), claim texts stay text


def test_notebook_allow_list_keeps_what_notebooks_show_and_nothing_that_runs():
    frame = pd.DataFrame({"value": [1.5]}, index=pd.Index(["a"], name="claim"))
    kept = str(
        report.clean_notebook_html(
            '<h1 id="t">Title</h1><p>text <em>e</em> <strong>s</strong></p><ul><li>x</li></ul><pre><code>c</code></pre>'
            + frame._repr_html_()
            + '<img src="data:image/png;base64,iVBORw0KGgo=" width="3"><a href="other.html#s">link</a>'
        )
    )
    page = Page()
    page.feed(kept)
    tags = [tag for tag, _ in page.elements]
    for tag in (
        "h1",
        "p",
        "em",
        "strong",
        "ul",
        "li",
        "pre",
        "code",
        "table",
        "thead",
        "tbody",
        "th",
        "td",
        "style",
        "img",
        "a",
    ):
        assert tag in tags, f"<{tag}> is not kept"
    assert "&lt;" not in kept and ".dataframe" in kept and "vertical-align: middle" in kept
    assert ("a", {"href": "other.html#s"}) in page.elements
    hostile = str(
        report.clean_notebook_html(
            f'{SCRIPT}<img src=x onerror=alert(1)><img src="https://example.org/t.png"><a href="javascript:alert(1)">j</a>'
            '<a href=" jav&#x09;ascript:alert(1)">k</a><a href="data:text/html,x">d</a><img src="data:text/html;base64,AA">'
            '<iframe src="x"></iframe><svg onload="alert(1)"></svg><span style="color: red; background: url(https://e.org/x)">s</span>'
            "<style>@import url(https://e.org/x.css); .a { color: red; background: url(x) } .b { width: expression(alert(1)) }</style>"
        )
    )
    page = Page()
    page.feed(hostile)
    found = [
        f"<{tag} {k}={v}>"
        for tag, attrs in page.elements
        for k, v in attrs.items()
        if k.startswith("on") or (k in ("href", "src") and v and not v.startswith(("data:image/",)) and tag == "img")
    ]
    assert (
        "img",
        {"src": "x"},
    ) in page.elements  # a relative image may stay (a file beside the page); its handler may not
    assert [x for x in live_content(page) if x != "<img src=x>"] == [] and found == ["<img src=x>"], hostile
    assert not [attrs for tag, attrs in page.elements if tag == "a" and attrs.get("href")], "a script or data link kept"
    assert "&lt;script&gt;" in hostile and "&lt;iframe" in hostile
    assert (
        "@import" not in hostile and "url(" not in hostile and "expression" not in hostile and "color: red" in hostile
    )


def test_notebook_page_shows_headings_and_tables_as_elements(tmp_path):
    frame = pd.DataFrame({"value": [1.5, 2.5]}, index=pd.Index(["a", "b"], name="claim"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 01 · A title\n\nA paragraph.\n\n## 1 · A section", id="c0"),
        nbformat.v4.new_code_cell(
            "x", id="c1", outputs=[nbformat.v4.new_output("display_data", data={"text/html": frame._repr_html_()})]
        ),
    ]
    nbformat.write(nb, tmp_path / "01_x.ipynb")
    text = report.notebook_html(tmp_path / "01_x.ipynb")
    page = Page()
    page.feed(text)
    tags = [tag for tag, _ in page.elements]
    assert tags.count("h1") == 1 and tags.count("h2") == 1 and "thead" in tags and "style" in tags
    assert "&lt;h1" not in text and "&lt;p&gt;" not in text and "&lt;thead" not in text and "&lt;style" not in text
    assert {"claim", "a", "b", "value", "1.5"} <= set(page.cells)


def test_claim_ids_are_plain_identifiers(tmp_path):
    from rotation.core.errors import ParameterError

    base = (REPO / "docs" / "example_claims.yaml").read_text(encoding="utf-8")
    for bad in ("'<img src=x onerror=alert(1)>'", "Streak_13", "13_streak", "streak-13", "'a b'", "x" * 65):
        path = tmp_path / "bad.yaml"
        path.write_text(base.replace("  streak_13:", f"  {bad}:", 1), encoding="utf-8")
        try:
            claims.load_registry(path)
        except ParameterError as exc:
            line = str(exc)
            assert "\n" not in line and str(path) in line and "claim" in line and "identifier" in line, line
        else:
            raise AssertionError(f"claim id {bad} accepted")


def test_claim_texts_are_literal_markdown():
    from nbconvert.filters.markdown import markdown2html_mistune

    registry = copy.deepcopy(claims.load_registry(REPO / "docs" / "example_claims.yaml"))
    registry["article"]["title"] = f"Title {HOSTILE} & {SCRIPT}"
    first = next(iter(registry["claims"].values()))
    first["quote"] = f"{SCRIPT} <img src=x onerror=alert(1)> [link](javascript:alert(1)) *star* a_b_c"
    rendered = markdown2html_mistune(claims.claims_markdown(registry, first["notebook"]))
    page = Page()
    page.feed(rendered)
    assert live_content(page) == [] and not [tag for tag, _ in page.elements if tag in ("img", "a", "em")], rendered
    from html import unescape

    text = unescape(rendered)
    assert (
        "<img src=x onerror=alert(1)>" in text and SCRIPT in text and "[link](javascript:alert(1)) *star* a_b_c" in text
    )
    assert f"Title {HOSTILE.strip('`')}" in text.replace("`", "")


def test_report_uses_the_claims_file_of_the_run(project, tmp_path):
    """A run's own claims (its copy in the run folder, else the file its params.yaml names), not data/claims.yaml."""
    hostile_run(project, "other")
    folder = project / "runs" / "other"
    records = results.read_records(folder / "results.jsonl")
    own = claims.load_registry(REPO / "docs" / "example_claims.yaml")
    for record, claim_id in zip(records, own["claims"]):
        record["claim_id"] = claim_id
    results.write_records(folder / "results.jsonl", records)
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text((REPO / "docs" / "example_claims.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "params.yaml").write_text(f"claims: {elsewhere}\nrun_name: other\n", encoding="utf-8")
    assert report.run_claims(folder) == elsewhere
    text = (report.build_report("other", tmp_path / "r1") / "index.html").read_text(encoding="utf-8")
    index = Page()
    index.feed(text)
    row_ids = [
        attrs["id"].removeprefix("claim-")
        for tag, attrs in index.elements
        if tag == "tr" and attrs.get("id", "").startswith("claim-")
    ]
    assert row_ids == list(own["claims"]) and "S&amp;P 500 for 13 straight sessions (example article)" in text
    assert "not in the registry" not in text
    copy_text = elsewhere.read_text(encoding="utf-8").replace("(example article)", "(the run's copy)")
    (folder / "claims.yaml").write_text(copy_text, encoding="utf-8")
    elsewhere.unlink()
    assert report.run_claims(folder) == folder / "claims.yaml"
    assert "(the run&#39;s copy)" in (report.build_report("other", tmp_path / "r2") / "index.html").read_text(
        encoding="utf-8"
    )
    (folder / "claims.yaml").unlink()
    from rotation.core.errors import ParameterError

    try:
        report.run_claims(folder)
    except ParameterError as exc:
        assert str(elsewhere) in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a run whose claims file is gone was reported against another file")


# ---------------------------------------------------------------------------------------------
# Only a run folder of this project is reported (issue 22: a foreign folder, runs/.., escapes, odd names)


def plain_run(root: Path, name: str) -> Path:
    """A run folder as ``rotation run`` leaves it, reduced to its status (no notebooks, no records)."""
    folder = root / "runs" / name
    folder.mkdir(parents=True)
    (folder / "status.json").write_text(json.dumps({"run": name, "ok": True, "notebooks": []}))
    return folder


def refused_report(capsys, argv: list[str]) -> str:
    """``rotation report ...`` that must be refused: exit 2, one line; returns the line."""
    code = cli.main(["report", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, (code, err)
    return err.strip()


NOT_A_PLAIN_NAME = "is not a plain folder name"
NOT_OURS = "is not a run folder of this project"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("{foreign}", NOT_OURS),  # a run folder of another project, by its absolute path
        ("runs/..", NOT_OURS),  # the project root
        ("runs/../..", NOT_OURS),
        ("runs/r/../../elsewhere", NOT_OURS),  # an escape through ..
        ("runs/escape", NOT_OURS),  # a link inside runs/ to the foreign folder
        ("runs/.staging", NOT_A_PLAIN_NAME),
        ("runs/r/sub", NOT_OURS),  # a folder inside a run
        ("runs/alias", "is a symbolic link"),  # a link inside runs/ to another run of the project
        ("alias", "is a symbolic link"),
        ("escape", "is a symbolic link"),
        ("..", NOT_A_PLAIN_NAME),
        (".", NOT_A_PLAIN_NAME),
        (".staging", NOT_A_PLAIN_NAME),
        ("", NOT_A_PLAIN_NAME),
        (" r", NOT_A_PLAIN_NAME),
        ("r\nx", NOT_A_PLAIN_NAME),
        ("r\udcff", NOT_A_PLAIN_NAME),  # a byte that is not UTF-8, as Python decodes it from argv
        ("x" * 300, NOT_A_PLAIN_NAME),
        ("bare", "holds no status.json"),  # a folder under runs/ that no run wrote
        ("taken.csv", "is not a folder"),
        ("missing", "does not exist"),
        ("linkedfigs", "is a symbolic link"),  # figures/<run> is a link elsewhere
    ],
)
def test_report_refuses_anything_but_a_run_folder_of_this_project(project, tmp_path, monkeypatch, capsys, given, says):
    plain_run(project, "r")
    (project / "runs" / "r" / "sub").mkdir()
    (project / "runs" / "r" / "sub" / "status.json").write_text("{}")
    foreign = plain_run(tmp_path / "other", "theirs")
    (project / "runs" / "escape").symlink_to(foreign)
    (project / "runs" / "alias").symlink_to(project / "runs" / "r")
    (project / "runs" / "bare").mkdir()
    (project / "runs" / "taken.csv").write_text("a,b\n")
    plain_run(project, "linkedfigs")
    (project / "figures").mkdir()
    (project / "figures" / "linkedfigs").symlink_to(tmp_path)
    monkeypatch.chdir(project)
    line = refused_report(capsys, [given.format(foreign=foreign), "--out", str(tmp_path / "out")])
    assert says in line, line
    assert not (tmp_path / "out").exists() and not (project / "reports").exists()
    assert not (project / "runs" / ".locks").exists()  # refused before any lock is taken


def test_report_takes_a_run_by_name_or_by_its_folder(project, tmp_path, monkeypatch, capsys):
    plain_run(project, "r")
    monkeypatch.chdir(project)
    for given in ("r", "runs/r", "runs/r/", str(project / "runs" / "r"), "runs/../runs/r"):
        out = tmp_path / "out"
        assert cli.main(["report", given, "--out", str(out)]) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.startswith("report of run r: ")
        assert (out / "index.html").is_file()
