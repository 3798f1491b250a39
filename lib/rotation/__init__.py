"""rotation: re-checking the January 2026 small-cap rotation article against market data.

Modules
-------
data      named series from a local CSV folder, the cache, or a live download
streaks   returns on a common calendar, daily spread, outperformance streaks
claims    the claims registry (data/claims.yaml) and the verdict rule
results   the per-run results file read by the scorecard
plots     the house figure style and save_figure
runner    papermill execution of the notebook collection
"""

from rotation.errors import RotationError

__all__ = ["RotationError"]
__version__ = "0.1.0"
