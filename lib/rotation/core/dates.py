"""Date notation shared by claims files and queries: a fixed period ``"YYYY-MM-DD to YYYY-MM-DD"``."""

from __future__ import annotations

import pandas as pd

from rotation.core.errors import ParameterError


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
