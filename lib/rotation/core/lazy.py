"""Keep costly, rarely used imports out of the start-up of the runner and its kernels.

``import papermill`` imports nbformat, which imports jsonschema, whose format checker imports
``rfc3987_syntax`` when it is installed; that package builds its URI/IRI grammar parsers at
import (more than a second), although notebook validation (JSON schema draft 4, no format
checks) never uses them. ``defer_uri_syntax`` puts a stand-in module in its place that imports
the real package the first time anything in it is used, so behaviour is unchanged (an IRI
format check still works, only later) and only the unused import cost disappears.

Robust by construction: nothing happens when the package is not installed or already
imported, and any attribute of the stand-in loads the real package.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

URI_SYNTAX_PACKAGE = "rfc3987_syntax"


class _Deferred(types.ModuleType):
    """A stand-in for a package: the first attribute looked up imports the real one."""

    def _load(self) -> types.ModuleType:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        try:
            real = importlib.import_module(name)
        except BaseException:
            sys.modules.setdefault(name, self)
            raise
        return real

    def __getattr__(self, attribute: str):
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return getattr(self._load(), attribute)


def _deferred_function(module: _Deferred, attribute: str):
    def call(*args, **kwargs):
        return getattr(module._load(), attribute)(*args, **kwargs)

    call.__name__ = attribute
    call.__qualname__ = attribute
    return call


def defer_uri_syntax() -> bool:
    """Replace ``rfc3987_syntax`` by a stand-in until it is used; returns True when a stand-in was installed."""
    name = URI_SYNTAX_PACKAGE
    if name in sys.modules:
        return False
    try:
        if importlib.util.find_spec(name) is None:
            return False
    except (ImportError, ValueError):
        return False
    stand_in = _Deferred(name, "stand-in: the real package is imported on first use")
    stand_in.__spec__ = None
    # jsonschema binds this one function at import ("from rfc3987_syntax import is_valid_syntax")
    stand_in.__dict__["is_valid_syntax"] = _deferred_function(stand_in, "is_valid_syntax")
    sys.modules[name] = stand_in
    return True


__all__ = ["defer_uri_syntax"]
