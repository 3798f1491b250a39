"""Named daily series: ``catalogue`` (what each series id means and where it lives), ``loading``
(local CSV folder, cache, live download) and ``checks`` (validation of every file and pair on load).
A new series goes in ``catalogue.CATALOGUE``."""
