"""The claims registry (``data/claims.yaml``) and the one rule that turns a measurement into a verdict.

A registry entry states the article's words, what is measured, the claimed value, its unit,
how to compare (``compare``) and the tolerance that decides. ``judge`` applies it:

* ``equal``     confirmed if ``|measured - claimed| <= tolerance``; partly true if within
                ``partly_tolerance`` (when given); refuted otherwise.
* ``at_least``  confirmed if ``measured >= claimed - tolerance``; partly true if
                ``measured >= claimed - partly_tolerance``; refuted otherwise.
* ``at_most``   the mirror image of ``at_least``.
* ``boolean``   confirmed if the measured statement is true, refuted if false.
* ``criteria``  a dict of named booleans: all true confirmed, some true partly true, none refuted.
* ``untestable`` always "not testable with price data" (the entry gives the reason).
* ``no_data``   always "not verifiable with the data at hand": prices could test it, but the
                series needed are not in the data (the entry gives the reason and what would settle it).

A measured value of None/NaN gives "not verifiable with the data at hand".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import Enum
from functools import lru_cache
from pathlib import Path

import yaml

from rotation.errors import ParameterError
from rotation.paths import registry_path


class Verdict(str, Enum):
    """The verdict vocabulary shared by every notebook and the scorecard."""

    CONFIRMED = "confirmed"
    PARTLY_TRUE = "partly true"
    REFUTED = "refuted"
    NOT_VERIFIABLE = "not verifiable with the data at hand"
    NOT_TESTABLE = "not testable with price data"

    def __str__(self) -> str:
        return self.value


COMPARISONS = {"equal", "at_least", "at_most", "boolean", "criteria", "untestable", "no_data"}
UNJUDGED = {"untestable", "no_data"}  # entries that carry a reason instead of a claimed value
REQUIRED_KEYS = {"quote", "notebook", "measure", "compare"}


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    if not isinstance(doc, dict) or "claims" not in doc or "article" not in doc:
        raise ParameterError(f"{path}: expected top-level keys 'article' and 'claims'")
    for claim_id, entry in doc["claims"].items():
        missing = REQUIRED_KEYS - set(entry)
        if missing:
            raise ParameterError(f"{path}: claim {claim_id!r} lacks {sorted(missing)[0]!r}")
        if entry["compare"] not in COMPARISONS:
            raise ParameterError(f"{path}: claim {claim_id!r} has unknown compare {entry['compare']!r}")
        if entry["compare"] in UNJUDGED and not entry.get("reason"):
            raise ParameterError(f"{path}: claim {claim_id!r} ({entry['compare']}) needs a 'reason'")
        entry.setdefault("id", claim_id)
    return doc


def load_registry(path: str | Path | None = None) -> dict:
    """The whole registry: ``{"article": {...}, "claims": {id: entry}}``."""
    target = Path(path) if path else registry_path()
    if not target.is_file():
        raise ParameterError(f"claims registry {target} not found")
    return _load(str(target), target.stat().st_mtime)


def article_defaults(path: str | Path | None = None) -> dict:
    """The article's defaults (``as_of``, ``small``, ``large``, ``title``...) from the registry."""
    return dict(load_registry(path)["article"])


def get_claim(claim_id: str, path: str | Path | None = None) -> dict:
    """One registry entry by id."""
    claims = load_registry(path)["claims"]
    if claim_id not in claims:
        raise ParameterError(f"unknown claim id {claim_id!r} (not in {path or registry_path()})")
    return dict(claims[claim_id])


def claims_for_notebook(notebook: str, path: str | Path | None = None) -> dict[str, dict]:
    """The registry entries a notebook (by stem, e.g. ``01_streak``) is responsible for."""
    return {cid: dict(c) for cid, c in load_registry(path)["claims"].items() if c["notebook"] == notebook}


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def judge(measured: object, claim: Mapping, *, claimed: object = None, tolerance: float | None = None) -> Verdict:
    """Verdict for ``measured`` against a registry entry (``claimed``/``tolerance`` override the entry's)."""
    compare = claim["compare"]
    if compare == "untestable":
        return Verdict.NOT_TESTABLE
    if compare == "no_data":
        return Verdict.NOT_VERIFIABLE
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


def tolerance_text(claim: Mapping) -> str:
    """The decision rule of a claim in words, for verdict tables."""
    compare, unit = claim["compare"], claim.get("unit", "")
    if compare in UNJUDGED:
        return "n/a: " + claim.get("reason", "")
    if compare == "boolean":
        return "confirmed if the measured statement is true"
    if compare == "criteria":
        return "all criteria true: confirmed; some: partly true; none: refuted"
    tol, partly = claim.get("tolerance", 0), claim.get("partly_tolerance")
    rule = {"equal": "|measured - claimed| <= {t}", "at_least": "measured >= claimed - {t}", "at_most": "measured <= claimed + {t}"}[compare]
    text = rule.format(t=f"{tol} {unit}".strip())
    if partly is not None:
        text += f" (partly true within {partly} {unit})".replace("  ", " ")
    return text
