"""rotation: re-checking articles about small-cap streaks, claim by claim, against market data.

Layers (docs/architecture.md has the full map):

data        rotation.data          named series: local CSV folder, cache, or live download
analytics   rotation.analytics.returns, streaks, spread, technicals, episodes, forward, nulls, context
measures    rotation.claims.measures      one function per claim kind -> an immutable Measurement
claims      rotation.claims        the claims file, judge, applicability, evaluate + robustness
outputs     rotation.outputs.results, scorecard, plots, report
runner/CLI  rotation.run.runner, sweep, cli

A new claim kind goes in ``rotation/measures/`` (a function decorated ``@kind("name")``), with a
unit test on synthetic data; a claims file then uses it by name (docs/check_another_article.md).
"""

from rotation.core.errors import RotationError

__all__ = ["RotationError"]
__version__ = "0.1.0"
