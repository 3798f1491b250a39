"""Bottom layer, no project logic: ``errors`` (the exception types), ``fmt`` (numbers and dates as
text), ``verdicts`` (the verdict vocabulary), ``dates`` (the period notation), ``files`` (atomic
writes, file locks), ``paths`` (project, run and figure folders), ``strict_yaml`` (safe YAML),
``lazy`` (deferred imports) and ``threads`` (main-thread check)."""
