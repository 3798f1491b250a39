"""Parameter values that are safe to hand to a notebook: strict YAML, element-by-element types, plain literals.

Three layers, all applied before any kernel starts:

* ``rotation.core.strict_yaml.yaml_load`` parses YAML with a loader that refuses tags
  (``!!binary``, ``!!omap``, ``!!python/...``), aliases and duplicate keys, and keeps dates as text.
* ``check_structure`` compares a value with the shape of the notebook's default, element by
  element (``other_pairs = [["iwm", "spy"]]`` is a list of lists of series ids, ``horizons =
  [5, 20]`` a list of whole numbers), and checks text for control characters.
* ``check_literal`` proves that the assignment papermill injects into the notebook is a plain
  Python literal that evaluates back to the very same value, so no value can become code.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import yaml

from rotation.core.errors import ParameterError

MAX_TEXT_LENGTH = 1000  # characters in one text value
SERIES_LIST_PARAMETERS = {"banks", "megacaps"}  # lists of series ids or tickers
SERIES_PAIR_PARAMETERS = {"other_pairs"}  # lists of [small, large] pairs of series ids
DATE_LIST_PARAMETERS = {"suspect_dates"}  # lists of YYYY-MM-DD dates


# ---------------------------------------------------------------------------------------------
# Shapes


def default_value(default_source: str | None) -> object:
    """The notebook's default as a Python value (None when it is not a plain literal)."""
    try:
        return ast.literal_eval(default_source) if default_source else None
    except (ValueError, SyntaxError):
        return None


def _kind_word(example: object) -> str:
    if isinstance(example, bool):
        return "true or false"
    if isinstance(example, int):
        return "a whole number"
    if isinstance(example, float):
        return "a number"
    if isinstance(example, str):
        return "text"
    if isinstance(example, (list, tuple)):
        return "a list"
    return "a plain value"


def check_text(name: str, text: str) -> None:
    """Text without control characters, at most ``MAX_TEXT_LENGTH`` characters."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise ParameterError(f"parameter {name}: text holds a control character ({char!r})")
    if len(text) > MAX_TEXT_LENGTH:
        raise ParameterError(f"parameter {name}: text is {len(text)} characters long (at most {MAX_TEXT_LENGTH})")


def check_plain(name: str, value: object, where: str = "") -> None:
    """Only None, true/false, whole numbers, finite numbers, text and lists of these."""
    label = f"parameter {name}{where}"
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{label}: must be a finite number, got {value!r}")
        return
    if isinstance(value, str):
        check_text(name + where, value)
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_plain(name, item, f"{where}[{i}]")
        return
    kind = "a mapping" if isinstance(value, Mapping) else type(value).__name__
    raise ParameterError(f"{label}: expected a number, text or a list of them, got {kind}")


def check_structure(name: str, value: object, example: object, where: str = "") -> None:
    """Check ``value`` against ``example`` (the default's shape) element by element; None accepts any plain value."""
    check_plain(name, value, where)
    if example is None or value is None:
        return
    label = f"parameter {name}{where}"
    if isinstance(example, (list, tuple)):
        if not isinstance(value, list):
            raise ParameterError(f"{label}: expected a list, got {value!r}")
        inner = example[0] if example else None
        for i, item in enumerate(value):
            check_structure(name, item, inner, f"{where}[{i}]")
        return
    if isinstance(example, bool):
        ok = isinstance(value, bool)
    elif isinstance(example, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(example, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(example, str):
        ok = isinstance(value, str)
    else:
        ok = True
    if not ok:
        raise ParameterError(f"{label}: expected {_kind_word(example)}, got {value!r}")


def check_meaning(name: str, value: object) -> None:
    """Checks that depend on what a list parameter means: series ids, pairs of series ids, dates."""
    import datetime as dt

    from rotation.data.catalogue import series_spec

    if value is None:
        return
    items = value if isinstance(value, list) else [value]
    if name in SERIES_LIST_PARAMETERS | SERIES_PAIR_PARAMETERS:
        for i, item in enumerate(items):
            members = item if name in SERIES_PAIR_PARAMETERS else [item]
            if name in SERIES_PAIR_PARAMETERS and (not isinstance(item, list) or len(item) != 2):
                raise ParameterError(f"parameter {name}[{i}]: expected a [small, large] pair of series ids, got {item!r}")
            for j, member in enumerate(members):
                at = f"[{i}][{j}]" if name in SERIES_PAIR_PARAMETERS else f"[{i}]"
                if not isinstance(member, str):
                    raise ParameterError(f"parameter {name}{at}: expected a series id, got {member!r}")
                try:
                    series_spec(member)
                except ParameterError as exc:
                    raise ParameterError(f"parameter {name}{at}: {exc}") from None
    if name in DATE_LIST_PARAMETERS:
        for i, item in enumerate(items):
            try:
                if not isinstance(item, str) or len(item) != 10:
                    raise ValueError
                dt.date.fromisoformat(item)
            except ValueError:
                raise ParameterError(f"parameter {name}[{i}]: {item!r} is not a date (expected YYYY-MM-DD)") from None


# ---------------------------------------------------------------------------------------------
# What reaches the notebook


def _same(a: object, b: object) -> bool:
    """Equal values of equal types, recursively (``True`` is not ``1``, ``1`` is not ``1.0``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def injected_source(value: object) -> str:
    """The Python source papermill writes into the injected-parameters cell for ``value``."""
    from papermill.translators import PythonTranslator

    return PythonTranslator.translate(value)


def check_literal(name: str, value: object) -> None:
    """Refuse a value whose injected source is not a plain literal evaluating back to the same value."""
    check_plain(name, value)
    source = injected_source(value)
    try:
        back = ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        back = ParameterError  # a sentinel that equals no value
    if not _same(back, value):
        raise ParameterError(f"parameter {name}: value {value!r} cannot be passed to a notebook as a plain literal")


def check_all_literal(parameters: Mapping[str, object]) -> None:
    for name, value in parameters.items():
        check_literal(name, value)


__all__ = [
    "StrictLoader",
    "check_all_literal",
    "check_literal",
    "check_meaning",
    "check_plain",
    "check_structure",
    "default_value",
    "injected_source",
]
