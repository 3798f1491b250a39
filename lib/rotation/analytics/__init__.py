"""Pure computations over pandas objects, units in each docstring: ``returns`` (window returns,
values on dates, percentiles), ``streaks``, ``spread``, ``technicals``, ``episodes``, ``forward``,
``nulls`` (null models of streak lengths), ``rarity``, ``aftermath``, ``markets`` (rates, yields,
ranges), ``macro`` (inflation, payrolls, recessions, loans) and ``scan`` (the streak on every session)."""
