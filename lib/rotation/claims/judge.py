"""The one rule that turns a measurement into a verdict, and the words that show it.

``judge`` compares one measurement with the claim:

* ``equal``     confirmed if ``|measured - claimed| <= tolerance``; partly true within
                ``partly_tolerance`` (when given); refuted otherwise.
* ``at_least``  confirmed if ``measured >= claimed - tolerance``; partly true if
                ``measured >= claimed - partly_tolerance``; refuted otherwise.
* ``at_most``   the mirror image of ``at_least``.
* ``above``     confirmed if ``measured > claimed`` strictly, refuted otherwise (no tolerance: a yield
                "rose" when its change is above 0 bp, and one unchanged to the basis point did not).
* ``below``     the mirror image of ``above``.
* ``boolean``   confirmed if the measured statement is true, refuted if false.
* ``criteria``  a dict of named booleans: all true confirmed, some true partly true, none refuted.
* ``untestable`` always "not testable with price data" (the entry gives the reason).
* ``no_data``   always "not verifiable with the data at hand" (the entry says which series would settle it).

A measurement without a value, or one whose ``status`` says it cannot be judged, gives that
status (not verifiable / not applicable at this date).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rotation.claims.measures.base import Measurement
from rotation.claims.registry import UNJUDGED
from rotation.core.fmt import display_unit, value_text
from rotation.core.verdicts import Verdict

STRICT = ("above", "below")  # strict comparisons: no tolerance, no partly true


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def judge(measured: object, claim: Mapping, *, claimed: object = None, tolerance: float | None = None) -> Verdict:
    """Verdict for ``measured`` (a value or a ``Measurement``) against a claim entry."""
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
    value = float(measured)  # type: ignore[arg-type]
    if compare in STRICT:
        met = value > target if compare == "above" else value < target
        return Verdict.CONFIRMED if met else Verdict.REFUTED
    tol = float(claim.get("tolerance", 0.0) if tolerance is None else tolerance)
    partly = claim.get("partly_tolerance")
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
    if unit == "fraction":
        return f"{float(x) * 100:g} percentage points"
    if unit == "percent":  # a rate in percent: its tolerance is in percentage points
        return f"{float(x):g} percentage points"
    return f"{x:g} {display_unit(unit)}".strip() if isinstance(x, (int, float)) else f"{x} {display_unit(unit)}".strip()


def tolerance_text(claim: Mapping) -> str:
    """The decision rule of a claim in words, in the unit shown to readers (percent, bp, sessions...)."""
    compare, unit = claim["compare"], claim.get("unit", "")
    if compare in UNJUDGED:
        return "n/a: " + claim.get("reason", "")
    if compare == "boolean":
        return "confirmed if the measured statement is true, refuted if false"
    if compare == "criteria":
        generic = "all criteria true: confirmed; some true: partly true; none: refuted"
        return f"{claim['rule']} ({generic})" if claim.get("rule") else generic
    claimed = value_text(claim["claimed"], unit)
    if compare in STRICT:
        return f"confirmed if the measured value is strictly {compare} {claimed}; refuted otherwise"
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


def verdict_label(verdict: Verdict | str, robustness: str) -> str:
    """``confirmed`` / ``confirmed, but depends on threshold`` / ``not verifiable ...``."""
    text = Verdict(verdict).value
    if Verdict(verdict).judged and robustness.startswith("depends on"):
        return f"{text}, but {robustness}"
    return text
