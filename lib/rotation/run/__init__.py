"""Executing notebooks: ``notebooks`` (the collection and its declared parameters), ``parameters``
(types, ranges, safe literals), ``preflight`` (data checks before any kernel), ``staging``
(all-or-nothing publishing, run locks), ``kernels``, ``runner``, ``sweep``, ``lab`` (JupyterLab
hook), and the ``scan_command``, ``timeline_command`` and ``export_command`` of the CLI."""
