"""Parameter values that are safe to hand to a notebook: strict YAML, element-by-element types, plain literals.

Three layers, all applied before any kernel starts:

* ``rotation.core.strict_yaml.yaml_load`` parses YAML with a loader that refuses tags
  (``!!binary``, ``!!omap``, ``!!python/...``), aliases and duplicate keys, and keeps dates as text.
* ``check_structure`` compares a value with the shape of the notebook's default, element by
  element (``other_pairs = [["iwm", "spy"]]`` is a list of lists of series ids, ``horizons =
  [5, 20]`` a list of whole numbers), and checks text for control characters.
* ``check_literal`` proves that the assignment papermill injects into the notebook is a plain
  Python literal that evaluates back to the very same value, so no value can become code.

What each parameter *means* (its kind, range and allowed values) is declared once, in
``PARAMETERS``; which parameters exist, their types, defaults and help come from the notebooks'
parameters cells (papermill's inspection, ``runner.notebook_parameters``). A test fails when a
notebook declares a parameter ``PARAMETERS`` does not know, or the other way round.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from rotation.core.errors import ParameterError

MAX_TEXT_LENGTH = 1000  # characters in one text value
MAX_LIST_ITEMS = 50  # elements of one list parameter (horizons, pairs)
MAX_SESSIONS = 2520  # about ten years of sessions: the largest window, horizon or span a parameter may name


@dataclass(frozen=True)
class Param:
    """What one notebook parameter means, beyond the type its notebook default gives it.

    ``kind``: ``count`` (a whole number in [low, high]; lists of them too), ``number`` (a real
    number in (low, high), open interval), ``date`` (YYYY-MM-DD or empty), ``series`` (a
    catalogue id or Yahoo ticker, or empty), ``pairs`` (a list of distinct [small, large] series
    pairs), ``choice`` (one of ``choices``), ``claims`` (a claims file), ``folder`` (an existing
    folder), ``runner`` (set by the runner, never by the user). ``unit`` and ``why`` explain
    the bounds in error messages.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    why: str = ""


_SESSIONS = dict(unit="sessions", why="about ten years of sessions at most")
_ROWS = dict(unit="rows")

PARAMETERS: dict[str, Param] = {
    "as_of": Param("date"),
    "data_end": Param("date"),
    "small": Param("series"),
    "large": Param("series"),
    "etf": Param("series"),
    "claims": Param("claims"),
    "data_dir": Param("folder"),
    "run_name": Param("runner"),
    "other_pairs": Param("pairs"),
    "anchor": Param("choice", choices=("streak_end", "first_loss", "as_of")),
    "top_n": Param("count", 1, 1000, **_ROWS),
    "smb_top_n": Param("count", 1, 1000, **_ROWS),
    "top_neighbours": Param("count", 1, 1000, **_ROWS),
    "months_shown": Param("count", 1, 1200, unit="months", why="a century of month-ends at most"),
    "context_sessions": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "fallback_sessions": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "gain_max_sessions": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "low_lookback": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "price_sessions": Param("count", 2, MAX_SESSIONS, **_SESSIONS),
    "rsi_window": Param("count", 2, 250, unit="sessions", why="a year of sessions at most"),
    "ma_short": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "ma_long": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "horizons": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "odds_horizons": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "rank_horizons": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "min_streak": Param("count", 1, 1000, unit="sessions", why="no streak comes near a thousand sessions"),
    "min_streaks": Param("count", 1, 1000, unit="sessions", why="no streak comes near a thousand sessions"),
    "claimed_streak": Param("count", 0, 1000, unit="sessions", why="0 takes the claims file's length"),
    "max_hazard_length": Param("count", 1, 250, unit="sessions"),
    "block_length": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "sequence_block_length": Param("count", 1, MAX_SESSIONS, **_SESSIONS),
    "hac_lags": Param("count", -1, 1000, unit="lags", why="-1 picks the Newey-West rule"),
    "n_boot": Param("count", 100, 100_000, unit="resamples", why="a simulation budget that finishes in minutes"),
    "n_sims": Param("count", 100, 100_000, unit="replications", why="a simulation budget that finishes in minutes"),
    "seed": Param("count", 0, 2**32 - 1, why="numpy seeds are 32-bit here"),
    "rate_years": Param("count", 1, 50, unit="years"),
    "curve_years": Param("count", 1, 50, unit="years"),
    "macro_years": Param("count", 1, 50, unit="years"),
    "level": Param("number", 0.0, 1.0, why="a confidence level"),
    "level_band": Param("number", 0.0, 1.0, why="a fraction of the level"),
    "correction": Param("number", 0.0, 1.0, why="a fraction below the running peak"),
}
ORDERED_PAIRS = (("ma_short", "ma_long"),)  # the first must be smaller than the second


def names_of_kind(*kinds: str) -> frozenset[str]:
    """The declared parameters of the given kinds (e.g. every ``series`` parameter)."""
    return frozenset(name for name, spec in PARAMETERS.items() if spec.kind in kinds)


def _bound(spec: Param) -> str:
    unit = f" {spec.unit}" if spec.unit else ""
    why = f" ({spec.why})" if spec.why else ""
    if spec.kind == "number":
        return f"strictly between {spec.low:g} and {spec.high:g}{why}"
    return f"from {int(spec.low):,} to {int(spec.high):,}{unit}{why}"


def check_declared(name: str, value: object) -> None:
    """Refuse a value outside the range or the allowed values ``PARAMETERS`` declares for ``name``.

    ``value`` has already its notebook type (``check_structure``); None passes (the caller decides
    whether a notebook accepts None); parameters ``PARAMETERS`` does not know are left alone.
    """
    spec = PARAMETERS.get(name)
    if spec is None or value is None:
        return
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) > MAX_LIST_ITEMS:
        raise ParameterError(f"parameter {name}: {len(value)} values (at most {MAX_LIST_ITEMS})")
    if spec.kind == "count":
        if isinstance(value, list) and not value:
            raise ParameterError(f"parameter {name}: the list is empty (give at least one value)")
        for item in items:
            if (
                isinstance(item, bool)
                or not isinstance(item, (int, float))
                or (isinstance(item, float) and not item.is_integer())
            ):
                raise ParameterError(f"parameter {name}: expected a whole number {_bound(spec)}, got {item!r}")
            if not spec.low <= item <= spec.high:
                raise ParameterError(f"parameter {name}: must be {_bound(spec)}, got {_short(item)}")
        if isinstance(value, list) and len(set(value)) != len(value):
            raise ParameterError(f"parameter {name}: the value {_duplicate(value)!r} is given twice")
    elif spec.kind == "number":
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not spec.low < item < spec.high:
                raise ParameterError(f"parameter {name}: must be {_bound(spec)}, got {_short(item)}")
    elif spec.kind == "choice":
        if value not in spec.choices:
            raise ParameterError(f"parameter {name}: must be one of {', '.join(spec.choices)}, got {_short(value)}")
    elif spec.kind == "pairs":
        seen: dict[tuple, int] = {}
        for i, item in enumerate(items):
            if isinstance(item, list) and len(item) == 2 and all(isinstance(m, str) for m in item):
                a, b = (m.strip() for m in item)
                if a == b:
                    raise ParameterError(
                        f"parameter {name}[{i}]: small and large are both {a!r}; a pair needs two different series"
                    )
                if (a, b) in seen:
                    raise ParameterError(
                        f"parameter {name}[{i}]: the pair [{a}, {b}] is given twice (also [{seen[(a, b)]}])"
                    )
                seen[(a, b)] = i


def _duplicate(values: list) -> object:
    seen: set = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return None


def _short(value: object) -> str:
    """A value as shown in one error line: repr, long values cut."""
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-10:]


def check_ordered(values: Mapping[str, object]) -> None:
    """Pairs of parameters whose order matters (``ORDERED_PAIRS``): the first below the second."""
    for first, second in ORDERED_PAIRS:
        a, b = values.get(first), values.get(second)
        if isinstance(a, int) and isinstance(b, int) and not a < b:
            raise ParameterError(f"parameters {first} and {second}: {first} ({a}) must be smaller than {second} ({b})")


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
    """Checks that depend on what a parameter means: series ids, pairs of series ids, dates (see ``PARAMETERS``)."""
    import datetime as dt

    from rotation.data.catalogue import series_spec

    spec = PARAMETERS.get(name)
    if value is None or spec is None:
        return
    items = value if isinstance(value, list) else [value]
    if spec.kind in ("series", "pairs"):
        pairs = spec.kind == "pairs"
        for i, item in enumerate(items):
            if pairs and (not isinstance(item, list) or len(item) != 2):
                raise ParameterError(
                    f"parameter {name}[{i}]: expected a [small, large] pair of series ids, got {item!r}"
                )
            members = item if pairs else [item]
            for j, member in enumerate(members):
                at = f"[{i}][{j}]" if pairs else ("" if not isinstance(value, list) else f"[{i}]")
                if member == "" and not pairs:
                    continue  # empty: the claims file's series
                if not isinstance(member, str):
                    raise ParameterError(f"parameter {name}{at}: expected a series id, got {member!r}")
                try:
                    series_spec(member)
                except ParameterError as exc:
                    raise ParameterError(f"parameter {name}{at}: {exc}") from None
    if spec.kind == "date":
        for i, item in enumerate(items):
            if item == "":
                continue
            at = f"[{i}]" if isinstance(value, list) else ""
            try:
                if not isinstance(item, str) or len(item.strip()) != 10:
                    raise ValueError
                dt.date.fromisoformat(item.strip())
            except ValueError:
                raise ParameterError(
                    f"parameter {name}{at}: {_short(item)} is not a date (expected YYYY-MM-DD)"
                ) from None


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
    "check_all_literal",
    "check_literal",
    "check_meaning",
    "check_plain",
    "check_structure",
    "PARAMETERS",
    "Param",
    "check_declared",
    "check_ordered",
    "default_value",
    "names_of_kind",
    "injected_source",
]
