"""Claims: ``measures`` (one function per claim kind -> ``Measurement``; ``measures.params`` their
parameter schemas), ``registry`` (the claims file: loading, checking, lookups), ``measuring``
(``Context``, what one notebook run's measurements share), ``judge`` (the verdict rule) and
``evaluate`` (applicability, alternatives, robustness), then ``timeline`` (every claim's verdict on every
session, through ``evaluate``). Imports go in that order."""
