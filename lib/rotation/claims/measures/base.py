"""What every measure shares: ``Measurement`` and the kind registry (``KINDS``, ``@kind``).

A *kind* is a way of measuring a claim ("the streak in force at a date has N sessions", "a
fund's return over a window is at least X", ...). Each kind is a pure function
``fn(ctx, claim) -> Measurement`` registered with ``@kind("name")``; it reads the claim's
parameters from ``claim["params"]`` and never decides the verdict (``rotation.claims.judge``
does). When the data cannot settle the claim it returns a ``Measurement`` whose ``status``
says so and whose ``reason`` names the series and dates that would.

A measure receives the run's ``rotation.claims.measuring.Context`` (claim date, data end, pair,
data folder, loaded series).

Within ``rotation.claims`` (docs/architecture.md): measures (this module, one module per area,
``params``) -> registry (the claims file) -> measuring (``Context``) -> judge (the verdict rule) ->
evaluate (applicability, alternatives, robustness).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from rotation.core.verdicts import Verdict

if TYPE_CHECKING:  # measures receive a Context; they never import the module that loads claims files
    from rotation.claims.measuring import Context

UNJUDGED_STATUSES = (Verdict.NOT_VERIFIABLE, Verdict.NOT_APPLICABLE, Verdict.NOT_TESTABLE)


@dataclass(frozen=True)
class Measurement:
    """What was measured for one claim.

    ``value``: a float in ``unit`` (returns as fractions), a bool, or a dict of named criteria
    (``{name: bool}``); ``window``: first and last date of the data used; ``definition``: what
    was measured (price vs total return, close to close, arithmetic vs log); ``detail``: the
    evidence in words; ``evidence``: the rows a notebook shows; ``status``/``reason``: set only
    when the claim cannot be judged (not verifiable, not applicable at this date, not testable).
    """

    value: object = None
    unit: str = ""
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None
    definition: str = ""
    detail: str = ""
    evidence: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    status: Verdict | None = None
    reason: str = ""
    extra: Mapping = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.status is not None and Verdict(self.status) not in UNJUDGED_STATUSES:
            raise ValueError(
                "a Measurement's status may only say the claim cannot be judged; verdicts come from claims.judge"
            )


def not_verifiable(reason: str, **fields) -> Measurement:
    """A measurement the data at hand cannot settle; ``reason`` names the series and dates that would."""
    return Measurement(status=Verdict.NOT_VERIFIABLE, reason=reason, **fields)


def not_applicable(reason: str, **fields) -> Measurement:
    """A claim that does not apply at the run's date (a fixed period outside it, a premise that fails)."""
    return Measurement(status=Verdict.NOT_APPLICABLE, reason=reason, **fields)


KINDS: dict[str, Callable[[Context, Mapping], Measurement]] = {}


def kind(name: str) -> Callable:
    """Register a measure function under a claim kind."""

    def register(fn: Callable) -> Callable:
        if name in KINDS and KINDS[name] is not fn:
            raise ValueError(f"claim kind {name!r} registered twice")
        KINDS[name] = fn
        fn.kind = name
        return fn

    return register


def params(claim: Mapping) -> dict:
    """The claim's kind parameters (``claim["params"]``), as a plain dict."""
    return dict(claim.get("params") or {})


def pair_context(ctx: Context, claim: Mapping) -> Context:
    """The context on the claim's ``params.pair`` (``[small, large]``) when it names one, else ``ctx``."""
    pair = params(claim).get("pair")
    return ctx.for_pair(str(pair[0]), str(pair[1])) if pair else ctx


__all__ = ["KINDS", "Measurement", "kind", "not_applicable", "not_verifiable", "pair_context", "params"]
