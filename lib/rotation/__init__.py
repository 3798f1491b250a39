"""rotation: re-checking articles about small-cap streaks, claim by claim, against market data.

Packages by layer; a module imports only from its own layer and those below
(tests/test_architecture.py checks it; docs/architecture.md has the map of every module):

core       errors, number/date formatting, verdict words, periods, atomic files and locks, paths
data       the series catalogue, loading (local CSV, cache, download), checks on load
analytics  pure computations over pandas objects: returns, streaks, spreads, nulls, episodes, markets, macro
language   the claim language: primitives, queries, the claims-file schema
claims     the claims file, one measure per claim kind, the verdict rule, evaluation and robustness
outputs    results records, scorecard, figures, report, normalised notebooks, a run folder's status
run        notebook parameters, preflight, staging, kernels, the runner, sweeps, the scan and export commands
cli        ``rotation run | params | scan | report | export``
"""

import _signal  # the C module, loaded with the interpreter (`signal` would first import enum)
import os
import sys

# The `rotation` command starts here (its console script is __main__): a Ctrl-C while it loads is one line and
# exit 130 (rotation.cli.main takes over, see _is_the_command there); SIGINT left ignored by the caller stays so.
if os.path.basename(getattr(sys.modules.get("__main__"), "__file__", None) or "") in ("rotation", "rotation.exe") and (
    _signal.getsignal(_signal.SIGINT) is not _signal.SIG_IGN
):
    _signal.signal(_signal.SIGINT, lambda signum, frame: (os.write(2, b"error: interrupted\n"), os._exit(130)))

from rotation.core.errors import RotationError  # noqa: E402

__all__ = ["RotationError"]
__version__ = "0.1.0"
