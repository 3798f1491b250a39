"""``setup``: the one call that opens a notebook (house style, context, this notebook's claims).

Every notebook starts with::

    page = setup("02_spread", as_of=as_of, data_end=data_end, small=small, large=large,
                 claims=claims, data_dir=data_dir, run_name=run_name)

and ends with ``page.record(EVIDENCE)``. ``page.ctx`` is the run's ``Context``; ``page.claim(kind)``
is this notebook's first claim of a kind (or the stated default when the claims file has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from IPython.display import Markdown

from rotation.claims import registry
from rotation.claims.measuring import Context
from rotation.claims.registry import markdown_text
from rotation.data.catalogue import returns_words
from rotation.outputs import plots, results


@dataclass(frozen=True)
class Section:
    """What one notebook section shows: its words (Markdown) and, when it has one, its table.

    A notebook cell ending with a ``Section`` (or a dataclass derived from it) shows the words (when
    there are any), then the table.
    """

    text: str
    table: pd.DataFrame | None = None

    def _ipython_display_(self) -> None:
        from IPython.display import display

        shown = [Markdown(self.text)] if self.text else []
        display(*shown, *([] if self.table is None else [self.table]))


def series_text(prices) -> str:
    """A series for a page's data line: its description, its definition (price index, auto-adjusted close...) and its
    source, e.g. "Russell 2000 index (price index (no dividends), daily close): Yahoo ^RUT, file RUT.csv ..."."""
    attrs = prices.attrs
    definition = f" ({attrs['definition']})" if attrs.get("definition") else ""
    return f"{attrs['description']}{definition}: {attrs['source']}"


@dataclass
class Page:
    """One notebook run: its name, the run it writes to, and the claims context it measures with."""

    notebook: str
    run_name: str
    ctx: Context
    by_kind: dict[str, dict] = field(default_factory=dict)

    @property
    def small(self) -> str:
        """The small-cap series id of the run (the claims file's unless a parameter says otherwise)."""
        return self.ctx.small

    @property
    def large(self) -> str:
        """The large-cap series id of the run."""
        return self.ctx.large

    def returns_words(self, short: bool = False) -> str:
        """What the pair's daily returns are (``catalogue.returns_words``): price returns of indexes, total returns
        of auto-adjusted funds; ``short`` for titles and running text."""
        return returns_words(self.small, self.large, short=short)

    def returns_definition(self, extra: str = "") -> str:
        """The pair's returns for a source line: daily returns (price or total), close to close, on the common
        calendar; then ``extra``."""
        return f"daily {self.returns_words()}, close to close, common calendar" + extra

    def definition(self, extra: str = "") -> str:
        """``returns_definition`` with the spread: "...; spread = small minus large", then ``extra``."""
        return self.returns_definition("; spread = small minus large" + extra)

    def claim(self, kind: str, default: Mapping | None = None) -> dict:
        """This notebook's first claim of ``kind`` in the claims file, else ``default`` (a copy)."""
        found = self.by_kind.get(kind)
        if found is not None:
            return dict(found)
        return dict(default or {})

    def claims_intro(self) -> Markdown:
        """The claims this notebook checks, with the article's exact words (escaped)."""
        return Markdown(registry.claims_markdown(self.ctx.registry, self.notebook))

    def record(self, evidence: Mapping[str, tuple[str, list[str]]]) -> pd.DataFrame:
        """Judge and record every claim of this notebook; the verdict table shown at the end.

        ``evidence`` maps a claim kind to ``(section anchor, figure names)`` in the notebook.
        The records (with each claim's sensitivity rows) are kept in ``self.records``.
        """
        self.records = results.record_notebook(self.run_name, self.ctx, self.notebook, evidence)
        self.show_query_claims()
        return results.verdict_table(self.records)

    def show_query_claims(self) -> None:
        """Display what each claim-language claim of this notebook measured (``query_sections``), if any."""
        shown = query_sections(self.ctx, self.notebook)
        if shown:
            from IPython.display import display

            display(*shown)

    def sensitivity(self) -> pd.DataFrame:
        """Every listed alternative of this notebook's recorded claims (after ``record``)."""
        return results.sensitivity_table(getattr(self, "records", []))


def setup(
    notebook: str,
    *,
    as_of: str = "",
    data_end: str = "",
    small: str = "",
    large: str = "",
    claims: str = "",
    data_dir: str = "",
    run_name: str = "",
) -> Page:
    """Open a notebook: house style on, the run's ``Context`` built from the parameters, claims by kind."""
    plots.house_style()
    ctx = Context(as_of=as_of, data_end=data_end, small=small, large=large, claims=claims, data_dir=data_dir)
    return Page(notebook=notebook, run_name=run_name, ctx=ctx, by_kind=registry.claims_by_kind(ctx.registry, notebook))


def query_sections(ctx: Context, notebook: str) -> list[Section]:
    """What each claim-language claim (``kind: query``) of ``notebook`` measured: the query in words, its
    window and series, the measurement's detail, then its evidence rows (history's most extreme
    values, forward cases, criteria). Shown by ``Page.record`` before the verdict table; empty when
    the notebook has no such claim (the January 2026 article's registry has none)."""
    from rotation.claims.evaluate import evaluate
    from rotation.core.fmt import day

    out = []
    for claim_id, claim in ctx.registry["claims"].items():
        if claim["notebook"] != notebook or claim.get("kind") != "query":
            continue
        m = evaluate(ctx, claim_id).measurement
        queries = [claim["query"]] if claim.get("query") else [c["query"] for c in claim["criteria"].values()]
        series = sorted(
            {
                str(s)
                for q in queries
                for s in [q.get("series"), *(q.get("pair") or []), *(q.get("window") or {}).get("pair", [])]
                if s
            }
        )
        window = f"; data window {day(m.window[0])} to {day(m.window[1])}" if m.window else ""
        words = m.detail or m.reason
        text = (
            f"**`{claim_id}`** (claim language). Measured: {markdown_text(m.definition or '')}{window}. "
            f"Series: {', '.join(series)} (catalogue ids; index series are price indexes, ETF and stock "
            f"series adjusted closes; returns close to close, as fractions). {markdown_text(words or '')}"
        )
        out.append(Section(text, m.evidence))
    return out


READING_GROUPS = (
    ("allowed", "Readings the words allow (counted)", "rests on"),
    ("context", "Context, not counted (the reading contradicts the words)", "contradicts"),
    ("sensitivity", "Sensitivity, not counted (a changed decision rule, not a reading of the words)", ""),
)


def _reading_line(row: Mapping, relation: str) -> str:
    words = f' ({relation} "{row["words"]}")' if relation and row.get("words") else ""
    rule = "" if row["decision rule"] == "same" else f" under the rule: {row['decision rule']}"
    return f"  - {row['alternative']}{words}: {row['measured']}{rule} → {row['verdict']}"


def readings_text(judgement) -> str:
    """How a judged claim is read (docs/readings.md), as Markdown: the registered reading, then each listed
    alternative grouped as counted readings, context and sensitivities, then the verdict label the rule gives."""
    claim = judgement.claim
    table = judgement.sensitivity
    if table is None:
        return f"**How the words are read.** `{claim['id']}`: no alternative listed; verdict **{judgement.label}**."
    table = table.assign(reading=table.get("reading", "allowed"), words=table.get("words", ""))
    head = table.iloc[0]
    lines = [
        f'**How the words are read** (`{claim["id"]}`, "{markdown_text(claim["quote"])}"). As registered: '
        + "".join(f"{m}: " for m in [claim.get("measure")] if m)
        + f"{head['measured']} → {head['verdict']}."
    ]
    for reading, title, relation in READING_GROUPS:
        part = table.iloc[1:][table.iloc[1:]["reading"] == reading]
        if len(part):
            lines += [f"- {title}:", *[_reading_line(r, relation) for r in part.to_dict("records")]]
    lines.append(f"\n**Verdict by the rule: {judgement.label}** (robustness: {judgement.robustness}).")
    return "\n".join(lines)


__all__ = ["readings_text", "Page", "Section", "setup"]
