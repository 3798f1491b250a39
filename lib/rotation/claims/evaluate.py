"""Evaluating a claim: does it apply at the date, its measurement, its verdict, and how robust that is.

``evaluate`` measures a claim at the context's date (or says why it does not apply), judges it
(``rotation.claims.judge``), re-judges it under every listed alternative and labels it by the
reading rule (docs/readings.md): only alternatives with ``reading: allowed`` (readings the
claim's words allow) count. ``robust``: every judged allowed reading gives the main verdict;
``depends on <choice> ("<words>")``: naming the allowed readings that change it and the words
they rest on; ``not varied``: no allowed reading is listed. ``context`` alternatives (they
contradict the words) and ``sensitivity`` ones (a changed claimed value or tolerance) are shown
in the sensitivity table with their ``reading``, never counted.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from rotation.claims.judge import judge, tolerance_text, verdict_label
from rotation.claims.measures.base import KINDS, Measurement, not_applicable, not_verifiable
from rotation.claims.registry import UNJUDGED
from rotation.core.dates import parse_period
from rotation.core.errors import DataError, ParameterError
from rotation.core.fmt import value_text
from rotation.core.verdicts import Verdict

ROBUST, NOT_VARIED = "robust", "not varied"
ALLOWED, CONTEXT, SENSITIVITY = "allowed", "context", "sensitivity"


def applicability(ctx, claim: Mapping):
    """A ``Measurement`` saying the claim does not apply at the context's date, or None when it does.

    ``about: {at: as_of}`` claims always apply (they are measured at ``as_of``). A fixed period
    that looks back applies once it is over at ``as_of``; one that looks ahead applies while
    ``as_of`` falls inside it. ``premise: streak`` claims (about "the streak") apply only when a
    streak of at least the article's ``streak_premise`` sessions is in force at ``as_of``.
    """
    day = ctx.claim_date.date()
    about = claim.get("about") or {"at": "as_of"}
    if "period" in about:
        first, last = parse_period(about["period"])
        if about.get("looks", "back") == "back" and last > ctx.claim_date:
            return not_applicable(
                f"the claim is about {first.date()} to {last.date()}, which is not over at as_of {day}; it is never judged on another period"
            )
        if about.get("looks") == "ahead" and not first <= ctx.claim_date <= last:
            return not_applicable(
                f"the claim looks ahead from a date within {first.date()} to {last.date()}; as_of {day} is outside it, and the claim is never judged on a shifted period"
            )
    if claim.get("premise") == "streak":
        need = int(ctx.article.get("streak_premise", 1))
        have = int(ctx.streak["sessions"])
        if have < need:
            return not_applicable(
                f"the claim is about the streak, but the {ctx.small} > {ctx.large} streak in force at {ctx.session.date()} has {have} session(s); the claims file asks for at least {need} (article.streak_premise)"
            )
    return None


def measure(ctx, claim: Mapping):
    """The claim's measurement at the context's date (or why it does not apply / cannot be measured)."""
    if claim["compare"] in UNJUDGED:
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


def with_alternative(claim: Mapping, alternative: Mapping) -> dict:
    """The claim under one listed alternative: its ``params`` merged in, judging fields replaced."""
    out = copy.deepcopy(dict(claim))
    from rotation.language.schema import merge_keys

    for key in ("params", "query"):  # a query claim varies its query as other kinds vary their params
        if alternative.get(key):
            out[key] = merge_keys(out.get(key), alternative[key])
    if alternative.get("criteria"):  # a claim judged on several queries varies them by name
        from rotation.language.schema import merge_criteria

        out["criteria"] = merge_criteria(out["criteria"], alternative["criteria"], "alternative.criteria")
    for key in ("claimed", "tolerance", "partly_tolerance"):
        if key in alternative:
            out[key] = alternative[key]
    out.pop("alternatives", None)
    return out


def reading_words(alternative: Mapping) -> str:
    """The quote's words an alternative rests on (allowed) or contradicts (context); empty for a sensitivity."""
    return str(alternative.get("rests_on") or alternative.get("contradicts") or "")


def robustness(verdict: Verdict, rows: list[dict]) -> str:
    """The robustness label over the allowed readings only (rows with ``reading: allowed``).

    ``robust`` when every judged allowed reading gives ``verdict``; ``depends on <choice>
    ("<words>")`` naming those that do not; ``not varied`` when no allowed reading is listed.
    Rows of ``context`` and ``sensitivity`` alternatives never change the label. A row without a
    ``reading`` (made before the rule) counts as allowed.
    """
    if not Verdict(verdict).judged:
        return "n/a"
    allowed = [r for r in rows if r.get("reading", ALLOWED) == ALLOWED]
    judged = [r for r in allowed if Verdict(r["verdict"]).judged]
    if not judged:
        return NOT_VARIED
    flipping: list[str] = []
    for r in judged:
        name = r["choice"] + (f' ("{r["words"]}")' if r.get("words") else "")
        if r["verdict"] != Verdict(verdict).value and name not in flipping:
            flipping.append(name)
    if flipping:
        return "depends on " + ", ".join(flipping)
    unjudged = len(allowed) - len(judged)
    return ROBUST if not unjudged else f"{ROBUST} ({len(judged)} of {len(allowed)} allowed readings could be judged)"


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
    main = measure(ctx, claim)
    verdict = judge(main, claim)
    rows: list[dict] = []
    if verdict.judged:
        for alt in claim.get("alternatives", []):
            variant = with_alternative(claim, alt)
            m = measure(ctx, variant) if alt.get("params") or alt.get("query") or alt.get("criteria") else main
            v = judge(m, variant)
            shown = m.value if m.status is None else m.status.value
            rows.append(
                {
                    "choice": alt["choice"],
                    "alternative": alt["label"],
                    "reading": alt.get("reading", ALLOWED),
                    "words": reading_words(alt),
                    "measured": value_text(shown, claim.get("unit", "")),
                    "decision rule": tolerance_text(variant)
                    if tolerance_text(variant) != tolerance_text(claim)
                    else "same",
                    "verdict": v.value,
                    "agrees": v == verdict if v.judged else None,
                }
            )
    label = robustness(verdict, rows)
    table = None
    if rows:
        head = {
            "choice": "as registered",
            "alternative": "the claims file's own choice",
            "reading": "registered",
            "words": str(claim.get("part", "")),
            "measured": value_text(main.value, claim.get("unit", "")),
            "decision rule": tolerance_text(claim),
            "verdict": verdict.value,
            "agrees": True,
        }
        table = pd.DataFrame([head, *rows])
    return Judgement(claim=claim, measurement=main, verdict=verdict, robustness=label, sensitivity=table)


def agreement_share(judgement: Judgement) -> float:
    """Share of judged allowed readings that give the main verdict (NaN when none was judged)."""
    table = judgement.sensitivity
    if table is None:
        return float("nan")
    alts = table.iloc[1:]
    alts = alts[alts["reading"] == ALLOWED] if "reading" in alts else alts
    judged = alts[alts["agrees"].notna()]
    return float(judged["agrees"].astype(bool).mean()) if len(judged) else float("nan")
