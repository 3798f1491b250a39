"""Display formatting: returns are fractions inside the package, percent or bp only here."""

from __future__ import annotations

import math
from collections.abc import Mapping

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


DISPLAY_UNITS = {"fraction": "%", "probability": "probability"}


def display_unit(unit: str) -> str:
    """The unit as shown to readers: returns kept as fractions inside the package are shown in percent."""
    return DISPLAY_UNITS.get(unit, unit)


def value_text(value: object, unit: str = "") -> str:
    """A measured or claimed value as display text: fractions as percent, criteria as 'name: yes/no'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {'n/a' if v is None else 'yes' if v else 'no'}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if unit == "fraction":
            return f"{value * 100:+.2f}%"
        if unit == "probability":  # three decimals; two significant digits below 0.001 (never a misleading 0.000)
            return f"{value:.3f}" if value == 0 or abs(value) >= 0.001 else f"{value:.2g}"
        if unit == "percent":
            return f"{value:.2f}%"
        if unit.startswith("bp"):
            return f"{value:.1f} {unit}"
        if isinstance(value, int) or float(value).is_integer():
            return f"{int(value)} {unit}".strip()
        return f"{value:.4g} {unit}".strip()
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, unit) for v in value)
    return str(value)
