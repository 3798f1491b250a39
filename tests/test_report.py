"""The HTML report: built from the article run, every link and anchor resolves; errors are one line."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

from rotation.claims import registry as claims_file
from rotation.core import verdicts as verdict_words
from rotation.core.errors import ParameterError
from rotation.outputs import report


class Links(HTMLParser):
    """Collects href/src targets and element ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.targets.append(attrs[key])


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def article_report(article_run: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("report") / "article"
    registry = claims_file.load_registry(article_run / "data" / "claims.yaml")
    with pytest.MonkeyPatch.context() as m:  # a report reads only runs of the project it works in
        m.setenv("ROTATION_PROJECT_DIR", str(article_run))
        return report.build_report(article_run / "runs" / "article", out, registry=registry), article_run


@pytest.mark.notebooks
def test_every_link_of_the_report_resolves(article_report):
    out, _ = article_report
    pages = {p.name: parse(p) for p in out.glob("*.html")}
    checked = 0
    for page in [out / "index.html"]:
        for target in pages[page.name].targets:
            url = urlparse(target)
            assert not url.scheme and not url.netloc, f"index.html links outside the report: {target}"
            path, fragment = url.path, url.fragment
            assert (out / path).is_file(), f"index.html -> {target}: file missing"
            if fragment:
                assert fragment in pages[path].ids, f"index.html -> {target}: no element with id {fragment!r}"
            checked += 1
    assert checked > 20


@pytest.mark.notebooks
def test_report_covers_every_notebook_figure_and_claim(article_report):
    out, project = article_report
    run = project / "runs" / "article"
    index = parse(out / "index.html")
    stems = sorted(p.stem for p in run.glob("*.ipynb"))
    assert {"05_context", "99_scorecard"} <= set(stems)
    for stem in stems:
        assert f"{stem}.html" in index.targets
    figures = sorted({p.stem for p in (project / "figures" / "article").iterdir()})
    assert any(f.startswith("05_") for f in figures) and "99_verdicts" in figures
    for name in figures:
        for ext in ("png", "svg", "pdf", "txt"):
            assert (out / "figures" / f"{name}.{ext}").is_file(), f"{name}.{ext}"
            assert f"figures/{name}.{ext}" in index.targets
        caption = (out / "figures" / f"{name}.txt").read_text().splitlines()
        assert caption[0] and caption[1].startswith("Source:"), f"{name}: caption lacks title or source line"
    registry = claims_file.load_registry(project / "data" / "claims.yaml")
    assert {f"claim-{cid}" for cid in registry["claims"]} <= index.ids


@pytest.mark.notebooks
def test_notebook_pages_have_no_code_and_no_network(article_report):
    out, project = article_report
    page = (out / "05_context.html").read_text(encoding="utf-8")
    assert "plots.house_style()" not in page and "import pandas" not in page  # code cells excluded
    assert "Federal funds" in page or "federal funds" in page  # outputs kept
    assert 'src="http' not in page


@pytest.mark.notebooks
def test_article_run_scores_every_claim(article_report):
    _, project = article_report
    run = project / "runs" / "article"
    status = json.loads((run / "status.json").read_text())
    assert {"notebook": "05_context", "status": "ok"}.items() <= {
        k: v for n in status["notebooks"] if n["notebook"] == "05_context" for k, v in n.items()
    }.items()
    import pandas as pd

    card = pd.read_csv(run / "scorecard.csv", keep_default_na=False)
    registry = claims_file.load_registry(project / "data" / "claims.yaml")
    assert set(card["claim"]) == set(registry["claims"])
    mine = {cid for cid, c in registry["claims"].items() if c["notebook"] == "05_context"}
    verdicts = dict(zip(card["claim"], card["verdict"]))
    assert all(verdicts[cid] in {v.value for v in verdict_words.Verdict} for cid in mine)
    untestable = {cid for cid in mine if registry["claims"][cid]["compare"] == "untestable"}
    assert all(verdicts[cid] == verdict_words.Verdict.NOT_TESTABLE.value for cid in untestable)
    missing_data = {cid for cid in mine if registry["claims"][cid]["compare"] == "no_data"}
    assert all(verdicts[cid] == verdict_words.Verdict.NOT_VERIFIABLE.value for cid in missing_data)


def test_missing_run_is_one_line(project, capsys):
    from rotation.cli import main

    with pytest.raises(ParameterError, match="run folder .*nope does not exist"):
        report.build_report("nope")
    assert main(["report", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: run folder")


def test_refuses_to_overwrite_a_folder_that_is_not_a_report(project, tmp_path):
    run = project / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "status.json").write_text(json.dumps({"run": "r1", "ok": True, "notebooks": []}))
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("x")
    with pytest.raises(ParameterError, match="not a rotation report"):
        report.build_report("r1", precious)
    assert (precious / "keep.txt").is_file()
    out = report.build_report("r1", tmp_path / "rep")  # an empty run still gives an index
    again = report.build_report("r1", tmp_path / "rep")  # and can be rebuilt in place
    assert again == out and (out / "index.html").is_file() and "not run" in (out / "index.html").read_text()


@pytest.mark.notebooks
def test_no_table_cell_of_the_report_is_truncated(article_report):
    from test_report_safety import live_content
    from test_report_safety import parse as parse_page

    out, _ = article_report
    cut = {}
    for path in sorted(out.glob("*.html")):
        page = parse_page(path)
        cut.update({f"{path.name}: {c[-60:]}": 1 for c in page.cells if c.endswith(("...", "…"))})
        assert live_content(page) == [], path.name
    assert not cut, f"table cells cut short: {sorted(cut)[:5]}"
    gallery = (out / "index.html").read_text(encoding="utf-8")
    assert gallery.count("<figure") == gallery.count("<figcaption>") > 10 and gallery.count('class="source"') > 10


@pytest.mark.notebooks
def test_a_split_sentence_shows_the_words_each_claim_judges(article_report):
    """Claims that share a quote (``part:``) show their own words beside it, so two rows never look the same."""
    out, project = article_report
    registry = claims_file.load_registry(project / "data" / "claims.yaml")
    split = {cid: c["part"] for cid, c in registry["claims"].items() if c.get("part")}
    assert split, "the article's claims file splits no sentence any more: plant one for this test"
    page = (out / "index.html").read_text(encoding="utf-8")
    for cid, words in split.items():
        row = page[page.index(f'id="claim-{cid}"') :]
        row = row[: row.index("</tr>")]
        assert f"judged here: “{words}”" in row, cid


def test_the_figures_heading_says_where_vector_files_are_missing():
    """A run without --export has PNG files only: the page must not promise SVG and PDF."""
    import pandas as pd

    from rotation.outputs.report import index_html

    figures = {"01_daily_spread": ("Daily spread", "Source: x.", "01_streak")}

    def page(existing: set[str]) -> str:
        return index_html("r1", pd.DataFrame(), None, "", ["01_streak"], figures, existing, "A title")

    png_only = page({"01_streak.html", "figures/01_daily_spread.png", "figures/01_daily_spread.txt"})
    assert "rotation export r1" in png_only and "PNG, SVG and PDF" not in png_only
    every = page({"01_streak.html", *(f"figures/01_daily_spread.{e}" for e in ("png", "svg", "pdf", "txt"))})
    assert "Each figure in PNG, SVG and PDF" in every and "rotation export" not in every
