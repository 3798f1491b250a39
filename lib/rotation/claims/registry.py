"""The claims file: loading and checking it, looking claims up, and the period notation it uses.

A claims file (``data/claims.yaml`` for the article; any file given with ``--claims``) holds
``article`` (title, published date, ``as_of``, the index pair ``small``/``large``) and
``claims``: per claim its exact ``quote``, the ``notebook`` that shows it, its ``kind`` (a
measure function in ``rotation.claims.measures``), what it is ``about`` (``{at: as_of}``: a claim
made at a date, which moves with the ``as_of`` parameter; or ``{period: "A to B", looks:
back|ahead}``: a fixed period, never shifted), the kind's ``params``, the claimed value, its
unit, how to compare (``compare``, see ``rotation.claims.judge``), the tolerances, and
``alternatives``: the reasonable other choices (threshold, base date, feature set, ...) the
verdict is re-computed under (``rotation.claims.evaluate``), each declaring its ``reading``:
``allowed`` (a reading the claim's words allow, ``rests_on`` the quote's words), ``context``
(it ``contradicts`` words of the quote: shown, not counted) or ``sensitivity`` (only the claimed
value or tolerances change: shown, not a reading); see docs/readings.md. A sentence holding two
claims is split: each claim's ``part`` names the words of the (shared) quote it judges.

Loading checks the file against the language's schema and the registered measures (their names and
parameters), so a bad file is refused in one line before any notebook starts.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from rotation.core.dates import parse_period
from rotation.core.errors import ParameterError
from rotation.core.paths import registry_path
from rotation.core.strict_yaml import yaml_load

UNJUDGED = {"untestable", "no_data"}  # entries that carry a reason instead of a claimed value
REQUIRED_KEYS = ("quote", "notebook", "compare")
ARTICLE_KEYS = ("title", "as_of", "small", "large")
ALTERNATIVE_KEYS = {
    "choice",
    "label",
    "reading",  # allowed | context | sensitivity: what the alternative is (docs/readings.md)
    "rests_on",
    "contradicts",
    "params",
    "query",
    "criteria",
    "claimed",
    "tolerance",
    "partly_tolerance",
}
CLAIM_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")  # plain identifiers: safe in file names, URLs, HTML ids and tables


def registry_file(path: str | Path | None = None) -> Path:
    """The claims file in use: ``path`` when given, else the project's ``data/claims.yaml``."""
    return Path(path).expanduser().resolve() if path else registry_path()


def fail(path: str, claim_id: str | None, what: str) -> ParameterError:
    where = f"{path}: claim {claim_id!r}" if claim_id else str(path)
    return ParameterError(f"{where}: {what}")


def validate_claim(path: str, claim_id: str, entry: object) -> dict:
    """Check one claims-file entry; returns it with ``id`` set. Raises one line naming file, claim and field."""
    from rotation.claims.measures.base import KINDS  # importing the measures registers every kind
    from rotation.language.schema import COMPARES, NUMERIC_COMPARES

    if not CLAIM_ID.fullmatch(claim_id):
        raise fail(
            path,
            claim_id,
            "claim ids are plain identifiers: a lower-case letter, then lower-case letters, digits or _ (at most 64 characters)",
        )
    if not isinstance(entry, Mapping):
        raise fail(path, claim_id, "expected a mapping of fields")
    for key in REQUIRED_KEYS:
        if key not in entry:
            raise fail(path, claim_id, f"missing field {key!r}")
    compare = entry["compare"]
    if compare not in COMPARES:
        raise fail(
            path, claim_id, f"field 'compare': unknown value {compare!r} (use one of {', '.join(sorted(COMPARES))})"
        )
    if compare in UNJUDGED:
        if not entry.get("reason"):
            raise fail(path, claim_id, f"field 'reason' is needed for compare {compare!r}")
    else:
        if "kind" not in entry:
            raise fail(path, claim_id, "missing field 'kind'")
        if entry["kind"] not in KINDS:
            raise fail(
                path,
                claim_id,
                f"field 'kind': unknown claim kind {entry['kind']!r} (known: {', '.join(sorted(KINDS))})",
            )
        if compare in NUMERIC_COMPARES and "claimed" not in entry:
            raise fail(path, claim_id, f"missing field 'claimed' (needed for compare {compare!r})")
    if "params" in entry and not isinstance(entry["params"], Mapping):
        raise fail(path, claim_id, "field 'params': expected a mapping")
    about = entry.get("about", {"at": "as_of"})
    if not isinstance(about, Mapping) or not ({"at"} <= set(about) or {"period"} <= set(about)):
        raise fail(
            path,
            claim_id,
            "field 'about': expected {at: as_of} or {period: 'YYYY-MM-DD to YYYY-MM-DD', looks: back|ahead}",
        )
    if "period" in about:
        try:
            parse_period(str(about["period"]))
        except ParameterError as exc:
            raise fail(path, claim_id, f"field 'about.period': {exc}") from None
        if about.get("looks", "back") not in ("back", "ahead"):
            raise fail(path, claim_id, f"field 'about.looks': expected back or ahead, got {about.get('looks')!r}")
    alternatives = entry.get("alternatives", [])
    if not isinstance(alternatives, list):
        raise fail(path, claim_id, "field 'alternatives': expected a list")
    for i, alt in enumerate(alternatives, 1):
        if not isinstance(alt, Mapping) or not alt.get("choice") or not alt.get("label"):
            raise fail(path, claim_id, f"field 'alternatives' item {i}: needs 'choice' and 'label'")
        unknown = set(alt) - ALTERNATIVE_KEYS
        if unknown:
            raise fail(path, claim_id, f"field 'alternatives' item {i}: unknown field {sorted(unknown)[0]!r}")
    out = dict(entry)
    out["id"] = claim_id
    out.setdefault("about", {"at": "as_of"})
    return out


@lru_cache(maxsize=16)
def _load(path: str, text: str) -> dict:
    """The validated claims file ``path`` whose content is ``text`` (kept per content: an edited file is read anew)."""
    try:
        doc = yaml_load(text)  # no tags, aliases or duplicate keys; dates stay text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(doc, dict) or "claims" not in doc or "article" not in doc:
        raise ParameterError(f"{path}: expected top-level keys 'article' and 'claims'")
    article = doc["article"]
    if not isinstance(article, Mapping):
        raise ParameterError(f"{path}: 'article' must be a mapping")
    for key in ARTICLE_KEYS:
        if key not in article:
            raise ParameterError(f"{path}: article lacks field {key!r}")
    if not isinstance(doc["claims"], Mapping) or not doc["claims"]:
        raise ParameterError(f"{path}: 'claims' must be a non-empty mapping of claim id to fields")
    from rotation.claims.measures.base import KINDS
    from rotation.claims.measures.params import kind_params
    from rotation.language.schema import MAX_CLAIMS, check_document

    if len(doc["claims"]) > MAX_CLAIMS:
        raise ParameterError(
            f"{path}: field 'claims': {len(doc['claims'])} claims; a claims file holds at most {MAX_CLAIMS}"
        )
    validated = {str(cid): validate_claim(path, str(cid), entry) for cid, entry in doc["claims"].items()}
    check_document(
        path, doc, kind_params(), KINDS
    )  # the strict schema: types, ranges, unknown keys, caps (one line per failure)
    doc["claims"] = validated
    return doc


def _registry(path: str | Path | None = None) -> dict:
    """The validated claims file, kept per content and shared: callers copy what they hand out."""
    target = registry_file(path)
    if not target.is_file():
        raise ParameterError(f"claims file {target} not found")
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{target}: cannot read the claims file ({type(exc).__name__})") from None
    return _load(str(target), text)


def load_registry(path: str | Path | None = None) -> dict:
    """The whole claims file: ``{"article": {...}, "claims": {id: entry}}`` (validated; the caller's own copy)."""
    return copy.deepcopy(_registry(path))


def article_defaults(path: str | Path | None = None) -> dict:
    """The article's defaults (``as_of``, ``small``, ``large``, ``title``...) from the claims file."""
    return copy.deepcopy(_registry(path)["article"])


def get_claim(claim_id: str, path: str | Path | None = None) -> dict:
    """One claims-file entry by id."""
    claims = _registry(path)["claims"]
    if claim_id not in claims:
        raise ParameterError(f"unknown claim id {claim_id!r} (not in {registry_file(path)})")
    return copy.deepcopy(claims[claim_id])


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~])")


def markdown_text(text: object) -> str:
    """``text`` as literal Markdown: one line, Markdown punctuation backslash-escaped and ``& < >`` as
    entities, so claim texts (titles, quotes) show as typed and never become markup, links or HTML."""
    line = " ".join(str(text).split())
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def claims_markdown(registry: Mapping, notebook: str) -> str:
    """The claims a notebook checks, as a Markdown list of ids and the article's exact words (escaped: ``markdown_text``)."""
    article = registry["article"]
    lines = [
        f"**Claims checked** ({markdown_text(article['title'])}, {markdown_text(article.get('published', article['as_of']))}; "
        "exact words from the claims file):",
        "",
    ]
    for cid, c in registry["claims"].items():
        if c["notebook"] == notebook:
            lines.append(f'* `{cid}`: "{markdown_text(c["quote"])}"')
    if len(lines) == 2:
        lines.append(
            "* none: this claims file assigns no claim to this notebook; its measurements are shown as context."
        )
    return "\n".join(lines)


def claims_by_kind(registry: Mapping, notebook: str) -> dict[str, dict]:
    """The first claim of each kind the claims file assigns to ``notebook`` (kind -> entry)."""
    out: dict[str, dict] = {}
    for c in registry["claims"].values():
        if c["notebook"] == notebook and c.get("kind"):
            out.setdefault(c["kind"], dict(c))
    return out
