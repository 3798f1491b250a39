"""The ``query`` kind: a claim written in the claim language (``rotation.language``), measured at its date.

The claim's ``query:`` mapping names the subject, measure, window or event and the comparison
with history; its date is ``about.at`` when that is a date (``YYYY-MM-DD``), else the run's
``as_of``. A claim dated after the run's ``as_of`` does not apply yet (it would need data from
after the date the claims are checked at). Series load through the context (cut at
``data_end``); a missing series or a date the data do not reach gives "not verifiable" naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation.claims.measures.base import Measurement, kind, not_applicable, not_verifiable
from rotation.core.errors import DataError
from rotation.core.fmt import day, value_text

if TYPE_CHECKING:
    from rotation.claims.measuring import Context


def claim_date(ctx: Context, claim: Mapping) -> pd.Timestamp:
    """The claim's own date (``about.at: YYYY-MM-DD``) or the run's ``as_of``."""
    at = (claim.get("about") or {}).get("at", "as_of")
    return ctx.claim_date if str(at) == "as_of" else pd.Timestamp(str(at))


def _max_age(ctx: Context, query: Mapping) -> int:
    """Days a reading may lag the claim date: a week for daily series, two months for monthly ones."""
    from rotation.data.catalogue import series_spec

    ids = [query["series"]] if query.get("series") else list(query.get("pair") or [])
    monthly = any(getattr(series_spec(str(s)), "frequency", "daily") == "monthly" for s in ids)
    return 62 if monthly else 7


def _read(ctx: Context, query: Mapping, when: pd.Timestamp):
    """The query's ``Result`` at ``when`` (kept per context), or a ``Measurement`` saying why the data cannot settle it."""
    from rotation.language.query import describe, evaluate

    try:
        return ctx.memo(
            ("query", query, str(when)), lambda: evaluate(query, ctx.prices, when, max_age_days=_max_age(ctx, query))
        )
    except DataError as exc:
        return not_verifiable(f"the data cannot settle it: {exc}", definition=describe(query))


def criterion_met(value: object, criterion: Mapping) -> bool | None:
    """Whether one criterion's measured value meets its rule (``claims.judge``); None when there is no value."""
    from rotation.claims.judge import judge
    from rotation.core.verdicts import Verdict

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return judge(value, criterion) == Verdict.CONFIRMED


def criterion_rule(criterion: Mapping) -> str:
    """One criterion's rule in words (``= 13 within 0``, ``>= 0.1``, ``true``)."""
    compare = criterion["compare"]
    if compare == "boolean":
        return "true"
    sign = {"equal": "=", "at_least": ">=", "at_most": "<=", "above": ">", "below": "<"}[compare]
    tol = criterion.get("tolerance", 0)
    return f"{sign} {criterion['claimed']:g}" + (f" (tolerance {tol:g})" if tol else "")


def _criteria_measure(ctx: Context, claim: Mapping, when: pd.Timestamp) -> Measurement:
    """Several queries, each judged on its own rule: ``value`` is ``{name: met}`` (``compare: criteria``)."""
    from rotation.language.query import describe

    met, rows, windows = {}, [], []
    for name, criterion in dict(claim["criteria"]).items():
        query = dict(criterion["query"])
        result = _read(ctx, query, when)
        value = None if isinstance(result, Measurement) else result.value
        met[name] = criterion_met(value, criterion)
        if not isinstance(result, Measurement) and result.window:
            windows.append(result.window)
        rows.append(
            {
                "criterion": name,
                "query": describe(query),
                "measured": value,
                "rule": criterion_rule(criterion),
                "met": met[name],
                "how": result.reason if isinstance(result, Measurement) else result.detail,
            }
        )
    evidence = pd.DataFrame(rows).set_index("criterion")
    detail = "; ".join(
        f"{r['criterion']}: {value_text(r['measured'])} {r['rule']} -> "
        f"{'met' if r['met'] else 'not met' if r['met'] is not None else 'cannot say'}"
        for r in rows
    )
    window = (min(w[0] for w in windows), max(w[1] for w in windows)) if windows else None
    if any(v is None for v in met.values()):
        missing = [r["how"] for r in rows if r["met"] is None]
        return not_verifiable("; ".join(missing), definition=detail, evidence=evidence, window=window)
    return Measurement(
        value=met,
        unit="criteria",
        window=window,
        definition="criteria, each a query judged on its own rule: "
        + "; ".join(f"{r['criterion']} ({r['query']}, {r['rule']})" for r in rows),
        detail=detail,
        evidence=evidence,
    )


@kind("query")
def query_measure(ctx: Context, claim: Mapping) -> Measurement:
    """Evaluate the claim's ``query`` at its date; ``value`` is the query's result in the claim's ``unit``.

    A claim with ``criteria:`` instead evaluates each named query and judges it on its own rule
    (``{name: met}``, judged as ``compare: criteria``).
    """
    from rotation.language.query import describe

    when = claim_date(ctx, claim)
    if when > ctx.claim_date:
        return not_applicable(
            f"the claim is dated {day(when)}, after as_of {day(ctx.claim_date)}; it is judged only with data to its own date"
        )
    if claim.get("criteria"):
        return _criteria_measure(ctx, claim, when)
    query = dict(claim["query"])
    result = _read(ctx, query, when)
    if isinstance(result, Measurement):
        return result
    window = result.window or (result.session, result.session)
    extra = {"session": result.session, "raw": result.raw, "since": result.since, "n": result.n}
    if result.value is None:
        return not_verifiable(result.detail, definition=describe(query), window=window, extra=extra)
    return Measurement(
        value=result.value,
        unit=claim.get("unit", ""),
        window=window,
        definition=describe(query),
        detail=result.detail,
        evidence=result.evidence,
        extra=extra,
    )
