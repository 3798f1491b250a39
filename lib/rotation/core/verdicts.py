"""The verdict vocabulary shared by every notebook, the scorecard and the report."""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    """A claim's verdict. The first three are judgements; the others say why there is none."""

    CONFIRMED = "confirmed"
    PARTLY_TRUE = "partly true"
    REFUTED = "refuted"
    NOT_VERIFIABLE = "not verifiable with the data at hand"
    NOT_TESTABLE = "not testable with price data"
    NOT_APPLICABLE = "not applicable at this date"

    def __str__(self) -> str:
        return self.value

    @property
    def judged(self) -> bool:
        """True for confirmed / partly true / refuted."""
        return self in (Verdict.CONFIRMED, Verdict.PARTLY_TRUE, Verdict.REFUTED)


__all__ = ["Verdict"]
