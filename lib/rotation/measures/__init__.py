"""Measurements: one function per kind of claim, each returning one immutable ``Measurement``.

A *kind* is a way of measuring a claim ("the streak in force at a date has N sessions", "a
fund's return over a window is at least X", ...). Each kind is a pure function
``fn(ctx, claim) -> Measurement`` registered with ``@kind("name")``; it reads the claim's
parameters from ``claim["params"]`` and never decides the verdict (``rotation.claims.judge``
does). When the data cannot settle the claim it returns a ``Measurement`` whose ``status``
says so and whose ``reason`` names the series and dates that would.

``Context`` carries what every measurement of one notebook run shares: the claims file, the
claim date ``as_of`` (resolved to a session), the end of the data used ``data_end``, the index
pair and the data folder, with a per-context cache of loaded series.

Layers (see docs/architecture.md): data -> analytics (streaks, spread, episodes, forward,
nulls, context, returns) -> measures (this package) -> claims (judge, robustness) -> outputs
(results, scorecard, plots, report) -> runner/CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from rotation.errors import DataError, ParameterError
from rotation.verdicts import Verdict

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
            raise ValueError("a Measurement's status may only say the claim cannot be judged; verdicts come from claims.judge")


def not_verifiable(reason: str, **fields) -> Measurement:
    """A measurement the data at hand cannot settle; ``reason`` names the series and dates that would."""
    return Measurement(status=Verdict.NOT_VERIFIABLE, reason=reason, **fields)


def not_applicable(reason: str, **fields) -> Measurement:
    """A claim that does not apply at the run's date (a fixed period outside it, a premise that fails)."""
    return Measurement(status=Verdict.NOT_APPLICABLE, reason=reason, **fields)


KINDS: dict[str, Callable[["Context", Mapping], Measurement]] = {}


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


def pair_context(ctx: "Context", claim: Mapping) -> "Context":
    """The context on the claim's ``params.pair`` (``[small, large]``) when it names one, else ``ctx``."""
    pair = params(claim).get("pair")
    return ctx.for_pair(str(pair[0]), str(pair[1])) if pair else ctx


@dataclass
class Context:
    """Everything the measurements of one notebook run share.

    ``as_of``: the date the claims are made at (``""``: the article's date); ``data_end``: last
    date of data used (``""``: all data); ``small``/``large``: the index pair (``""``: the
    article's); ``claims``: path of the claims file (``""``: ``data/claims.yaml``).
    """

    as_of: str = ""
    data_end: str = ""
    small: str = ""
    large: str = ""
    claims: str = ""
    data_dir: str = ""
    _series: dict = field(default_factory=dict, repr=False)
    derived: bool = field(default=False, repr=False)  # a context for an alternative (another pair), not the run's own

    def __post_init__(self) -> None:
        from rotation import claims as registry

        self.registry = registry.load_registry(self.claims or None)
        self.article = dict(self.registry["article"])
        self.claims_path = registry.registry_file(self.claims or None)
        self.small = self.small or self.article["small"]
        self.large = self.large or self.article["large"]
        self.claim_date = pd.Timestamp(self.as_of or self.article["as_of"])
        self.end = pd.Timestamp(self.data_end) if self.data_end else None
        if self.end is not None and self.end < self.claim_date:
            raise ParameterError(f"parameter data_end: {self.end.date()} is before as_of {self.claim_date.date()}")
        if self.small == self.large:
            raise ParameterError(f"parameters small and large: both are {self.small!r}; the streak compares two different series")

    def memo(self, key: object, compute: Callable[[], object]) -> object:
        """``compute()`` once per ``key`` (any JSON-able value) for this context, then the same result again.

        Alternatives of one claim share feature tables and grids; a claim shown and then recorded
        is judged once. A key names everything the result depends on beyond the context itself.
        """
        import json

        store = self.__dict__.setdefault("_memo", {})
        text = json.dumps(key, sort_keys=True, default=str)
        if text not in store:
            store[text] = compute()
        return store[text]

    # ---- data
    def prices(self, series_id: str) -> pd.Series:
        """A series from the data layer (cached per context), cut at ``data_end``."""
        key = str(series_id)
        if key not in self._series:
            from rotation import data

            loaded = data.load(key, data_dir=self.data_dir)
            if self.end is not None:
                cut = loaded.loc[: self.end]
                cut.attrs = dict(loaded.attrs)
                loaded = cut
            if len(loaded) == 0:
                raise DataError(f"series {key!r} has no rows on or before data_end {self.end.date()}")
            self._series[key] = loaded
        return self._series[key]

    def try_prices(self, series_id: str) -> tuple[pd.Series | None, str]:
        """``(series, "")`` or ``(None, why it could not be loaded)``."""
        try:
            return self.prices(series_id), ""
        except (DataError, ParameterError) as exc:
            return None, str(exc)

    @cached_property
    def returns(self) -> pd.DataFrame:
        """Aligned daily price returns of ``small`` and ``large`` (common calendar), up to ``data_end``."""
        from rotation.streaks import aligned_returns

        return aligned_returns(self.prices(self.small), self.prices(self.large))

    @cached_property
    def _resolved(self) -> tuple[pd.Timestamp, str]:
        """``as_of`` resolved on the common calendar, and the note saying so (``streaks.resolve_as_of``)."""
        from rotation.streaks import resolve_as_of

        try:
            return resolve_as_of(self.returns.index, self.claim_date)
        except ParameterError as exc:
            if not self.derived:  # the run's own pair: as_of itself is out of range
                raise
            span = f"{self.returns.index[0].date()} to {self.returns.index[-1].date()}"
            raise DataError(f"{self.small} vs {self.large} returns cover {span}: {exc}") from None

    @property
    def session(self) -> pd.Timestamp:
        """``as_of`` resolved to a session of the common calendar (the previous one if it is not a session)."""
        return self._resolved[0]

    @property
    def as_of_note(self) -> str:
        """Says whether ``as_of`` was a session or was moved to the previous one."""
        return self._resolved[1]

    @cached_property
    def returns_at(self) -> pd.DataFrame:
        """The aligned returns up to ``as_of`` only (what was known on the claim's date)."""
        return self.returns.loc[: self.session]

    @cached_property
    def streak(self) -> pd.Series:
        """The outperformance streak in force at ``as_of``: start, end, sessions (0 when none), base close date."""
        from rotation.streaks import streak_at

        current = streak_at(self.returns, self.session).copy()
        index = self.returns.index
        current["base"] = index[index.get_loc(current["start"]) - 1] if current["sessions"] and index.get_loc(current["start"]) > 0 else pd.NaT
        return current

    def for_pair(self, small: str, large: str) -> "Context":
        """The same claim date, data end and claims file on another index pair (shares the series cache)."""
        if (small, large) == (self.small, self.large):
            return self
        return Context(as_of=self.as_of, data_end=self.data_end, small=small, large=large, claims=self.claims,
                       data_dir=self.data_dir, _series=self._series, derived=True)

    def describe(self) -> str:
        """One line: pair, claim date, data end."""
        end = f"data to {self.end.date()}" if self.end is not None else "all data"
        return f"{self.small} vs {self.large}; claims dated {self.claim_date.date()}; {end}; claims file {Path(self.claims_path).name}"


# Register every kind (imports for their side effect).
from rotation.measures import history as _history  # noqa: E402,F401
from rotation.measures import spread as _spread  # noqa: E402,F401
from rotation.measures import streak as _streak  # noqa: E402,F401
from rotation.measures import context as _context  # noqa: E402,F401
from rotation.measures import odds as _odds  # noqa: E402,F401
from rotation.measures import query as _query  # noqa: E402,F401
from rotation.measures import macro as _macro  # noqa: E402,F401

__all__ = ["KINDS", "Context", "Measurement", "kind", "not_applicable", "not_verifiable", "pair_context", "params"]
