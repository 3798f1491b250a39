"""Helpers of the browser tier (imported by its test modules; a second conftest.py would shadow tests/conftest.py): report pages and JupyterLab opened in headless Chromium, checked as a person sees them.

Chromium is Debian's ``chromium`` package (``/usr/bin/chromium``, or ``ROTATION_CHROMIUM``), driven by
Playwright for Python; Playwright's own browser download is never used. A missing browser or driver is a
failure, not a skip (CI installs both: ``.ci/run``). Screenshots go to ``reports/browser-screenshots/``
(git-ignored) or ``ROTATION_SCREENSHOTS``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]

CHROMIUM = Path(os.environ.get("ROTATION_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("ROTATION_SCREENSHOTS", REPO / "reports" / "browser-screenshots"))
# markup a person should never read as text: an opening or closing tag of an element notebooks and reports use
MARKUP = re.compile(
    r"</?\s*(?:h[1-6]|p|div|span|table|thead|tbody|tr|th|td|style|script|img|a|ul|ol|li|em|strong|code|pre|br|iframe|svg)\b[^<>]{0,200}>",
    re.IGNORECASE,
)

# What the page shows, collected in the browser (after load): title, headings, tables, images, links, visible text.
INSPECT = """() => {
  const text = (el) => (el.innerText || "").replace(/\\s+/g, " ").trim();
  const tables = [...document.querySelectorAll("table")].filter((t) => t.offsetParent !== null).map((t) => ({
    head: t.querySelectorAll("thead th").length,
    markdownCell: !!t.closest(".jp-MarkdownCell"),
    rows: t.querySelectorAll("tbody tr").length,
    rowsWithIndex: [...t.querySelectorAll("tbody tr")].filter((r) => r.querySelector("th")).length,
    index: [...t.querySelectorAll("tbody tr")].map((r) => { const th = r.querySelector("th"); return th ? text(th) : null; }),
    columns: [...t.querySelectorAll("thead th")].map(text),
  }));
  return {
    title: document.title,
    headings: [...document.querySelectorAll("h1, h2")].map((h) => ({tag: h.tagName.toLowerCase(), text: text(h).replace(/¶$/, "").trim()})),
    tables,
    images: [...document.images].map((i) => ({src: i.getAttribute("src") ? i.getAttribute("src").slice(0, 80) : "", width: i.naturalWidth, complete: i.complete})),
    links: [...document.querySelectorAll("a[href]")].map((a) => ({href: a.href, raw: a.getAttribute("href")})),
    text: document.body ? document.body.innerText : "",
    scripts: [...document.querySelectorAll("script")].filter((s) => !s.src && s.textContent.trim()).length,
  };
}"""


def launch_chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless Chromium context (fresh profile); failing, never skipping, when browser or driver is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM}: apt-get install -y --no-install-recommends chromium (or set ROTATION_CHROMIUM)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("browser tests need the playwright package (pip install -r requirements.lock)", pytrace=False)
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class Opened:
    """One page opened in the browser: what ``INSPECT`` collected, the dialogs it raised, its console errors."""

    def __init__(self, url: str, seen: dict, dialogs: list[str]) -> None:
        self.url, self.seen, self.dialogs = url, seen, dialogs

    def __getitem__(self, key: str):
        return self.seen[key]


def open_page(
    context, url: str, *, wait_for: str | None = None, screenshot: str | None = None, timeout_ms: int = 60_000
) -> Opened:
    """Open ``url``, wait until it and its images have loaded (and ``wait_for`` is visible), and inspect it."""
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
        if wait_for:
            page.wait_for_selector(wait_for, state="visible", timeout=timeout_ms)
        page.wait_for_function("() => [...document.images].every((i) => i.complete)", timeout=timeout_ms)
        seen = page.evaluate(INSPECT)
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=False)
        return Opened(url, seen, dialogs)
    finally:
        page.close()


def markup_in_text(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Tags shown as text (``<h1 id=…>``, ``<thead>``...), apart from the ``allowed`` strings planted on purpose."""
    for planted in allowed:
        text = text.replace(planted, "")
    return [m.group(0)[:80] for m in MARKUP.finditer(text)]


def broken_local_links(opened: Opened) -> list[str]:
    """``file:`` links whose file, or whose ``#anchor`` in that file, does not exist."""
    broken = []
    for link in opened["links"]:
        parts = urlsplit(link["href"])
        if parts.scheme != "file":
            continue
        target = Path(unquote(parts.path))
        if not target.is_file():
            broken.append(f"{link['raw']} (no file {target})")
            continue
        if parts.fragment and target.suffix == ".html":
            body = target.read_text(encoding="utf-8", errors="replace")
            forms = {parts.fragment, unquote(parts.fragment)}
            forms |= {html.escape(f) for f in forms}
            if not any(f'{attr}="{form}"' in body for form in forms for attr in ("id", "name")):
                broken.append(f"{link['raw']} (no anchor #{unquote(parts.fragment)} in {target.name})")
    return broken


def scratch_project(root: Path) -> Path:
    """A throw-away project (``tests/conftest.make_project``) to run and serve: never the committed run folders."""
    from conftest import make_project

    return make_project(root)


def run_cli(args: list[str], project: Path, data_dir: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """``rotation ARGS`` in a subprocess with ``project`` as ROTATION_PROJECT_DIR."""
    env = {**os.environ, "ROTATION_PROJECT_DIR": str(project), "ROTATION_DATA_DIR": str(data_dir), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "rotation.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=project,
        check=False,
    )


def copy_committed_run(project: Path, name: str = "article") -> None:
    """The committed run folder and its figures copied into ``project`` (the report is built there, not in the repo)."""
    shutil.copytree(REPO / "runs" / name, project / "runs" / name)
    if (REPO / "figures" / name).is_dir():
        shutil.copytree(REPO / "figures" / name, project / "figures" / name)
