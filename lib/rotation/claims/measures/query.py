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

import pandas as pd

from rotation.claims.measures.base import Measurement, kind, not_applicable, not_verifiable
from rotation.core.errors import DataError
from rotation.core.fmt import day

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


@kind("query")
def query_measure(ctx: Context, claim: Mapping) -> Measurement:
    """Evaluate the claim's ``query`` at its date; ``value`` is the query's result in the claim's ``unit``."""
    from rotation.language.query import describe, evaluate

    query = dict(claim["query"])
    when = claim_date(ctx, claim)
    if when > ctx.claim_date:
        return not_applicable(
            f"the claim is dated {day(when)}, after as_of {day(ctx.claim_date)}; it is judged only with data to its own date"
        )
    try:
        result = ctx.memo(
            ("query", query, str(when)), lambda: evaluate(query, ctx.prices, when, max_age_days=_max_age(ctx, query))
        )
    except DataError as exc:
        return not_verifiable(f"the data cannot settle it: {exc}", definition=describe(query))
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
