"""Pure computations over pandas objects: returns, streaks, spreads, nulls, episodes, markets."""
