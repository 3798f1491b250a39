"""What each notebook shows: one module per notebook, above ``outputs`` and below ``run``.

A notebook states its claims, sets its parameters, makes one ``setup`` call
(``rotation.studies.page``), calls the functions of its study module, displays the typed results
they return (dataclasses holding tables, numbers and the words that go with them) and records its
verdicts in one call. The computations and the decisions live here, tested in ``tests/``; the
notebook never branches on a measured value.
"""
