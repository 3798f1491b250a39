"""Measures: one function per kind of claim, each returning one immutable ``Measurement``.

``base`` holds what they share (``Measurement``, the kind registry ``KINDS`` and the ``@kind``
decorator); ``params`` the claims-file schema of every kind's parameters; each other module the
kinds of one area: ``streak`` (the streak in force), ``spread`` (spreads, levels, technicals),
``history`` (past episodes), ``odds`` (null models, rarity, aftermath), ``context`` (rates, yields,
market context), ``macro`` (economic data known by a date) and ``query`` (claims in the claim
language). Measures receive a ``rotation.claims.measuring.Context``. Importing this package
registers every kind. A new kind goes in the module of its area (or a new module
imported below), decorated ``@kind("name")``, with a test on synthetic data.
"""

# Register every kind (imported for their side effect: each module fills base.KINDS).
from rotation.claims.measures import context as _context  # noqa: F401
from rotation.claims.measures import history as _history  # noqa: F401
from rotation.claims.measures import macro as _macro  # noqa: F401
from rotation.claims.measures import odds as _odds  # noqa: F401
from rotation.claims.measures import query as _query  # noqa: F401
from rotation.claims.measures import spread as _spread  # noqa: F401
from rotation.claims.measures import streak as _streak  # noqa: F401
