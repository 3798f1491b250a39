"""What a run writes and shows: ``results`` (results.jsonl), ``scorecard``, ``plots`` and ``colors``
(house style, the one figure saver), ``figexport`` (vector formats), ``report`` (HTML), ``normalize``
(rendered notebooks made reproducible), ``provenance``, ``changes``, ``runs`` (a run folder's status) and
``timeline`` (the timeline's table and figure)."""
