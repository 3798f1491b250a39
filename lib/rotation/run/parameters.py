"""Parameter values that are safe to hand to a notebook: strict YAML, element-by-element types, plain literals.

Three layers, all applied before any kernel starts:

* ``yaml_load`` parses YAML with a loader that refuses tags (``!!binary``, ``!!omap``,
  ``!!python/...``), aliases and duplicate keys, and keeps dates as text.
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
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent

from rotation.core.errors import ParameterError

MAX_TEXT_LENGTH = 1000  # characters in one text value
SERIES_LIST_PARAMETERS = {"banks", "megacaps"}  # lists of series ids or tickers
SERIES_PAIR_PARAMETERS = {"other_pairs"}  # lists of [small, large] pairs of series ids
DATE_LIST_PARAMETERS = {"suspect_dates"}  # lists of YYYY-MM-DD dates


class YamlRefused(yaml.YAMLError):
    """YAML that parses but is refused (a tag, an alias, a duplicate key); the message is one line."""


class StrictLoader(yaml.SafeLoader):
    """Safe YAML without tags, aliases or duplicate keys; ISO dates stay text (the package parses dates)."""

    def _refuse_tag(self) -> None:
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            mark = event.start_mark
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlRefused(f"YAML tag {shown!r} at line {mark.line + 1}, column {mark.column + 1} is not allowed (values are plain numbers, text and lists)")

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise YamlRefused(f"YAML alias '*{event.anchor}' at line {event.start_mark.line + 1} is not allowed (write the value out)")
        self._refuse_tag()
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise YamlRefused(f"YAML key at line {key_node.start_mark.line + 1} is not plain text") from None
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlRefused(f"duplicate key {key!r} at line {line} (first at line {seen[key]})")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def yaml_load(text: str) -> object:
    """Parse YAML strictly (see ``StrictLoader``); raises ``yaml.YAMLError`` (``YamlRefused`` for refused constructs)."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (SafeLoader subclass)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line describing a YAML error: where, and what."""
    if isinstance(exc, YamlRefused):
        return str(exc)
    mark = getattr(exc, "problem_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    if isinstance(exc, (ComposerError, ConstructorError)) and mark is None:
        mark = getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"not valid YAML{where}: {problem}"


def read_yaml_file(path: str | Path) -> object:
    """A YAML config or run file, parsed strictly; any problem is one ``ParameterError`` line naming the file."""
    target = Path(path)
    if not target.exists():
        raise ParameterError(f"config file {target} not found")
    if target.is_dir():
        raise ParameterError(f"config file {target} is a folder, not a YAML file")
    try:
        text = target.read_text(encoding="utf-8")
    except PermissionError:
        raise ParameterError(f"config file {target} cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise ParameterError(f"config file {target} is not UTF-8 text") from None
    except OSError as exc:
        raise ParameterError(f"config file {target} cannot be read ({exc.strerror or exc})") from None
    try:
        return yaml_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{target}: {yaml_problem(exc)}") from None


# ---------------------------------------------------------------------------------------------
# Shapes


def default_value(default_source: str | None) -> object:
    """The notebook's default as a Python value (None when it is not a plain literal)."""
    try:
        return ast.literal_eval(default_source) if default_source else None
    except (ValueError, SyntaxError):
        return None


def element_default(default_source: str | None) -> object:
    """The first element of a list default, which gives the shape of every element (None: any plain value)."""
    value = default_value(default_source)
    if isinstance(value, (list, tuple)) and value:
        return value[0]
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

    from rotation.data.loading import series_spec

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
    "YamlRefused",
    "check_all_literal",
    "check_literal",
    "check_meaning",
    "check_plain",
    "check_structure",
    "default_value",
    "element_default",
    "injected_source",
    "read_yaml_file",
    "yaml_load",
    "yaml_problem",
]
