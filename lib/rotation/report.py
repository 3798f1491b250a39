"""``rotation report RUN``: a browsable, offline folder for one run.

Layout of the report folder (default ``reports/<run>/``, git-ignored):

* ``index.html``: the scorecard (``rotation.scorecard.build_scorecard`` on the run's results file
  and status), with links to every notebook page, notebook section and figure;
* ``<notebook>.html``: each rendered notebook of the run, without code cells;
* ``figures/<name>.{png,svg,pdf}`` and ``figures/<name>.txt``: every figure of the run with a short
  caption: the ``<name>.txt`` that ``plots.save_figure`` writes beside the figure (title and
  source line), and the notebook that saved it, found in the rendered notebooks.

``RUN`` is a run name (``runs/<RUN>/``, figures in ``figures/<RUN>/``) or the path of a run folder
(figures then in ``<folder>/../../figures/<folder name>/``). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from rotation import figexport
from rotation.errors import ParameterError
from rotation.paths import FIGURE_FORMATS, figures_dir, project_dir, run_dir

MARKER = ".rotation-report"

CSS = """
body{font-family:-apple-system,'Segoe UI',Arial,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}.verdict{padding:1px 5px;border-radius:3px;white-space:nowrap}
.fig{display:inline-block;width:420px;margin:0 1em 1.5em 0;vertical-align:top;font-size:12px}.fig img{width:100%;border:1px solid #ddd}
code{background:#f5f5f5;padding:0 3px}.muted{color:#666}
"""


def resolve_run(run: str | Path) -> tuple[Path, Path, str]:
    """``(run folder, figures folder, run name)`` for a run name or a run-folder path; one-line error if missing."""
    text = str(run).strip()
    as_path = Path(text).expanduser()
    if "/" in text or "\\" in text or (as_path.is_dir() and (as_path / "status.json").is_file() and text not in (".", "..")):
        folder = as_path.resolve()
        figures = folder.parent.parent / "figures" / folder.name
        name = folder.name
    else:
        folder, figures, name = run_dir(text), figures_dir(text), text
    if not folder.is_dir():
        raise ParameterError(f"run folder {folder} does not exist (execute it first: rotation run --run-name {name})")
    return folder, figures, name


# ---------------------------------------------------------------------------------------------
# Notebooks


def notebook_html(path: Path) -> str:
    """A rendered notebook as a standalone HTML page without code cells or prompts."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4), resources={"metadata": {"name": path.stem}})
    # no network when the page is opened: drop the CDN scripts (require.js for widgets, MathJax; no notebook uses either)
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", body)
    nav = f'<nav style="padding:6px 12px;font-family:sans-serif"><a href="index.html">&larr; scorecard</a> · {html.escape(path.stem)}</nav>'
    head, sep, rest = body.partition("<body")
    if sep:
        tag_end = rest.index(">") + 1
        body = head + sep + rest[:tag_end] + nav + rest[tag_end:]
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


def figure_caption(name: str, folder: Path, notebook: str | None) -> str:
    """Caption text for figure ``name`` of ``folder``: its ``.txt`` sidecar (title and source line, written by
    ``plots.save_figure``), else just the name."""
    sidecar = folder / f"{name}.txt"
    text = sidecar.read_text(encoding="utf-8").strip() if sidecar.is_file() else name
    where = f"Notebook: {notebook} ({notebook}.html)" if notebook else "Notebook: unknown"
    files = ", ".join(f"{name}.{ext}" for ext in FIGURE_FORMATS if (folder / f"{name}.{ext}").is_file())
    return f"{text}\n{where}. Files: {files}.\n"


def figure_names(folder: Path) -> list[str]:
    """Names of the figures in ``folder`` (any of PNG/SVG/PDF present), sorted."""
    if not folder.is_dir():
        return []
    return sorted({p.stem for p in folder.iterdir() if p.suffix.lstrip(".") in FIGURE_FORMATS})


# ---------------------------------------------------------------------------------------------
# Index page


def _link(href: str, text: str, existing: set[str]) -> str:
    target = href.split("#", 1)[0]
    if target and target not in existing:
        return f'<span class="muted" title="not in this report">{html.escape(text)} (missing)</span>'
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def index_html(run_name: str, card: pd.DataFrame, status: Mapping | None, params: str, notebooks: list[str],
               figures: Mapping[str, str], existing: set[str], title: str) -> str:
    """The scorecard page: run status, verdict counts, the scorecard table, notebook and figure lists."""
    from rotation import scorecard

    esc = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Scorecard: {esc(run_name)}</title><style>{CSS}</style></head><body>"]
    parts.append(f"<h1>Scorecard: {esc(title)}</h1>")
    ok = status.get("ok") if status else None
    parts.append(f"<p>Run <code>{esc(run_name)}</code>: "
                 + ("no status.json (the run never started)" if status is None else "all notebooks ran" if ok else "<b>some notebooks failed</b>")
                 + f". Parameters:</p><pre>{esc(params.strip() or '(none)')}</pre>")
    parts.append("<h2 id='verdicts'>Verdicts at a glance</h2>")
    if "figures/99_verdicts.png" in existing:
        parts.append('<p><a href="figures/99_verdicts.png"><img src="figures/99_verdicts.png" alt="verdicts at a glance" style="max-width:900px;width:100%"></a></p>')
    counts = scorecard.verdict_counts(card) if len(card) else pd.Series(dtype=int)
    parts.append("<table><tr><th>verdict</th><th>claims</th></tr>" + "".join(
        f"<tr><td><span class='verdict' style='background:{scorecard.VERDICT_COLORS.get(v, '#ccc')}'>{esc(v)}</span></td><td>{int(n)}</td></tr>"
        for v, n in counts.items()) + "</table>")
    parts.append("<h2 id='scorecard'>Claims</h2><table><tr><th>claim</th><th>article says</th><th>measured</th><th>claimed</th>"
                 "<th>verdict</th><th>window</th><th>detail</th><th>evidence</th></tr>")
    for row in card.to_dict("records"):
        evidence = []
        if row["section"]:
            evidence.append(_link(row["section"], f"{row['notebook']} section" if "#" in row["section"] else row["notebook"], existing))
        for fig in row["figures"]:
            name = fig.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            evidence.append(_link(fig, name, existing) + " (" + ", ".join(
                _link(f"figures/{name}.{ext}", ext, existing) for ext in ("svg", "pdf")) + ")")
        note = " ".join(x for x in (row["note"], row["detail"]) if x)
        color = scorecard.VERDICT_COLORS.get(row["verdict"], "#ccc")
        parts.append(f"<tr id='claim-{esc(row['claim'])}'><td><b>{esc(row['claim'])}</b><br><span class='muted'>{esc(row['notebook'])}</span></td>"
                     f"<td>{esc(row['article says'])}</td><td>{esc(row['measured'])}</td><td>{esc(row['claimed'])}</td>"
                     f"<td><span class='verdict' style='background:{color}'>{esc(row['verdict'])}</span></td><td>{esc(row['window'])}</td>"
                     f"<td>{esc(note)}<br><span class='muted'>rule: {esc(row['decision rule'])}</span></td><td>{'<br>'.join(evidence) or 'none'}</td></tr>")
    parts.append("</table>")
    parts.append("<h2 id='notebooks'>Notebooks</h2><ul>")
    by_nb = {n["notebook"]: n for n in (status or {}).get("notebooks", [])}
    for stem in notebooks:
        entry = by_nb.get(stem, {})
        state = entry.get("status", "not in status.json")
        extra = f": {entry.get('error')}" if state not in ("ok", "not in status.json") else ""
        parts.append(f"<li>{_link(f'{stem}.html', stem, existing)} <span class='muted'>({esc(state + extra)})</span></li>")
    parts.append("</ul><h2 id='figures'>Figures</h2><p class='muted'>Each figure in PNG, SVG and PDF, with a caption file.</p>")
    for name, caption in figures.items():
        lines = caption.strip().splitlines()
        links = ", ".join(_link(f"figures/{name}.{ext}", ext, existing) for ext in (*FIGURE_FORMATS, "txt"))
        img = f'<a href="figures/{name}.png"><img src="figures/{name}.png" alt="{esc(lines[0] if lines else name)}"></a>' if f"figures/{name}.png" in existing else ""
        parts.append(f"<div class='fig' id='fig-{esc(name)}'>{img}<br><b>{esc(name)}</b>: {esc(' '.join(lines))}<br>{links}</div>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# The report


def build_report(run: str | Path, out: str | Path | None = None, registry: Mapping | None = None) -> Path:
    """Write the report folder of ``run`` (name or run-folder path) and return its path.

    The folder is built beside its destination and swapped in at the end, so a failed build leaves
    the previous report in place. An existing destination that is not a report is refused.
    """
    from rotation import claims, scorecard
    from rotation.results import RESULTS_FILE, read_records

    folder, figs, name = resolve_run(run)
    figexport.export_pending(figs)  # SVG/PDF of a run interrupted before its export pass
    target = Path(out).expanduser().resolve() if out else project_dir() / "reports" / name
    if target.exists() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise ParameterError(f"--out {target} exists and is not a rotation report; choose a new or empty folder")
    registry = registry if registry is not None else claims.load_registry()
    status_path = folder / "status.json"
    status = json.loads(status_path.read_text(encoding="utf-8")) if status_path.is_file() else None
    card = scorecard.build_scorecard(registry, read_records(folder / RESULTS_FILE), status)
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
        captions: dict[str, str] = {}
        for fig in figure_names(figs):
            for ext in FIGURE_FORMATS:
                if (figs / f"{fig}.{ext}").is_file():
                    shutil.copy2(figs / f"{fig}.{ext}", work / "figures" / f"{fig}.{ext}")
            notebook = sources.get(fig) or next((p.stem for p in rendered if p.stem[:3] == fig[:3]), None)
            captions[fig] = figure_caption(fig, figs, notebook)
            (work / "figures" / f"{fig}.txt").write_text(captions[fig], encoding="utf-8")
        existing = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
        title = str(registry.get("article", {}).get("title", "")) if isinstance(registry, Mapping) else ""
        page = index_html(name, card, status, params, [p.stem for p in rendered], captions, existing, title or name)
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
    target = build_report(args.run, args.out)
    print(f"report of run {Path(str(args.run)).name}: {target / 'index.html'}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rotation report RUN [--out DIR]``."""
    parser = subparsers.add_parser("report", help="turn a run into a browsable HTML folder (scorecard, notebooks, figures)")
    parser.add_argument("run", help="run name (folder under runs/) or the path of a run folder")
    parser.add_argument("--out", help="report folder (default: reports/<run>/)")
    parser.set_defaults(func=cmd_report)


__all__ = ["add_parser", "build_report", "figure_caption", "index_html", "notebook_html", "resolve_run"]
