"""Display formatting: returns are fractions inside the package, percent or bp only here."""

from __future__ import annotations

import math

import pandas as pd


def pct(x: float, digits: int = 2, signed: bool = True) -> str:
    """A fraction as percent text: 0.0123 -> '+1.23%'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x * 100:{'+' if signed else ''}.{digits}f}%"


def bp(x: float, digits: int = 1) -> str:
    """A fraction as basis points text: 0.0045 -> '+45.0 bp'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x * 1e4:+.{digits}f} bp"


def day(x: object) -> str:
    """A date as YYYY-MM-DD ('n/a' for NaT/None)."""
    if x is None or x is pd.NaT or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return str(pd.Timestamp(x).date())
