"""``rotation report RUN``: a browsable, offline folder for one run.

Layout of the report folder (default ``reports/<run>/``, git-ignored):

* ``index.html``: the scorecard (``rotation.outputs.scorecard.build_scorecard`` on the run's results file
  and status), with links to every notebook page, notebook section and figure;
* ``<notebook>.html``: each rendered notebook of the run, without code cells;
* ``figures/<name>.{png,svg,pdf}`` and ``figures/<name>.txt``: every figure of the run with a short
  caption: the ``<name>.txt`` that ``plots.save_figure`` writes beside the figure (title and
  source line), and the notebook that saved it, found in the rendered notebooks.

Pages are built from templates shipped in ``rotation/templates/``: notebook pages through nbconvert
with ``rotation_report`` (extends JupyterLab's template; offline, outputs sanitized), the index with
Jinja2 (``index.html.j2``, autoescape on). Every text from a run (run name, parameters, claim texts,
captions) is escaped; a results file mixing parameter sets is flagged at the top of the index.

``RUN`` is a run name (``runs/<RUN>/``, figures in ``figures/<RUN>/``) or the path of a run folder
(figures then in ``<folder>/../../figures/<folder name>/``). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from rotation.core.errors import ParameterError
from rotation.core.paths import (
    FIGURE_FORMATS,
    _checked_name,
    project_dir,
    published_figures_dir,
    published_run_dir,
    runs_dir,
)
from rotation.outputs import runs

MARKER = ".rotation-report"
TEMPLATES = Path(__file__).resolve().parent / "templates"  # rotation_report/ (nbconvert) and index.html.j2 (Jinja2)
NOTEBOOK_TEMPLATE = "rotation_report"


def resolve_run(run: str | Path) -> tuple[Path, Path, str]:
    """``(run folder, figures folder, run name)`` of a run of this project; anything else is refused in one line.

    ``run`` is a run name (``runs/<run>/``) or the path of such a folder. Refused: a name that is not
    a plain folder name (``..``, a slash, a leading dot...), a path that leads anywhere but a folder
    directly under this project's ``runs/`` (a foreign folder, ``runs/..``, an escape through ``..``
    or a symbolic link), a run or figures folder that is a link or not a folder, a missing run and a
    folder without the ``status.json`` every run writes.
    """
    text = str(run)
    if "/" in text or "\\" in text:
        given = Path(os.path.abspath(Path(text).expanduser()))
        real = given.resolve()
        if real.parent != runs_dir().resolve():
            raise ParameterError(
                f"{text} is not a run folder of this project (a run folder is {runs_dir()}/<run>; give the run name)"
            )
        if given.is_symlink():
            raise ParameterError(f"{text} is a symbolic link; give the run name or the run folder itself")
        name = _checked_name(real.name)
    else:
        name = _checked_name(text)
    folder, figures = published_run_dir(name), published_figures_dir(name)
    for path in (folder, figures):
        if path.is_symlink():
            raise ParameterError(f"{path} is a symbolic link; a report reads only the real folders of a run")
        if path.exists() and not path.is_dir():
            raise ParameterError(f"{path} is not a folder")
    if not folder.is_dir():
        raise ParameterError(f"run folder {folder} does not exist (execute it first: rotation run --run-name {name})")
    status = folder / "status.json"
    if status.is_symlink() or not status.is_file():
        raise ParameterError(f"{folder} is not a run folder: it holds no status.json (rotation run writes one)")
    return folder, figures, name


def run_claims(folder: Path) -> Path | None:
    """The claims file run ``folder`` was checked against: the copy the runner keeps in the run folder
    (``claims.yaml``, written for a ``--claims`` run), else the ``claims`` parameter of its ``params.yaml``,
    else None (the project's ``data/claims.yaml``). A named file that no longer exists is refused in one line."""
    from rotation.core.strict_yaml import yaml_load
    from rotation.outputs.runs import RUN_CLAIMS_FILE

    copy = folder / RUN_CLAIMS_FILE
    if copy.is_file():
        return copy
    params_path = folder / "params.yaml"
    try:
        params = yaml_load(params_path.read_text(encoding="utf-8")) if params_path.is_file() else {}
    except Exception:  # an unreadable params.yaml names no claims file; the index shows its text as is
        params = {}
    named = params.get("claims") if isinstance(params, Mapping) else None
    if not named:
        return None
    path = Path(str(named)).expanduser()
    if not path.is_file():
        raise ParameterError(
            f"{params_path}: claims file {path} of this run not found (and no copy {RUN_CLAIMS_FILE} in the run folder)"
        )
    return path


# ---------------------------------------------------------------------------------------------
# Notebooks


# What a notebook page may show: the markup Markdown cells and pandas/IPython outputs produce (headings,
# paragraphs, lists, tables with their header and index cells and scoped styles, code, images, links).
# Everything else is escaped (shown as text); no scripts, frames, forms, event handlers or javascript: links.
NOTEBOOK_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    }
)
NOTEBOOK_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "style"},
    "a": {"href", "name", "rel"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "table": {"border", "cellpadding", "cellspacing"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "style": {"scoped", "type"},
    "details": {"open"},
}
NOTEBOOK_PROTOCOLS = frozenset({"http", "https", "mailto", "data"})  # data: only for images (see _allowed_attribute)
IMAGE_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/svg+xml", "data:image/webp")
CSS_PROPERTIES = frozenset(
    {
        "background",
        "background-color",
        "border",
        "border-bottom",
        "border-collapse",
        "border-color",
        "border-left",
        "border-right",
        "border-spacing",
        "border-style",
        "border-top",
        "border-width",
        "border-radius",
        "color",
        "display",
        "font",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "height",
        "line-height",
        "margin",
        "margin-bottom",
        "margin-left",
        "margin-right",
        "margin-top",
        "max-height",
        "max-width",
        "min-width",
        "overflow",
        "overflow-x",
        "padding",
        "padding-bottom",
        "padding-left",
        "padding-right",
        "padding-top",
        "text-align",
        "text-decoration",
        "text-indent",
        "text-overflow",
        "vertical-align",
        "white-space",
        "width",
        "word-break",
    }
)
CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc"})
_SELECTOR = re.compile(r"[A-Za-z0-9_\-\s.#:,>*+~()\[\]=\"']*")
_URI_NOISE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")


def _uri(value: str) -> str:
    """A URL as a browser reads its scheme: entities decoded, blanks and control characters dropped, lower case."""
    import html

    return _URI_NOISE.sub("", html.unescape(value)).lower()


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Attribute filter of the notebook allow-list: ``data:`` URLs only as image sources of an image type,
    images only embedded or relative (nothing fetched from elsewhere)."""
    if name not in NOTEBOOK_ATTRIBUTES["*"] and name not in NOTEBOOK_ATTRIBUTES.get(tag, ()):
        return False
    if name in ("href", "src"):
        url = _uri(value)
        if url.startswith("data:"):
            return tag == "img" and name == "src" and url.startswith(IMAGE_DATA)
        if tag == "img" and (":" in url.split("/", 1)[0] or url.startswith("//")):
            return False  # images are embedded or files beside the page: an offline page fetches nothing
    return True


_CSS_TOKENS = frozenset(
    {"whitespace", "literal", "ident", "hash", "number", "percentage", "dimension", "string", "function"}
)


def _safe_value(tokens) -> bool:
    """A CSS value of plain words, numbers, colours, strings and ``CSS_FUNCTIONS`` only (no URLs, no escapes)."""
    for token in tokens:
        if token.type not in _CSS_TOKENS or "\\" in token.serialize():
            return False
        if token.type == "function" and (token.lower_name not in CSS_FUNCTIONS or not _safe_value(token.arguments)):
            return False
        if token.type == "literal" and token.value not in (",", "/", "-", "+", "*"):
            return False
    return True


def clean_css(text: str) -> str:
    """Declarations (a ``style`` attribute) reduced to ``CSS_PROPERTIES`` with safe values."""
    import tinycss2

    kept = []
    for decl in tinycss2.parse_declaration_list(text, skip_comments=True, skip_whitespace=True):
        if decl.type == "declaration" and decl.lower_name in CSS_PROPERTIES and _safe_value(decl.value):
            kept.append(
                f"{decl.lower_name}: {tinycss2.serialize(decl.value).strip()}"
                + (" !important" if decl.important else "")
            )
    return "; ".join(kept)


def clean_stylesheet(text: str) -> str:
    """A ``<style>`` element's rules (pandas' scoped table styles): plain selectors and ``clean_css``
    declarations only; at-rules (``@import``, ``@font-face``...) and anything else dropped."""
    import tinycss2

    rules = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        selector = tinycss2.serialize(rule.prelude).strip()
        body = clean_css(tinycss2.serialize(rule.content))
        if selector and body and _SELECTOR.fullmatch(selector) and "\\" not in selector:
            rules.append(f"{selector} {{ {body} }}")
    return "\n".join(rules)


class _CssSanitizer:
    """bleach's hook for ``style`` attributes."""

    def sanitize_css(self, style: str) -> str:
        return clean_css(style)


def _style_filter():
    """An html5lib filter (run after bleach) that replaces each ``<style>`` element's text by ``clean_stylesheet``."""
    from bleach.html5lib_shim import Filter

    class StyleFilter(Filter):
        def __iter__(self):
            inside, buffer = False, []
            for token in Filter.__iter__(self):
                kind, name = token["type"], token.get("name")
                if kind == "StartTag" and name == "style":
                    inside, buffer = True, []
                    yield token
                elif inside and kind in ("Characters", "SpaceCharacters"):
                    buffer.append(token["data"])
                elif inside and kind == "EndTag" and name == "style":
                    inside = False
                    css = clean_stylesheet("".join(buffer))
                    if css:
                        yield {"type": "Characters", "data": css}
                    yield token
                elif not inside:
                    yield token

    return StyleFilter


_STYLE_TEXT = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S)


def clean_notebook_html(markup: object) -> str:
    """Notebook HTML (a Markdown cell rendered, an HTML or Markdown output) reduced to ``NOTEBOOK_TAGS``.

    Used by the notebook pages instead of nbconvert's default ``clean_html``, whose allow-list escapes
    headings, paragraphs, tables and styles. Markup outside the allow-list is escaped, so it is shown
    as text and never runs; style sheets keep only plain rules (``clean_stylesheet``).
    """
    import bleach
    from markupsafe import Markup

    text = markup.decode() if isinstance(markup, bytes) else str(markup)
    cleaner = bleach.Cleaner(
        tags=NOTEBOOK_TAGS,
        attributes=_allowed_attribute,
        protocols=NOTEBOOK_PROTOCOLS,
        strip=False,
        strip_comments=True,
        css_sanitizer=_CssSanitizer(),
        filters=[_style_filter()],
    )
    cleaned = cleaner.clean(text)
    # the serializer escapes ">" in style text (a child combinator); only "</style" could end the element
    cleaned = _STYLE_TEXT.sub(lambda m: m.group(1) + m.group(2).replace("&gt;", ">") + m.group(3), cleaned)
    return Markup(cleaned)  # noqa: S704 (sanitized above)


def notebook_html(path: Path) -> str:
    """A rendered notebook as a standalone, offline HTML page without code cells or prompts.

    nbconvert's JupyterLab template extended by ``templates/rotation_report`` (no CDN scripts, a link
    back to the scorecard); Markdown and HTML outputs pass ``clean_notebook_html`` (headings, tables and
    images render; no scripts, event handlers or ``javascript:`` links) and JavaScript outputs are dropped.
    """
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=NOTEBOOK_TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        sanitize_html=True,
        filters={"clean_html": clean_notebook_html},
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(
        nbformat.read(path, as_version=4), resources={"metadata": {"name": path.stem}}
    )
    return body


def figure_sources(notebooks: list[Path]) -> dict[str, str]:
    """Figure name -> notebook stem, from the string literals passed to ``save_figure`` in code cells."""
    import nbformat

    found: dict[str, str] = {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for name in re.findall(r"save_figure\([^,]+,\s*[\"']([^\"']+)[\"']", cell.source):
                found.setdefault(name, path.stem)
    return found


# ---------------------------------------------------------------------------------------------
# Figures and captions


def caption_parts(name: str, folder: Path) -> tuple[str, str]:
    """``(title, source line)`` of figure ``name``: the ``.txt`` sidecar ``plots.save_figure`` writes
    (first line the title, the rest the source line); ``(name, "")`` without a sidecar."""
    sidecar = folder / f"{name}.txt"
    if not sidecar.is_file():
        return name, ""
    lines = [line.strip() for line in sidecar.read_text(encoding="utf-8").strip().splitlines()]
    return (lines[0] if lines and lines[0] else name), " ".join(line for line in lines[1:] if line)


def figure_caption(name: str, folder: Path, notebook: str | None) -> str:
    """Caption file text for figure ``name`` of ``folder``: title, source line, notebook and files."""
    title, source = caption_parts(name, folder)
    where = f"Notebook: {notebook} ({notebook}.html)" if notebook else "Notebook: unknown"
    files = ", ".join(f"{name}.{ext}" for ext in FIGURE_FORMATS if (folder / f"{name}.{ext}").is_file())
    return "\n".join(x for x in (title, source) if x) + f"\n{where}. Files: {files}.\n"


def figure_names(folder: Path) -> list[str]:
    """Names of the figures in ``folder`` (any of PNG/SVG/PDF present), sorted."""
    if not folder.is_dir():
        return []
    return sorted({p.stem for p in folder.iterdir() if p.suffix.lstrip(".") in FIGURE_FORMATS})


# ---------------------------------------------------------------------------------------------
# Index page


def link(href: str, text: str, existing: set[str]) -> dict:
    """A link for the index template; ``missing`` (shown as plain text) unless its file is in the report."""
    target = href.split("#", 1)[0]
    return {"href": href, "text": text, "missing": bool(target) and target not in existing}


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def index_html(
    run_name: str,
    card: pd.DataFrame,
    status: Mapping | None,
    params: str,
    notebooks: list[str],
    figures: Mapping[str, tuple[str, str, str | None]],
    existing: set[str],
    title: str,
    provenance: list[str] | None = None,
) -> str:
    """The scorecard page (``templates/index.html.j2``, every value escaped by Jinja2's autoescape).

    ``figures``: name -> (title, source line, notebook or None); ``provenance``: lines saying the
    results come from different parameter sets (``rotation.outputs.provenance``), shown as a warning.
    """
    from rotation.outputs import plots, scorecard

    def swatch(verdict: str) -> tuple[str, str]:
        color = scorecard.VERDICT_COLORS.get(verdict, "#cccccc")
        return color, plots.text_color_on(color)

    counts = scorecard.verdict_counts(card) if len(card) else pd.Series(dtype=int)
    rows = []
    for row in card.to_dict("records"):
        evidence = []
        if row["section"]:
            evidence.append(
                {
                    "main": link(
                        row["section"],
                        f"{row['notebook']} section" if "#" in row["section"] else row["notebook"],
                        existing,
                    ),
                    "extra": [],
                }
            )
        for fig in row["figures"]:
            name = fig.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            evidence.append(
                {
                    "main": link(fig, name, existing),
                    "extra": [link(f"figures/{name}.{ext}", ext, existing) for ext in ("svg", "pdf")],
                }
            )
        color, ink = swatch(row["verdict"])
        rows.append(
            {
                "claim": row["claim"],
                "notebook": row["notebook"],
                "article_says": row["article says"],
                "part": row["part"] if isinstance(row.get("part"), str) else "",  # the words this claim judges
                "measured": row["measured"],
                "claimed": row["claimed"],
                "verdict": row["verdict"],
                "robustness": row.get("robustness", ""),
                "color": color,
                "ink": ink,
                "window": row["window"],
                "note": " ".join(str(x) for x in (row["note"], row["detail"]) if x),
                "rule": row["decision rule"],
                "evidence": evidence,
            }
        )
    by_nb = {n["notebook"]: n for n in (status or {}).get("notebooks", [])}
    notebook_rows = []
    for stem in notebooks:
        entry = by_nb.get(stem, {})
        state = entry.get("status", "not in status.json")
        extra = f": {entry.get('error')}" if state not in ("ok", "not in status.json") else ""
        notebook_rows.append({"link": link(f"{stem}.html", stem, existing), "state": state + extra})
    gallery = []
    for name, (fig_title, source, notebook) in figures.items():
        gallery.append(
            {
                "name": name,
                "title": fig_title,
                "source": source,
                "png": f"figures/{name}.png" if f"figures/{name}.png" in existing else None,
                "notebook": link(f"{notebook}.html", notebook, existing) if notebook else None,
                "files": [link(f"figures/{name}.{ext}", ext, existing) for ext in (*FIGURE_FORMATS, "txt")],
            }
        )
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            run_name=run_name,
            title=title,
            status=status,
            params=params.strip(),
            provenance=provenance or [],
            warning_color=plots.VERDICT_COLORS["partly true"],
            verdict_figure="figures/99_verdicts.png" if "figures/99_verdicts.png" in existing else None,
            counts=[(v, int(n), *swatch(v)) for v, n in counts.items()],
            rows=rows,
            notebooks=notebook_rows,
            figures=gallery,
            vectors_missing=any(f["missing"] for fig in gallery for f in fig["files"] if f["text"] in ("svg", "pdf")),
        )
    )


# ---------------------------------------------------------------------------------------------
# The report


def build_report(
    run: str | Path,
    out: str | Path | None = None,
    registry: Mapping | None = None,
    settle: Callable[[str], contextlib.AbstractContextManager] | None = None,
) -> Path:
    """Write the report folder of ``run`` (name or run-folder path, ``resolve_run``) and return its path.

    Claims, their texts and the title come from the claims file of that run (``run_claims``) unless
    ``registry`` is given. ``settle(name)``, when given, is held while the run is read: ``rotation
    report`` passes the run layer's ``staging.settled`` (the run's lock, and an interrupted publish
    finished or rolled back first), so the report never mixes two versions of a run.

    The folder is built beside its destination and swapped in at the end, so a failed build leaves
    the previous report in place. An existing destination that is not a report is refused.
    """
    _, _, name = resolve_run(run)  # refused before any lock is taken
    with settle(name) if settle is not None else contextlib.nullcontext():
        return _write_report(*resolve_run(name), out, registry)


def _write_report(folder: Path, figs: Path, name: str, out: str | Path | None, registry: Mapping | None) -> Path:
    """``build_report`` once the run is resolved (and settled)."""
    from rotation.claims import registry as claims
    from rotation.outputs import provenance, scorecard
    from rotation.outputs.results import RESULTS_FILE, read_records

    target = Path(out).expanduser().resolve() if out else project_dir() / "reports" / name
    if target.exists() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise ParameterError(f"--out {target} exists and is not a rotation report; choose a new or empty folder")
    registry = registry if registry is not None else claims.load_registry(run_claims(folder))
    status = runs.read_status_file(folder)
    records = read_records(folder / RESULTS_FILE)
    card = scorecard.build_scorecard(registry, records, status)
    params_path = folder / "params.yaml"
    params = params_path.read_text(encoding="utf-8") if params_path.is_file() else ""

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    work.chmod(0o755)
    try:
        (work / MARKER).write_text(f"rotation report of run {name}\n", encoding="utf-8")
        rendered = sorted(folder.glob("*.ipynb"))
        for path in rendered:
            (work / f"{path.stem}.html").write_text(notebook_html(path), encoding="utf-8")
        sources = figure_sources(rendered)
        (work / "figures").mkdir()
        captions: dict[str, tuple[str, str, str | None]] = {}
        for fig in figure_names(figs):
            for ext in FIGURE_FORMATS:
                if (figs / f"{fig}.{ext}").is_file():
                    shutil.copy2(figs / f"{fig}.{ext}", work / "figures" / f"{fig}.{ext}")
            notebook = sources.get(fig) or next((p.stem for p in rendered if p.stem[:3] == fig[:3]), None)
            captions[fig] = (*caption_parts(fig, figs), notebook)
            (work / "figures" / f"{fig}.txt").write_text(figure_caption(fig, figs, notebook), encoding="utf-8")
        existing = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
        title = str(registry.get("article", {}).get("title", "")) if isinstance(registry, Mapping) else ""
        mixed = provenance.parameter_mismatches(folder, records)
        page = index_html(
            name, card, status, params, [p.stem for p in rendered], captions, existing, title or name, mixed
        )
        (work / "index.html").write_text(page, encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old)
        else:
            work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def cmd_report(args: argparse.Namespace) -> int:
    """``rotation report RUN``: the run settled under its lock (``args.settled_run``, set by ``rotation.cli``)."""
    name = resolve_run(args.run)[2]
    target = build_report(name, args.out, settle=getattr(args, "settled_run", None))
    print(f"report of run {name}: {target / 'index.html'}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rotation report RUN [--out DIR]``."""
    parser = subparsers.add_parser(
        "report", help="turn a run into a browsable HTML folder (scorecard, notebooks, figures)"
    )
    parser.add_argument("run", help="run name (folder under runs/) or the path of a run folder")
    parser.add_argument("--out", help="report folder (default: reports/<run>/)")
    parser.set_defaults(func=cmd_report)


__all__ = [
    "add_parser",
    "build_report",
    "caption_parts",
    "figure_caption",
    "index_html",
    "notebook_html",
    "resolve_run",
    "run_claims",
    "clean_notebook_html",
]
