"""Named series: the catalogue, loading (local CSV, cache, download) and the checks on load."""
