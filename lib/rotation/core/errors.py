"""User-facing errors: each carries one line that names the file, column or parameter."""


class RotationError(Exception):
    """Base class for errors shown to the user as a single line (no traceback)."""


class DataError(RotationError):
    """A series could not be loaded, validated, cached or downloaded."""


class ParameterError(RotationError):
    """A notebook or command-line parameter is unknown or has an invalid value."""
