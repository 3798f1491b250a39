"""Claims files and the one rule that turns a measurement into a verdict and a robustness label.

A claims file (``data/claims.yaml`` for the article; any file given with ``--claims``) holds
``article`` (title, published date, ``as_of``, the index pair ``small``/``large``) and
``claims``: per claim its exact ``quote``, the ``notebook`` that shows it, its ``kind`` (a
measure function in ``rotation.measures``), what it is ``about`` (``{at: as_of}``: a claim
made at a date, which moves with the ``as_of`` parameter; or ``{period: "A to B", looks:
back|ahead}``: a fixed period, never shifted), the kind's ``params``, the claimed value, its
unit, how to compare (``compare``), the tolerances, and ``alternatives``: the reasonable
other choices (threshold, base date, feature set, ...) the verdict is re-computed under.

``judge`` compares one measurement with the claim:

* ``equal``     confirmed if ``|measured - claimed| <= tolerance``; partly true within
                ``partly_tolerance`` (when given); refuted otherwise.
* ``at_least``  confirmed if ``measured >= claimed - tolerance``; partly true if
                ``measured >= claimed - partly_tolerance``; refuted otherwise.
* ``at_most``   the mirror image of ``at_least``.
* ``boolean``   confirmed if the measured statement is true, refuted if false.
* ``criteria``  a dict of named booleans: all true confirmed, some true partly true, none refuted.
* ``untestable`` always "not testable with price data" (the entry gives the reason).
* ``no_data``   always "not verifiable with the data at hand" (the entry says which series would settle it).

A measurement without a value, or one whose ``status`` says it cannot be judged, gives that
status (not verifiable / not applicable at this date). ``evaluate`` measures a claim, judges it,
re-judges it under every listed alternative and labels it ``robust`` (all alternatives agree),
``depends on <choice>`` (naming the choices that change it) or ``not varied`` (none listed).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from rotation.errors import ParameterError
from rotation.paths import registry_path
from rotation.validation import yaml_load
from rotation.verdicts import Verdict

COMPARISONS = {"equal", "at_least", "at_most", "boolean", "criteria", "untestable", "no_data"}
UNJUDGED = {"untestable", "no_data"}  # entries that carry a reason instead of a claimed value
REQUIRED_KEYS = ("quote", "notebook", "compare")
ARTICLE_KEYS = ("title", "as_of", "small", "large")
ALTERNATIVE_KEYS = {"choice", "label", "params", "query", "claimed", "tolerance", "partly_tolerance"}
ROBUST, NOT_VARIED = "robust", "not varied"
CLAIM_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")  # plain identifiers: safe in file names, URLs, HTML ids and tables


def registry_file(path: str | Path | None = None) -> Path:
    """The claims file in use: ``path`` when given, else the project's ``data/claims.yaml``."""
    return Path(path).expanduser().resolve() if path else registry_path()


def _fail(path: str, claim_id: str | None, what: str) -> ParameterError:
    where = f"{path}: claim {claim_id!r}" if claim_id else str(path)
    return ParameterError(f"{where}: {what}")


def validate_claim(path: str, claim_id: str, entry: object) -> dict:
    """Check one claims-file entry; returns it with ``id`` set. Raises one line naming file, claim and field."""
    from rotation.measures import KINDS

    if not CLAIM_ID.fullmatch(claim_id):
        raise _fail(path, claim_id, "claim ids are plain identifiers: a lower-case letter, then lower-case letters, digits or _ (at most 64 characters)")
    if not isinstance(entry, Mapping):
        raise _fail(path, claim_id, "expected a mapping of fields")
    for key in REQUIRED_KEYS:
        if key not in entry:
            raise _fail(path, claim_id, f"missing field {key!r}")
    compare = entry["compare"]
    if compare not in COMPARISONS:
        raise _fail(path, claim_id, f"field 'compare': unknown value {compare!r} (use one of {', '.join(sorted(COMPARISONS))})")
    if compare in UNJUDGED:
        if not entry.get("reason"):
            raise _fail(path, claim_id, f"field 'reason' is needed for compare {compare!r}")
    else:
        if "kind" not in entry:
            raise _fail(path, claim_id, "missing field 'kind'")
        if entry["kind"] not in KINDS:
            raise _fail(path, claim_id, f"field 'kind': unknown claim kind {entry['kind']!r} (known: {', '.join(sorted(KINDS))})")
        if compare in {"equal", "at_least", "at_most"} and "claimed" not in entry:
            raise _fail(path, claim_id, f"missing field 'claimed' (needed for compare {compare!r})")
    if "params" in entry and not isinstance(entry["params"], Mapping):
        raise _fail(path, claim_id, "field 'params': expected a mapping")
    about = entry.get("about", {"at": "as_of"})
    if not isinstance(about, Mapping) or not ({"at"} <= set(about) or {"period"} <= set(about)):
        raise _fail(path, claim_id, "field 'about': expected {at: as_of} or {period: 'YYYY-MM-DD to YYYY-MM-DD', looks: back|ahead}")
    if "period" in about:
        try:
            parse_period(str(about["period"]))
        except ParameterError as exc:
            raise _fail(path, claim_id, f"field 'about.period': {exc}") from None
        if about.get("looks", "back") not in ("back", "ahead"):
            raise _fail(path, claim_id, f"field 'about.looks': expected back or ahead, got {about.get('looks')!r}")
    alternatives = entry.get("alternatives", [])
    if not isinstance(alternatives, list):
        raise _fail(path, claim_id, "field 'alternatives': expected a list")
    for i, alt in enumerate(alternatives, 1):
        if not isinstance(alt, Mapping) or not alt.get("choice") or not alt.get("label"):
            raise _fail(path, claim_id, f"field 'alternatives' item {i}: needs 'choice' and 'label'")
        unknown = set(alt) - ALTERNATIVE_KEYS
        if unknown:
            raise _fail(path, claim_id, f"field 'alternatives' item {i}: unknown field {sorted(unknown)[0]!r}")
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
    from rotation.language.schema import MAX_CLAIMS, check_document

    if len(doc["claims"]) > MAX_CLAIMS:
        raise ParameterError(f"{path}: field 'claims': {len(doc['claims'])} claims; a claims file holds at most {MAX_CLAIMS}")
    validated = {str(cid): validate_claim(path, str(cid), entry) for cid, entry in doc["claims"].items()}
    check_document(path, doc)  # the strict schema: types, ranges, unknown keys, caps (one line per failure)
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


def claims_for_notebook(notebook: str, path: str | Path | None = None) -> dict[str, dict]:
    """The entries a notebook (by stem, e.g. ``01_streak``) is responsible for, in file order."""
    return {cid: copy.deepcopy(c) for cid, c in _registry(path)["claims"].items() if c["notebook"] == notebook}


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
    lines = [f"**Claims checked** ({markdown_text(article['title'])}, {markdown_text(article.get('published', article['as_of']))}; "
             "exact words from the claims file):", ""]
    for cid, c in registry["claims"].items():
        if c["notebook"] == notebook:
            lines.append(f"* `{cid}`: \"{markdown_text(c['quote'])}\"")
    if len(lines) == 2:
        lines.append("* none: this claims file assigns no claim to this notebook; its measurements are shown as context.")
    return "\n".join(lines)


def claims_by_kind(registry: Mapping, notebook: str) -> dict[str, dict]:
    """The first claim of each kind the claims file assigns to ``notebook`` (kind -> entry)."""
    out: dict[str, dict] = {}
    for c in registry["claims"].values():
        if c["notebook"] == notebook and c.get("kind"):
            out.setdefault(c["kind"], dict(c))
    return out


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"YYYY-MM-DD to YYYY-MM-DD"`` -> (first, last) timestamps; raises ``ParameterError``."""
    parts = [p.strip() for p in str(text).split(" to ")]
    try:
        if len(parts) != 2:
            raise ValueError
        first, last = (pd.Timestamp(p) for p in parts)
    except (ValueError, TypeError):
        raise ParameterError(f"period {text!r}: expected 'YYYY-MM-DD to YYYY-MM-DD'") from None
    if last < first:
        raise ParameterError(f"period {text!r}: ends before it starts")
    return first, last


# ---------------------------------------------------------------------------------------------
# Judging


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def judge(measured: object, claim: Mapping, *, claimed: object = None, tolerance: float | None = None) -> Verdict:
    """Verdict for ``measured`` (a value or a ``Measurement``) against a claim entry."""
    from rotation.measures import Measurement

    compare = claim["compare"]
    if compare == "untestable":
        return Verdict.NOT_TESTABLE
    if compare == "no_data":
        return Verdict.NOT_VERIFIABLE
    if isinstance(measured, Measurement):
        if measured.status is not None:
            return Verdict(measured.status)
        measured = measured.value
    if compare == "criteria":
        if not isinstance(measured, Mapping) or not measured:
            return Verdict.NOT_VERIFIABLE
        values = [bool(v) for v in measured.values() if v is not None]
        if len(values) < len(measured) or not values:
            return Verdict.NOT_VERIFIABLE
        return Verdict.CONFIRMED if all(values) else Verdict.PARTLY_TRUE if any(values) else Verdict.REFUTED
    if _missing(measured):
        return Verdict.NOT_VERIFIABLE
    if compare == "boolean":
        return Verdict.CONFIRMED if bool(measured) else Verdict.REFUTED
    target = float(claim["claimed"] if claimed is None else claimed)
    tol = float(claim.get("tolerance", 0.0) if tolerance is None else tolerance)
    partly = claim.get("partly_tolerance")
    value = float(measured)  # type: ignore[arg-type]
    if compare == "equal":
        gap = abs(value - target)
    elif compare == "at_least":
        gap = max(0.0, target - value)
    else:  # at_most
        gap = max(0.0, value - target)
    eps = 1e-12 * max(1.0, abs(target))
    if gap <= tol + eps:
        return Verdict.CONFIRMED
    if partly is not None and gap <= float(partly) + eps:
        return Verdict.PARTLY_TRUE
    return Verdict.REFUTED


def _amount(x: object, unit: str) -> str:
    """A tolerance in the unit shown to readers (fractions as percentage points)."""
    from rotation.fmt import display_unit

    if unit == "fraction":
        return f"{float(x) * 100:g} percentage points"
    if unit == "percent":  # a rate in percent: its tolerance is in percentage points
        return f"{float(x):g} percentage points"
    return f"{x:g} {display_unit(unit)}".strip() if isinstance(x, (int, float)) else f"{x} {display_unit(unit)}".strip()


def tolerance_text(claim: Mapping) -> str:
    """The decision rule of a claim in words, in the unit shown to readers (percent, bp, sessions...)."""
    from rotation.fmt import value_text

    compare, unit = claim["compare"], claim.get("unit", "")
    if compare in UNJUDGED:
        return "n/a: " + claim.get("reason", "")
    if compare == "boolean":
        return "confirmed if the measured statement is true, refuted if false"
    if compare == "criteria":
        generic = "all criteria true: confirmed; some true: partly true; none: refuted"
        return f"{claim['rule']} ({generic})" if claim.get("rule") else generic
    claimed = value_text(claim["claimed"], unit)
    tol, partly = claim.get("tolerance", 0), claim.get("partly_tolerance")
    rule = {
        "equal": "confirmed if the measured value is within {t} of {c}",
        "at_least": "confirmed if the measured value is at least {c} minus {t}",
        "at_most": "confirmed if the measured value is at most {c} plus {t}",
    }[compare]
    text = rule.format(t=_amount(tol, unit), c=claimed)
    if partly is not None:
        text += f"; partly true within {_amount(partly, unit)}"
    return text + "; refuted otherwise"


# ---------------------------------------------------------------------------------------------
# Applicability: claims know their dates


def applicability(ctx, claim: Mapping):
    """A ``Measurement`` saying the claim does not apply at the context's date, or None when it does.

    ``about: {at: as_of}`` claims always apply (they are measured at ``as_of``). A fixed period
    that looks back applies once it is over at ``as_of``; one that looks ahead applies while
    ``as_of`` falls inside it. ``premise: streak`` claims (about "the streak") apply only when a
    streak of at least the article's ``streak_premise`` sessions is in force at ``as_of``.
    """
    from rotation.measures import not_applicable

    day = ctx.claim_date.date()
    about = claim.get("about") or {"at": "as_of"}
    if "period" in about:
        first, last = parse_period(about["period"])
        if about.get("looks", "back") == "back" and last > ctx.claim_date:
            return not_applicable(f"the claim is about {first.date()} to {last.date()}, which is not over at as_of {day}; it is never judged on another period")
        if about.get("looks") == "ahead" and not first <= ctx.claim_date <= last:
            return not_applicable(f"the claim looks ahead from a date within {first.date()} to {last.date()}; as_of {day} is outside it, and the claim is never judged on a shifted period")
    if claim.get("premise") == "streak":
        need = int(ctx.article.get("streak_premise", 1))
        have = int(ctx.streak["sessions"])
        if have < need:
            return not_applicable(f"the claim is about the streak, but the {ctx.small} > {ctx.large} streak in force at {ctx.session.date()} has {have} session(s); the claims file asks for at least {need} (article.streak_premise)")
    return None


def measure(ctx, claim: Mapping):
    """The claim's measurement at the context's date (or why it does not apply / cannot be measured)."""
    from rotation.errors import DataError
    from rotation.measures import KINDS, not_verifiable

    if claim["compare"] in UNJUDGED:
        from rotation.measures import Measurement

        status = Verdict.NOT_TESTABLE if claim["compare"] == "untestable" else Verdict.NOT_VERIFIABLE
        return Measurement(status=status, reason=claim["reason"], definition=claim.get("measure", ""))
    blocked = applicability(ctx, claim)
    if blocked is not None:
        return blocked
    try:
        return KINDS[claim["kind"]](ctx, claim)
    except DataError as exc:
        return not_verifiable(f"the data cannot settle it: {exc}")


@dataclass(frozen=True)
class Judgement:
    """A claim's measurement, verdict, robustness label and sensitivity table."""

    claim: Mapping
    measurement: object
    verdict: Verdict
    robustness: str = NOT_VARIED
    sensitivity: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    @property
    def claim_id(self) -> str:
        return self.claim["id"]

    @property
    def label(self) -> str:
        """The verdict as shown: never plain confirmed/refuted when it depends on a choice."""
        return verdict_label(self.verdict, self.robustness)


def verdict_label(verdict: Verdict | str, robustness: str) -> str:
    """``confirmed`` / ``confirmed, but depends on threshold`` / ``not verifiable ...``."""
    text = Verdict(verdict).value
    if Verdict(verdict).judged and robustness.startswith("depends on"):
        return f"{text}, but {robustness}"
    return text


def with_alternative(claim: Mapping, alternative: Mapping) -> dict:
    """The claim under one listed alternative: its ``params`` merged in, judging fields replaced."""
    out = copy.deepcopy(dict(claim))
    for key in ("params", "query"):  # a query claim varies its query as other kinds vary their params
        if alternative.get(key):
            out[key] = {**dict(out.get(key) or {}), **dict(alternative[key])}
    for key in ("claimed", "tolerance", "partly_tolerance"):
        if key in alternative:
            out[key] = alternative[key]
    out.pop("alternatives", None)
    return out


def robustness(verdict: Verdict, rows: list[dict]) -> str:
    """``robust`` when every judged alternative gives ``verdict``; else ``depends on <choices>``."""
    if not Verdict(verdict).judged:
        return "n/a"
    judged = [r for r in rows if Verdict(r["verdict"]).judged]
    if not judged:
        return NOT_VARIED
    flipping = []
    for r in judged:
        if r["verdict"] != Verdict(verdict).value and r["choice"] not in flipping:
            flipping.append(r["choice"])
    if flipping:
        return "depends on " + ", ".join(flipping)
    unjudged = len(rows) - len(judged)
    return ROBUST if not unjudged else f"{ROBUST} ({len(judged)} of {len(rows)} alternatives could be judged)"


def evaluate(ctx, claim_id: str) -> Judgement:
    """Measure and judge ``claim_id`` at the context's date, and again under each listed alternative.

    A context judges a claim once: asked again for the same claim entry (a notebook shows a
    judgement, then records it), it returns a copy of the first judgement.
    """
    claim = ctx.registry["claims"].get(claim_id)
    if claim is None:
        raise ParameterError(f"unknown claim id {claim_id!r} (not in {ctx.claims_path})")
    # keyed by the entry itself: a changed entry is judged anew; a copy, so a caller's changes stay its own
    return copy.deepcopy(ctx.memo(("judgement", claim), lambda: _judge_claim(ctx, claim)))


def _judge_claim(ctx, claim: Mapping) -> Judgement:
    from rotation.fmt import value_text

    main = measure(ctx, claim)
    verdict = judge(main, claim)
    rows: list[dict] = []
    if verdict.judged:
        for alt in claim.get("alternatives", []):
            variant = with_alternative(claim, alt)
            m = measure(ctx, variant) if alt.get("params") or alt.get("query") else main
            v = judge(m, variant)
            shown = m.value if m.status is None else m.status.value
            rows.append({
                "choice": alt["choice"],
                "alternative": alt["label"],
                "measured": value_text(shown, claim.get("unit", "")),
                "decision rule": tolerance_text(variant) if tolerance_text(variant) != tolerance_text(claim) else "same",
                "verdict": v.value,
                "agrees": v == verdict if v.judged else None,
            })
    label = robustness(verdict, rows)
    table = None
    if rows:
        head = {"choice": "as registered", "alternative": "the claims file's own choice", "measured": value_text(main.value, claim.get("unit", "")),
                "decision rule": tolerance_text(claim), "verdict": verdict.value, "agrees": True}
        table = pd.DataFrame([head, *rows])
    return Judgement(claim=claim, measurement=main, verdict=verdict, robustness=label, sensitivity=table)


def agreement_share(judgement: Judgement) -> float:
    """Share of judged alternatives that give the main verdict (NaN when none was judged)."""
    table = judgement.sensitivity
    if table is None:
        return float("nan")
    alts = table.iloc[1:]
    judged = alts[alts["agrees"].notna()]
    return float(judged["agrees"].astype(bool).mean()) if len(judged) else float("nan")


__all__ = [
    "COMPARISONS",
    "Judgement",
    "UNJUDGED",
    "Verdict",
    "agreement_share",
    "applicability",
    "article_defaults",
    "claims_for_notebook",
    "claims_by_kind",
    "claims_markdown",
    "evaluate",
    "get_claim",
    "judge",
    "load_registry",
    "measure",
    "parse_period",
    "registry_file",
    "robustness",
    "tolerance_text",
    "validate_claim",
    "verdict_label",
    "with_alternative",
]
