"""``Context``: what the measurements of one notebook run share.

The claims file (loaded and checked through ``rotation.claims.registry``), the claim date ``as_of``
(resolved to a session), the end of the data used ``data_end``, the index pair and the data
folder, with a per-context cache of loaded series and a memo of judgements. Every measure
(``rotation.claims.measures``) receives one; a notebook builds it from its parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from rotation.core.errors import DataError, ParameterError


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
        from rotation.claims import registry

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
            raise ParameterError(
                f"parameters small and large: both are {self.small!r}; the streak compares two different series"
            )

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
            from rotation.data import loading

            loaded = loading.load(key, data_dir=self.data_dir)
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
        from rotation.analytics.streaks import aligned_returns

        return aligned_returns(self.prices(self.small), self.prices(self.large))

    @cached_property
    def _resolved(self) -> tuple[pd.Timestamp, str]:
        """``as_of`` resolved on the common calendar, and the note saying so (``streaks.resolve_as_of``)."""
        from rotation.analytics.streaks import resolve_as_of

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
        from rotation.analytics.streaks import streak_at

        current = streak_at(self.returns, self.session).copy()
        index = self.returns.index
        current["base"] = (
            index[index.get_loc(current["start"]) - 1]
            if current["sessions"] and index.get_loc(current["start"]) > 0
            else pd.NaT
        )
        return current

    def for_pair(self, small: str, large: str) -> Context:
        """The same claim date, data end and claims file on another index pair (shares the series cache)."""
        if (small, large) == (self.small, self.large):
            return self
        return Context(
            as_of=self.as_of,
            data_end=self.data_end,
            small=small,
            large=large,
            claims=self.claims,
            data_dir=self.data_dir,
            _series=self._series,
            derived=True,
        )

    def describe(self) -> str:
        """One line: pair, claim date, data end."""
        end = f"data to {self.end.date()}" if self.end is not None else "all data"
        return f"{self.small} vs {self.large}; claims dated {self.claim_date.date()}; {end}; claims file {Path(self.claims_path).name}"


__all__ = ["Context"]
