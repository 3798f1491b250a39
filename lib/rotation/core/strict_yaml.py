"""Strict YAML: plain numbers, text, lists and mappings only; dates stay text.

``yaml_load`` parses with a loader that refuses tags (``!!binary``, ``!!omap``,
``!!python/...``), aliases and duplicate keys; ``read_yaml_file`` reads a config or run file
and turns any problem into one ``ParameterError`` line naming the file. Used for claims files
(``rotation.claims.registry``) and parameter values (``rotation.run.parameters``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent

from rotation.core.errors import ParameterError

MAX_CONFIG_BYTES = 1_000_000  # a --config file larger than this is refused before it is parsed
MAX_YAML_DEPTH = 50  # nesting of a YAML document (a run file needs 3)
MAX_NUMBER_DIGITS = 30  # digits of one number in YAML (a seed has 10)


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
            raise YamlRefused(
                f"YAML tag {shown!r} at line {mark.line + 1}, column {mark.column + 1} is not allowed (values are plain numbers, text and lists)"
            )

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_YAML_DEPTH:
            mark = self.peek_event().start_mark
            raise YamlRefused(
                f"YAML nested more than {MAX_YAML_DEPTH} levels deep at line {mark.line + 1} (a parameter file needs three)"
            )
        self._depth = depth + 1
        try:
            return self._compose_checked(parent, index)
        finally:
            self._depth = depth

    def construct_yaml_int(self, node):  # noqa: D102 - PyYAML hook
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_NUMBER_DIGITS:
            raise YamlRefused(
                f"number at line {node.start_mark.line + 1} has {digits} digits (at most {MAX_NUMBER_DIGITS})"
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):  # noqa: D102 - PyYAML hook
        if len(str(node.value)) > 4 * MAX_NUMBER_DIGITS:
            raise YamlRefused(f"number at line {node.start_mark.line + 1} is {len(str(node.value))} characters long")
        return super().construct_yaml_float(node)

    def _compose_checked(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise YamlRefused(
                f"YAML alias '*{event.anchor}' at line {event.start_mark.line + 1} is not allowed (write the value out)"
            )
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


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)
StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def yaml_load(text: str) -> object:
    """Parse YAML strictly (see ``StrictLoader``); raises ``yaml.YAMLError`` (``YamlRefused`` for refused constructs)."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (SafeLoader subclass)
    except RecursionError:
        raise YamlRefused(f"YAML nested too deeply (at most {MAX_YAML_DEPTH} levels)") from None
    except (ValueError, OverflowError) as exc:  # e.g. a number Python refuses to convert
        raise YamlRefused(f"value Python cannot convert ({' '.join(str(exc).split())[:100]})") from None


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
    import stat

    target = Path(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        raise ParameterError(f"config file {target} not found") from None
    except OSError as exc:
        raise ParameterError(f"config file {target} cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ParameterError(f"config file {target} is a folder, not a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise ParameterError(f"config file {target} is not a regular file (a pipe or device); give a YAML file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ParameterError(
            f"config file {target} is {info.st_size:,} bytes (at most {MAX_CONFIG_BYTES:,}); a parameter file is a few lines"
        )
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
