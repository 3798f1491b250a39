"""Bottom layer: errors, formatting, verdict words, atomic files, project paths; no pandas logic."""
